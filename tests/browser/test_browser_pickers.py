"""Creating a code by names only: campaign, partner and deal pickers in a real browser."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def lookup_calls(sandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in sandbox.requests:
        resource = request.path.split("/")[3]
        if resource in ("Campaigns", "MediaPartners", "Deals"):
            counts[resource] = counts.get(resource, 0) + 1
    return counts


def test_it_creates_a_code_by_picking_names_only(editor_page: Page, sandbox, same_document, screenshot):
    page = editor_page
    page.goto("/promo-codes/?campaign_id=1000")
    expect(page.locator("#id_campaign_id option:checked")).to_have_text("Acme Anvils")
    page.locator(".page-head").get_by_role("button", name="New code", exact=True).click()
    expect(page.get_by_role("heading", name="New promo code")).to_be_visible()

    with same_document(page):
        campaign = page.locator("#id_campaign_id")
        expect(campaign.locator("option:checked")).to_have_text("Acme Anvils · 1000")  # carried from the list
        campaign.select_option(label="Northwind Travel · 1003")
        expect(page.locator("#id_assigned_partner_id_helptext")).to_contain_text("partners of Northwind Travel")
        campaign.select_option(label="Acme Anvils · 1000")
        expect(page.locator("#id_assigned_partner_id_helptext")).to_contain_text("partners of Acme Anvils")

        search = page.get_by_label("Find by name")
        search.fill("hon")
        option = page.locator("#partner-options").get_by_role("button", name=re.compile(r"^Honey\b"))
        expect(option).to_contain_text("id 2553254")
        screenshot(page, "pickers-partner-search")
        option.click()

        expect(page.locator("#id_assigned_partner_id")).to_have_value("2553254")
        expect(page.locator("#id_assigned_partner_id_helptext .picked")).to_have_text("Honey")
        expect(search).to_have_value("Honey")
        expect(page.locator("#partner-options")).to_be_empty()
        expect(page.locator("#id_deal_id")).to_be_focused()  # the next thing to pick

        page.locator("#id_deal_id").select_option(label="$15 off $100+ · General sale: $15.00 off orders over $100.00")
        expect(page.locator("#id_deal_name")).to_have_value("$15 off $100+")
        expect(page.locator("#deal-summary")).to_have_text("$15.00 off orders over $100.00")
        page.locator("#id_code").fill("PICKEDBYNAME")
        screenshot(page, "pickers-filled")

    page.get_by_role("button", name="Create promo code").click()

    expect(page.get_by_role("status").filter(has_text="Created promo code PICKEDBYNAME.")).to_be_visible()
    facts = page.locator("#promo-code-summary .facts")
    expect(facts).to_contain_text("Acme Anvils")
    expect(facts).to_contain_text("Honey")
    expect(page.locator(".deal")).to_contain_text("$15 off $100+")
    [created] = [r for r in sandbox.requests if r.method == "POST"]
    assert created.form["CampaignId"] == ["1000"]
    assert created.form["AssignedPartnerId"] == ["2553254"]
    assert created.form["DealId"] == ["402"]
    # The pickers cost one call per list and campaign, however much was clicked and typed.
    assert lookup_calls(sandbox) == {"Campaigns": 1, "MediaPartners": 2, "Deals": 2}


def test_the_partner_list_works_from_the_keyboard(editor_page: Page, sandbox):
    page = editor_page
    page.goto("/promo-codes/new/?campaign_id=1001")
    page.locator("#id_code").fill("KEYBOARD1")  # typed before picking: must survive the pickers

    search = page.get_by_label("Find by name")
    search.fill("zo")
    expect(page.locator("#partner-options button").first).to_contain_text("Zoë's Deals")
    search.press("ArrowDown")
    expect(page.locator("#partner-options button").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#partner-options")).to_be_empty()
    expect(search).to_be_focused()

    search.fill("zoe")
    expect(page.locator("#partner-options button")).to_have_count(1)
    search.press("ArrowDown")
    page.keyboard.press("Enter")

    expect(page.locator("#id_assigned_partner_id")).to_have_value("2553399")
    expect(page.locator("#id_assigned_partner_id_helptext .picked")).to_have_text("Zoë's Deals")
    expect(page.locator("#id_code")).to_have_value("KEYBOARD1")


def test_typed_ids_work_when_the_lists_are_unavailable(editor_page: Page, sandbox, screenshot):
    page = editor_page
    cache.clear()  # signing in showed the list, which keeps the campaign names: forget them
    sandbox.inject_fault(503, count=3)
    page.goto("/promo-codes/new/?campaign_id=1000")

    expect(page.get_by_text("Campaign names are unavailable right now")).to_be_visible()
    expect(page.get_by_text("Partner names are unavailable right now")).to_be_visible()
    expect(page.get_by_label("Find by name")).to_have_count(0)
    screenshot(page, "pickers-unavailable")

    page.locator("#id_assigned_partner_id").fill("2553254")
    page.locator("#id_code").fill("TYPEDIDS1")
    page.get_by_role("button", name="Create promo code").click()

    expect(page.get_by_role("status").filter(has_text="Created promo code TYPEDIDS1.")).to_be_visible()
