"""A patient books, moves and cancels in a real browser: with JavaScript and without, by keyboard alone, on
a 320 px phone and a desktop screen; two patients race for one time."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import Page, expect

from booking_page.tests.browser.viewports import PHONE
from scheduling import bookings
from scheduling.models import AppointmentType, Booking

PATIENT = {"Full name": "Mary Jones", "E-mail": "mary@example.com", "Phone": "+44 20 7946 0000"}


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def open_day(page: Page, day: date) -> None:
    """From the month view (already shown), to `day`'s times (the month after, if `day` is in it)."""
    expect(page.locator("#month-heading")).to_be_visible()
    button = page.locator(f'button.day[value="{day.isoformat()}"]')
    if not button.count():
        page.get_by_role("link", name="next month").click()
    page.get_by_role("button", name=f"{day_label(day)},").click()
    expect(page.get_by_role("heading", name=f"Free times on {day_label(day)}")).to_be_visible()


def choose_type_and_anyone(page: Page, site: str) -> None:
    page.goto(f"{site}/book/")
    page.get_by_role("link", name="Consultation").click()
    page.get_by_role("link", name="Any available practitioner").click()
    expect(page.get_by_text("With any available practitioner.")).to_be_visible()


def fill_details(page: Page) -> None:
    for label, value in PATIENT.items():
        page.get_by_label(label).fill(value)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_patient_books_from_the_first_page_to_the_confirmation(new_context, site, tomorrow, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    seen = []  # every address the browser asked the server for
    page.on("request", lambda sent: seen.append(sent.url))
    choose_type_and_anyone(page, site)
    if javascript:  # htmx swaps pages in place: a value set on this window survives the next steps
        page.evaluate("window.stillThisDocument = true")
    open_day(page, tomorrow)
    expect(page.get_by_role("button", name="10:00 UTC")).to_be_visible()
    page.get_by_role("button", name="10:00 UTC").click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_text("We are holding this time for you until")).to_be_visible()
    fill_details(page)
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    booking = Booking.objects.get()
    expect(page.get_by_text(booking.reference)).to_be_visible()
    assert booking.status == Booking.Status.CONFIRMED and booking.patient_name == "Mary Jones"
    assert [url for url in seen if url.startswith(site)]
    assert not [url for url in seen if "hold_" in url or "token" in url], seen
    if javascript:
        assert page.evaluate("window.stillThisDocument") is True


def test_focus_moves_to_the_times_when_a_day_is_chosen(page, site, tomorrow):
    choose_type_and_anyone(page, site)
    open_day(page, tomorrow)
    expect(page.locator("#times-heading")).to_be_focused()
    assert f"date={tomorrow.isoformat()}" in page.url


def test_the_back_button_returns_to_the_step_before(page, site, tomorrow):
    choose_type_and_anyone(page, site)
    open_day(page, tomorrow)
    page.go_back()
    expect(page.get_by_role("heading", name=f"Free times on {day_label(tomorrow)}")).to_have_count(0)
    expect(page.get_by_text("With any available practitioner.")).to_be_visible()
    page.go_back()
    expect(page.get_by_text("Who would you like to see?")).to_be_visible()


def tab_to(page: Page, target, limit: int = 200) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_a_booking_can_be_made_with_the_keyboard_alone_on_a_phone(new_context, site, tomorrow):
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"{site}/book/")
    tab_to(page, page.get_by_role("link", name="Consultation"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Any available practitioner"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("With any available practitioner.")).to_be_visible()
    if not page.locator(f'button.day[value="{tomorrow.isoformat()}"]').count():
        tab_to(page, page.get_by_role("link", name="next month"))
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name=f"{day_label(tomorrow)},"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Free times on {day_label(tomorrow)}")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="11:00 UTC"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_role("heading", name="Your details")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Book this appointment"))
    page.keyboard.press("Enter")  # nothing typed yet: the errors come first, and take the focus
    expect(page.get_by_role("alert")).to_be_focused()
    for label, value in PATIENT.items():
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(value)
    tab_to(page, page.get_by_role("button", name="Book this appointment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def through_every_step(page: Page, site: str, day: date, start: str, look) -> None:
    """Book `start` on `day` from the first page to the manage page, calling `look(step)` on each."""
    page.goto(f"{site}/book/")
    look("appointment types")
    page.get_by_role("link", name="Consultation").click()
    expect(page.get_by_text("Who would you like to see?")).to_be_visible()
    look("practitioners")
    page.get_by_role("link", name="Any available practitioner").click()
    expect(page.get_by_text("With any available practitioner.")).to_be_visible()
    look("month")
    open_day(page, day)
    look("times")
    page.get_by_role("button", name=f"{start} UTC").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    look("details")
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("alert")).to_be_visible()
    look("details with errors")
    fill_details(page)
    page.get_by_role("button", name="Book this appointment").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    look("confirmation")
    page.get_by_role("button", name="View, move or cancel this booking").click()
    expect(page.get_by_role("heading", name="Your booking")).to_be_visible()
    look("manage")


TARGETS = "button:visible, a.choice, a.button, .month-nav[href], .back a, .calendar-links a"


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["320px", "desktop"])
def test_no_step_scrolls_sideways_and_every_target_is_44px(new_context, site, tomorrow, viewport):
    page = new_context(viewport=viewport).new_page()
    steps = []

    def check(step: str) -> None:
        steps.append(step)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], step
        small = page.locator(TARGETS).evaluate_all(
            """elements => elements.map(e => [e.textContent.trim() || e.getAttribute('aria-label'),
                e.getBoundingClientRect().width, e.getBoundingClientRect().height])
              .filter(([, width, height]) => width < 44 || height < 44)"""
        )
        assert small == [], (step, small)

    through_every_step(page, site, tomorrow, "12:00", check)


