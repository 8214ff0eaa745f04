"""The back office as staff use it: lists, adding and moving bookings under the same rules, cancelling."""

import re
from datetime import datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import bookings
from scheduling.models import Booking, TimeOff
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def add_booking(staff, day, start, type_, practitioner=None, name="Walk In"):
    return staff.post(
        reverse("admin:scheduling_booking_add"),
        {
            "appointment_type": type_.pk,
            "practitioner": practitioner.pk if practitioner else "",
            "date": day.isoformat(),
            "start_time": start,
            "patient_name": name,
        },
    )


def move_booking(staff, booking, day, start, name):
    return staff.post(
        reverse("admin:scheduling_booking_change", args=[booking.pk]),
        {"practitioner": booking.practitioner.pk, "date": day.isoformat(), "start_time": start, "patient_name": name},
    )


def test_admin_requires_a_staff_login(client):
    response = client.get(reverse("admin:scheduling_booking_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "model", ["appointmenttype", "practitioner", "booking", "timeoff", "clinicclosure"], ids=lambda m: m
)
def test_each_changelist_and_add_page_renders(staff, model):
    assert staff.get(reverse(f"admin:scheduling_{model}_changelist")).status_code == 200
    if model != "booking":
        assert staff.get(reverse(f"admin:scheduling_{model}_add")).status_code == 200


def test_booking_list_filters_and_searches_by_reference_and_name(staff, tomorrow, consultation):
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails(name="Grace Hopper")
    )
    url = reverse("admin:scheduling_booking_changelist")
    assert "Grace Hopper" in staff.get(url, {"q": booking.reference}).content.decode()
    assert "Grace Hopper" in staff.get(url, {"q": "hopper"}).content.decode()
    assert "Grace Hopper" not in staff.get(url, {"status__exact": "cancelled"}).content.decode()
    assert "Grace Hopper" in staff.get(url, {"appointment_type__id__exact": consultation.pk}).content.decode()


def test_the_when_filter_finds_tomorrows_bookings(staff, tomorrow, consultation):
    add_booking(staff, tomorrow, "10:00", consultation, name="Tomorrow Patient")
    url = reverse("admin:scheduling_booking_changelist")
    assert "Tomorrow Patient" in staff.get(url, {"when": "tomorrow"}).content.decode()
    assert "Tomorrow Patient" in staff.get(url, {"when": "upcoming"}).content.decode()
    assert "Tomorrow Patient" not in staff.get(url, {"when": "today"}).content.decode()
    assert "Tomorrow Patient" not in staff.get(url, {"when": "past"}).content.decode()


def test_staff_add_a_booking_through_the_same_rules(staff, tomorrow, consultation):
    response = add_booking(staff, tomorrow, "10:00", consultation)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.patient_name == "Walk In"
    assert booking.practitioner.slug == "clinic"
    assert booking.reference.startswith("bk_")


def test_adding_a_conflicting_booking_shows_a_form_error_not_a_500(staff, tomorrow, therapy, follow_up):
    assert add_booking(staff, tomorrow, "10:00", therapy).status_code == 302
    response = add_booking(staff, tomorrow, "10:45", follow_up, name="Second")
    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    assert Booking.objects.count() == 1


def test_adding_off_the_grid_names_the_start_time(staff, tomorrow, therapy):
    response = add_booking(staff, tomorrow, "10:10", therapy)
    assert response.status_code == 200
    assert "not a Therapy slot" in response.context["adminform"].form.errors["start_time"][0]


def test_moving_a_booking_onto_a_taken_time_is_a_form_error_and_changes_nothing(staff, tomorrow, consultation):
    add_booking(staff, tomorrow, "10:00", consultation, name="First")
    add_booking(staff, tomorrow, "11:00", consultation, name="Second")
    second = Booking.objects.get(patient_name="Second")
    response = move_booking(staff, second, tomorrow, "10:00", "Second")
    assert response.status_code == 200
    second.refresh_from_db()
    assert timezone.localtime(second.starts_at).hour == 11


