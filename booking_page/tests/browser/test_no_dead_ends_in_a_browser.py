"""No dead ends, in a real browser at 320 px and 1280 px: a full day leads by keyboard to its waitlist, a day
past the horizon says how far ahead the clinic books, a field counts down to its limit, and moving or
cancelling asks first. axe finds no WCAG 2.2 AA violation on these pages.

Each test takes the patient's language as a parameter (English for now): what the page says is looked up
in WORDS by language, so a language is added by adding its words. Set DEADENDS_SHOTS to a folder to keep
a screenshot of each page there."""

from __future__ import annotations

import os
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking_page.month import Month
from booking_page.tests.browser.test_accessibility import violations
from booking_page.tests.browser.viewports import DESKTOP, PHONE
from scheduling import bookings, links
from scheduling.models import AppointmentType, Booking
from waitlist.models import Entry

SHOTS = os.environ.get("DEADENDS_SHOTS")
WORDS = {
    "en": {
        "accept-language": "en-GB",
        "full day": "{day}, fully booked: join the waitlist for this day",
        "join": "Join the waitlist",
        "name": "Full name",
        "email": "E-mail",
        "joined": "Waiting: you are next in line",
        "horizon": "Bookings open up to 12 weeks ahead, until {day}.",
        "no times": "No free times are left",
        "day waitlist": "Join the waitlist for this day",
        "next month": "next month",
        "counter": "{count} of {limit} characters",
        "too many": "{over} characters too many: at most {limit}",
        "move": "Move your booking?",
        "move button": "Move my booking",
        "cancel link": "Cancel this booking",
        "cancel heading": "Cancel your booking?",
        "instead": "Choose a new time instead",
        "cancel button": "Yes, cancel this booking",
        "cancelled": "Your booking is cancelled.",
        "moved": "Your booking is moved to the time below.",
    },
}
LANGUAGES = list(WORDS)
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["320px", "1280px"])
IN_EACH_LANGUAGE = pytest.mark.parametrize("language", LANGUAGES)


def long_day(day) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def shoot(page: Page, name: str, viewport: dict, language: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{language}-{viewport['width']}.png", full_page=True)


def form_behind(page: Page, button: str) -> tuple[str, dict]:
    """The action and fields a form's button sends, as a browser would send them again (back, then resubmit)."""
    return page.get_by_role("button", name=button).evaluate(
        """b => { const data = Object.fromEntries(new FormData(b.form));
                  if (b.name) data[b.name] = b.value; return [b.form.action, data]; }"""
    )


def send_again(page: Page, sent: tuple[str, dict], site: str) -> str:
    """A form's POST sent once more from the same browser (its cookies), as resubmitting does: the page's text."""
    action, data = sent
    again = page.request.post(action, form=data, headers={"Origin": site})
    assert again.ok, again.status
    return again.text()


def fill_day(day) -> None:
    consultation = AppointmentType.objects.get(slug="consultation")
    for minutes in range(9 * 60, 17 * 60, 30):
        slot = bookings.RequestedSlot(consultation, day, time(minutes // 60, minutes % 60))
        bookings.book(slot, patient=bookings.PatientDetails("Someone Else"))


@VIEWPORTS
@IN_EACH_LANGUAGE
def test_a_full_day_leads_by_keyboard_to_its_waitlist(new_context, site, today, viewport, language):
    words = WORDS[language]
    day = today + timedelta(days=3)
    fill_day(day)
    page = new_context(viewport=viewport, extra_http_headers={"Accept-Language": words["accept-language"]}).new_page()
    found = {}

    page.goto(f"{site}/book/consultation/calendar/?month={Month.of(day)}")
    full = page.get_by_role("link", name=words["full day"].format(day=long_day(day)))
    expect(full).to_be_visible()
    found["month"] = violations(page)
    shoot(page, "full-day-month", viewport, language)
    full.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=words["join"])).to_be_visible()
    expect(page.locator("#id_earliest_date")).to_have_value(day.isoformat())
    expect(page.locator("#id_latest_date")).to_have_value(day.isoformat())
    found["waitlist form"] = violations(page)
    shoot(page, "full-day-waitlist", viewport, language)
    page.get_by_label(words["name"]).fill("Grace Hopper")
    page.get_by_label(words["email"]).fill("grace@example.com")
    page.get_by_role("button", name=words["join"]).click()
    expect(page.get_by_text(words["joined"])).to_be_visible()

    entry = Entry.objects.get()
    assert (entry.earliest_date, entry.latest_date) == (day, day)
    assert found == {step: [] for step in found}


@VIEWPORTS
@IN_EACH_LANGUAGE
def test_a_day_past_the_horizon_says_how_far_ahead_the_clinic_books(new_context, site, today, viewport, language):
    words = WORDS[language]
    AppointmentType.objects.filter(slug="consultation").update(horizon_days=84)
    last = today + timedelta(days=84)
    page = new_context(viewport=viewport, extra_http_headers={"Accept-Language": words["accept-language"]}).new_page()

    page.goto(f"{site}/book/consultation/times/?date={last + timedelta(days=1)}")
    expect(page.get_by_text(words["horizon"].format(day=long_day(last)))).to_be_visible()
    expect(page.get_by_text(words["no times"])).to_have_count(0)
    expect(page.get_by_role("link", name=words["day waitlist"])).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(words["next month"]))).to_have_count(0)
    shoot(page, "horizon", viewport, language)
    assert violations(page) == []


