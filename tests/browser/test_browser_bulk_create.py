"""Bulk create in a real browser: upload a CSV, read the overlap warning, confirm, watch each row get its result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SUMMER_RE = 7000156  # seeded regex ^SUMMER\d{2}$ in campaign 1000, from +30 to +120 days


def csv_upload(*rows: str) -> dict:
    header = "campaign_id,assigned_partner_id,code,type,credit_policy,start_date,end_date"
    return {"name": "codes.csv", "mimeType": "text/csv", "buffer": "\n".join([header, *rows, ""]).encode()}


def posts(sandbox) -> list[str]:
    return [r.form["Code"][0] for r in sandbox.requests if r.method == "POST"]


def test_an_overlap_is_shown_and_creating_waits_for_the_confirmation(sign_in_as, screenshot, sandbox):
    page: Page = sign_in_as("editor", "/promo-codes/bulk-create/")
    start, end = (timezone.localdate() + timedelta(days=days) for days in (40, 50))
    page.get_by_label("CSV or XLSX file").set_input_files(
        csv_upload(f"1000,2552842,summer42,LI,INVOLVED,{start},{end}", "1002,2553471,BROWSERBULK1,LI,ALWAYS,,")
    )
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review 2 new promo codes")
    expect(page.locator("#overlap-warning")).to_contain_text("1 row overlaps other codes of its campaign")
    warning = page.locator("#bulk-row-0 .row-warnings")
    expect(warning).to_have_text("Overlaps the active regex code ^SUMMER\\d{2}$ (id 7000156): both accept SUMMER42.")
    expect(warning.get_by_role("link", name="^SUMMER\\d{2}$")).to_have_attribute("href", f"/promo-codes/{SUMMER_RE}/")
    expect(page.locator("#bulk-row-1 .row-warnings")).to_have_count(0)
    confirm = page.get_by_label("Create them anyway: I have checked the 1 row marked with a warning", exact=False)
    expect(confirm).not_to_be_checked()
    screenshot(page, "bulk-create-overlap-review", full_page=True)

    # Without the tick, the browser refuses the submit (the box is required) and nothing is sent.
    page.get_by_role("button", name="Create 2 codes").click()
    expect(confirm).to_be_focused()
    expect(page.locator("#bulk-progress")).to_be_hidden()
    expect(page.locator("#bulk-rows [data-outcome=waiting]")).to_have_count(2)
    assert posts(sandbox) == []

    confirm.check()
    page.get_by_role("button", name="Create 2 codes").click()

    expect(page.locator(".js-progress-text")).to_have_text("Finished: 2 created.")
    expect(page.locator("#bulk-rows [data-outcome=created]")).to_have_count(2)
    expect(confirm).to_be_disabled()
    assert posts(sandbox) == ["summer42", "BROWSERBULK1"]
