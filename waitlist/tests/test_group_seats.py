"""The waitlist works per seat: one seat of a full group session cancelled is offered to the first patient
waiting for that class, and accepting it fills the session again."""

from __future__ import annotations

import pytest

from scheduling.models import Booking
from scheduling.tests.resources import group_type
from waitlist.models import Entry
from waitlist.tests.freed_time import answer_offer, cancel, offers_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilates(make_practitioner):
    made = group_type(capacity=3)
    make_practitioner("instructor", types=[made])
    return made


@pytest.fixture
def full_class(book, day, pilates):
    """Three seats of the 10:00 class on `day`: the session is full."""
    seats = [
        book(day, "10:00", "pilates", patient_name=name, patient_email=f"{name.split()[0].lower()}@example.com")
        for name in ("Ada Lovelace", "Alan Turing", "Edsger Dijkstra")
    ]
    assert [seat.status_code for seat in seats] == [200, 200, 200]
    return [seat.json() for seat in seats]


def seats_of_ten(status):
    return Booking.objects.filter(appointment_type__slug="pilates", status=status)


def test_a_cancelled_seat_is_offered_to_the_waitlist_and_accepting_fills_the_class(
    api, client, join, full_class, inbox, run_worker
):
    joined = join("Grace Hopper", appointment_type="pilates", latest_time="11:00")
    assert joined.status_code == 201, joined.json()
    cancel(api, full_class[0])
    run_worker()

    [offer_mail] = offers_in(inbox, "grace@example.com")
    held = Booking.objects.get(patient_email="grace@example.com")
    assert held.status == "held"
    assert held.session_id == Booking.objects.get(reference=full_class[1]["booking_id"]).session_id
    answered = answer_offer(client, offer_mail, "accept")
    assert answered.status_code == 200 and "You are booked" in answered.text
    assert seats_of_ten("confirmed").count() == 3
    assert Entry.objects.get().status == "booked"
