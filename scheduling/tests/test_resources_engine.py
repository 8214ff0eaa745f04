"""The booking engine with rooms, machines and group sessions: what is offered, what is taken, by which
unit, and what staff are told when the unit they chose is busy."""

from datetime import time, timedelta

import pytest

from scheduling import bookings, clinic_time, units
from scheduling.bookings import Actor, PatientDetails, RequestedSlot
from scheduling.models import (
    AppointmentType,
    Booking,
    GroupSession,
    Resource,
    ResourceClaim,
    ResourcePool,
    ResourceRequirement,
)
from scheduling.open_days import open_days
from scheduling.rules import BookingRuleBroken, ResourceTaken, SlotUnavailable

STAFF = Actor(kind="staff", name="desk")


@pytest.fixture
def day(today):
    return today + timedelta(days=2)


@pytest.fixture
def rooms(db):
    pool = ResourcePool.objects.create(slug="rooms", name="Treatment rooms")
    made = [Resource.objects.create(slug=f"room-{n}", name=f"Room {n}") for n in (1, 2)]
    pool.members.set(made)
    return made


@pytest.fixture
def therapy_in_a_room(db, rooms):
    therapy = AppointmentType.objects.create(slug="room-therapy", name="Room therapy", duration_minutes=30)
    ResourceRequirement.objects.create(appointment_type=therapy, pool=ResourcePool.objects.get(slug="rooms"))
    return therapy


@pytest.fixture
def three_practitioners(make_practitioner, therapy_in_a_room):
    return [make_practitioner(f"p-{n}", types=[therapy_in_a_room]) for n in (1, 2, 3)]


def patient(n=1):
    return PatientDetails(name=f"Patient {n}", email=f"patient{n}@example.com")


def book(appointment_type, day, start, n=1, practitioner=None, **kwargs):
    requested = RequestedSlot(appointment_type, day, start, practitioner)
    return bookings.book(requested, patient=patient(n), by=STAFF, **kwargs)[0]


def starts(appointment_type, day) -> list[str]:
    found = open_days(appointment_type, day, day, now=clinic_time.now())[day]
    return [f"{clinic_time.local(slot.span.start):%H:%M}" for slot in found]


def test_two_rooms_take_two_bookings_at_once_and_refuse_a_third(three_practitioners, therapy_in_a_room, day):
    first = book(therapy_in_a_room, day, time(10))
    second = book(therapy_in_a_room, day, time(10))
    assert {first.practitioner_id, second.practitioner_id} == {three_practitioners[0].pk, three_practitioners[1].pk}
    assert units.booking_resources(first) == {"rooms": ["room-1"]}
    assert units.booking_resources(second) == {"rooms": ["room-2"]}
    assert "10:00" not in starts(therapy_in_a_room, day)
    with pytest.raises(SlotUnavailable):
        book(therapy_in_a_room, day, time(10))


def test_the_unit_with_fewest_minutes_that_day_is_taken_first(three_practitioners, therapy_in_a_room, day):
    book(therapy_in_a_room, day, time(9))  # room-1: 30 minutes that day
    later = book(therapy_in_a_room, day, time(11))
    assert units.booking_resources(later) == {"rooms": ["room-2"]}


def test_a_units_turnover_keeps_the_next_slot_from_it(three_practitioners, therapy_in_a_room, rooms, day):
    Resource.objects.filter(slug="room-2").update(is_active=False)
    Resource.objects.filter(slug="room-1").update(turnover_minutes=15)
    from scheduling import cache

    cache.changed(cache.REFERENCE)
    book(therapy_in_a_room, day, time(10))
    offered = starts(therapy_in_a_room, day)
    assert "10:30" not in offered and "11:00" in offered


def test_a_pinned_unit_that_is_busy_answers_with_alternatives(three_practitioners, therapy_in_a_room, day):
    book(therapy_in_a_room, day, time(10), resources={"rooms": "room-1"})
    with pytest.raises(ResourceTaken) as taken:
        book(therapy_in_a_room, day, time(10), resources={"rooms": "room-1"})
    alternatives = taken.value.alternatives
    assert alternatives[0] == {"date": day.isoformat(), "start_time": "10:00", "resources": {"rooms": ["room-2"]}}
    assert [a["start_time"] for a in alternatives[1:]] == ["09:00", "09:30", "10:30"]
    assert all(a["resources"] == {"rooms": ["room-1"]} for a in alternatives[1:])


