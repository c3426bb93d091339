"""What staff hit in their first hour, in Chromium: each of these failed before its fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("impact_matches_parts", [False, True], ids=["whole-codes-upstream", "parts-upstream"])
def test_typing_part_of_a_code_finds_it(editor_page: Page, sandbox, screenshot, impact_matches_parts):
    sandbox.code_filter_matches_parts = impact_matches_parts
    page = editor_page

    page.locator("#id_code").fill("welc")
    page.locator("#id_code").press("Enter")

    expect(page.locator("#promo-code-7000151")).to_be_visible()  # WELCOME10
    expect(page).to_have_url("/promo-codes/?code=welc")
    note = page.locator("#code-search-note")
    if impact_matches_parts:
        expect(note).to_have_count(0)
    else:
        expect(note).to_contain_text("kept the 1 whose code contains “welc”")
        expect(note).to_contain_text("2 API calls")
        screenshot(page, "list-partial-code-search")
