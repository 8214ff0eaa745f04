"""Courses of treatment in the admin: the desk previews and books a course from a patient's or a booking's
page, lists courses, opens one with its visits, cancels from one visit on, and moves one visit alone."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from scheduling import bookings, clinic_time
from scheduling.admin.course_form import pattern_in_words
from scheduling.bookings.series import CoursePlan, book_course
from scheduling.models import AppointmentType, Booking, BookingEvent, BookingSeries, Patient, PatientDataRead
from scheduling.slots.recurrence import Recurrence
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db

ADD = reverse("admin:scheduling_bookingseries_add")
LIST = reverse("admin:scheduling_bookingseries_changelist")
# Staff may book any type, up to 52 weeks ahead: the tests' own courses are booked as staff.
STAFF = bookings.Actor(BookingEvent.Actor.STAFF, "tests")


@pytest.fixture
def physio(db) -> AppointmentType:
    return AppointmentType.objects.create(
        slug="physiotherapy", name="Physiotherapy", duration_minutes=45, slot_interval_minutes=15, allow_series=True
    )


@pytest.fixture
def sarah(make_practitioner, physio):
    return make_practitioner("sarah-lindqvist", types=[physio], hours=((time(8), time(16)),), name="Sarah Lindqvist")


@pytest.fixture
def jonas(make_practitioner, physio):
    return make_practitioner("jonas-berg", types=[physio], hours=((time(9), time(17)),), name="Jonas Berg")


@pytest.fixture
def ada(db) -> Patient:
    return Patient.objects.create(given_name="Ada", family_name="Lovelace", email="ada@example.com")


@pytest.fixture
def tuesday(today) -> date:
    """A Tuesday at least two days ahead, clear of any notice."""
    day = today + timedelta(days=2)
    return day + timedelta(days=(1 - day.weekday()) % 7)


@pytest.fixture
def desk(client, sign_in_past_mfa):
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    return client


def course_form(who: Patient, physio, practitioner, first_day: date, **changes) -> dict:
    form = {
        "patient": who.reference,
        "appointment_type": physio.pk,
        "practitioner": practitioner.pk if practitioner else "",
        "weekdays": [2],
        "start_time": "09:00",
        "start_date": first_day.isoformat(),
        "interval": 1,
        "count": 8,
        "until": "",
        "on_conflict": "fail",
        "_preview": "Preview the dates",
    }
    return {**form, **changes}


def book_through_the_form(client, form: dict):
    previewed = client.post(ADD, form)
    assert previewed.status_code == 200
    fingerprint = previewed.context["previewed"]
    assert fingerprint, previewed.context["form"].errors
    return client.post(ADD, {**form, "_book": "Book", "previewed": fingerprint})


def booked_course(ada, physio, practitioner, first_day, *, count=8, now=None) -> BookingSeries:
    plan = CoursePlan(physio, Recurrence(first_day, (first_day.isoweekday(),), time(9), count=count), practitioner)
    patient = bookings.PatientDetails(name="Ada Lovelace", email="ada@example.com", record=ada)
    series, _, _ = book_course(plan, patient=patient, by=STAFF, now=now)
    return series


def shown(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_receptionist_books_tuesdays_at_nine_for_eight_weeks_from_the_patients_page(
    desk, ada, physio, sarah, tuesday
):
    page = shown(desk.get(reverse("admin:scheduling_patient_change", args=[ada.pk])))
    assert f"{ADD}?patient={ada.reference}" in page and "Book a course" in page

    opened = shown(desk.get(f"{ADD}?patient={ada.reference}"))
    assert "Book a course for Ada Lovelace" in opened and 'name="weekdays"' in opened

    form = course_form(ada, physio, sarah, tuesday)
    previewed = shown(desk.post(ADD, form))
    assert previewed.count(">Free</td>") == 8
    assert f"{tuesday:%a} {tuesday.day} {tuesday:%b %Y}" in previewed and "Book 8 visits" in previewed
    assert not BookingSeries.objects.exists() and not Booking.objects.exists()  # a preview writes nothing

    response = book_through_the_form(desk, form)
    series = BookingSeries.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:scheduling_bookingseries_change", args=[series.pk]
    )
    visits = list(series.bookings.order_by("series_index"))
    assert [v.series_index for v in visits] == list(range(1, 9))
    assert [clinic_time.local(v.starts_at).replace(tzinfo=None) for v in visits] == [
        clinic_time.local(clinic_time.at(tuesday + timedelta(weeks=n), time(9))).replace(tzinfo=None) for n in range(8)
    ]
    assert {(v.status, v.patient_id, v.practitioner_id) for v in visits} == {
        (Booking.Status.CONFIRMED, ada.pk, sarah.pk)
    }
    messages = said(response)
    assert f"Booked 8 visits of the course {series.reference}." in messages
    assert any(f"/manage/course/{series.reference}/?token=" in message for message in messages)

    course = shown(desk.get(response["Location"]))
    assert "Tuesdays 09:00, weekly, 8 visits" in course and "Ada Lovelace" in course
    for visit in visits:
        assert reverse("admin:scheduling_booking_change", args=[visit.pk]) in course


def test_a_taken_date_shows_with_alternatives_and_all_or_nothing_books_nothing(desk, ada, physio, sarah, tuesday):
    third = tuesday + timedelta(weeks=2)
    bookings.book(
        bookings.RequestedSlot(physio, third, time(9), sarah), patient=bookings.PatientDetails(name="Bo Taken")
    )
    form = course_form(ada, physio, sarah, tuesday)

    response = desk.post(ADD, form)
    page = shown(response)
    taken = [date for date in response.context["reports"] if date["status"] == "conflict"]
    assert [(date["index"], date["day"]) for date in taken] == [(3, third)]
    assert "This time is already booked." in page and "09:45 with Sarah Lindqvist" in page
    assert "cannot be booked: choose another time" in page and "Book 7" not in page

    refused = desk.post(ADD, {**form, "_book": "Book", "previewed": response.context["previewed"] or "x"})
    assert "1 of the course&#x27;s 8 dates cannot be booked" in shown(refused)
    assert not BookingSeries.objects.exists() and Booking.objects.count() == 1


def test_skipping_books_the_free_dates_and_says_which_were_not(desk, ada, physio, sarah, tuesday):
    third = tuesday + timedelta(weeks=2)
    bookings.book(
        bookings.RequestedSlot(physio, third, time(9), sarah), patient=bookings.PatientDetails(name="Bo Taken")
    )

    response = book_through_the_form(desk, course_form(ada, physio, sarah, tuesday, on_conflict="skip"))

    series = BookingSeries.objects.get()
    assert sorted(series.bookings.values_list("series_index", flat=True)) == [1, 2, 4, 5, 6, 7, 8]
    assert f"Not booked: {third:%a %d %b}: This time is already booked." in said(response)


def test_book_books_what_the_preview_showed_not_a_form_changed_since(desk, ada, physio, sarah, tuesday):
    form = course_form(ada, physio, sarah, tuesday)
    fingerprint = desk.post(ADD, form).context["previewed"]

    response = desk.post(ADD, {**form, "count": 12, "_book": "Book", "previewed": fingerprint})

    assert "Book 12 visits" in shown(response) and not BookingSeries.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": 1}, "count"),
        ({"count": 53}, "count"),
        ({"until": "{later}"}, "count"),  # both count and until
        ({"count": "", "until": "{earlier}"}, "until"),
        ({"interval": 5}, "interval"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [1, 2, 3, 4]}, "weekdays"),
        ({"start_time": "09:05"}, "start_time"),
        ({"patient": "pt_nobody"}, "patient"),
    ],
)
def test_a_bad_course_is_an_error_on_its_field_and_nothing_is_stored(desk, ada, physio, sarah, tuesday, changes, field):
    dates = {
        "{later}": (tuesday + timedelta(weeks=4)).isoformat(),
        "{earlier}": (tuesday - timedelta(days=1)).isoformat(),
    }
    changes = {name: dates.get(value, value) if isinstance(value, str) else value for name, value in changes.items()}

    response = desk.post(ADD, course_form(ada, physio, sarah, tuesday, **changes))

    form = response.context["form"]
    assert list(form.errors) == [field], form.errors
    assert f"field-{field} errors" in shown(response) or field == "patient"
    assert not response.context["previewed"] and "Book " not in shown(response).split("submit-row")[-1]
    assert not BookingSeries.objects.exists() and not Booking.objects.exists()


def test_from_a_booking_the_form_opens_with_its_type_practitioner_weekday_and_time(desk, ada, physio, sarah, tuesday):
    first, _ = bookings.book(
        bookings.RequestedSlot(physio, tuesday, time(10, 15), sarah),
        patient=bookings.PatientDetails(name="Ada Lovelace", email="ada@example.com"),
    )
    page = shown(desk.get(reverse("admin:scheduling_booking_change", args=[first.pk])))
    assert f"{ADD}?booking={first.pk}" in page

    response = desk.get(f"{ADD}?booking={first.pk}")

    initial = response.context["form"].initial
    assert (initial["appointment_type"], initial["practitioner"], initial["weekdays"], initial["start_time"]) == (
        physio.pk,
        sarah.pk,
        [2],
        "10:15",
    )
    assert initial["start_date"] == tuesday + timedelta(weeks=1)
    assert (
        f'For <a href="{reverse("admin:scheduling_patient_change", args=[first.patient.pk])}">Ada Lovelace</a>'
        in shown(response)
    )


def test_the_list_says_each_course_in_words_and_counts_its_visits(desk, ada, physio, sarah, tuesday):
    series = booked_course(ada, physio, sarah, tuesday)
    bookings.cancel(series.bookings.get(series_index=8), by=STAFF)
    before = PatientDataRead.objects.count()

    page = shown(desk.get(LIST))

    assert series.reference in page and "Tuesdays 09:00, weekly, 8 visits" in page
    assert "7 booked, 1 cancelled" in page and "Sarah Lindqvist" in page and "Ada Lovelace" in page
    assert PatientDataRead.objects.count() == before + 1  # the patient the list names


def test_pattern_in_words_names_several_days_and_the_interval(ada, physio):
    series = BookingSeries(
        patient=ada,
        appointment_type=physio,
        weekdays=[1, 4],
        start_time=time(8, 30),
        interval=2,
        until=date(2027, 3, 2),
    )
    assert pattern_in_words(series) == "Mondays and Thursdays 08:30, every 2 weeks, until 02 Mar 2027"


def test_a_visit_says_which_of_its_course_it_is_and_offers_to_cancel_from_it(desk, ada, physio, sarah, tuesday):
    series = booked_course(ada, physio, sarah, tuesday)
    third = series.bookings.get(series_index=3)

    page = shown(desk.get(reverse("admin:scheduling_booking_change", args=[third.pk])))

    course = reverse("admin:scheduling_bookingseries_change", args=[series.pk])
    assert f'Visit 3 of 8 of course <a href="{course}">{series.reference}</a>' in page
    cancel = reverse("admin:scheduling_bookingseries_cancel", args=[series.pk])
    assert f'{cancel}?from=3">Cancel this and all following visits' in page


def test_cancelling_from_a_visit_confirms_then_cancels_it_and_those_after_and_keeps_what_happened(
    desk, ada, physio, sarah, today
):
    # Booked three weeks ago from two weeks ago: two visits have passed, the first was completed.
    first_day = today - timedelta(weeks=2)
    series = booked_course(ada, physio, sarah, first_day, count=6, now=clinic_time.now() - timedelta(weeks=3))
    first = series.bookings.get(series_index=1)
    bookings.check_in(first, by=STAFF, now=first.starts_at)
    bookings.complete(Booking.objects.get(pk=first.pk), by=STAFF, now=first.starts_at + timedelta(minutes=45))
    visits = {v.series_index: v for v in series.bookings.all()}
    upcoming = [i for i, v in visits.items() if v.starts_at > clinic_time.now()]
    cancel = reverse("admin:scheduling_bookingseries_cancel", args=[series.pk])

    confirm = desk.get(f"{cancel}?from=1")
    page = shown(confirm)
    assert [why for _, _, why in confirm.context["visits"]] == [
        "Completed",
        "Has passed",
        *("" if i in upcoming else "Has passed" for i in range(3, 7)),
    ]
    assert f"Yes, cancel {len(upcoming)} visits" in page and "Kept (completed)" in page

    no_reason = desk.post(cancel, {"from": 1, "reason": ""})
    assert "This field is required." in shown(no_reason)
    assert not series.bookings.filter(status=Booking.Status.CANCELLED).exists()

    done = desk.post(cancel, {"from": 1, "reason": "Feeling better"})

    assert done.status_code == 302
    statuses = dict(series.bookings.values_list("series_index", "status"))
    assert statuses[1] == Booking.Status.COMPLETED and statuses[2] == Booking.Status.CONFIRMED
    assert [i for i, status in statuses.items() if status == Booking.Status.CANCELLED] == sorted(upcoming)
    messages = said(done)
    assert messages[0].startswith(f"Cancelled visits {upcoming[0]} (")
    assert "Kept as they were: 1 (" in messages[1] and "): Completed; 2 (" in messages[1]
    assert set(series.bookings.filter(status="cancelled").values_list("cancellation_reason", flat=True)) == {
        "Feeling better"
    }


def test_cancelling_from_the_third_visit_leaves_the_first_two(desk, ada, physio, sarah, tuesday):
    series = booked_course(ada, physio, sarah, tuesday)
    cancel = reverse("admin:scheduling_bookingseries_cancel", args=[series.pk])

    desk.post(cancel, {"from": 3, "reason": "Moving away"})

    statuses = dict(series.bookings.values_list("series_index", "status"))
    assert [i for i, s in sorted(statuses.items()) if s == Booking.Status.CONFIRMED] == [1, 2]
    assert BookingSeries.objects.get().status == BookingSeries.Status.ACTIVE


def test_moving_one_visit_keeps_its_number_and_leaves_the_others(admin_client, ada, physio, sarah, tuesday):
    series = booked_course(ada, physio, sarah, tuesday)
    before = dict(series.bookings.values_list("series_index", "starts_at"))
    second = series.bookings.get(series_index=2)
    wednesday = clinic_time.local_date(second.starts_at) + timedelta(days=1)

    response = admin_client.post(
        reverse("admin:scheduling_booking_change", args=[second.pk]),
        {
            "practitioner": sarah.pk,
            "date": wednesday.isoformat(),
            "start_time": "11:00",
            "seen_revision": second.revision,
            "patient_name": second.patient_name,
            "patient_email": second.patient_email,
            "patient_phone": "",
            "patient_birth_date": "",
            "reason_for_visit": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    moved = Booking.objects.get(pk=second.pk)
    assert (moved.series_id, moved.series_index) == (series.pk, 2)
    assert clinic_time.local(moved.starts_at).replace(tzinfo=None) == clinic_time.local(
        clinic_time.at(wednesday, time(11))
    ).replace(tzinfo=None)
    after = dict(series.bookings.values_list("series_index", "starts_at"))
    assert {i: t for i, t in after.items() if i != 2} == {i: t for i, t in before.items() if i != 2}


def test_a_practitioner_sees_only_their_own_courses_and_books_none(
    client, sign_in_past_mfa, ada, physio, sarah, jonas, tuesday
):
    sarahs = booked_course(ada, physio, sarah, tuesday)
    jonass = booked_course(ada, physio, jonas, tuesday + timedelta(days=1))
    sign_in_past_mfa(client, member_of("practitioner", "jonas", jonas))

    listed = shown(client.get(LIST))
    assert jonass.reference in listed and sarahs.reference not in listed
    assert client.get(reverse("admin:scheduling_bookingseries_change", args=[sarahs.pk]))["Location"] == "/admin/"
    assert client.get(reverse("admin:scheduling_bookingseries_cancel", args=[sarahs.pk]))["Location"] == "/admin/"
    assert client.get(ADD).status_code == 403
    own = shown(client.get(reverse("admin:scheduling_bookingseries_change", args=[jonass.pk])))
    assert "Cancel this and all following" in own and "Book another course" not in own


def test_only_staff_who_may_change_bookings_cancel_a_course(client, sign_in_past_mfa, ada, physio, sarah, tuesday):
    series = booked_course(ada, physio, sarah, tuesday)
    sign_in_past_mfa(client, member_of("privacy officer", "privacy"))
    cancel = reverse("admin:scheduling_bookingseries_cancel", args=[series.pk])

    assert client.get(cancel).status_code == 403
    assert client.post(cancel, {"reason": "no"}).status_code == 403
    page = shown(client.get(reverse("admin:scheduling_bookingseries_change", args=[series.pk])))
    assert "Cancel the course" not in page and "Cancel this and all following" not in page
    assert not series.bookings.filter(status=Booking.Status.CANCELLED).exists()


def test_the_patients_page_lists_their_courses(admin_client, today):
    consultation = AppointmentType.objects.get(slug="consultation")
    first_day = today + timedelta(days=8)
    plan = CoursePlan(consultation, Recurrence(first_day, (first_day.isoweekday(),), time(9), count=3))
    desk = bookings.Actor(BookingEvent.Actor.STAFF, "desk")
    series, _, _ = book_course(plan, patient=bookings.PatientDetails("Ann Lee", "ann.lee@example.org"), by=desk)
    page = admin_client.get(reverse("admin:scheduling_patient_change", args=[series.patient.pk]))
    shown = page.content.decode()
    assert series.reference in shown
    assert f"{pattern_in_words(series)}</td><td>3</td>" in shown
