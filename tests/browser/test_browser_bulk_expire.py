"""Bulk expire in a real browser: tick rows, read the dry run, watch each row get its result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promoadmin.impact.factory import get_impact_client

pytestmark = pytest.mark.browser

WELCOME10, ANVILBOGO, SHIPFREE = 7000151, 7000152, 7000153


def test_it_expires_the_ticked_codes_one_request_at_a_time(editor_page: Page, screenshot, sandbox):
    page = editor_page
    page.goto("/promo-codes/?campaign_id=1000")
    selected = page.locator("main").get_by_role("button", name=re.compile(r"^Expire (\d+ )?selected"))
    expect(selected).to_be_disabled()  # nothing ticked yet

    page.get_by_label("Select WELCOME10").check()
    page.get_by_label("Select ANVILBOGO").check()
    expect(selected).to_have_text("Expire 2 selected…")
    selected.click()

    # The confirmation is the dry run: what will be sent, what it costs, nothing sent yet.
    expect(page).to_have_url(re.compile(r"/promo-codes/bulk-expire/\?campaign_id=1000&id=\d+&id=\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Expire 2 promo codes?")
    rows = page.locator("#bulk-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#bulk-rows .request-line")).to_have_text(
        [f"DELETE /Advertisers/{sandbox.account_sid}/PromoCodes/{ANVILBOGO}",
         f"DELETE /Advertisers/{sandbox.account_sid}/PromoCodes/{WELCOME10}"]
    )
    expect(page.locator(".cost")).to_contain_text("Expiring them: at most 4 API calls")
    assert [r for r in sandbox.requests if r.method == "DELETE"] == []
    screenshot(page, "bulk-expire-confirm", full_page=True)

    page.get_by_role("button", name="Expire 2 codes").click()

    expect(page.locator(".js-progress-text")).to_have_text("Finished: 2 expired.")
    expect(page.locator("#bulk-rows [data-outcome=expired]")).to_have_count(2)
    expect(page.locator("#bulk-rows").get_by_role("link", name="Receipt")).to_have_count(2)
    assert page.locator("#bulk-progress progress").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    expect(page.get_by_role("link", name="Back to the list")).to_be_visible()
    screenshot(page, "bulk-expire-done", full_page=True)

    # One DELETE per code, in the order shown, each sent exactly once.
    assert [r.path.rsplit("/", 1)[-1] for r in sandbox.requests if r.method == "DELETE"] == [str(ANVILBOGO), str(WELCOME10)]
    client = get_impact_client()
    assert client.get_promo_code(WELCOME10, fresh=True).state == "INACTIVE"
    assert client.get_promo_code(SHIPFREE, fresh=True).state == "ACTIVE"

    # The receipt re-reads the code and agrees.
    page.locator("#bulk-rows").get_by_role("link", name="Receipt").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Receipt: expired ANVILBOGO")
    expect(page.locator("main")).to_contain_text("impact.com agrees with everything that was sent.")


def test_it_stops_when_impact_says_the_budget_is_spent(editor_page: Page, sandbox):
    page = editor_page
    page.goto(f"/promo-codes/bulk-expire/?id={WELCOME10}&id={ANVILBOGO}&id={SHIPFREE}")
    expect(page.locator("#bulk-rows tr")).to_have_count(3)
    sandbox.inject_fault(429, method="DELETE")  # the first code's read works, its DELETE meets the limit

    page.get_by_role("button", name="Expire 3 codes").click()

    expect(page.locator(".js-progress-text")).to_contain_text("Stopped at an error.")
    expect(page.locator("#bulk-rows [data-outcome=failed]")).to_have_count(1)
    expect(page.locator("#bulk-rows [data-outcome=failed]")).to_contain_text("hourly request limit")
    expect(page.locator("#bulk-rows [data-outcome=waiting]")).to_have_count(2)
    assert len([r for r in sandbox.requests if r.method == "DELETE"]) == 1


def test_a_viewer_gets_no_checkboxes(viewer_page: Page):
    page = viewer_page
    page.goto("/promo-codes/?campaign_id=1000")
    expect(page.locator("#promo-code-7000151")).to_be_visible()
    expect(page.locator('input[form="bulk-expire-form"]')).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Expire"))).to_have_count(0)
