"""The core's own fixtures; the clinic, dates and clients every app shares are in the root conftest.py."""

from __future__ import annotations

import pytest

from scheduling.tests.patients import booked


@pytest.fixture
def availability(api):
    def get(day, appointment_type="consultation", **params):
        query = {"date": day.isoformat(), "appointment_type": appointment_type, **params}
        return api.get("/api/calendly/availability", query)

    return get


# A household sharing one address: Mary, then Tom, a new record and a possible duplicate of hers.
@pytest.fixture
def mary(consultation, tomorrow):
    return booked(consultation, tomorrow, "Mary Jones", "jones@example.com", phone="+442079460958").patient


@pytest.fixture
def tom(consultation, tomorrow, mary):
    return booked(consultation, tomorrow, "Tom Jones", "jones@example.com").patient
