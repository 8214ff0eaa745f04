"""A patient books a course of visits in a real browser, with JavaScript and without, on a 320 px phone and
a desktop screen, with axe checking every step (where scripts run); then opens the course and cancels its last visits.

Set COURSE_SHOTS to a folder to keep a screenshot of each step there."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from booking_page.tests.browser.viewports import DESKTOP, PHONE
from scheduling import bookings
from scheduling.models import AppointmentType, Booking, BookingSeries

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
PATIENT = {"Full name": "Mary Jones", "E-mail": "mary@example.com", "Phone": "+44 20 7946 0000"}
SHOTS = os.environ.get("COURSE_SHOTS")


def violations(page: Page) -> list[str]:
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in found]


@pytest.fixture
def therapy(site) -> AppointmentType:
    therapy = AppointmentType.objects.get(slug="therapy")
    therapy.allow_series = True
    therapy.save()
    return therapy


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_patient_books_a_course_and_cancels_its_last_visits(new_context, site, therapy, today, viewport, javascript):
    first_day = today + timedelta(days=7)
    bookings.book(bookings.RequestedSlot(therapy, first_day, time(10)), patient=bookings.PatientDetails("Grace Hopper"))
    page = new_context(viewport=viewport, java_script_enabled=javascript).new_page()
    seen: list[str] = []
    page.on("request", lambda sent: seen.append(sent.url))
    found: dict[str, list[str]] = {}

    def step(name: str) -> None:
        if javascript:  # axe runs in the page: the markup it checks is the same without JavaScript
            found[name] = violations(page)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            label = f"{'js' if javascript else 'nojs'}-{viewport['width']}"
            page.screenshot(path=f"{SHOTS}/{label}-{name}.png", full_page=True)

    page.goto(f"{site}/book/therapy/")
    page.get_by_role("link", name="Book a course").click()
    expect(page.get_by_role("heading", name="Book a course of Therapy")).to_be_visible()
    step("1-form")
    page.get_by_label(f"{first_day:%A}").check()
    page.get_by_label("At what time?").fill("10:00")
    page.get_by_label("Starting from").fill(first_day.isoformat())
    page.get_by_label("Number of visits").fill("4")
    page.get_by_role("button", name="Show the dates").click()
    expect(page.get_by_role("heading", name="The course's dates")).to_be_visible()
    expect(page.get_by_text("3 of 4 dates can be booked.")).to_be_visible()
    expect(page.locator(".course-date.unavailable")).to_contain_text("This time is already booked.")
    expect(page.get_by_role("link", name="Try 09:00 for every visit")).to_have_count(1)
    step("2-preview")
    page.get_by_role("link", name="Continue with 3 visits").click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    for label, value in PATIENT.items():
        page.get_by_label(label).fill(value)
    step("3-details")
    page.get_by_role("button", name="Book these 3 visits").click()
    expect(page.get_by_role("heading", name="Your course is booked")).to_be_visible()
    expect(page.get_by_text("This date was skipped.")).to_be_visible()
    step("4-booked")
    series = BookingSeries.objects.get()
    assert sorted(series.bookings.values_list("series_index", flat=True)) == [2, 3, 4]

    page.get_by_role("button", name="View or cancel your course").click()
    expect(page.get_by_role("heading", name="Your course of Therapy")).to_be_visible()
    step("5-course")
    page.get_by_role("button", name="Cancel this and all following visits (from visit 3)").click()
    expect(page.get_by_role("status")).to_contain_text("2 visits are cancelled")
    step("6-cancelled")
    statuses = dict(series.bookings.values_list("series_index", "status"))
    assert statuses == {2: Booking.Status.CONFIRMED, 3: Booking.Status.CANCELLED, 4: Booking.Status.CANCELLED}
    assert not [url for url in seen if "token=" in url or "attempt=" in url]  # secrets stay in bodies
    assert found == {name: [] for name in found}


def test_the_course_pages_work_by_keyboard_alone(new_context, site, therapy, today):
    first_day = today + timedelta(days=7)
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"{site}/book/therapy/course/")
    page.get_by_label(f"{first_day:%A}").focus()
    page.keyboard.press("Space")
    page.get_by_label("At what time?").fill("10:00")  # how a time control takes typed digits is the browser's
    page.get_by_label("Starting from").fill(first_day.isoformat())
    page.get_by_label("Number of visits").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")  # sends the form, as a button would
    expect(page.get_by_text("2 of 2 dates can be booked.")).to_be_visible()
    page.get_by_role("link", name="Continue with 2 visits").focus()
    page.keyboard.press("Enter")
    # The page puts focus on its heading once htmx has settled the swap: typing before that could go to the
    # heading (the keys lost) and shift every value into the field before its own.
    expect(page.get_by_role("heading", name="Your details")).to_be_focused()
    page.get_by_label("Full name").focus()
    for value in PATIENT.values():
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.get_by_role("button", name="Book these 2 visits").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your course is booked")).to_be_visible()
    assert BookingSeries.objects.get().bookings.count() == 2
