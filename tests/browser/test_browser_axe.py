"""axe-core (WCAG 2.1 A and AA) on every screen and state the browser suite reaches; serious or
critical findings fail. Each test walks one family of screens, checking each state it passes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_sign_in(page: Page, problems, axe):
    page.goto("/accounts/login/")
    expect(page.get_by_label("User name")).to_be_visible()
    axe(page, "the sign-in page")
    page.get_by_label("User name").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text("enter", ignore_case=True)
    axe(page, "the sign-in page with an error")


def test_list_filtered_empty_and_date_views(editor_page: Page, axe):
    page = editor_page
    axe(page, "the list")
    page.goto("/promo-codes/?campaign_id=1000&state=ACTIVE")
    axe(page, "the filtered list")
    page.goto("/promo-codes/?code=NO-SUCH-CODE-ANYWHERE")
    expect(page.locator(".empty")).to_be_visible()
    axe(page, "the empty list (with the partial-code scan note)")
    for key in ("ending-soon", "scheduled", "no-end-date", "ended-active"):
        page.goto(f"/promo-codes/?view={key}")
        axe(page, f"the date view {key}")


def test_detail_expire_and_receipt(editor_page: Page, axe):
    page = editor_page
    page.goto("/promo-codes/7000151/")
    axe(page, "the detail page")
    page.goto("/promo-codes/bulk-expire/?id=7000151")
    axe(page, "the bulk expire confirmation")
    page.goto("/promo-codes/?campaign_id=1000&state=ACTIVE")
    row = page.locator("#promo-code-7000153")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Expire").click()
    expect(row.get_by_role("status")).to_have_text("Expired")
    axe(page, "the list after an in-place expire")
    row.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page, "the receipt")


def test_create_with_errors_and_the_regex_tester(editor_page: Page, axe, sandbox):
    page = editor_page
    page.goto("/promo-codes/new/?campaign_id=1000")
    axe(page, "the create form")
    start = sandbox.today + timedelta(days=10)
    page.locator("#id_code").fill("AXE10")
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_end_date").fill((start - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Create promo code").click()
    expect(page.locator("#form-errors")).to_contain_text("Please correct the fields marked below.")
    axe(page, "the create form with errors")

    page.get_by_label("Regex: a pattern matching many codes").check()
    page.locator("#id_code").fill("SUMMER")
    page.get_by_label("Try it on sample codes").fill("SUMMER10\nsummer10")
    expect(page.locator("#regex-results")).to_contain_text("accepted")
    axe(page, "the regex tester with its fix buttons")


def test_bulk_create_review(editor_page: Page, axe):
    page = editor_page
    page.goto("/promo-codes/bulk-create/")
    axe(page, "the CSV upload")
    header = "campaign_id,assigned_partner_id,code,type,credit_policy,start_date,end_date"
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": f"{header}\n1000,2552842,welcome10,LI,ALWAYS,,\n1000,abc,AXE2,LI,ALWAYS,,\n".encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page, "the CSV review with problems")


def test_phone(editor_page: Page, axe):
    page = editor_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/promo-codes/?state=ACTIVE")
    axe(page, "the list on a phone")
    page.goto("/promo-codes/7000151/")
    axe(page, "the detail on a phone")
