"""The clinic's details as a patient sees them in a browser: the footer at 320 px and 1280 px, an e-mail's
HTML, and the admin page where staff set them."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path

from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from booking_page.tests.browser.viewports import DESKTOP, PHONE
from notifications import emails
from notifications.models import Message
from scheduling import bookings
from scheduling.models import AppointmentType, Clinic, ClinicHours

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/shots-clinic-details"))
DASH = "\N{EN DASH}"


def set_details():
    clinic = Clinic.load()
    clinic.name = "Riverside Family Clinic"
    clinic.address = "12 Riverside Walk\nLondon SE1 9PX"
    clinic.phone = "+44 20 7946 0958"
    clinic.save()
    ClinicHours.objects.bulk_create(
        [ClinicHours(clinic=clinic, weekday=day, opens_at=time(8), closes_at=time(18)) for day in range(5)]
        + [ClinicHours(clinic=clinic, weekday=5, opens_at=time(9), closes_at=time(12, 30))]
    )


def test_the_footer_reads_at_phone_and_desktop_widths(new_context, site):
    set_details()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("320", PHONE), ("1280", DESKTOP)):
        page = new_context(viewport=viewport).new_page()
        page.goto(f"{site}/book/")
        footer = page.get_by_role("contentinfo")
        expect(footer.get_by_role("note", name="Emergency")).to_have_text("In an emergency, call 112.")
        expect(footer.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
        expect(footer.get_by_role("link", name="+44 20 7946 0958")).to_have_attribute("href", "tel:+442079460958")
        expect(footer.get_by_role("heading", name="Opening hours")).to_be_visible()
        expect(footer.get_by_text(f"Monday{DASH}Friday")).to_be_visible()
        expect(footer).to_contain_text(f"08:00{DASH}18:00")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        footer.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"footer-{name}.png"), full_page=True)


def test_an_emails_html_carries_the_details(new_context, site, today):
    set_details()
    consultation = AppointmentType.objects.get(slug="consultation")
    slot = bookings.RequestedSlot(consultation, today + timedelta(days=3), time(10))
    booked, _ = bookings.book(slot, patient=bookings.PatientDetails("Ada Lovelace", "ada@example.com"))
    email = emails.compose(Message.objects.get(booking=booked, kind="confirmation"))
    [(html, _)] = email.alternatives
    SHOTS.mkdir(parents=True, exist_ok=True)
    rendered = SHOTS / "confirmation-email.html"
    rendered.write_text(html)
    page = new_context(viewport={"width": 640, "height": 900}).new_page()
    page.goto(rendered.as_uri())
    expect(page.get_by_text("In an emergency, call 112.")).to_be_visible()
    expect(page.get_by_text(f"Monday{DASH}Friday 08:00{DASH}18:00")).to_be_visible()
    page.screenshot(path=str(SHOTS / "confirmation-email.png"), full_page=True)


def test_staff_set_the_emergency_notice_on_the_clinic_details_page(new_context, site, sign_in_past_mfa):
    set_details()
    client = Client()
    sign_in_past_mfa(client, User.objects.create_superuser("boss"))
    context = new_context(viewport=DESKTOP)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    page = context.new_page()
    page.goto(f"{site}/admin/scheduling/clinic/1/change/")
    expect(page.get_by_label("Emergency number")).to_have_value("112")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-clinic-details.png"), full_page=True)
    page.get_by_label("Emergency number").fill("999")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert Clinic.load().emergency_number == "999"
    assert Clinic.load().opening_hours.count() == 6  # the hours came through the save untouched

    patient = new_context(viewport=PHONE).new_page()
    patient.goto(f"{site}/book/")
    expect(patient.get_by_role("note", name="Emergency")).to_have_text("In an emergency, call 999.")
