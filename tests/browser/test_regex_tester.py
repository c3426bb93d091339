"""The create form's regex tester, risk notes and preview in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def sample(page: Page, code: str):
    return page.locator("#regex-results li.sample").filter(has=page.locator("code", has_text=re.compile(f"^{re.escape(code)}$")))


def test_the_tester_shows_matches_as_you_type_without_any_api_call(
    editor_page: Page, sandbox, problems, same_document, screenshot
):
    page = editor_page
    page.goto("/promo-codes/new/?campaign_id=1000")
    tester = page.locator("#regex-tester")
    expect(tester).to_be_hidden()  # exact codes need no tester
    calls_before = len(sandbox.requests)

    with same_document(page):
        page.get_by_label("Regex: a pattern matching many codes").check()
        expect(tester).to_be_visible()

        # A starts-with template fills the pattern.
        page.get_by_label("Build one").fill("SUMMER")
        page.get_by_role("button", name="Starts with it").click()
        expect(page.locator("#id_code")).to_have_value("^SUMMER.*$")

        samples = page.get_by_label("Try it on sample codes")
        samples.fill("SUMMER10\nsummer10\nWINTER10")
        expect(sample(page, "SUMMER10")).to_contain_text("✓ accepted")
        expect(sample(page, "summer10")).to_contain_text("✗ not accepted")
        expect(sample(page, "summer10")).to_contain_text("would match ignoring case")
        expect(sample(page, "WINTER10")).to_contain_text("✗ not accepted")
        expect(page.locator("#regex-results")).to_contain_text("1 of 3 accepted.")
        expect(samples).to_be_focused()  # the results update around the user, not under the cursor

        # One click makes it ignore case.
        page.get_by_role("button", name="Ignore case: (?i)^SUMMER.*$").click()
        expect(page.locator("#id_code")).to_have_value("(?i)^SUMMER.*$")
        expect(page.locator("#regex-results")).to_contain_text("2 of 3 accepted.")
        expect(page.locator("#regex-results")).not_to_contain_text("Letter case counts")

        # An unanchored pattern is pointed out, and anchoring it is one click.
        page.locator("#id_code").fill(r"SUMMER\d+")
        expect(page.locator("#regex-results")).to_contain_text("The pattern has no ^ at the start and $ at the end.")
        page.get_by_role("button", name=r"Use ^SUMMER\d+$").click()
        expect(page.locator("#id_code")).to_have_value(r"^SUMMER\d+$")
        expect(page.locator("#regex-results")).not_to_contain_text("no ^ at the start")

        # Ends-with.
        page.get_by_label("Build one").fill("10")
        page.get_by_role("button", name="Ends with it").click()
        expect(page.locator("#id_code")).to_have_value("^.*10$")
        expect(page.locator("#regex-results")).to_contain_text("3 of 3 accepted.")

        # The risk notes follow the form.
        notes = page.locator("#risk-notes")
        expect(notes).to_contain_text("No end date: the code never ends.")
        page.get_by_label("Always: the partner is credited whenever the code is used, even if another partner drove the sale").check()
        expect(notes).to_contain_text("even when another partner drove the sale")
        past = (timezone.localdate() - timedelta(days=2)).isoformat()
        page.locator("#id_end_date").fill(past)
        page.locator("#id_end_date").press("Tab")
        expect(notes).to_contain_text("has already passed: the code would be created already ended")
        expect(notes).not_to_contain_text("No end date")

    screenshot(page, "create-regex-tester")
    assert len(sandbox.requests) == calls_before  # the tester and the notes are worked out locally
    assert not problems.console_errors


def test_a_catastrophic_pattern_is_reported_not_run_forever(editor_page: Page, sandbox):
    page = editor_page
    page.goto("/promo-codes/new/?campaign_id=1000")
    page.get_by_label("Regex: a pattern matching many codes").check()
    page.locator("#id_code").fill("^(a+)+$")
    page.get_by_label("Try it on sample codes").fill("a" * 60 + "b")

    expect(page.locator("#regex-results")).to_contain_text("This pattern takes too long to test")


def test_preview_shows_the_request_and_creating_afterwards_sends_it_once(editor_page: Page, sandbox, screenshot):
    page = editor_page
    page.goto("/promo-codes/new/?campaign_id=1000")
    page.get_by_label("Find by name").fill("honey")
    page.locator("#partner-options").get_by_role("button", name="Honey").click()
    expect(page.locator("#id_assigned_partner_id")).to_have_value("2553254")
    page.get_by_label("Regex: a pattern matching many codes").check()
    page.locator("#id_code").fill(r"^WELCOME\d+$")

    page.get_by_role("button", name="Preview request").click()

    preview = page.locator("#request-preview")
    expect(preview).to_be_focused()
    expect(preview).to_contain_text("POST /Advertisers/IRsandbox0000000001/PromoCodes")
    expect(preview).to_contain_text("This pattern also accepts active exact codes of the campaign")
    expect(page.locator("#overlap-warning")).to_contain_text("WELCOME10")
    assert not [r for r in sandbox.requests if r.method == "POST"]
    screenshot(page, "create-preview")

    page.get_by_label("Create it anyway: I have checked that these codes may compete at checkout").check()
    page.get_by_role("button", name="Create promo code").click()
    expect(page.get_by_role("status").filter(has_text="Created promo code ^WELCOME\\d+$.")).to_be_visible()

    # Back brings a fresh form (new token, nothing filled in), not the sent one to resubmit.
    page.go_back()
    expect(page.locator("#id_code")).to_have_value("")
    assert len([r for r in sandbox.requests if r.method == "POST"]) == 1
