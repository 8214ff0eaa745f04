"""Clinic-local wall clock in the API, UTC instants in storage, and the days clocks change."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import AppointmentType, Booking, OpeningHours
from scheduling.tests.answers import starts
from scheduling.tests.clock_changes import next_clock_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bookable_until_the_next_clock_changes(db):
    """The next change may be most of a year away; let patients book that far ahead."""
    AppointmentType.objects.update(horizon_days=730)


@pytest.fixture
def night_clinic(clinic):
    """Open across the small hours so the clock change falls inside opening hours."""
    OpeningHours.objects.filter(practitioner=clinic).update(opens_at="00:00", closes_at="04:00")
    return clinic


def test_stored_instants_are_utc_and_the_api_speaks_local_time(settings, book):
    settings.TIME_ZONE = "America/New_York"
    day = next_clock_change(ZoneInfo("America/New_York"), forward=False) + timedelta(days=3)  # plain EST day
    body = book(day, "10:00").json()
    stored = Booking.objects.get(reference=body["booking_id"])
    assert stored.starts_at.astimezone(UTC).hour == 15
    assert body["start_time"] == "10:00"
    assert body["starts_at"].endswith("-05:00")


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London"])
def test_spring_forward_offers_no_time_that_does_not_exist(settings, availability, book, night_clinic, zone):
    settings.TIME_ZONE = zone
    day = next_clock_change(ZoneInfo(zone), forward=True)
    slots = availability(day, "consultation").json()["available_slots"]
    skipped = "02:30" if zone == "America/New_York" else "01:30"
    assert skipped not in [s["start"] for s in slots]
    # The day is an hour shorter: four hours of wall clock hold three real hours, six half-hour slots.
    assert len(slots) == 6
    response = book(day, skipped)
    assert response.status_code == 400
    assert response.json()["code"] == "nonexistent_time"


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London"])
def test_fall_back_offers_each_local_time_once(settings, availability, book, night_clinic, zone):
    settings.TIME_ZONE = zone
    day = next_clock_change(ZoneInfo(zone), forward=False)
    free = starts(availability(day, "consultation"))
    assert len(free) == len(set(free)) == 8
    assert book(day, "01:30").status_code == 200
    assert "01:30" not in starts(availability(day, "consultation"))


@pytest.mark.parametrize(
    ("zone", "start", "local_end"), [("America/New_York", "01:00", "03:00"), ("Europe/London", "00:00", "02:00")]
)
def test_an_appointment_across_the_change_lasts_its_real_minutes(settings, book, night_clinic, zone, start, local_end):
    settings.TIME_ZONE = zone
    day = next_clock_change(ZoneInfo(zone), forward=True)
    body = book(day, start, "therapy").json()
    assert body["end_time"] == local_end  # the wall clock jumps an hour during the visit
    stored = Booking.objects.get(reference=body["booking_id"])
    assert stored.ends_at - stored.starts_at == timedelta(minutes=60)
