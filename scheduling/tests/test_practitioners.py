"""Several practitioners: "any available" slots, deterministic assignment, per-practitioner guarantees."""

from datetime import time

import pytest

from scheduling.models import Booking
from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_doctors(clinic, consultation, therapy, make_practitioner):
    clinic.is_active = False
    clinic.save()
    morning = make_practitioner("dr-adams", types=[consultation, therapy], hours=[(time(9), time(12))])
    afternoon = make_practitioner("dr-baker", types=[consultation], hours=[(time(11), time(15))])
    return morning, afternoon


def test_without_a_practitioner_a_slot_is_offered_when_anyone_is_free(availability, tomorrow, two_doctors):
    slots = availability(tomorrow).json()["available_slots"]
    assert slots[0]["start"] == "09:00" and slots[-1]["start"] == "14:30"
    by_start = {s["start"]: s["practitioners"] for s in slots}
    assert by_start["09:00"] == ["dr-adams"]
    assert by_start["11:00"] == ["dr-adams", "dr-baker"]
    assert by_start["14:00"] == ["dr-baker"]


def test_a_practitioner_filter_shows_only_their_slots(availability, tomorrow, two_doctors):
    assert starts(availability(tomorrow, practitioner="dr-baker"))[0] == "11:00"


def test_asking_a_practitioner_for_a_type_they_do_not_offer_names_the_practitioner(availability, tomorrow, two_doctors):
    response = availability(tomorrow, "therapy", practitioner="dr-baker")
    assert response.status_code == 400
    assert "does not offer" in response.json()["errors"]["practitioner"][0]


def test_booking_without_a_practitioner_picks_the_least_busy_then_by_slug(book, tomorrow, two_doctors):
    first = book(tomorrow, "11:00").json()
    assert first["practitioner"] == "dr-adams"  # both free with no bookings: slug order
    second = book(tomorrow, "11:30").json()
    assert second["practitioner"] == "dr-baker"  # adams has one booking today, baker none
    third = book(tomorrow, "11:00").json()
    assert third["practitioner"] == "dr-baker"  # adams is taken at 11:00


def test_one_slot_can_be_booked_once_per_practitioner(book, tomorrow, two_doctors):
    assert book(tomorrow, "11:00").status_code == 200
    assert book(tomorrow, "11:00").status_code == 200
    assert book(tomorrow, "11:00").status_code == 409
    assert Booking.objects.filter(status="confirmed").count() == 2


def test_booking_a_named_practitioner_outside_their_hours_is_400(book, tomorrow, two_doctors):
    response = book(tomorrow, "09:00", practitioner="dr-baker")
    assert response.status_code == 400
    assert "start_time" in response.json()["errors"]


def test_with_the_single_default_practitioner_the_prototype_answers_as_before(availability, book, tomorrow):
    assert len(availability(tomorrow).json()["available_slots"]) == 16
    assert book(tomorrow, "09:00").json()["practitioner"] == "clinic"


def test_practitioners_are_listed_publicly_with_their_types(api, two_doctors):
    listed = {p["slug"]: p["appointment_types"] for p in api.get("/api/calendly/practitioners").json()}
    assert set(listed["dr-adams"]) == {"consultation", "therapy"}
    assert listed["dr-baker"] == ["consultation"]
