"""The staff's admin for rooms, equipment and group sessions (scheduling/admin/resources.py), and a type's
rooms and equipment needed (its requirements) on the type's page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.models import GroupSession, Resource, ResourceRequirement, ResourceTimeOff
from scheduling.tests.patients import booked
from scheduling.tests.resources import claim, seats, units, units_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(db):
    return units("treatment-rooms", "room-1", "room-2")


def resource_form(unit: Resource, *, time_off=(), **changes) -> dict:
    """The unit's change page as posted: its fields, its (empty) hours and the time off rows given."""
    data = {
        "name": unit.name,
        "slug": unit.slug,
        "kind": unit.kind,
        "turnover_minutes": unit.turnover_minutes,
        "hours-TOTAL_FORMS": 0,
        "hours-INITIAL_FORMS": 0,
        "time_off-TOTAL_FORMS": len(time_off),
        "time_off-INITIAL_FORMS": 0,
    }
    if unit.is_active:
        data["is_active"] = "on"
    for n, (starts_at, ends_at) in enumerate(time_off):
        local_start, local_end = clinic_time.local(starts_at), clinic_time.local(ends_at)
        data |= {
            f"time_off-{n}-starts_at_0": f"{local_start:%Y-%m-%d}",
            f"time_off-{n}-starts_at_1": f"{local_start:%H:%M}",
            f"time_off-{n}-ends_at_0": f"{local_end:%Y-%m-%d}",
            f"time_off-{n}-ends_at_1": f"{local_end:%H:%M}",
            f"time_off-{n}-reason": "Repair",
        }
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def change_url(unit):
    return f"/admin/scheduling/resource/{unit.pk}/change/"


