"""A closure over a fully booked day, in the admin in a real browser with JavaScript off: the bookings are
listed before anything is saved, and one choice for all cancels and notifies every patient."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path

from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from booking_page.tests.browser.viewports import DESKTOP
from scheduling import bookings
from scheduling.models import AppointmentType, Booking, ClinicClosure, Practitioner

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/shots-schedule"))


def signed_in_context(new_context, site, sign_in_past_mfa, **options):
    """A browser context holding the session of a superuser past both steps of signing in."""
    client = Client()
    sign_in_past_mfa(client, User.objects.create_superuser("boss"))
    context = new_context(**options)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    return context


def test_a_closure_over_a_booked_day_asks_first_without_javascript(new_context, site, today, sign_in_past_mfa):
    day = today + timedelta(days=3)
    consultation = AppointmentType.objects.get(slug="consultation")
    for m in range(9 * 60, 17 * 60, 30):
        slot = bookings.RequestedSlot(consultation, day, time(m // 60, m % 60))
        bookings.book(slot, patient=bookings.PatientDetails(f"Patient {m // 30}", f"p{m}@example.com"))
    page = signed_in_context(
        new_context, site, sign_in_past_mfa, viewport=DESKTOP, java_script_enabled=False
    ).new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{site}/admin/scheduling/clinicclosure/add/")
    page.get_by_label("Name").fill("Burst pipe")
    page.get_by_label("First day").fill(day.isoformat())
    page.get_by_label("Last day").fill(day.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("This change strands 16 bookings")).to_be_visible()
    expect(page.get_by_role("heading", name="Bookings this change strands (16)")).to_be_visible()
    page.screenshot(path=str(SHOTS / "closure-panel.png"), full_page=True)
    assert not ClinicClosure.objects.exists()

    page.get_by_role("group", name="For all bookings without their own choice").get_by_label(
        "cancel and notify"
    ).check()
    page.get_by_label("Reason for patients").fill("A burst pipe: the clinic is closed")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Bookings it stranded: 16 cancelled and notified.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "closure-saved.png"), full_page=True)
    assert ClinicClosure.objects.count() == 1
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}


def test_shortening_hours_over_bookings_asks_on_the_practitioners_page(new_context, site, today, sign_in_past_mfa):
    day = today + timedelta(days=3)
    consultation = AppointmentType.objects.get(slug="consultation")
    for hour in (10, 15, 16):
        slot = bookings.RequestedSlot(consultation, day, time(hour))
        bookings.book(slot, patient=bookings.PatientDetails(f"Patient at {hour}", f"p{hour}@example.com"))
    clinic = Practitioner.objects.get(slug="clinic")
    page = signed_in_context(
        new_context, site, sign_in_past_mfa, viewport=DESKTOP, java_script_enabled=False
    ).new_page()

    page.goto(f"{site}/admin/scheduling/practitioner/{clinic.pk}/change/")
    row = next(
        n for n in range(7) if page.locator(f"#id_opening_hours-{n}-weekday").input_value() == str(day.weekday())
    )
    page.locator(f"#id_opening_hours-{row}-closes_at").fill("14:00")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="Bookings this change strands (2)")).to_be_visible()
    page.screenshot(path=str(SHOTS / "hours-panel.png"), full_page=True)
    assert clinic.opening_hours.get(weekday=day.weekday()).closes_at == time(17)

    page.get_by_role("group", name="For all bookings without their own choice").get_by_label("offer new times").check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Bookings the new hours stranded: 2 offered new times.")).to_be_visible()
    assert clinic.opening_hours.get(weekday=day.weekday()).closes_at == time(14)
    assert Booking.objects.filter(events__kind="new_times_offered").count() == 2