@pytest.mark.parametrize(
    ("pinned", "code"),
    [({"machines": "room-1"}, "unknown_resource"), ({"rooms": "room-9"}, "unknown_resource")],
)
def test_pinning_what_the_type_does_not_need_is_refused_naming_resources(
    three_practitioners, therapy_in_a_room, day, pinned, code
):
    with pytest.raises(BookingRuleBroken) as refused:
        book(therapy_in_a_room, day, time(10), resources=pinned)
    assert (refused.value.field, refused.value.code) == ("resources", code)


def test_a_unit_outside_its_pool_is_refused(three_practitioners, therapy_in_a_room, day):
    Resource.objects.create(slug="scanner", name="Scanner", kind="equipment")
    with pytest.raises(BookingRuleBroken) as refused:
        book(therapy_in_a_room, day, time(10), resources={"rooms": "scanner"})
    assert refused.value.code == "resource_not_in_pool"


def test_a_patient_may_not_pin_a_room(three_practitioners, therapy_in_a_room, day):
    requested = RequestedSlot(therapy_in_a_room, day, time(10))
    with pytest.raises(BookingRuleBroken) as refused:
        bookings.book(requested, patient=patient(), resources={"rooms": "room-1"})
    assert refused.value.code == "permission_denied"


def test_claims_follow_hold_confirm_release_and_cancel(three_practitioners, therapy_in_a_room, day):
    held, _ = bookings.hold(RequestedSlot(therapy_in_a_room, day, time(10)), by=STAFF)
    assert list(held.resource_claims.values_list("status", flat=True)) == ["held"]
    confirmed, _ = bookings.confirm_hold(held, patient=patient(), by=STAFF)
    assert list(confirmed.resource_claims.values_list("status", flat=True)) == ["confirmed"]
    bookings.cancel(confirmed, by=STAFF)
    assert list(confirmed.resource_claims.values_list("status", flat=True)) == ["cancelled"]
    other, _ = bookings.hold(RequestedSlot(therapy_in_a_room, day, time(11)), by=STAFF)
    bookings.release_hold(other, by=STAFF)
    assert list(other.resource_claims.values_list("status", flat=True)) == ["released"]


def test_a_move_keeps_its_unit_when_it_is_free(three_practitioners, therapy_in_a_room, day):
    book(therapy_in_a_room, day, time(9))  # room-1 busier that day
    moving = book(therapy_in_a_room, day, time(10), resources={"rooms": "room-1"})
    moved = bookings.reschedule(moving, RequestedSlot(therapy_in_a_room, day, time(14)), by=STAFF)
    assert units.booking_resources(moved) == {"rooms": ["room-1"]}
    claim = moved.resource_claims.get()
    assert (claim.blocked_from, claim.blocked_until) == (moved.blocked_from, moved.blocked_until)


def test_a_move_to_a_time_without_a_free_unit_changes_nothing(three_practitioners, therapy_in_a_room, day):
    book(therapy_in_a_room, day, time(14))
    book(therapy_in_a_room, day, time(14))
    moving = book(therapy_in_a_room, day, time(10))
    with pytest.raises(SlotUnavailable):
        bookings.reschedule(moving, RequestedSlot(therapy_in_a_room, day, time(14)), by=STAFF)
    moving.refresh_from_db()
    assert clinic_time.local(moving.starts_at).time() == time(10)
    assert moving.resource_claims.count() == 1


@pytest.fixture
def flu_jabs(db, make_practitioner, rooms):
    jabs = AppointmentType.objects.create(slug="flu-jab", name="Flu jab", duration_minutes=10, capacity=3)
    ResourceRequirement.objects.create(appointment_type=jabs, pool=ResourcePool.objects.get(slug="rooms"))
    nurse = make_practitioner("nurse", types=[jabs])
    return jabs, nurse


def seats_left(appointment_type, day, start) -> int | None:
    for slot in open_days(appointment_type, day, day, now=clinic_time.now())[day]:
        if f"{clinic_time.local(slot.span.start):%H:%M}" == start:
            return slot.seats_left
    return None


def test_a_group_session_takes_its_capacity_and_no_more(flu_jabs, day):
    jabs, _ = flu_jabs
    assert seats_left(jabs, day, "10:00") == 3
    seats = [book(jabs, day, time(10), n) for n in range(3)]
    assert {seat.session_id for seat in seats} == {GroupSession.objects.get().pk}
    assert seats_left(jabs, day, "10:00") is None  # full: not offered
    with pytest.raises(SlotUnavailable):
        book(jabs, day, time(10), 4)
    # One room for the session, not one per seat.
    assert set(ResourceClaim.objects.values_list("resource__slug", flat=True)) == {"room-1"}
    bookings.cancel(seats[0], by=STAFF)
    assert seats_left(jabs, day, "10:00") == 1
    assert book(jabs, day, time(10), 5).session_id == seats[1].session_id


