"""A patient books a seat of a class in a real browser: each time says how many seats are left, a booked
seat counts at once, and a full session is no longer offered. `SEAT_SHOTS=<dir>` keeps the screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from booking_page.tests.browser.test_booking_in_a_browser import PATIENT, day_label, fill_details, open_day
from scheduling.models import Booking
from scheduling.tests.resources import group_type


@pytest.fixture
def pilates(site, make_practitioner):
    made = group_type(capacity=2)
    make_practitioner("instructor", types=[made], name="Ms Okafor")
    return made


def book_a_seat(page, site, day, name) -> None:
    page.goto(f"{site}/book/")
    page.get_by_role("link", name="Pilates class").click()
    page.get_by_role("link", name="Any available practitioner").click()
    open_day(page, day)
    page.get_by_role("button", name="10:00 UTC").click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    fill_details(page)
    page.get_by_label("Full name").fill(name)
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()


def test_a_patient_books_a_seat_and_a_full_class_is_not_offered(new_context, site, pilates, tomorrow):
    page = new_context().new_page()
    shots = Path(os.environ.get("SEAT_SHOTS", "")) if os.environ.get("SEAT_SHOTS") else None
    page.goto(f"{site}/book/pilates/times/?date={tomorrow}")
    expect(page.get_by_role("heading", name=f"Free times on {day_label(tomorrow)}")).to_be_visible()
    expect(page.get_by_role("button", name="10:00 UTC 2 seats left")).to_be_visible()
    if shots:
        page.screenshot(path=str(shots / "seats-left.png"), full_page=True)

    book_a_seat(page, site, tomorrow, PATIENT["Full name"])
    page.goto(f"{site}/book/pilates/times/?date={tomorrow}")
    expect(page.get_by_role("button", name="10:00 UTC 1 seat left")).to_be_visible()
    expect(page.get_by_role("button", name="11:00 UTC 2 seats left")).to_be_visible()

    book_a_seat(page, site, tomorrow, "Ann Lee")
    assert Booking.objects.filter(status="confirmed", session__isnull=False).count() == 2
    page.goto(f"{site}/book/pilates/times/?date={tomorrow}")
    expect(page.get_by_role("button", name="11:00 UTC 2 seats left")).to_be_visible()
    expect(page.get_by_role("button", name="10:00 UTC", exact=False)).to_have_count(0)
    if shots:
        page.screenshot(path=str(shots / "class-full.png"), full_page=True)
