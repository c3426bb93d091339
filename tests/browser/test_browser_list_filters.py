"""The list's filters impact.com lacks, in Chromium: a partner picked by name once a campaign is chosen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promoadmin.impact.factory import get_impact_client

pytestmark = pytest.mark.browser

HONEY = 2553254


def test_it_filters_by_a_partners_name(editor_page: Page, same_document):
    page = editor_page
    expected = [p.id for p in get_impact_client().iter_promo_codes() if p.campaign_id == 1000 and p.assigned_partner_id == HONEY]
    expect(page.locator("#scan-price")).to_contain_text("a view reads up to 5 pages of 1000 codes")
    expect(page.locator("#note-partner_id")).to_have_text("Pick a campaign to choose by name.")

    with same_document(page):
        page.locator("#id_campaign_id").select_option(label="Acme Anvils")
        # The partner filter becomes a picker of the campaign's partners, by name.
        expect(page.locator("select#id_partner_id")).to_be_visible()
        page.locator("#id_partner_id").select_option(label="Honey")
        expect(page).to_have_url(re.compile(rf"/promo-codes/\?campaign_id=1000&partner_id={HONEY}$"))
        expect(page.locator("#results-heading")).to_have_text(f"{len(expected)} promo codes match these filters")
        expect(page.locator("#scan-note")).to_contain_text(f"where the partner is Honey ({HONEY})")
        rows = page.locator("#results tbody tr")
        expect(rows).to_have_count(len(expected))
        expect(rows.filter(has_not_text="Honey")).to_have_count(0)
    # Selecting the partner did not lose the picker's choice.
    expect(page.locator("#id_partner_id")).to_have_value(str(HONEY))


def test_the_navigation_opens_active_codes(editor_page: Page):
    page = editor_page
    page.goto("/promo-codes/new/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Promo codes", exact=True).click()

    expect(page).to_have_url(re.compile(r"/promo-codes/\?schedule=active$"))
    expect(page.locator("#id_schedule")).to_have_value("active")
    expect(page.locator("#results .badge").filter(has_text=re.compile(r"^(Inactive|Scheduled|Ended)"))).to_have_count(0)
