"""axe-core (the copy axe-playwright-python ships) finds no WCAG 2.2 A or AA violation on any step."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from booking_page.tests.browser.test_booking_in_a_browser import through_every_step
from booking_page.tests.browser.viewports import PHONE
from scheduling.models import Booking

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def violations(page: Page) -> list[str]:
    found = Axe().run(page, options=WCAG_AA).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in found]


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["320px", "desktop"])
def test_no_step_has_an_accessibility_violation(new_context, site, book, tomorrow, viewport):
    assert book(tomorrow, "10:00").status_code == 200  # a time to have been just taken
    page = new_context(viewport=viewport).new_page()
    found = {}

    def audit(step: str) -> None:
        found[step] = violations(page)

    through_every_step(page, site, tomorrow, "10:30", audit)
    page.get_by_role("link", name="Choose a new time").click()
    expect(page.get_by_text("Choose a new day and time")).to_be_visible()
    audit("move: month")
    page.goto(f"{site}/book/consultation/times/?date={tomorrow}&taken=10:00")
    expect(page.get_by_role("alert")).to_contain_text("10:00 was just taken.")
    audit("just taken")
    page.goto(f"{site}/manage/nobody/?token=x")
    audit("not found")
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 2
    assert found == {step: [] for step in found}
