"""Creating and expiring codes through the browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from promoadmin.impact.factory import get_impact_client

pytestmark = pytest.mark.browser


def test_it_creates_a_code_after_fixing_a_validation_error(sign_in_as, same_document, screenshot, sandbox):
    page = sign_in_as("editor", "/promo-codes/?campaign_id=1000")
    partner_id = get_impact_client().list_partners(1000)[0].id
    page.locator("main").get_by_role("button", name="New code").click()
    expect(page).to_have_url(re.compile(r"/promo-codes/new/\?campaign_id=1000$"))
    expect(page).to_have_title("New promo code · promoadmin")
    expect(page.locator("#id_campaign_id")).to_have_value("1000")  # carried over from the list

    start = sandbox.today + timedelta(days=10)
    page.locator("#id_assigned_partner_id").fill(str(partner_id))
    page.locator("#id_assigned_partner_id").press("Tab")  # the picker names the partner
    expect(page.locator("#id_assigned_partner_id_helptext .picked")).not_to_be_empty()
    page.locator("#id_code").fill("BROWSER10")
    page.get_by_label("Regex: a pattern matching many codes").check()
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_end_date").fill((start - timedelta(days=1)).isoformat())
    page.locator("#id_deal_name").fill("Browser test deal")

    with same_document(page):
        page.get_by_role("button", name="Create promo code").click()
        expect(page.locator("#id_end_date_error")).to_have_text("The end date is before the start date.")
        expect(page.locator("#form-errors")).to_contain_text("Please correct the fields marked below.")
    # What was typed is still there, and focus is on the first field to fix.
    expect(page.locator("#id_end_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_end_date")).to_be_focused()
    expect(page.locator("#id_assigned_partner_id")).to_have_value(str(partner_id))
    expect(page.locator("#id_code")).to_have_value("BROWSER10")
    expect(page.get_by_label("Regex: a pattern matching many codes")).to_be_checked()
    expect(page.locator("#id_start_date")).to_have_value(start.isoformat())
    expect(page.locator("#id_deal_name")).to_have_value("Browser test deal")

    # A regex that does not compile is caught too, beside the code.
    page.locator("#id_code").fill("BROWSER[10")
    page.locator("#id_end_date").fill((start + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Create promo code").click()
    expect(page.locator("#id_code_error")).to_contain_text("This is not a valid regular expression")
    expect(page.locator("#id_end_date_error")).to_have_count(0)
    expect(page.locator("#id_code")).to_have_value("BROWSER[10")
    screenshot(page, "create-form-errors", full_page=True)

    page.locator("#id_code").fill("BROWSER1\\d")
    page.get_by_role("button", name="Create promo code").click()

    expect(page).to_have_url(re.compile(r"/promo-codes/\d+/$"))
    expect(page.locator("#alerts")).to_contain_text("Created promo code BROWSER1\\d.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("BROWSER1\\d")
    expect(page.locator("#promo-code-summary .badge")).to_have_text("Scheduled")
    assert [r.form["Code"] for r in sandbox.requests if r.method == "POST"] == [["BROWSER1\\d"]]


def test_it_expires_a_code_from_the_list_in_place(sign_in_as, same_document, screenshot, sandbox):
    page = sign_in_as("editor", "/promo-codes/?campaign_id=1000")
    row = page.locator("#promo-code-7000153")
    expect(row.locator(".badge")).to_have_text("Active")
    dialogs = []

    with same_document(page):
        page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        row.get_by_role("button", name="Expire").click()
        expect(row.locator(".badge")).to_have_text("Inactive")
        expect(row.get_by_role("status")).to_have_text("Expired")
        expect(row.get_by_role("button", name="Expire")).to_have_count(0)
        expect(row.get_by_role("status")).to_be_focused()  # focus stays in the row, not lost with the button
    assert dialogs and dialogs[0].startswith("Expire SHIPFREE?")
    expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000$"))
    expect(page.locator("#promo-code-7000152 .badge")).to_have_text("Active")  # only that row changed
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in sandbox.requests if r.method != "GET"] == [
        ("DELETE", "7000153")
    ]
    row.scroll_into_view_if_needed()
    screenshot(page, "list-expired-row")


def test_dismissing_the_confirmation_expires_nothing(editor_page: Page, sandbox):
    page = editor_page
    row = page.locator("#promo-code-7000153")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Expire").click()
    expect(row.locator(".badge")).to_have_text("Active")
    assert not [r for r in sandbox.requests if r.method != "GET"]


def test_it_expires_a_code_from_its_detail_page(sign_in_as, same_document):
    page = sign_in_as("editor", "/promo-codes/7000154/")
    expect(page.locator("#promo-code-summary .badge")).to_have_text("Active")

    with same_document(page):
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Expire code").click()
        expect(page.locator("#promo-code-summary .badge")).to_have_text("Inactive")
        expect(page.locator("#promo-code-summary")).to_contain_text(
            "Expired. impact.com now reports this code as INACTIVE."
        )
        expect(page.get_by_role("button", name="Expire code")).to_have_count(0)
        expect(page.locator("#promo-code-summary [role=status]")).to_be_focused()  # not lost with the button
    page.reload()
    expect(page.locator("#promo-code-summary .badge")).to_have_text("Inactive")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_expire_shows_the_dry_run_before_sending(sign_in_as, sandbox, screenshot):
    # No confirm dialog without JavaScript, so the button must not expire at once: it opens the dry
    # run for this one code (the request, its cost), and only its own button sends the DELETE.
    page = sign_in_as("editor", "/promo-codes/?code=SHIPFREE")
    page.locator("#promo-code-7000153").get_by_role("button", name="Expire").click()

    expect(page.get_by_role("heading", name="Expire 1 promo code?")).to_be_visible()
    expect(page.locator("#bulk-row-7000153")).to_contain_text("DELETE /Advertisers/IRsandbox0000000001/PromoCodes/7000153")
    assert not [r for r in sandbox.requests if r.method == "DELETE"]
    screenshot(page, "expire-without-javascript")

    page.get_by_role("button", name="Expire 1 code").click()

    expect(page.locator("#bulk-row-7000153")).to_contain_text("Expired")
    assert [r.path for r in sandbox.requests if r.method == "DELETE"] == [
        "/Advertisers/IRsandbox0000000001/PromoCodes/7000153"
    ]
