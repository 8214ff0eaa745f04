"""Availability of a type that needs rooms, or of a group type, costs the same number of queries however many
rooms, bookings and sessions there are."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import bookings, cache
from scheduling.models import AppointmentType, Resource, ResourcePool, ResourceRequirement

pytestmark = pytest.mark.django_db


def clinic_with_rooms(rooms: int, make_practitioner, *, capacity: int = 1) -> AppointmentType:
    kind = AppointmentType.objects.create(slug="room-visit", name="Room visit", duration_minutes=30, capacity=capacity)
    pool = ResourcePool.objects.create(slug="rooms", name="Rooms")
    pool.members.set([Resource.objects.create(slug=f"room-{n}", name=f"Room {n}") for n in range(rooms)])
    ResourceRequirement.objects.create(appointment_type=kind, pool=pool)
    for n in range(3):
        make_practitioner(f"dr-{n}", types=[kind])
    return kind


def queries_for_a_day(api, day) -> int:
    cache.changed(cache.BOOKINGS)  # the open days computed afresh; the reference data stays cached
    with CaptureQueriesContext(connection) as done:
        response = api.get("/api/calendly/availability", {"date": day.isoformat(), "appointment_type": "room-visit"})
    assert response.status_code == 200
    assert response.json()["available_slots"]
    return len(done)


def fill(kind, day, hours) -> None:
    for hour in hours:
        bookings.book(bookings.RequestedSlot(kind, day, time(hour)), patient=bookings.PatientDetails(name="P"))


@pytest.mark.parametrize("capacity", [1, 4], ids=["rooms", "group with rooms"])
def test_availability_queries_do_not_grow_with_rooms_bookings_or_sessions(api, tomorrow, make_practitioner, capacity):
    kind = clinic_with_rooms(1, make_practitioner, capacity=capacity)
    queries_for_a_day(api, tomorrow)  # reference data now cached
    one_room_empty = queries_for_a_day(api, tomorrow)
    fill(kind, tomorrow, range(9, 13))
    one_room_booked = queries_for_a_day(api, tomorrow)
    pool = ResourcePool.objects.get(slug="rooms")
    pool.members.add(*[Resource.objects.create(slug=f"more-{n}", name=f"More {n}") for n in range(9)])
    queries_for_a_day(api, tomorrow)  # reference data read again once, after the change
    fill(kind, tomorrow, range(13, 17))
    ten_rooms_booked = queries_for_a_day(api, tomorrow)
    print(
        f"\nqueries ({kind.capacity} seats): {one_room_empty} empty, {one_room_booked} booked, {ten_rooms_booked} x10"
    )
    assert one_room_empty == one_room_booked == ten_rooms_booked
