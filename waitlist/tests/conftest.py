"""A waitlist to fill: the day it wants, joining it, and the booking whose time it wants. The clinic, clients,
the real SMTP server and the in-process worker are in the root conftest.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


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
