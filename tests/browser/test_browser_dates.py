"""A code impact.com sends in +09:00, in Chromium: the detail and the list show California's day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode

pytestmark = pytest.mark.browser

TOKYO = timezone(timedelta(hours=9))
ZONE_NOTE = "Dates and times in America/Los_Angeles time (PST/PDT)"


@pytest.fixture(autouse=True)
def pacific_business_zone(settings):
    settings.TIME_ZONE = "America/Los_Angeles"


def test_a_code_ending_early_on_jan_1_in_tokyo_ends_on_dec_31_in_california(sign_in_as, screenshot):
    # Created in +09:00 (the sandbox keeps the offset): starts 00:00 Dec 2 and ends 05:00 Jan 1 there.
    promo_code_id = get_impact_client().create_promo_code(NewPromoCode(
        2552842, 1000, "ALWAYS", "TOKYONEWYEAR", "LI",
        start_date=datetime(2026, 12, 2, tzinfo=TOKYO), end_date=datetime(2027, 1, 1, 5, tzinfo=TOKYO), deal_id=403,
    ))
    assert get_impact_client().get_promo_code(promo_code_id, fresh=True).end_date.utcoffset() == timedelta(hours=9)

    page = sign_in_as("viewer", f"/promo-codes/{promo_code_id}/")
    facts = page.locator("#promo-code-summary .facts")
    expect(facts).to_contain_text("Dec 1, 2026, 07:00 PST")  # the start, the day before in California
    expect(facts).to_contain_text("Dec 31, 2026, 12:00 PST")  # the end
    expect(page.locator("#promo-code-summary .zone-note")).to_have_text(ZONE_NOTE)
    expect(page.locator(".deal .facts")).to_contain_text("Once per order")  # the deal's PurchaseLimitQuantity
    screenshot(page, "detail-offset-plus-nine")

    page.goto("/promo-codes/?code=TOKYONEWYEAR")
    row = page.locator(f"#promo-code-{promo_code_id}")
    expect(row.locator("time").nth(0)).to_have_text("Dec 1, 2026")
    expect(row.locator("time").nth(1)).to_have_text("Dec 31, 2026")
    expect(row.locator("time").nth(1)).to_have_attribute("title", "Dec 31, 2026, 12:00 PST")
    expect(page.locator("#results caption")).to_have_text(ZONE_NOTE)
