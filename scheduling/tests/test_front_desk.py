"""The front desk: check in, complete, no-show, from the staff API, the admin and the day schedule, with
illegal moves refused; the admin never writes while checking a form, and no admin page answers 500."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django import forms
from django.urls import reverse

from scheduling import bookings, clinic_time
from scheduling.admin.forms import BookingAdminForm, as_validation_error
from scheduling.models import Booking, BookingEvent
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(api, staff_key):
    desk = staff_member("desk", *FRONT_DESK)
    # Valid past tomorrow's morning, where `on_the_day` takes the clock whatever the time of the run.
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(desk, days=3)}")
    return api


def make_booking(appointment_type, day, hour, name="Ada Lovelace", **patient) -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(appointment_type, day, time(hour)), patient=bookings.PatientDetails(name=name, **patient)
    )
    return booking


@pytest.fixture
def on_the_day(tomorrow):
    """The clock at 09:30 on the booking's day."""
    with time_machine.travel(clinic_time.at(tomorrow, time(9, 30)), tick=False) as traveller:
        yield traveller


def post(api, booking, action):
    return api.post(f"/api/calendly/bookings/{booking.reference}/{action}", format="json")


def test_check_in_then_complete_through_the_staff_api(staff_api, consultation, tomorrow, on_the_day):
    booking = make_booking(consultation, tomorrow, 10)
    arrived = post(staff_api, booking, "check-in")
    assert arrived.status_code == 200
    assert arrived.json()["status"] == "checked_in"
    done = post(staff_api, booking, "complete")
    assert (done.status_code, done.json()["status"], done.json()["revision"]) == (200, "completed", 3)


def test_no_show_only_once_the_start_has_passed(staff_api, consultation, tomorrow, on_the_day):
    booking = make_booking(consultation, tomorrow, 10)
    early = post(staff_api, booking, "no-show")
    assert early.status_code == 400
    assert early.json()["code"] == "not_started"
    on_the_day.shift(timedelta(minutes=45))
    assert post(staff_api, booking, "no-show").json()["status"] == "no_show"


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("complete", None, "illegal_transition"),  # completing someone who never arrived
        ("check-in", "no-show", "illegal_transition"),
        ("check-in", "check-in", "illegal_transition"),
    ],
)
def test_illegal_transitions_are_a_clear_400_and_change_nothing(
    staff_api, consultation, tomorrow, on_the_day, first, then, code
):
    booking = make_booking(consultation, tomorrow, 10)
    on_the_day.shift(timedelta(hours=1))
    response = post(staff_api, booking, first)
    if then:
        assert response.status_code == 200
        response = post(staff_api, booking, then)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "status" in response.json()["errors"]
    assert BookingEvent.objects.filter(booking=booking).count() == (2 if then else 1)


def test_check_in_is_for_the_appointments_own_day(staff_api, consultation, tomorrow):
    booking = make_booking(consultation, tomorrow + timedelta(days=1), 10)
    response = post(staff_api, booking, "check-in")
    assert response.status_code == 400
    assert response.json()["code"] == "not_today"


def test_a_cancelled_booking_cannot_be_checked_in(staff_api, consultation, tomorrow, on_the_day):
    booking = make_booking(consultation, tomorrow, 10)
    bookings.cancel(booking, by=bookings.PATIENT)
    assert post(staff_api, booking, "check-in").json()["code"] == "already_cancelled"


def test_patients_cannot_use_the_front_desk_calls(api, book, tomorrow):
    body = book(tomorrow, "10:00").json()
    for action in ("check-in", "complete", "no-show"):
        url = f"/api/calendly/bookings/{body['booking_id']}/{action}?token={body['manage_token']}"
        assert api.post(url).status_code == 401
    assert Booking.objects.get().status == "confirmed"


def test_the_bookings_list_filters_by_every_status(staff_api, consultation, tomorrow, on_the_day):
    arrived, gone, cancelled = (make_booking(consultation, tomorrow, hour) for hour in (10, 11, 12))
    bookings.check_in(arrived, by=bookings.PATIENT)
    bookings.cancel(cancelled, by=bookings.PATIENT)
    on_the_day.shift(timedelta(hours=2))
    bookings.mark_no_show(gone, by=bookings.PATIENT)
    for status, expected in [("checked_in", arrived), ("no_show", gone), ("cancelled", cancelled)]:
        found = staff_api.get("/api/calendly/bookings", {"status": status}).json()["results"]
        assert [b["booking_id"] for b in found] == [expected.reference]
    assert staff_api.get("/api/calendly/bookings", {"status": "lost"}).status_code == 400


