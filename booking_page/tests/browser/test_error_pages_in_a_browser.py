"""Pages that answer with an error status still reach the patient when htmx (hx-boost) carries the request:
a mistyped booking code says so, with JavaScript as without."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_mistyped_booking_code_says_no_booking_has_it(new_context, site, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{site}/manage/code/")
    page.get_by_label("Your booking code").fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name="Open my booking").click()

    expect(page.get_by_role("alert")).to_contain_text("No booking has this code")
    expect(page).to_have_title(re.compile(r"^Error: Open your booking with its code"))
