"""The core's own fixtures; the clinic, dates and clients every app shares are in the root conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def availability(api):
    def get(day, appointment_type="consultation", **params):
        query = {"date": day.isoformat(), "appointment_type": appointment_type, **params}
        return api.get("/api/calendly/availability", query)

    return get
