"""Group sessions and rooms on the booking page: a class's times say how many seats are left and a full one
is not offered; a type needing a room books like any other, and the patient never sees the room."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from booking_page.tests.html import text
from scheduling import units
from scheduling.models import Booking
from scheduling.tests.resources import group_type, treatment_rooms, type_in_a_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(today):
    return today + timedelta(days=2)


@pytest.fixture
def pilates(make_practitioner):
    made = group_type(capacity=2)
    make_practitioner("instructor", types=[made])
    return made


@pytest.fixture
def massage(make_practitioner):
    treatment_rooms()
    made = type_in_a_room()
    make_practitioner("therapist", types=[made])
    return made


def times_page(client, appointment_type, day) -> str:
    return text(client.get(f"/book/{appointment_type}/times/?date={day}"))


def seats_left(page: str) -> dict[str, int]:
    """Each time offered and the seats it says are left (the zone's name, for screen readers, between)."""
    return {start: int(seats) for start, seats in re.findall(r"(\d\d:\d\d)(?: \S+)? (\d+) seats? left", page)}


def test_a_class_shows_the_seats_left_beside_each_time(client, pilates, day, book_on_page):
    assert seats_left(times_page(client, "pilates", day))["10:00"] == 2
    book_on_page(day, "10:00", "pilates")
    page = times_page(client, "pilates", day)
    assert "1 seat left" in page
    assert (seats_left(page)["10:00"], seats_left(page)["11:00"]) == (1, 2)


def test_a_full_class_is_not_offered(client, pilates, day, book_on_page):
    book_on_page(day, "10:00", "pilates")
    book_on_page(day, "10:00", "pilates", patient_name="Ann Lee", patient_email="ann@example.com")
    assert Booking.objects.filter(session__isnull=False).count() == 2
    offered = seats_left(times_page(client, "pilates", day))
    assert "10:00" not in offered and offered["11:00"] == 2


def test_other_types_times_say_nothing_of_seats(client, clinic, day):
    page = times_page(client, "consultation", day)
    assert "10:00" in page and "seat" not in page


def test_a_type_needing_a_room_books_and_the_patient_never_sees_the_room(client, massage, day, book_on_page):
    confirmation = book_on_page(day, "10:00", "massage")
    booking = Booking.objects.get()
    assert units.booking_resources(booking) == {"treatment-rooms": ["room-1"]}
    assert "Room" not in text(confirmation) and "room-1" not in confirmation.content.decode()
