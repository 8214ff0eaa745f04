"""A patient answers the type's intake questions in a real browser, with JavaScript and without, on a 320 px
phone and a desktop screen: a missing answer is listed in the error summary, what was typed stays, and the
page has no accessibility violation with the questions and their errors on it (axe, where JS runs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.tests.signin import sign_in_past_mfa
from booking_page.tests.browser.test_accessibility import violations
from booking_page.tests.browser.test_booking_in_a_browser import choose_type_and_anyone, fill_details, open_day
from booking_page.tests.browser.viewports import DESKTOP, PHONE
from scheduling.models import AppointmentType, Booking
from scheduling.tests.intake_questions import ask_questions
from scheduling.tests.staff import member_of

# Where the screenshots go, to be looked at (INTAKE_SHOTS=dir); none are taken without it.
SHOTS = os.environ.get("INTAKE_SHOTS")


@pytest.fixture
def manager_page(site, new_context) -> Page:
    """A page signed in as a manager, past the second step of signing in."""
    client = Client()
    sign_in_past_mfa(client, member_of("manager", "boss"))
    context = new_context(viewport=DESKTOP)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    return context.new_page()


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "desktop"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_patient_answers_the_questions_and_books(new_context, site, tomorrow, viewport, javascript):
    ask_questions(AppointmentType.objects.get(slug="consultation"))
    page = new_context(viewport=viewport, java_script_enabled=javascript).new_page()
    label = f"{viewport['width']}px-{'js' if javascript else 'nojs'}"
    choose_type_and_anyone(page, site)
    open_day(page, tomorrow)
    page.get_by_role("button", name="10:00 UTC").click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    shoot(page, f"details-{label}")
    fill_details(page)
    page.get_by_role("group", name="Where does it hurt?").get_by_label("Back").check()
    page.get_by_label("Since when?").fill("2026-01-02")
    page.get_by_role("button", name="Book this appointment").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Is this your first visit to the clinic?: This question must be answered.")
    expect(summary).to_contain_text("What brings you in?: This question must be answered.")
    expect(page.get_by_role("group", name="Where does it hurt?").get_by_label("Back")).to_be_checked()
    expect(page.get_by_label("Since when?")).to_have_value("2026-01-02")
    shoot(page, f"errors-{label}")
    if javascript:  # axe runs as a script in the page: not in a page without JavaScript
        assert violations(page) == []

    page.get_by_role("group", name="Is this your first visit to the clinic? (required)").get_by_label("No").check()
    page.get_by_label("What brings you in?").fill("Sore knee after running")
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    answers = {a["slug"]: a["answer"] for a in Booking.objects.get(status="confirmed").intake_answers}
    assert answers == {
        "new-patient": False,
        "symptoms": "Sore knee after running",
        "area": "Back",
        "since": "2026-01-02",
    }


def test_staff_see_the_answers_on_the_booking_and_the_day_schedule(manager_page, site, tomorrow):
    from datetime import time

    from scheduling import bookings
    from scheduling.tests.intake_questions import GOOD

    consultation = ask_questions(AppointmentType.objects.get(slug="consultation"))
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=bookings.PatientDetails("Ada Lovelace", "ada@example.com", answers=GOOD),
    )
    page = manager_page
    page.goto(f"{site}/admin/scheduling/booking/{booking.pk}/change/")
    expect(page.get_by_text("Sore knee after running")).to_be_visible()
    shoot(page, "admin-booking")
    page.goto(f"{site}/admin/scheduling/booking/day/?date={tomorrow.isoformat()}")
    page.get_by_text("Intake answers (4)").click()
    expect(page.get_by_text("Sore knee after running")).to_be_visible()
    shoot(page, "admin-day-schedule")
    page.goto(f"{site}/admin/scheduling/appointmenttype/{consultation.pk}/change/")
    expect(page.get_by_text("Standard questions")).to_be_visible()
    expect(page.locator('input[value="What brings you in?"]')).to_be_visible()  # a manager edits them inline
    shoot(page, "admin-type")
