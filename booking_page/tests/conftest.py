"""Steps of the booking page as a patient takes them. The clinic, dates and clients are in the root
conftest.py."""

from __future__ import annotations

import pytest

from booking_page.tests.patient import PATIENT


@pytest.fixture
def choose_time(client):
    """POST a time on the times page; returns the response (a redirect)."""

    def choose(day, start, appointment_type="consultation", **query):
        url = f"/book/{appointment_type}/times/"
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return client.post(url, {"date": day.isoformat(), "start": start})

    return choose


@pytest.fixture
def book_on_page(client, choose_time):
    """Choose a time and send the patient's details; returns the confirmation page's URL."""

    def book(day, start, appointment_type="consultation", **details):
        held = choose_time(day, start, appointment_type)
        assert held.status_code == 302, held
        confirmed = client.post(held.url, {**PATIENT, **details})
        assert confirmed.status_code == 302, confirmed.content.decode()[:2000]
        return confirmed.url

    return book
