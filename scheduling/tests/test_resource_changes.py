"""Taking a room out of use over bookings still to come (scheduling/resource_changes.py): refused listing
them, unless staff ask to move them and every one can move to another free unit of its pool."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.models import Resource, ResourceClaim, ResourceHours, ResourceTimeOff
from scheduling.resource_changes import ResourceChange, ResourceInUse, affected, apply
from scheduling.tests.patients import became, booked, moved_to
from scheduling.tests.resources import claim, seats, units, units_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(db):
    return units("treatment-rooms", "room-1", "room-2", turnover=15)


def room(slug):
    return Resource.objects.get(slug=slug)


def test_deactivating_a_room_with_no_bookings_to_come_just_saves(rooms):
    apply(ResourceChange.deactivation(room("room-1")), reassign=False)
    assert room("room-1").is_active is False


def test_deactivating_a_booked_room_is_refused_listing_the_booking(rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    with pytest.raises(ResourceInUse) as refused:
        apply(ResourceChange.deactivation(room("room-1")), reassign=False)
    assert [c.booking for c in refused.value.claims] == [booking]
    assert refused.value.code == "resource_in_use"
    assert room("room-1").is_active is True
    assert units_of(booking) == ["room-1"]


def test_reassigning_moves_the_claim_to_a_free_room_with_its_turnover(rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    Resource.objects.filter(slug="room-2").update(turnover_minutes=5)
    apply(ResourceChange.deactivation(room("room-1")), reassign=True)
    assert room("room-1").is_active is False
    moved = ResourceClaim.objects.get(booking=booking)
    assert moved.resource.slug == "room-2"
    assert moved.blocked_until == booking.blocked_until + timedelta(minutes=5)


def test_nothing_changes_when_one_booking_cannot_move(rooms, consultation, tomorrow, make_practitioner):
    first, second = booked(consultation, tomorrow, "Ann Lee"), booked(consultation, tomorrow, "Bob Ray")
    claim(first, "room-1", rooms)
    claim(second, "room-1", rooms)
    # Room 2 is taken at the second booking's time, by another practitioner's booking.
    other = make_practitioner("dr-two", types=[consultation])
    claim(
        moved_to(booked(consultation, tomorrow, "Cy Fox", practitioner=other), second.starts_at, "confirmed"),
        "room-2",
        rooms,
    )
    with pytest.raises(ResourceInUse) as refused:
        apply(ResourceChange.deactivation(room("room-1")), reassign=True)
    assert [c.booking for c in refused.value.stuck] == [second]
    assert room("room-1").is_active is True
    assert units_of(first) == units_of(second) == ["room-1"]


def test_time_off_hits_only_the_bookings_in_its_span(rooms, consultation, tomorrow):
    early, late = booked(consultation, tomorrow, "Ann Lee"), booked(consultation, tomorrow, "Bob Ray")
    claim(early, "room-1", rooms)
    claim(late, "room-1", rooms)
    away = ResourceTimeOff(resource=room("room-1"), starts_at=late.starts_at, ends_at=late.ends_at, reason="Repair")
    change = ResourceChange.time_off(away)
    assert [c.booking for c in affected(change, clinic_time.now())] == [late]
    apply(change, reassign=True)
    assert ResourceTimeOff.objects.filter(resource__slug="room-1", reason="Repair").exists()
    assert (units_of(early), units_of(late)) == (["room-1"], ["room-2"])


def test_a_room_away_or_closed_then_is_no_destination(rooms, consultation, tomorrow):
    booking = booked(consultation, tomorrow, "Ann Lee")
    claim(booking, "room-1", rooms)
    ResourceTimeOff.objects.create(
        resource=room("room-2"), starts_at=booking.starts_at - timedelta(hours=1), ends_at=booking.ends_at
    )
    with pytest.raises(ResourceInUse):
        apply(ResourceChange.deactivation(room("room-1")), reassign=True)
    ResourceTimeOff.objects.filter(resource__slug="room-2").delete()
    weekday = clinic_time.local_date(booking.starts_at).weekday()
    ResourceHours.objects.create(resource=room("room-2"), weekday=weekday, opens_at="06:00", closes_at="07:00")
    with pytest.raises(ResourceInUse):
        apply(ResourceChange.deactivation(room("room-1")), reassign=True)


def test_cancelled_and_past_bookings_do_not_count(rooms, consultation, tomorrow):
    cancelled = booked(consultation, tomorrow, "Ann Lee")
    claim(cancelled, "room-1", rooms)
    became(cancelled, "cancelled", cancelled_by="staff", notice=timedelta(days=1))
    apply(ResourceChange.deactivation(room("room-1")), reassign=False)
    assert room("room-1").is_active is False


def test_moves_proposed_before_count_as_taken(consultation, tomorrow):
    pool = units("treatment-rooms", "room-1", "room-2", "room-3")
    Resource.objects.filter(slug="room-2").update(turnover_minutes=15)  # room 1's bookings touch: 2 has no time
    first = booked(consultation, tomorrow, "Ann Lee")
    second = moved_to(booked(consultation, tomorrow, "Bob Ray"), first.ends_at, "confirmed")
    claim(first, "room-1", pool)
    claim(second, "room-1", pool)
    apply(ResourceChange.deactivation(room("room-1")), reassign=True)
    assert (units_of(first), units_of(second)) == (["room-2"], ["room-3"])


def test_the_seats_of_a_session_move_together(consultation, clinic, tomorrow):
    pool = units("halls", "hall-1", "hall-2", kind="room")
    start = clinic_time.days(tomorrow, tomorrow).start + timedelta(hours=11)
    seated = seats(consultation, clinic, start, ["Ann Lee", "Bob Ray", "Cy Fox"])
    for seat in seated:
        claim(seat, "hall-1", pool)
    apply(ResourceChange.deactivation(room("hall-1")), reassign=True)
    assert [units_of(seat) for seat in seated] == [["hall-2"]] * 3


def test_a_booking_the_engine_made_moves_and_the_freed_room_books_again(
    rooms, therapy, clinic, tomorrow, make_practitioner
):
    from datetime import time

    from scheduling import bookings
    from scheduling.models import ResourceRequirement
    from scheduling.rules import SlotUnavailable
    from scheduling.tests.staff import member_of
    from scheduling.units import booking_resources

    ResourceRequirement.objects.create(appointment_type=therapy, pool=rooms, quantity=1)
    slot = bookings.RequestedSlot(therapy, tomorrow, time(10), clinic)
    desk = bookings.Actor.staff(member_of("receptionist", "desk"))
    made, _ = bookings.book(
        slot, patient=bookings.PatientDetails("Ann Lee"), by=desk, resources={"treatment-rooms": "room-1"}
    )
    apply(ResourceChange.deactivation(room("room-1")), reassign=True)
    assert booking_resources(made) == {"treatment-rooms": ["room-2"]}
    # Room 2 is now taken then, and room 1 inactive: nobody else gets that time.
    make_practitioner("dr-two", types=[therapy])
    with pytest.raises(SlotUnavailable):
        bookings.book(bookings.RequestedSlot(therapy, tomorrow, time(10)), patient=bookings.PatientDetails("Bob Ray"))
