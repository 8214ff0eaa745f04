"""The core's clinic and clients, the real SMTP server and the in-process worker, and a waitlist to fill."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from notifications.tests.conftest import *  # noqa: F403 - clinic, clients, inbox, run_worker
from notifications.tests.mail import text_of


@pytest.fixture
def day(today) -> date:
    """Far enough ahead that no notice rule or reminder gets in the way."""
    return today + timedelta(days=3)


@pytest.fixture
def join(api, day):
    """POST /api/calendly/waitlist for a consultation on `day` (by default from 10:00, finished by 10:30:
    exactly one slot); returns the response."""

    def post(name="Grace Hopper", email=None, **fields):
        body = {
            "appointment_type": "consultation",
            "earliest_date": day.isoformat(),
            "latest_date": day.isoformat(),
            "earliest_time": "10:00",
            "latest_time": "10:30",
            "patient_name": name,
            "patient_email": email or f"{name.split()[0].lower()}@example.com",
            **fields,
        }
        return api.post("/api/calendly/waitlist", {k: v for k, v in body.items() if v is not None}, format="json")

    return post


@pytest.fixture
def booked(book, day):
    """Ada's consultation at 10:00 on `day`: the time the waitlist wants."""
    response = book(day, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com")
    assert response.status_code == 200, response.json()
    return response.json()


def cancel(api, booking: dict):
    response = api.post(f"/api/calendly/bookings/{booking['booking_id']}/cancel?token={booking['manage_token']}")
    assert response.status_code == 200, response.json()


def offers_in(inbox, to: str) -> list:
    return [m for m in inbox.messages if to in m["To"] and m["Subject"].startswith("A time has come free")]


def offer_path(message) -> str:
    """The accept-or-decline link of an offer e-mail, as a path for the test client."""
    url = re.search(r"https?://\S+/offer/\S+", text_of(message)).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
