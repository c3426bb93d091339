"""Changing a code by replacement from its detail page, in Chromium: its history shows both entries."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from promoadmin.impact.factory import get_impact_client

pytestmark = pytest.mark.browser

WELCOME10 = 7000151  # ACTIVE, no end date


def test_it_changes_a_codes_end_date_and_shows_both_ledger_entries(sign_in_as, sandbox):
    page = sign_in_as("editor", f"/promo-codes/{WELCOME10}/")
    expect(page.locator("#created-elsewhere")).to_be_visible()  # seeded: no promoadmin entry explains it

    page.get_by_role("button", name="Change…").click()
    expect(page).to_have_url(re.compile(rf"/promo-codes/new/\?replace={WELCOME10}$"))
    expect(page.locator("h1")).to_have_text(f"Change promo code {WELCOME10}")
    expect(page.locator("#id_code")).to_have_value("WELCOME10")
    expect(page.locator("#replace-note")).to_contain_text("shoppers may see the code refused for the second")
    page.locator("#id_end_date").fill("2099-01-31")
    page.get_by_role("button", name="Change promo code").click()

    expect(page).to_have_url(re.compile(r"/promo-codes/\d+/$"))
    new_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    assert new_id != WELCOME10
    expect(page.locator("#alerts")).to_contain_text(f"expired the old code (id {WELCOME10}) and created the new one (id {new_id})")
    history = page.locator("#history")
    expect(history).to_contain_text("created by editor via promoadmin")
    expect(history).to_contain_text("(changed: the new code)")
    expect(history).to_contain_text("expired by editor via promoadmin")
    expect(history).to_contain_text("(changed: the old code)")
    expect(page.locator("#created-elsewhere")).to_have_count(0)
    assert get_impact_client().get_promo_code(new_id, fresh=True).end_date.year == 2099
    assert not get_impact_client().get_promo_code(WELCOME10, fresh=True).is_active
