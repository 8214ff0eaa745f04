"""The admin's reports page in Chromium: readable with JavaScript off (server-drawn charts, tables), at phone
and desktop width, and no WCAG 2.2 A or AA violation. `REPORT_SHOTS=<dir>` keeps the screenshots."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from booking_page.tests.browser.test_accessibility import violations
from booking_page.tests.browser.viewports import PHONE
from scheduling.tests import reports_data
from scheduling.tests.staff import member_of

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def signed_in(site, new_context, sign_in_past_mfa):
    """`open(viewport, javascript)`: a browser page signed in as a manager."""
    client = Client()
    sign_in_past_mfa(client, member_of("manager", "manager"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    def open_page(viewport, javascript=True):
        context = new_context(viewport=viewport, java_script_enabled=javascript)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])
        return context.new_page()

    return open_page


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_reports_page_shows_charts_and_tables_without_javascript(
    site, signed_in, make_practitioner, consultation, follow_up, therapy, today, tmp_path, viewport, name
):
    reports_data.random_clinic(
        make_practitioner, [consultation, follow_up, therapy], 7, today - timedelta(days=27), today, per_day=10
    )
    page = signed_in(viewport, javascript=False)
    page.goto(f"{site}/admin/")
    page.get_by_role("link", name="Utilisation, no-shows, cancellations, lead time, waitlist fill rate").click()
    expect(page.get_by_role("heading", name="Utilisation", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Utilisation per day")).to_be_visible()
    expect(page.get_by_role("img", name="Cancellations by reason")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    assert page.locator("svg[role=img]").count() == 6
    shots = Path(os.environ.get("REPORT_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / f"reports-{name}.png", full_page=True)

    page.get_by_label("Practitioner:").select_option(label="P7 B")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_text("P7 B.", exact=False)).to_be_visible()
    assert "practitioner=p7-b" in page.url  # a GET form: the report is a bookmark


def test_the_reports_page_has_no_accessibility_violation(site, signed_in, make_practitioner, consultation, today):
    reports_data.random_clinic(make_practitioner, [consultation], 8, today - timedelta(days=27), today, per_day=4)
    page = signed_in(DESKTOP)
    page.goto(f"{site}/admin/scheduling/reports/")
    expect(page.get_by_role("heading", name="Lead time")).to_be_visible()
    assert violations(page) == []
