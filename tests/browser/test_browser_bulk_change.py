"""Selection actions in a real browser: tick a code on the list, change its end date, see the new code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promoadmin.promocodes.models import LedgerEntry

pytestmark = pytest.mark.browser

WELCOME10 = 7000151


def test_it_changes_the_end_date_of_a_ticked_code(editor_page: Page, sandbox):
    page = editor_page
    page.goto("/promo-codes/?campaign_id=1000")
    change_dates = page.locator("main").get_by_role("button", name="Change dates…")
    expect(change_dates).to_be_disabled()  # nothing selected yet
    page.get_by_label("Select WELCOME10").check()
    expect(change_dates).to_be_enabled()
    change_dates.click()

    expect(page).to_have_url(re.compile(r"/promo-codes/bulk-change/\?.*action=dates"))
    page.get_by_label("Ends").fill("2099-03-31")
    page.get_by_role("button", name="Preview the requests").click()

    expect(page.locator(f"#change-row-{WELCOME10}")).to_contain_text(f"DELETE /Advertisers/…/PromoCodes/{WELCOME10}")
    assert [r for r in sandbox.requests if r.method in ("DELETE", "POST")] == []
    page.get_by_role("button", name="Change dates: replace 1 code").click()

    # Row by row (app.js): the preview stays, and each row's result cell is replaced as its answer comes.
    expect(page.locator(".js-progress-text")).to_have_text("Finished: 1 changed.")
    expect(page).to_have_url(re.compile(r"/promo-codes/bulk-change/\?.*preview=1"))
    expect(page.get_by_role("link", name="Back to the list")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results: change dates")
    expect(page.get_by_text("Nothing has been sent yet.")).to_be_hidden()
    row = page.locator(f"#change-row-{WELCOME10}")
    expect(row.locator("[data-outcome]")).to_have_attribute("data-outcome", "changed")
    expect(row.get_by_role("link", name="Old code expired")).to_be_visible()
    expect(row.get_by_role("link", name="New code")).to_be_visible()
    new = LedgerEntry.objects.get(role="new")
    row.get_by_role("link", name=f"id {new.promo_code_id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("WELCOME10")
    expect(page.locator("main")).to_contain_text("Mar 31, 2099")