def test_making_a_booked_room_inactive_is_refused_listing_each_booking(admin_client, rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    unit = Resource.objects.get(slug="room-1")
    page = admin_client.post(change_url(unit), resource_form(unit, is_active=False))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Room 1 is booked for these bookings still to come" in text
    assert f"{clinic_time.for_staff(booking.starts_at)}, {booking.practitioner.name}, Consultation" in text
    assert "Ann Lee" not in text  # staff see when and with whom, not the patient here
    assert Resource.objects.get(slug="room-1").is_active


def test_ticking_move_moves_the_bookings_and_saves(admin_client, rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    unit = Resource.objects.get(slug="room-1")
    page = admin_client.post(change_url(unit), resource_form(unit, is_active=False, reassign="on"), follow=True)
    assert "Moved to Room 2" in page.content.decode()
    assert not Resource.objects.get(slug="room-1").is_active
    assert units_of(booking) == ["room-2"]


def test_time_off_over_a_booking_is_refused_on_its_row_unless_it_can_move(admin_client, rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    claim(booked(consultation, tomorrow, "Bob Ray"), "room-2", rooms)  # another time: room 2 is free for it
    unit = Resource.objects.get(slug="room-1")
    away = [(booking.starts_at - timedelta(minutes=30), booking.ends_at + timedelta(minutes=30))]
    page = admin_client.post(change_url(unit), resource_form(unit, time_off=away))
    assert page.status_code == 200 and "Room 1 is booked for these bookings still to come" in page.content.decode()
    assert not ResourceTimeOff.objects.exists()
    admin_client.post(change_url(unit), resource_form(unit, time_off=away, reassign="on"))
    assert ResourceTimeOff.objects.filter(resource=unit, reason="Repair").exists()
    assert units_of(booking) == ["room-2"]


def test_a_requirement_larger_than_its_pool_is_refused_naming_it(admin_client, rooms, therapy):
    Resource.objects.filter(slug="room-2").update(is_active=False)
    data = {
        "name": therapy.name,
        "slug": therapy.slug,
        "duration_minutes": therapy.duration_minutes,
        "is_active": "on",
        "capacity": 1,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_minutes": 0,
        "horizon_days": 90,
        "patient_change_cutoff_minutes": 0,
        "reminder_minutes": "24h",
        "requirements-TOTAL_FORMS": 1,
        "requirements-INITIAL_FORMS": 0,
        "intake_questions-TOTAL_FORMS": 0,
        "intake_questions-INITIAL_FORMS": 0,
        "requirements-0-pool": rooms.pk,
        "requirements-0-quantity": 2,
    }
    page = admin_client.post(f"/admin/scheduling/appointmenttype/{therapy.pk}/change/", data)
    assert page.status_code == 200
    assert "Treatment rooms: 2 units needed, but the pool has only 1 active" in page.content.decode()
    assert not ResourceRequirement.objects.exists()
    data["requirements-0-quantity"] = 1
    assert admin_client.post(f"/admin/scheduling/appointmenttype/{therapy.pk}/change/", data).status_code == 302
    assert ResourceRequirement.objects.get().quantity == 1


def test_the_type_page_shows_capacity_and_rooms_needed(admin_client, therapy):
    text = admin_client.get(f"/admin/scheduling/appointmenttype/{therapy.pk}/change/").content.decode()
    assert "Patients per session" in text
    assert "Rooms and equipment needed" in text


def test_sessions_list_their_seats_taken_of_capacity(admin_client, consultation, clinic, tomorrow):
    start = clinic_time.days(tomorrow, tomorrow).start + timedelta(hours=11)
    seats(consultation, clinic, start, ["Ann Lee", "Bob Ray"], capacity=12)
    text = admin_client.get("/admin/scheduling/groupsession/").content.decode()
    assert "2 of 12" in text
    session = GroupSession.objects.get()
    page = admin_client.get(f"/admin/scheduling/groupsession/{session.pk}/change/").content.decode()
    assert "2 of 12" in page and "Ann Lee" not in page


def test_the_setup_section_lists_rooms_pools_and_sessions(admin_client):
    text = admin_client.get("/admin/").content.decode()
    setup = text[text.index("Schedule set-up") :]
    for label in ("Resources", "Resource pools", "Group sessions"):
        assert label in setup


def test_a_feed_link_is_issued_from_the_units_list(admin_client, rooms):
    unit = Resource.objects.get(slug="room-1")
    page = admin_client.post(
        "/admin/scheduling/resource/",
        {"action": "issue_calendar_feed_links", "_selected_action": [unit.pk]},
        follow=True,
    )
    assert "/calendars/resources/room-1.ics?token=" in page.content.decode()
    assert Resource.objects.get(pk=unit.pk).feed_token_digest


def test_the_rooms_view_draws_each_claim_in_its_units_column_without_patients(
    admin_client, rooms, consultation, tomorrow
):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-2", rooms)
    day = clinic_time.local_date(booking.starts_at)
    page = admin_client.get(f"/admin/scheduling/booking/day/?date={day.isoformat()}&view=rooms")
    text = page.content.decode()
    grid = text[text.index('<div class="rooms"') : text.index("</main>") if "</main>" in text else None]
    columns = grid.split('<div class="column">')[1:]
    assert len(columns) == 2
    drawn = [column.count('class="claim"') for column in columns]
    assert drawn == [0, 1]
    assert f"{clinic_time.local(booking.starts_at):%H:%M}" in columns[1]
    assert "Ann Lee" not in text


def test_a_session_is_one_entry_with_its_attendees_for_who_reaches_them(
    client, sign_in_past_mfa, consultation, clinic, make_practitioner, tomorrow
):
    from scheduling.models import PatientDataRead
    from scheduling.tests.staff import member_of

    start = clinic_time.days(tomorrow, tomorrow).start + timedelta(hours=11)
    seats(consultation, clinic, start, ["Ann Lee", "Bob Ray"], capacity=6)
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    text = client.get(f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}").content.decode()
    assert text.count("2 of 6 seats") == 1
    assert "Ann Lee" in text and "Bob Ray" in text
    assert PatientDataRead.objects.count() == 2
    other = make_practitioner("dr-other", types=[consultation])
    sign_in_past_mfa(client, member_of("practitioner", "dr-other", other))
    text = client.get(f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}").content.decode()
    assert "Ann Lee" not in text and "seats" not in text


def test_a_types_smaller_capacity_is_refused_over_a_fuller_session_and_reaches_the_others(
    admin_client, make_practitioner, today
):
    from datetime import time, timedelta

    from scheduling import bookings
    from scheduling.models import AppointmentType, GroupSession

    jabs = AppointmentType.objects.create(slug="jabs", name="Jabs", duration_minutes=10, capacity=4)
    make_practitioner("nurse", types=[jabs])
    day = today + timedelta(days=2)
    for n, start in enumerate([time(10), time(10), time(10), time(11)]):
        bookings.book(bookings.RequestedSlot(jabs, day, start), patient=bookings.PatientDetails(f"Patient {n}"))
    url = f"/admin/scheduling/appointmenttype/{jabs.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "reminder_minutes": "24h",
            "requirements-TOTAL_FORMS": "0",
            "requirements-INITIAL_FORMS": "0",
            "requirements-MIN_NUM_FORMS": "0",
            "requirements-MAX_NUM_FORMS": "1000",
            "intake_questions-TOTAL_FORMS": "0",
            "intake_questions-INITIAL_FORMS": "0",
        }
    )
    refused = admin_client.post(url, {**data, "capacity": "2"})
    assert refused.status_code == 200
    assert "1 session still to come holds more patients than that" in refused.content.decode()
    assert set(GroupSession.objects.values_list("capacity", flat=True)) == {4}
    saved = admin_client.post(url, {**data, "capacity": "3"})
    assert saved.status_code == 302
    assert set(GroupSession.objects.values_list("capacity", flat=True)) == {3}