def test_moving_a_booking_to_a_free_time_moves_it(staff, tomorrow, consultation):
    add_booking(staff, tomorrow, "10:00", consultation, name="First")
    first = Booking.objects.get()
    response = move_booking(staff, first, tomorrow, "10:30", "First Renamed")
    assert response.status_code == 302
    first.refresh_from_db()
    assert (timezone.localtime(first.starts_at).strftime("%H:%M"), first.patient_name) == ("10:30", "First Renamed")


def test_cancel_action_frees_the_time(staff, tomorrow, consultation, availability):
    add_booking(staff, tomorrow, "10:00", consultation)
    booking = Booking.objects.get()
    response = staff.post(
        reverse("admin:scheduling_booking_changelist"),
        {"action": "cancel_selected", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == ("cancelled", "staff")
    assert "10:00" in [s["start"] for s in availability(tomorrow).json()["available_slots"]]


def test_day_schedule_shows_bookings_and_free_time_and_cancels(staff, tomorrow, consultation):
    add_booking(staff, tomorrow, "10:00", consultation, name="Ada Lovelace")
    url = reverse("admin:scheduling_booking_day")
    page = staff.get(url, {"date": tomorrow.isoformat()}).content.decode()
    assert "Ada Lovelace" in page
    assert "Free (60 min)" in page  # 09:00-10:00 before the booking
    assert "Free (390 min)" in page  # 10:30-17:00 after it
    booking = Booking.objects.get()
    response = staff.post(f"{url}?date={tomorrow.isoformat()}", {"reference": booking.reference, "action": "cancel"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_day_schedule_shows_breaks_and_time_away(staff, tomorrow, consultation, make_practitioner):
    rao = make_practitioner("dr-rao", types=[consultation], hours=[(time(9), time(12)), (time(13), time(17))])
    tz = timezone.get_current_timezone()
    TimeOff.objects.create(
        practitioner=rao,
        starts_at=timezone.make_aware(datetime.combine(tomorrow, time(15)), tz),
        ends_at=timezone.make_aware(datetime.combine(tomorrow, time(17)), tz),
    )
    response = staff.get(reverse("admin:scheduling_booking_day"), {"date": tomorrow.isoformat()})
    (entries,) = [entries for practitioner, entries in response.context["rows"] if practitioner == rao]
    shown = [
        (e.kind, f"{timezone.localtime(e.span.start):%H:%M}", f"{timezone.localtime(e.span.end):%H:%M}")
        for e in entries
    ]
    assert shown == [
        ("free", "09:00", "12:00"),
        ("closed", "12:00", "13:00"),
        ("free", "13:00", "15:00"),
        ("away", "15:00", "17:00"),
    ]
    assert "Closed (break)" in response.content.decode()


def test_admin_index_links_to_the_day_schedule(staff):
    assert reverse("admin:scheduling_booking_day") in staff.get(reverse("admin:index")).content.decode()


def test_bookings_cannot_be_deleted_only_cancelled(staff, tomorrow, consultation):
    add_booking(staff, tomorrow, "10:00", consultation)
    booking = Booking.objects.get()
    assert staff.get(reverse("admin:scheduling_booking_delete", args=[booking.pk])).status_code == 403


def test_the_practitioner_filter_lists_those_with_bookings_in_reach(
    client, sign_in_past_mfa, admin_client, make_practitioner, consultation, tomorrow
):
    rao = make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    okafor = make_practitioner("dr-okafor", types=[consultation], name="Dr Okafor")
    make_practitioner("dr-idle", types=[consultation], name="Dr Idle")  # nothing booked with her
    for practitioner in (rao, okafor):
        add_booking(admin_client, tomorrow, "10:00", consultation, practitioner)
    listed = admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
    filter_links = re.findall(r'<a href="\?practitioner__id__exact=\d+">([^<]+)</a>', listed)
    assert sorted(filter_links) == ["Dr Okafor", "Dr Rao"]
    sign_in_past_mfa(client, member_of("practitioner", "rao", practitioner=rao))
    own = client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
    # One practitioner in reach: no filter to choose from, and no other practitioner's name anywhere.
    assert "practitioner__id__exact" not in own and "Dr Okafor" not in own
