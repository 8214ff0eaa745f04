"""The waitlist in a real browser: a patient finds a full day, joins its waitlist, and answers the offer
when a time comes free; axe finds no WCAG 2.2 AA violation on any of these pages."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import expect

from booking_page.tests.browser.test_accessibility import violations
from booking_page.tests.browser.viewports import PHONE
from scheduling import bookings, clinic_time
from scheduling.models import AppointmentType, Booking
from waitlist import notices, offers
from waitlist.freed import record
from waitlist.models import Entry


def test_a_patient_joins_a_full_days_waitlist_and_accepts_the_offer(new_context, site, today):
    day = today + timedelta(days=3)
    consultation = AppointmentType.objects.get(slug="consultation")
    made = [
        bookings.book(
            bookings.RequestedSlot(consultation, day, time(m // 60, m % 60)), patient=bookings.PatientDetails("P")
        )[0]
        for m in range(9 * 60, 17 * 60, 30)
    ]
    page = new_context(viewport=PHONE).new_page()
    found = {}

    page.goto(f"{site}/book/consultation/times/?date={day}")
    expect(page.get_by_text("No free times are left on this day")).to_be_visible()
    found["full day"] = violations(page)
    page.get_by_role("link", name="Join the waitlist for this day", exact=True).click()
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("alert").or_(page.locator(".error-summary"))).to_contain_text("E-mail")
    found["join, with an error"] = violations(page)
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("Waiting: you are next in line")).to_be_visible()
    found["place in line"] = violations(page)
    entry = Entry.objects.get()
    assert (entry.earliest_date, entry.latest_date) == (day, day)

    bookings.cancel(made[2], by=bookings.PATIENT)  # 10:00 comes free; the worker would offer it
    [offer] = offers.offer_freed_time(record(clinic_time.days(day, day), None, "test"))
    page.goto(site + notices.entry_path(entry))  # the link in the e-mail that said they joined
    assert "token" not in page.url
    page.get_by_role("button", name="See the time and answer").click()
    expect(page.get_by_role("heading", name="A time has come free for you")).to_be_visible()
    found["offer"] = violations(page)
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()

    assert Booking.objects.get(pk=offer.hold_id).status == "confirmed"
    assert found == {step: [] for step in found}