def test_admin_actions_move_bookings_along_and_say_what_they_refused(on_the_day, admin_client, consultation, tomorrow):
    first, second = make_booking(consultation, tomorrow, 10), make_booking(consultation, tomorrow, 11)
    url = reverse("admin:scheduling_booking_changelist")
    response = admin_client.post(
        url, {"action": "check_in_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "Checked in 2 booking(s)." in response.content.decode()
    response = admin_client.post(url, {"action": "no_show_selected", "_selected_action": [first.pk]}, follow=True)
    assert "A checked in booking cannot be marked as a no-show." in response.content.decode()
    admin_client.post(url, {"action": "complete_selected", "_selected_action": [first.pk]})
    assert Booking.objects.get(pk=first.pk).status == "completed"
    assert BookingEvent.objects.get(booking=first, kind="completed").channel == "admin"


def test_the_day_schedule_has_front_desk_buttons(on_the_day, admin_client, consultation, tomorrow):
    booking = make_booking(consultation, tomorrow, 10)
    url = reverse("admin:scheduling_booking_day")
    page = admin_client.get(url, {"date": tomorrow.isoformat()}).content.decode()
    assert 'value="check_in"' in page
    admin_client.post(
        f"{url}?date={tomorrow}", {"reference": booking.reference, "revision": booking.revision, "action": "check_in"}
    )
    assert Booking.objects.get(pk=booking.pk).status == "checked_in"
    page = admin_client.get(url, {"date": tomorrow.isoformat()}).content.decode()
    assert 'value="complete"' in page and "Checked in" in page


def test_the_day_schedule_refuses_a_change_to_a_booking_someone_else_changed(
    on_the_day, admin_client, consultation, tomorrow
):
    booking = make_booking(consultation, tomorrow, 10)
    seen = booking.revision
    bookings.cancel(booking, by=bookings.PATIENT)
    url = reverse("admin:scheduling_booking_day")
    response = admin_client.post(
        url, {"reference": booking.reference, "revision": seen, "action": "check_in"}, follow=True
    )
    assert "cannot be checked in" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"


def test_a_refused_check_in_on_the_day_schedule_names_the_booking_as_written(admin_client, consultation, tomorrow):
    booking = make_booking(consultation, tomorrow, 10)
    url = reverse("admin:scheduling_booking_day")
    response = admin_client.post(
        f"{url}?date={tomorrow}",
        {"reference": booking.reference, "revision": booking.revision, "action": "check_in"},
        follow=True,
    )
    text = response.content.decode()
    assert f"Not changed, {booking.reference}: A patient can be checked in on the day" in text
    assert "Bk_" not in text
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_the_day_schedule_shows_buffers_as_blocked_time(admin_client, consultation, tomorrow):
    consultation.buffer_after_minutes = 15
    consultation.save()
    make_booking(consultation, tomorrow, 10)
    page = admin_client.get(reverse("admin:scheduling_booking_day"), {"date": tomorrow.isoformat()}).content.decode()
    assert "Buffer (15 min)" in page
    assert "Free (375 min)" in page  # 10:45-17:00, not from 10:30


def test_the_admin_shows_earlier_no_shows_of_the_same_patient(
    client, admin_user, sign_in_past_mfa, consultation, tomorrow
):
    with time_machine.travel(clinic_time.at(tomorrow, time(8)), tick=False) as traveller:
        admin_client = client
        sign_in_past_mfa(admin_client, admin_user)  # on the day: yesterday's session would be past its 12 hours
        missed = make_booking(consultation, tomorrow, 9, email="pat@example.com")
        traveller.shift(timedelta(hours=2))
        bookings.mark_no_show(missed, by=bookings.PATIENT)
        later = make_booking(consultation, tomorrow, 15, name="Pat", email="pat@example.com")
        other = make_booking(consultation, tomorrow, 16, name="Someone Else", email="else@example.com")
        page = admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
        change = admin_client.get(reverse("admin:scheduling_booking_change", args=[later.pk])).content.decode()
    assert later.reference in page and other.reference in page
    assert '<td class="field-earlier_no_shows">1</td>' in page
    assert '<td class="field-earlier_no_shows">0</td>' in page
    assert "Earlier no-shows" in change


def test_a_desk_booking_shows_the_manage_link_once(admin_client, consultation, tomorrow):
    url = reverse("admin:scheduling_booking_add")
    body = {"appointment_type": consultation.pk, "date": tomorrow.isoformat(), "start_time": "10:00"}
    response = admin_client.post(url, {**body, "patient_name": "Walk In"}, follow=True)
    booking = Booking.objects.get()
    page = response.content.decode()
    assert f"/manage/{booking.reference}/?token=" in page
    token = page.split(f"/manage/{booking.reference}/?token=")[1].split('"')[0]
    assert booking.accepts_manage_token(token)
    again = admin_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    assert "?token=" not in again
    assert BookingEvent.objects.get(booking=booking).channel == "admin"


def test_losing_a_race_after_the_form_checked_out_re_renders_the_form(
    admin_client, consultation, tomorrow, monkeypatch
):
    """The form checked while the time was free; a patient took it before the save: the desk sees why."""
    make_booking(consultation, tomorrow, 10, name="Faster Patient")

    def checked_before_the_other_booking_committed(form):
        cleaned = forms.ModelForm.clean(form)
        if form.lost_race:
            raise as_validation_error(form, form.lost_race)
        return cleaned

    monkeypatch.setattr(BookingAdminForm, "clean", checked_before_the_other_booking_committed)
    body = {"appointment_type": consultation.pk, "date": tomorrow.isoformat(), "start_time": "10:00"}
    response = admin_client.post(reverse("admin:scheduling_booking_add"), {**body, "patient_name": "Walk In"})
    assert response.status_code == 200
    assert "This time is no longer available" in response.content.decode()
    assert list(Booking.objects.values_list("patient_name", flat=True)) == ["Faster Patient"]


def edit_form(booking: Booking, **changed) -> dict:
    """The change page's form as staff submit it: the booking as shown, with their changes."""
    local = clinic_time.local(booking.starts_at)
    shown = {
        "practitioner": booking.practitioner.pk,
        "date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "patient_name": booking.patient_name,
        "seen_revision": booking.revision,
    }
    return {**shown, **changed}


def test_editing_a_booking_someone_else_changed_is_refused(admin_client, consultation, tomorrow):
    booking = make_booking(consultation, tomorrow, 10)
    url = reverse("admin:scheduling_booking_change", args=[booking.pk])
    form = edit_form(booking, patient_name="Ada King")
    bookings.reschedule(
        booking, bookings.RequestedSlot(booking.appointment_type, tomorrow, time(11))
    )  # a patient moves it meanwhile
    response = admin_client.post(url, {**form, "start_time": "11:00"})
    assert response.status_code == 200
    assert "changed meanwhile" in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).patient_name == "Ada Lovelace"


def test_staff_edits_of_patient_details_are_one_event(admin_client, consultation, tomorrow):
    booking = make_booking(consultation, tomorrow, 10)
    url = reverse("admin:scheduling_booking_change", args=[booking.pk])
    form = edit_form(booking, patient_name="Ada King", patient_phone="+44 20 7946 0000")
    assert admin_client.post(url, form).status_code == 302
    event = BookingEvent.objects.get(booking=booking, revision=2)
    assert event.kind == "patient_details_changed"
    assert set(event.changes) == {"patient_name", "patient_phone"}
    history = admin_client.get(url).content.decode()
    assert "Patient details changed" in history and "Ada Lovelace \u2192 Ada King" in history


@pytest.mark.parametrize(
    "query",
    [
        "day/?date=2026-02-30",
        "day/?date=2026-13-01",
        "day/?date=yesterday",
        "?when=bogus",
        "?status__exact=bogus",
        "?starts_at__day=40&starts_at__month=2&starts_at__year=2026",
        "?starts_at__year=abc",
        "?o=99",
        "?practitioner__id__exact=x",
        "?q=%00",
        "?p=-1",
    ],
)
def test_no_admin_page_answers_500_to_a_bad_query_string(admin_client, query):
    response = admin_client.get(reverse("admin:scheduling_booking_changelist") + query)
    assert response.status_code in (200, 302)


def test_a_date_off_the_calendar_says_so_and_shows_today(admin_client):
    response = admin_client.get(reverse("admin:scheduling_booking_day"), {"date": "2026-02-30"}, follow=True)
    page = response.content.decode()
    assert "2026-02-30 is not a date on the calendar" in page
    assert f"{clinic_time.today():%A %d %B %Y}" in page


def test_the_no_show_count_ignores_patients_without_contact_details(admin_client, consultation, tomorrow):
    day = tomorrow
    with time_machine.travel(datetime.combine(day, time(7), tzinfo=clinic_time.zone()), tick=False) as traveller:
        missed = make_booking(consultation, day, 9, name="Anonymous")
        traveller.shift(timedelta(hours=3))
        bookings.mark_no_show(missed, by=bookings.PATIENT)
        make_booking(consultation, day, 15, name="Another Anonymous")
        page = admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
    assert '<td class="field-earlier_no_shows">1</td>' not in page