def test_seats_left_counts_down_and_the_session_blocks_the_practitioner(flu_jabs, therapy_in_a_room, day):
    jabs, nurse = flu_jabs
    nurse.appointment_types.add(therapy_in_a_room)
    book(jabs, day, time(10), 1)
    assert seats_left(jabs, day, "10:00") == 2
    with pytest.raises(SlotUnavailable):
        book(therapy_in_a_room, day, time(10), 2, practitioner=nurse)


def test_a_seat_moves_to_the_session_at_its_new_time(flu_jabs, day):
    jabs, _ = flu_jabs
    seat = book(jabs, day, time(10), 1)
    joined = book(jabs, day, time(11), 2)
    moved = bookings.reschedule(seat, RequestedSlot(jabs, day, time(11)), by=STAFF)
    assert moved.session_id == joined.session_id
    assert units.booking_resources(moved) == units.booking_resources(joined)
    assert Booking.objects.filter(session_id=joined.session_id, status="confirmed").count() == 2


def test_a_smaller_capacity_reaches_sessions_to_come_unless_one_is_fuller(flu_jabs, day):
    from scheduling.sessions import SessionsOverCapacity, resize_sessions

    jabs, _ = flu_jabs
    book(jabs, day, time(10), 1)
    book(jabs, day, time(10), 2)
    book(jabs, day, time(11), 3)
    with pytest.raises(SessionsOverCapacity) as over:
        resize_sessions(jabs, 1, now=clinic_time.now())
    assert [clinic_time.local(s.starts_at).time() for s in over.value.sessions] == [time(10)]
    assert set(GroupSession.objects.values_list("capacity", flat=True)) == {3}
    assert resize_sessions(jabs, 2, now=clinic_time.now()) == 2
    assert seats_left(jabs, day, "10:00") is None
    assert seats_left(jabs, day, "11:00") == 1


def test_a_group_sessions_seats_book_its_time_once_in_the_utilisation_report(flu_jabs, day):
    from scheduling.reports.reading import report

    jabs, nurse = flu_jabs
    for n in range(3):  # a full session of three
        book(jabs, day, time(10), n)
    figures = report(day, day, [nurse], chosen=None, now=clinic_time.now())
    assert figures.utilisation.part == 10  # minutes: the session's, once


def test_the_history_records_the_units_taken_and_moved(three_practitioners, therapy_in_a_room, day):
    booking = book(therapy_in_a_room, day, time(10), resources={"rooms": "room-1"})
    book(therapy_in_a_room, day, time(14), resources={"rooms": "room-1"})
    moved = bookings.reschedule(booking, RequestedSlot(therapy_in_a_room, day, time(14)), by=STAFF)
    created, rescheduled = moved.events.order_by("revision")
    assert created.changes["resources"] == [None, {"rooms": ["room-1"]}]
    assert rescheduled.changes["resources"] == [{"rooms": ["room-1"]}, {"rooms": ["room-2"]}]


def test_a_full_session_says_so(flu_jabs, day):
    jabs, _ = flu_jabs
    for n in range(3):
        book(jabs, day, time(10), n)
    with pytest.raises(SlotUnavailable) as full:
        book(jabs, day, time(10), 4)
    assert full.value.code == "session_full"
    assert "Flu jab session is full" in full.value.message


def test_staff_may_pin_a_list_of_units_as_answers_show_them(three_practitioners, therapy_in_a_room, day):
    first = book(therapy_in_a_room, day, time(10), resources={"rooms": ["room-2"]})
    assert units.booking_resources(first) == {"rooms": ["room-2"]}
    with pytest.raises(BookingRuleBroken) as refused:
        book(therapy_in_a_room, day, time(11), resources={"rooms": ["room-1", "room-2"]})
    assert refused.value.field == "resources"  # the type takes one room
    with pytest.raises(ResourceTaken) as taken:
        book(therapy_in_a_room, day, time(10), resources={"rooms": ["room-2"]})
    again = book(therapy_in_a_room, day, time(10), resources=taken.value.alternatives[0]["resources"])
    assert units.booking_resources(again) == {"rooms": ["room-1"]}
