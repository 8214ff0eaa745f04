"""Webhook payloads carry the rooms a booking claims and a seat's session: a receiver (a room display, a
calendar) places the booking without fetching it."""

import json
from datetime import time, timedelta

import pytest

from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails, RequestedSlot
from scheduling.tests.resources import ROOMS, group_type, treatment_rooms, type_in_a_room
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db
DESK = Actor.integration("desk")


@pytest.fixture
def endpoint(staff_api, private_networks):
    answer = staff_api.post(
        "/api/calendly/webhooks",
        {"url": "http://127.0.0.1:9/hook", "events": ["booking.created", "booking.rescheduled", "booking.cancelled"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()


@pytest.fixture
def day(today):
    return today + timedelta(days=2)


def sent(kind: str) -> list[dict]:
    return [json.loads(d.body)["data"] for d in Delivery.objects.filter(event_type=kind).order_by("pk")]


def book(appointment_type, day, start=time(10), name="Ada Lovelace", **kwargs):
    requested = RequestedSlot(appointment_type, day, start)
    return bookings.book(requested, patient=PatientDetails(name=name), by=DESK, **kwargs)[0]


def test_a_booking_in_a_room_says_which_room_created_moved_and_cancelled(endpoint, make_practitioner, day):
    treatment_rooms()
    massage = type_in_a_room()
    make_practitioner("therapist", types=[massage])
    booking = book(massage, day, resources={ROOMS: "room-2"})
    [created] = sent("booking.created")
    assert (created["resources"], created["session"]) == ({ROOMS: ["room-2"]}, None)

    bookings.reschedule(booking, RequestedSlot(massage, day, time(11)), by=DESK, resources={ROOMS: "room-1"})
    [moved] = sent("booking.rescheduled")
    assert moved["resources"] == {ROOMS: ["room-1"]}

    bookings.cancel(booking, by=DESK)
    [cancelled] = sent("booking.cancelled")
    assert cancelled["resources"] == {ROOMS: ["room-1"]}  # what it held


def test_a_seat_carries_its_session_as_it_stands(endpoint, make_practitioner, day):
    pilates = group_type()
    make_practitioner("instructor", types=[pilates])
    first = book(pilates, day)
    book(pilates, day, name="Grace Hopper")
    bookings.cancel(first, by=DESK)
    created = [data["session"] for data in sent("booking.created")]
    assert [(s["capacity"], s["seats_taken"]) for s in created] == [(3, 1), (3, 2)]
    [cancelled] = sent("booking.cancelled")
    assert cancelled["session"]["seats_taken"] == 1
    assert cancelled["session"]["starts_at"] == created[0]["starts_at"]
