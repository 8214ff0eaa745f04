"""The desk's week calendar in Chromium: a manager books by clicking an empty time, moves a booking by
dragging it and by the keyboard's "Move" page, prints the day list; the week and day views have no WCAG 2.2
AA violation; without JavaScript the grid and the Move flow still work. Screenshots go to
/tmp/shots-calendar/ for people to look at."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.tests.signin import sign_in_past_mfa
from scheduling import bookings, clinic_time
from scheduling.models import Booking
from scheduling.tests.staff import member_of

SHOTS = Path("/tmp/shots-calendar")
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def shot(page: Page, name: str, **options) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **options)


@pytest.fixture
def desk(site, new_context):
    """`desk(**context_options)`: a page signed in as a manager, past the second step of signing in."""

    def open_page(**options) -> Page:
        client = Client()
        sign_in_past_mfa(client, member_of("manager", f"boss{len(opened)}"))
        context = new_context(viewport={"width": 1280, "height": 1000}, **options)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
        opened.append(context)
        return context.new_page()

    opened = []
    return open_page


def booked(consultation, day, at, name="Ann Lee") -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, day, at), patient=bookings.PatientDetails(name=name)
    )
    return booking


def local_start(booking: Booking) -> str:
    return f"{clinic_time.local(Booking.objects.get(pk=booking.pk).starts_at):%H:%M}"


def calendar(page: Page, site: str, day, view: str = "week") -> None:
    page.goto(f"{site}/admin/scheduling/booking/calendar/?view={view}&date={day.isoformat()}")
    expect(page.locator(".cal")).to_be_visible()


def test_book_by_clicking_an_empty_time(desk, site, consultation, tomorrow):
    page = desk()
    calendar(page, site, tomorrow, "day")
    page.get_by_role("link", name=f"Book 11:00 with Clinic on {tomorrow:%a %d %b}").click()
    expect(page.locator("#id_start_time")).to_have_value("11:00")
    expect(page.locator("#id_date")).to_have_value(tomorrow.isoformat())
    page.locator("#id_appointment_type").select_option(label="Consultation (30 min)")
    expect(page.locator("#start-times")).to_contain_text("Valid start times")
    page.get_by_role("button", name="11:30").click()  # pick another of the listed times
    expect(page.locator("#id_start_time")).to_have_value("11:30")
    page.locator("#id_patient_name").fill("Walk In")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert local_start(Booking.objects.get()) == "11:30"
    expect(page.locator(".block", has_text="Walk In")).to_contain_text("11:30")  # back on the calendar


def test_move_by_dragging_after_a_confirmation(desk, site, consultation, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    page = desk()
    calendar(page, site, tomorrow, "day")
    shot(page, "day-view", full_page=True)
    block = page.locator(f'.block[data-reference="{ann.reference}"]')
    block.drag_to(page.get_by_role("link", name=f"Book 14:00 with Clinic on {tomorrow:%a %d %b}"))
    question = page.locator(".move-question")
    expect(question).to_have_text(f"Move Ann Lee\u2019s Consultation to {tomorrow:%a %d %b} 14:00 with Clinic?")
    shot(page, "drag-confirmation")
    assert local_start(ann) == "10:00"  # nothing moves before the confirmation
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Moved {ann.reference}")
    assert local_start(ann) == "14:00"
    assert "view=day" in page.url  # back in the day view the drag started from


def test_move_with_the_keyboard_alone(desk, site, consultation, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    page = desk()
    calendar(page, site, tomorrow, "day")
    page.get_by_role("link", name="Move Ann Lee\u2019s Consultation at 10:00").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Free times on {tomorrow:%A %d %B}")).to_be_visible()
    page.get_by_role("link", name="15:30 with Clinic").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Move").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text(f"Moved {ann.reference}")
    assert local_start(ann) == "15:30"


def test_the_print_preview_is_a_plain_day_list(desk, site, consultation, tomorrow):
    booked(consultation, tomorrow, time(10))
    booked(consultation, tomorrow, time(11), "Bob Brown")
    page = desk()
    page.goto(f"{site}/admin/scheduling/booking/calendar/print/?date={tomorrow.isoformat()}")
    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    expect(page.locator(".day-list tbody tr")).to_have_count(2)
    shot(page, "print-preview", full_page=True)


@pytest.mark.parametrize("view", ["week", "day"])
def test_the_calendar_has_no_accessibility_violation(desk, site, consultation, tomorrow, view):
    booked(consultation, tomorrow, time(10))
    page = desk()
    calendar(page, site, tomorrow, view)
    if view == "week":
        shot(page, "week-view", full_page=True)
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    problems = [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']][:3]}" for v in found]
    assert problems == [], "\n".join(problems)


def test_without_javascript_the_grid_and_the_move_flow_work(desk, site, consultation, tomorrow):
    ann = booked(consultation, tomorrow, time(10))
    page = desk(java_script_enabled=False)
    calendar(page, site, tomorrow)
    expect(page.locator(".block", has_text="Ann Lee")).to_contain_text("Consultation")
    page.get_by_role("link", name="Move Ann Lee\u2019s Consultation at 10:00").click()
    page.get_by_role("link", name="12:00 with Clinic").click()
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Moved {ann.reference}")
    assert local_start(ann) == "12:00"
