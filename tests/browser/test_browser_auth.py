"""Signing in, and what a signed-out or read-only user sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_it_requires_sign_in_and_signs_in_through_the_form(page: Page, editor, problems, screenshot):
    page.goto("/promo-codes/?campaign_id=1000")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/promo-codes/%3Fcampaign_id%3D1000$"))
    expect(page).to_have_title("Sign in · promoadmin")
    expect(page.get_by_label("User name")).to_be_focused()
    screenshot(page, "login")

    page.get_by_label("User name").fill("editor")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")

    page.get_by_label("Password").fill("editor-password-1")
    page.get_by_label("Password").press("Enter")

    expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000$"))
    expect(page.locator("header .user")).to_have_text("editor")
    expect(page.get_by_role("heading", name=re.compile(r"promo codes? match these filters"))).to_be_visible()
    assert not problems.console_errors


def test_it_signs_out(editor_page: Page):
    editor_page.get_by_role("button", name="Sign out").click()

    expect(editor_page).to_have_url(re.compile(r"/accounts/login/"))
    editor_page.goto("/promo-codes/")
    expect(editor_page).to_have_url(re.compile(r"/accounts/login/\?next=/promo-codes/$"))


def test_a_viewer_sees_no_write_buttons(viewer_page: Page, screenshot):
    page = viewer_page
    expect(page.locator("#results tbody tr").first).to_be_visible()

    expect(page.get_by_role("link", name="New code")).to_have_count(0)  # the menu
    expect(page.get_by_role("button", name="New code")).to_have_count(0)  # the list's button
    expect(page.get_by_role("button", name=re.compile("^Expire"))).to_have_count(0)
    expect(page.get_by_role("button", name="Copy link to this view")).to_be_visible()
    screenshot(page, "list-viewer")

    page.locator("#results tbody tr a.code").first.click()
    expect(page.locator("#promo-code-summary")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Expire"))).to_have_count(0)
