"""Per-type rules staff set in the admin: buffers, minimum notice, horizon, slot interval."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


def test_buffers_block_neighbouring_time_without_being_offered(availability, book, tomorrow, therapy):
    therapy.buffer_after_minutes = 15
    therapy.save()
    assert book(tomorrow, "10:00", "therapy").status_code == 200
    free = starts(availability(tomorrow, "follow-up"))
    assert "11:00" not in free and "11:15" in free
    assert "09:45" in free  # the follow-up before keeps no buffer of its own
    assert book(tomorrow, "11:00", "follow-up").status_code == 409


def test_minimum_notice_hides_and_refuses_slots_too_soon(availability, book, today, consultation):
    consultation.min_notice_minutes = 120
    consultation.save()
    tz = timezone.get_current_timezone()
    with time_machine.travel(timezone.make_aware(datetime.combine(today, time(9, 50)), tz), tick=False):
        assert starts(availability(today))[0] == "12:00"
        response = book(today, "11:30")
    assert response.status_code == 400
    assert response.json()["code"] == "min_notice"
    assert "120 minutes" in response.json()["errors"]["start_time"][0]


def test_the_horizon_refuses_days_too_far_ahead_as_availability_holds_and_bookings_alike(
    api, availability, book, today, consultation
):
    consultation.horizon_days = 14
    consultation.save()
    last = today + timedelta(days=14)
    assert availability(last).status_code == 200
    refusal = {
        "detail": f"Consultation can be booked at most 14 days ahead, until {last.isoformat()}.",
        "code": "booking_horizon",
        "errors": {"date": [f"Consultation can be booked at most 14 days ahead, until {last.isoformat()}."]},
    }
    for far in (last + timedelta(days=1), today + timedelta(days=20), "2099-01-01", "9999-12-31"):
        hold = api.post(
            "/api/calendly/holds",
            {"appointment_type": "consultation", "date": str(far), "start_time": "10:00"},
            format="json",
        )
        free = api.get("/api/calendly/availability", {"date": str(far), "appointment_type": "consultation"})
        for response in (free, book(far, "10:00"), hold):
            assert (response.status_code, response.json()) == (400, refusal), response.json()


def test_a_slot_interval_shorter_than_the_duration_offers_overlapping_starts(availability, tomorrow, consultation):
    consultation.slot_interval_minutes = 15
    consultation.save()
    assert starts(availability(tomorrow))[:3] == ["09:00", "09:15", "09:30"]
    assert starts(availability(tomorrow))[-1] == "16:30"


def test_changing_buffers_later_does_not_unblock_existing_bookings(availability, book, tomorrow, therapy):
    therapy.buffer_after_minutes = 30
    therapy.save()
    book(tomorrow, "10:00", "therapy")
    therapy.buffer_after_minutes = 0
    therapy.save()
    assert "11:15" not in starts(availability(tomorrow, "follow-up"))