def test_two_patients_race_for_one_time_and_the_loser_sees_the_nearest_free_times(browser, site, tomorrow):
    first, second = (browser.new_context().new_page() for _ in range(2))
    for page in (first, second):
        choose_type_and_anyone(page, site)
        open_day(page, tomorrow)
    first.get_by_role("button", name="13:00 UTC").click()
    expect(first.get_by_role("heading", name="Your details")).to_be_visible()
    second.get_by_role("button", name="13:00 UTC").click()
    alert = second.get_by_role("alert")
    expect(alert).to_contain_text("13:00 was just taken. These are the nearest free times:")
    expect(alert.get_by_role("button")).to_have_count(3)
    alert.get_by_role("button").first.click()  # the loser takes an alternative
    expect(second.get_by_role("heading", name="Your details")).to_be_visible()
    fill_details(first)
    first.get_by_role("button", name="Book this appointment").click()
    expect(first.get_by_role("heading", name="You are booked")).to_be_visible()
    held = Booking.objects.get(status=Booking.Status.HELD)
    booked = Booking.objects.get(status=Booking.Status.CONFIRMED)
    assert booked.starts_at != held.starts_at
    for page in (first, second):
        page.context.close()


def book_in(page: Page, site: str, day: date, start: str) -> None:
    choose_type_and_anyone(page, site)
    open_day(page, day)
    page.get_by_role("button", name=f"{start} UTC").click()
    fill_details(page)
    page.get_by_role("button", name="Book this appointment").click()
    page.get_by_role("button", name="View, move or cancel this booking").click()
    expect(page.get_by_role("heading", name="Your booking")).to_be_visible()


def test_the_manage_page_moves_then_cancels_a_booking(page, site, tomorrow):
    seen = []
    page.on("request", lambda sent: seen.append(sent.url))
    book_in(page, site, tomorrow, "09:00")
    assert page.url == f"{site}/manage/{Booking.objects.get().reference}/"  # the cookie opens it
    page.get_by_role("link", name="Choose a new time").click()
    expect(page.get_by_role("heading", name="Move your Consultation")).to_be_visible()
    open_day(page, tomorrow)
    page.get_by_role("button", name="15:30 UTC").click()
    expect(page.get_by_role("heading", name="Move your booking?")).to_be_visible()
    page.get_by_role("button", name="Move my booking").click()
    expect(page.get_by_text("Your booking is moved to the time below.")).to_be_visible()
    expect(page.get_by_text(f"{day_label(tomorrow)}, 15:30\u201316:00 (UTC)")).to_be_visible()
    page.get_by_role("link", name="Cancel this booking").click()
    expect(page.get_by_role("heading", name="Cancel your booking?")).to_be_visible()
    page.get_by_label("Reason for cancelling (optional)").fill("Feeling better")
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page.get_by_text("Your booking is cancelled.")).to_be_visible()
    booking = Booking.objects.get()
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "Feeling better")
    assert [e.kind for e in booking.events.order_by("revision")] == ["held", "created", "rescheduled", "cancelled"]
    assert not [url for url in seen if "hold_" in url or "token" in url], seen


def test_the_emailed_link_is_swapped_for_a_cookie_and_leaves_the_address_bar(page, site, tomorrow):
    booking, token = bookings.book(
        bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), tomorrow, time(9)),
        patient=bookings.PatientDetails("Mary Jones", "mary@example.com"),
    )
    page.goto(f"{site}/manage/{booking.reference}/?token={token}")
    expect(page.get_by_role("heading", name="Your booking")).to_be_visible()
    assert page.url == f"{site}/manage/{booking.reference}/"
    [cookie] = page.context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", f"/manage/{booking.reference}/")
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script on the page can read it
    page.reload()
    expect(page.get_by_text("Mary Jones")).to_be_visible()
