"""What staff hit in their first hour, in Chromium: each of these failed before its fix."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("impact_matches_parts", [False, True], ids=["whole-codes-upstream", "parts-upstream"])
def test_typing_part_of_a_code_finds_it(editor_page: Page, sandbox, screenshot, impact_matches_parts):
    sandbox.code_filter_matches_parts = impact_matches_parts
    page = editor_page

    page.locator("#id_code").fill("welc")
    page.locator("#id_code").press("Enter")

    expect(page.locator("#promo-code-7000151")).to_be_visible()  # WELCOME10
    expect(page).to_have_url("/promo-codes/?code=welc")
    note = page.locator("#code-search-note")
    if impact_matches_parts:
        expect(note).to_have_count(0)
    else:
        expect(note).to_contain_text("kept the 1 whose code contains “welc”")
        expect(note).to_contain_text("2 API calls")
        screenshot(page, "list-partial-code-search")


@pytest.mark.parametrize("placeholder", [
    pytest.param("Press / to search", id="keyboard"),
    pytest.param("Any part of a code", id="phone",
                 marks=pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)),
])
def test_the_code_box_offers_the_slash_key_only_where_there_is_a_keyboard(editor_page: Page, placeholder):
    expect(editor_page.locator("#id_code")).to_have_attribute("placeholder", placeholder)


def _fits_the_screen(page: Page, width: int = PHONE["width"]) -> None:
    """No sideways scrolling: the document is no wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _on_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_a_phone_can_filter_open_and_expire_without_sideways_scrolling(editor_page: Page, screenshot):
    page = editor_page
    page.set_viewport_size(PHONE)
    page.goto("/promo-codes/?state=ACTIVE")

    _fits_the_screen(page)
    for control in (page.locator("#id_state"), page.locator("#id_end_date"), page.get_by_role("button", name="Sign out")):
        _on_screen(control)
    row = page.locator("#promo-code-7000153")  # SHIPFREE
    _on_screen(row.locator(".badge"))
    _on_screen(row.get_by_role("button", name="Expire"))
    page.locator("#results-heading").scroll_into_view_if_needed()
    screenshot(page, "list-phone")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Expire").click()
    expect(row.get_by_role("status")).to_have_text("Expired")
    _fits_the_screen(page)

    page.goto("/promo-codes/7000151/")
    _fits_the_screen(page)
    _on_screen(page.get_by_role("button", name="Expire code"))
    screenshot(page, "detail-phone")

    page.goto("/promo-codes/bulk-expire/?id=7000151")
    _fits_the_screen(page)
    _on_screen(page.get_by_role("button", name="Expire 1 code"))


def test_the_date_filters_say_what_they_select(editor_page: Page, sandbox):
    page = editor_page
    until = page.get_by_label("Running on or before")
    expect(until).to_have_accessible_description("Codes that had started by this day, ended ones too.")
    expect(page.get_by_label("Running on or after")).to_have_accessible_description("Codes that had not ended before this day.")

    day = sandbox.today + timedelta(days=7)
    until.fill(day.isoformat())
    until.dispatch_event("change")
    expect(page).to_have_url(f"/promo-codes/?end_date={day.isoformat()}")
    # What the words promise (the 6th cell is Starts, after the select box): every code shown had started by that day (ended ones included).
    starts = page.locator("#results tbody tr td:nth-of-type(6) time")
    expect(starts.first).to_be_visible()
    for text in starts.all_inner_texts():
        assert datetime.strptime(text, "%b %d, %Y").date() <= day, text


def test_the_words_agree_with_each_other(editor_page: Page):
    page = editor_page
    page.goto("/promo-codes/7000151/")  # WELCOME10, deal 401: a general sale on the entire store
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name("WELCOME10")
    deal = page.locator(".deal")
    expect(deal).to_contain_text("General sale")
    expect(deal).to_contain_text("Entire store")
    expect(page.locator("main")).not_to_contain_text("GENERAL_SALE")

    page.goto("/promo-codes/new/")
    exact = page.get_by_label("Exact", exact=False).first
    expect(exact).to_be_visible()
    form = page.locator("#promo-code-form")
    expect(form).to_contain_text("letter case ignored")
    expect(form).not_to_contain_text("letter for letter")