@VIEWPORTS
@IN_EACH_LANGUAGE
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_name_field_counts_to_its_limit_and_refuses_more(
    new_context, site, tomorrow, viewport, language, javascript
):
    words = WORDS[language]
    limit = Booking._meta.get_field("patient_name").max_length
    page = new_context(
        viewport=viewport,
        extra_http_headers={"Accept-Language": words["accept-language"]},
        java_script_enabled=javascript,
    ).new_page()
    page.goto(f"{site}/book/consultation/times/?date={tomorrow}")
    page.get_by_role("button", name=re.compile("^10:00")).click()
    name = page.get_by_label(words["name"])
    expect(page.get_by_text(f"Up to {limit} characters.")).to_be_visible()
    name.fill("a" * (limit + 5))
    expect(name).to_have_value("a" * (limit + 5))  # nothing cut what was pasted
    if javascript:
        expect(page.locator("#id_patient_name_counter")).to_have_text(words["too many"].format(over=5, limit=limit))
        assert violations(page) == []
        shoot(page, "counter", viewport, language)
    else:
        expect(page.locator("#id_patient_name_counter")).to_be_hidden()
    page.get_by_label(words["email"]).fill("grace@example.com")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.locator(".error-summary")).to_contain_text(f"can be at most {limit} characters; this has {limit + 5}")
    if javascript:
        shoot(page, "counter-refused", viewport, language)
        name.fill("Grace Hopper")
        expect(page.locator("#id_patient_name_counter")).to_have_text(words["counter"].format(count=12, limit=limit))
    assert not Booking.objects.filter(status=Booking.Status.CONFIRMED).exists()


@VIEWPORTS
@IN_EACH_LANGUAGE
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_moving_then_cancelling_ask_first_and_the_back_button_changes_nothing_twice(
    new_context, site, today, tomorrow, viewport, language, javascript
):
    words = WORDS[language]
    consultation = AppointmentType.objects.get(slug="consultation")
    booking, token = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(14)), patient=bookings.PatientDetails("Mary Jones")
    )
    page = new_context(
        viewport=viewport,
        extra_http_headers={"Accept-Language": words["accept-language"]},
        java_script_enabled=javascript,
    ).new_page()
    page.goto(site + links.manage_url(booking, token))
    page.get_by_role("link", name="Choose a new time").click()
    if Month.of(tomorrow) != Month.of(today):
        page.get_by_role("link", name=re.compile(words["next month"])).click()
    page.get_by_role("button", name=re.compile(rf"^{long_day(tomorrow)}, \d+ times? free")).click()
    page.get_by_role("button", name=re.compile("^15:30")).click()
    expect(page.get_by_role("heading", name=words["move"])).to_be_visible()
    if javascript:
        assert violations(page) == []
    shoot(page, f"move-confirm-{'js' if javascript else 'nojs'}", viewport, language)
    booking.refresh_from_db()
    assert booking.revision == 1  # nothing moved yet
    confirmation = form_behind(page, words["move button"])
    page.get_by_role("button", name=words["move button"]).click()
    expect(page.get_by_text(words["moved"])).to_be_visible()
    assert words["moved"] in send_again(page, confirmation, site)  # and it moves nothing more
    booking.refresh_from_db()
    assert booking.revision == 2

    page.goto(f"{site}/manage/{booking.reference}/")
    page.get_by_role("link", name=words["cancel link"]).click()
    expect(page.get_by_role("heading", name=words["cancel heading"])).to_be_visible()
    expect(page.get_by_role("link", name=words["instead"])).to_be_visible()
    if javascript:
        assert violations(page) == []
    shoot(page, f"cancel-step-{'js' if javascript else 'nojs'}", viewport, language)
    cancellation = form_behind(page, words["cancel button"])
    page.get_by_role("button", name=words["cancel button"]).click()
    expect(page.get_by_text(words["cancelled"])).to_be_visible()
    assert words["cancelled"] in send_again(page, cancellation, site)
    page.go_back()  # to the cancel step, which now says it is done
    expect(page.get_by_text(words["cancelled"])).to_be_visible()
    booking.refresh_from_db()
    assert (booking.status, booking.revision) == ("cancelled", 3)
