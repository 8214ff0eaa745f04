"""Steps of the booking page as a patient takes them. The clinic, dates and clients are in the root
conftest.py."""

from __future__ import annotations

import pytest

from booking_page.tests.html import form_to
from booking_page.tests.patient import PATIENT


@pytest.fixture
def choose_time(client):
    """POST a time on the times page; returns the response (the details form, holding the time)."""

    def choose(day, start, appointment_type="consultation", **query):
        url = f"/book/{appointment_type}/times/"
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return client.post(url, {"date": day.isoformat(), "start": start})

    return choose


@pytest.fixture
def send_details(client):
    """Send the details form that choosing a time answered with (its hold id in a hidden field)."""

    def send(details_page, data):
        form = form_to(details_page, "/book/details/")
        return client.post(form.pop("action"), {**form, **data})

    return send


@pytest.fixture
def book_on_page(choose_time, send_details):
    """Choose a time and send the patient's details; returns the confirmation page (the answer)."""

    def book(day, start, appointment_type="consultation", **details):
        held = choose_time(day, start, appointment_type)
        assert held.status_code == 200, held
        confirmed = send_details(held, {**PATIENT, **details})
        assert confirmed.status_code == 200, confirmed.content.decode()[:2000]
        assert b"You are booked" in confirmed.content
        return confirmed

    return book


@pytest.fixture
def open_booking(client):
    """Press the confirmation's "view, move or cancel" button: the token it posts becomes the cookie.
    Returns the manage page's address, which has no token."""

    def open_(confirmation) -> str:
        form = form_to(confirmation, r"/manage/[^/]+/")
        opened = client.post(form.pop("action"), form)
        assert opened.status_code == 303, opened
        return opened.url

    return open_
