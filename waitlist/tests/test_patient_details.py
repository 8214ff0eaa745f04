"""The waitlist stores names and refuses addresses as bookings do (scheduling/patient_details.py)."""

from datetime import timedelta

import pytest

from waitlist.models import Entry

pytestmark = pytest.mark.django_db

RLO = "\u202e"


@pytest.mark.parametrize("address", ["ann@[127.0.0.1]", "ann@localhost"])
def test_the_waitlist_refuses_such_an_address_too(api, tomorrow, address):
    body = {
        "appointment_type": "consultation",
        "earliest_date": tomorrow.isoformat(),
        "latest_date": (tomorrow + timedelta(days=3)).isoformat(),
        "patient_name": "Ann Lee",
        "patient_email": address,
    }
    response = api.post("/api/calendly/waitlist", body, format="json")
    assert response.status_code == 400
    assert "patient_email" in response.json()["errors"]


def test_the_waitlist_stores_the_name_as_the_booking_does(api, tomorrow):
    body = {
        "appointment_type": "consultation",
        "earliest_date": tomorrow.isoformat(),
        "latest_date": (tomorrow + timedelta(days=3)).isoformat(),
        "patient_name": f"Ann\n{RLO}Lee",
        "patient_email": "ann@example.com",
    }
    response = api.post("/api/calendly/waitlist", body, format="json")
    assert response.status_code in (200, 201), response.json()
    assert Entry.objects.get().patient_name == "Ann Lee"
