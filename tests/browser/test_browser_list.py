"""The list: filters, history, pagination, opening a code, and the finishing touches."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCodeFilters
from promoadmin.promocodes.forms import end_of_day, start_of_day

pytestmark = pytest.mark.browser

HEADING = "#results-heading"
ROWS = "#results tbody tr"


def expected_total(**filters) -> int:
    return get_impact_client().list_promo_codes(PromoCodeFilters(**filters), page_size=25, fresh=True).total


def matches(total: int) -> str:
    return f"{total} promo code{'' if total == 1 else 's'} match{'es' if total == 1 else ''} these filters"


def test_it_filters_by_each_filter_without_reloading_the_page(editor_page: Page, same_document, screenshot, sandbox):
    page = editor_page
    expect(page).to_have_title("Promo codes · promoadmin")
    expect(page.locator(HEADING)).to_have_text("160 promo codes")
    screenshot(page, "list")

    with same_document(page):
        # Campaign: picked by name; the form filters on change.
        page.locator("#id_campaign_id").select_option(label="Acme Anvils")
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000$"))
        expect(page.locator(HEADING)).to_have_text(matches(expected_total(campaign_id=1000)))
        expect(page).to_have_title("Promo codes · campaign 1000 · promoadmin")
        expect(page.locator(ROWS).filter(has_not_text="Acme Anvils")).to_have_count(0)

        # State.
        page.locator("#id_state").select_option("INACTIVE")
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000&state=INACTIVE$"))
        expect(page.locator(HEADING)).to_have_text(matches(expected_total(campaign_id=1000, state="INACTIVE")))
        expect(page).to_have_title("Promo codes · INACTIVE · campaign 1000 · promoadmin")
        expect(page.locator(f"{ROWS} .badge").filter(has_text=re.compile(r"^Active$"))).to_have_count(0)

        # Back to any state and any campaign: empty filters leave the URL.
        page.locator("#id_state").select_option("")
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000$"))
        page.locator("#id_campaign_id").select_option("")
        expect(page).to_have_url(re.compile(r"/promo-codes/$"))
        expect(page.locator(HEADING)).to_have_text("160 promo codes")
        expect(page).to_have_title("Promo codes · promoadmin")

        # Dates: codes active at some time in the window.
        start = sandbox.today + timedelta(days=40)
        end = sandbox.today + timedelta(days=50)
        page.locator("#id_start_date").fill(start.isoformat())
        expect(page).to_have_url(re.compile(rf"/promo-codes/\?start_date={start}$"))
        expect(page.locator(HEADING)).to_have_text(matches(expected_total(start=start_of_day(start))))
        page.locator("#id_end_date").fill(end.isoformat())
        expect(page).to_have_url(re.compile(rf"/promo-codes/\?start_date={start}&end_date={end}$"))
        expect(page.locator(HEADING)).to_have_text(
            matches(expected_total(start=start_of_day(start), end=end_of_day(end)))
        )
        expect(page).to_have_title(f"Promo codes · {start} to {end} · promoadmin")
        page.locator("#id_start_date").fill("")
        expect(page).to_have_url(re.compile(rf"/promo-codes/\?end_date={end}$"))
        expect(page.locator(HEADING)).to_have_text(matches(expected_total(end=end_of_day(end))))
        page.locator("#id_end_date").fill("")
        expect(page).to_have_url(re.compile(r"/promo-codes/$"))

        # Code: Enter submits; the match is exact and ignores letter case.
        page.locator("#id_code").fill("welcome10")
        page.locator("#id_code").press("Enter")
        expect(page).to_have_url(re.compile(r"/promo-codes/\?code=welcome10$"))
        expect(page.locator(HEADING)).to_have_text(matches(1))
        expect(page.locator(ROWS)).to_have_count(1)
        expect(page.locator(f"{ROWS} a.code")).to_have_text("WELCOME10")
        expect(page).to_have_title("Promo codes · code welcome10 · promoadmin")
        expect(page.locator("#id_code")).to_be_focused()  # typing goes on where it was
    screenshot(page, "list-filtered")


def test_a_bad_filter_shows_its_message_beside_the_field(sign_in_as, same_document):
    page = sign_in_as("editor", "/promo-codes/?campaign_id=acme")  # e.g. a hand-edited bookmark
    expect(page.locator("#id_campaign_id_error")).to_have_text("Enter a number, like 1000.")
    expect(page.locator(HEADING)).to_have_text("Fix the filters")
    expect(page.locator("#id_campaign_id")).to_have_value("acme")

    with same_document(page):
        page.locator("#id_code").fill("CAFE5EUR")
        page.locator("#id_code").press("Enter")
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=acme&code=CAFE5EUR$"))
        expect(page.locator("#id_campaign_id_error")).to_have_text("Enter a number, like 1000.")

        page.locator("#id_campaign_id").fill("1001")
        page.locator("#id_campaign_id").press("Enter")
        expect(page.locator("#id_campaign_id_error")).to_have_text("")
        expect(page.locator(HEADING)).to_have_text(matches(1))
        expect(page.locator(f"{ROWS} a.code")).to_have_text("CAFE5EUR")


def test_a_bad_choice_filters_message_sits_below_its_select(sign_in_as):
    page = sign_in_as("editor", "/promo-codes/?state=BOGUS&type=Q")
    for field in ("state", "type"):
        message = page.locator(f"#id_{field}_error")
        expect(message).to_contain_text("is not one of the available choices")
        expect(page.locator(f"#id_{field}")).to_have_attribute("aria-describedby", f"id_{field}_error")
        select_box, message_box = page.locator(f"#id_{field}").bounding_box(), message.bounding_box()
        assert message_box["y"] >= select_box["y"] + select_box["height"], field  # not drawn under the select


def test_reload_back_and_forward_show_the_same_whole_page(editor_page: Page):
    page = editor_page
    page.locator("#id_campaign_id").select_option("1001")
    expect(page).to_have_url(re.compile(r"\?campaign_id=1001$"))
    page.locator("#id_state").select_option("INACTIVE")
    expect(page).to_have_url(re.compile(r"\?campaign_id=1001&state=INACTIVE$"))
    inactive_1001 = matches(expected_total(campaign_id=1001, state="INACTIVE"))
    expect(page.locator(HEADING)).to_have_text(inactive_1001)

    page.reload()
    expect(page.locator(HEADING)).to_have_text(inactive_1001)
    expect(page.locator("#id_campaign_id")).to_have_value("1001")
    expect(page.locator("#id_state")).to_have_value("INACTIVE")

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?campaign_id=1001$"))
    expect(page.locator(HEADING)).to_have_text(matches(expected_total(campaign_id=1001)))
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("form#filters")).to_have_count(1)
    expect(page.locator("#id_campaign_id")).to_have_value("1001")
    expect(page.locator("#id_state")).to_have_value("")
    expect(page).to_have_title("Promo codes · campaign 1001 · promoadmin")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/promo-codes/$"))
    expect(page.locator(HEADING)).to_have_text("160 promo codes")
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("#id_campaign_id")).to_have_value("")

    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?campaign_id=1001$"))
    expect(page.locator(HEADING)).to_have_text(matches(expected_total(campaign_id=1001)))
    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?campaign_id=1001&state=INACTIVE$"))
    expect(page.locator(HEADING)).to_have_text(inactive_1001)
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("#id_state")).to_have_value("INACTIVE")
    # One of each: a restore must not nest a page inside the page.
    expect(page.locator("#results")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)


def test_pagination_keeps_the_filters(sign_in_as, same_document):
    page = sign_in_as("editor", "/promo-codes/?campaign_id=1000")
    total = expected_total(campaign_id=1000)
    assert total > 50, "the seed should give campaign 1000 more than one page"
    first_page_codes = page.locator(f"{ROWS} a.code").all_inner_texts()

    with same_document(page):
        page.get_by_role("link", name="Next →").click()
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000&page=2$"))
        expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
        expect(page.locator(ROWS)).to_have_count(total - 50)
        expect(page.locator(ROWS).filter(has_not_text="Acme Anvils")).to_have_count(0)
        assert not set(page.locator(f"{ROWS} a.code").all_inner_texts()) & set(first_page_codes)
        expect(page.locator("#id_campaign_id")).to_have_value("1000")
        expect(page).to_have_title("Promo codes · campaign 1000 · page 2 · promoadmin")
        expect(page.locator(HEADING)).to_be_focused()  # the new page's results, for keyboard users

        page.get_by_role("link", name="← Previous").click()
        expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000$"))
        expect(page.locator(".pagination")).to_contain_text("Page 1 of 2")

    # A changed filter starts again at page 1.
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"&page=2$"))
    page.locator("#id_state").select_option("ACTIVE")
    expect(page).to_have_url(re.compile(r"/promo-codes/\?campaign_id=1000&state=ACTIVE$"))


def test_it_opens_a_code_from_its_row(editor_page: Page):
    page = editor_page
    page.locator("#id_code").fill("ANVILBOGO")
    page.locator("#id_code").press("Enter")
    expect(page.locator(ROWS)).to_have_count(1)

    page.locator(ROWS).get_by_role("link", name="ANVILBOGO").click()

    expect(page).to_have_url(re.compile(r"/promo-codes/7000152/$"))
    expect(page).to_have_title("ANVILBOGO · Promo code 7000152 · promoadmin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ANVILBOGO")
    expect(page.locator(".discount")).to_contain_text("Buy 2")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Promo codes", exact=True).click()
    expect(page).to_have_url(re.compile(r"/promo-codes/\?schedule=active$"))  # the navigation opens Active codes


def test_under_debug_a_bad_date_filter_shows_its_message_and_keeps_the_page(sign_in_as, same_document, settings):
    # django-htmx's debug script (under DEBUG) replaced the whole document with the 400 fragment.
    settings.DEBUG = True
    page = sign_in_as("editor", "/promo-codes/")

    with same_document(page):
        page.locator("#id_start_date").fill("2026-12-31")
        page.locator("#id_end_date").fill("2026-01-01")  # before the start: a 400 from the htmx request
        page.locator("#id_end_date").press("Enter")
        expect(page.locator(HEADING)).to_have_text("Fix the filters")
        expect(page.locator("#id_code")).to_be_visible()  # the filter form is still there