def test_the_breadcrumb_keeps_the_filters_and_the_date_views_offer_campaign_names(editor_page: Page):
    page = editor_page
    page.goto("/promo-codes/?campaign_id=1000&state=ACTIVE")
    page.locator("#promo-code-7000151 a.code").click()
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name("WELCOME10")

    page.locator(".breadcrumb").get_by_role("link", name="Promo codes").click()
    expect(page).to_have_url("/promo-codes/?campaign_id=1000&state=ACTIVE")
    expect(page.locator("#id_campaign_id")).to_have_value("1000")

    page.goto("/promo-codes/?view=no-end-date")
    page.get_by_label("Campaign").select_option(label="Acme Anvils")
    page.get_by_role("button", name="Narrow").click()
    expect(page).to_have_url("/promo-codes/?view=no-end-date&campaign_id=1000&code=")
    expect(page.locator(".breadcrumb a")).to_have_attribute("href", "/promo-codes/?campaign_id=1000")


def test_the_idle_loading_indicator_is_silent_and_the_sandbox_banner_is_in_a_landmark(editor_page: Page):
    page = editor_page
    expect(page.get_by_role("status", name="Loading")).to_have_count(0)
    expect(page.get_by_role("banner").locator(".sandbox-banner")).to_contain_text("Sandbox")


def test_counts_follow_an_in_place_expire_and_bulk_results_show_the_new_state(editor_page: Page):
    page = editor_page
    page.goto("/promo-codes/?campaign_id=1000&state=ACTIVE")
    heading = page.locator("#results-heading")
    total = int(heading.inner_text().split()[0])
    expect(page.get_by_role("button", name=f"Expire all {total} matching…")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#promo-code-7000153").get_by_role("button", name="Expire").click()

    expect(heading).to_have_text(f"{total - 1} promo codes match these filters")
    expect(page.get_by_role("button", name=f"Expire all {total - 1} matching…")).to_be_visible()
    expect(page).to_have_url("/promo-codes/?campaign_id=1000&state=ACTIVE")

    page.goto("/promo-codes/bulk-expire/?id=7000151")
    expect(page.locator("#bulk-state-7000151")).to_contain_text("Active")
    page.get_by_role("button", name="Expire 1 code").click()
    expect(page.locator("#bulk-row-7000151 .outcome")).to_contain_text("Expired")
    expect(page.locator("#bulk-state-7000151")).to_have_text("Inactive expired just now")


def test_the_csv_review_runs_every_check_at_once_shows_names_and_fits_1280px(editor_page: Page, screenshot):
    page = editor_page
    page.goto("/promo-codes/bulk-create/")
    header = "campaign_id,assigned_partner_id,code,type,credit_policy,start_date,end_date,deal_id"
    rows = ["1000,2552842,HAS SPACE,LI,ALWAYS,,,", "1000,2552842,welcome10,LI,ALWAYS,,,401", "1000,2552842,LONGBUTFINE2026,LI,ALWAYS,,,"]
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": "\n".join([header, *rows, ""]).encode()}
    )
    page.get_by_role("button", name="Check the file").click()

    duplicate = page.locator("#bulk-row-1")
    expect(duplicate).to_contain_text("WELCOME10 (id 7000151) is already active in campaign 1000")
    expect(duplicate).not_to_contain_text("This row is fine")
    expect(duplicate).to_contain_text("Acme Anvils")
    expect(duplicate).to_contain_text("Wile E. Coyote Facebook")
    expect(duplicate).to_contain_text("10% off orders over $50")

    # A valid file shows the request line instead of problems: that is what pushed Result off screen.
    page.goto("/promo-codes/bulk-create/")
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": f"{header}\n1000,2552842,FITS1280PX,LI,ALWAYS,2027-01-01,2027-02-01,401\n".encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("button", name="Create 1 code")).to_be_visible()
    screenshot(page, "bulk-create-review-names")
    result = page.get_by_role("columnheader", name="Result")
    box = result.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_a_date_fields_calendar_button_shows_keyboard_focus(editor_page: Page):
    page = editor_page
    field = page.locator("#id_start_date")
    box = field.bounding_box()
    around = {"x": box["x"] - 8, "y": box["y"] - 8, "width": box["width"] + 16, "height": box["height"] + 16}  # a ring is drawn outside

    def picture() -> bytes:
        return page.screenshot(clip=around, animations="disabled", caret="initial")

    unfocused = picture()
    page.locator("#id_state").focus()
    for _ in range(4):  # month, day, year, then Chromium's calendar button inside the field
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_start_date"
    on_calendar = picture()
    page.keyboard.press("Tab")  # on to the next field: nothing of the ring stays
    assert page.evaluate("document.activeElement.id") == "id_end_date"
    assert on_calendar != unfocused, "the calendar button has no visible focus"
