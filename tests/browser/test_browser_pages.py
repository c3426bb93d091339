"""Each detail kind, upstream faults, and the finishing touches people notice first (keyboard, loading, copy,
focus, labels, titles, favicon, dates, narrow screens, no console errors or CSP violations)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HEADING = "#results-heading"
ROWS = "#results tbody tr"


DEAL_KINDS = [
    (7000151, "WELCOME10", "10% off", "detail-percent"),
    (7000152, "ANVILBOGO", "Buy 2", "detail-bogo"),
    (7000153, "SHIPFREE", "Free shipping", "detail-free-shipping"),
    (7000154, "CAFE5EUR", "€5.00 off", "detail-fixed-eur"),
    (7000155, "PLAINCODE", None, "detail-no-deal"),
]


def test_it_shows_each_kind_of_deal(sign_in_as, screenshot):
    page = sign_in_as("viewer", "/promo-codes/7000151/")
    for promo_code_id, code, discount, shot in DEAL_KINDS:
        page.goto(f"/promo-codes/{promo_code_id}/")
        expect(page).to_have_title(f"{code} · Promo code {promo_code_id} · promoadmin")
        expect(page.get_by_role("heading", level=1)).to_contain_text(code)
        if discount:
            expect(page.locator(".deal .discount")).to_contain_text(discount)
        else:
            expect(page.locator(".deal")).to_contain_text("This code is not linked to a deal")
        # Dates in the business time zone, with the zone named.
        expect(page.locator(".facts").first).to_contain_text(re.compile(r"\d{2}:\d{2} (PST|PDT)"))
        screenshot(page, shot)


def test_an_upstream_fault_shows_its_message_and_then_clears(editor_page: Page, sandbox, same_document, screenshot):
    page = editor_page
    with same_document(page):
        sandbox.inject_fault(503, count=5)  # more than the client's retries
        page.locator("#id_state").select_option("INACTIVE")
        expect(page.locator("#alerts")).to_contain_text("impact.com is not answering")
        expect(page.locator("#alerts [role=alert]")).to_be_focused()  # said, and where a keyboard user is
        expect(page.locator("#id_state")).to_have_value("INACTIVE")  # nothing the user chose is lost
        screenshot(page, "upstream-error")

        sandbox.clear_faults()
        page.locator("#id_state").select_option("ACTIVE")
        expect(page.locator(HEADING)).to_have_text(re.compile(r"^\d+ promo codes match these filters$"))
        expect(page).to_have_url(re.compile(r"/promo-codes/\?state=ACTIVE$"))
        expect(page.locator("#alerts")).not_to_contain_text("impact.com is not answering")


def test_an_upstream_fault_on_a_full_page_load_is_a_page(sign_in_as, sandbox):
    page = sign_in_as("viewer", "/promo-codes/7000152/")
    sandbox.inject_fault(503, count=5)
    page.goto("/promo-codes/7000151/")
    expect(page.get_by_role("heading", level=1)).to_have_text("impact.com is not answering")
    expect(page.locator("header.topbar")).to_be_visible()
    sandbox.clear_faults()
    page.get_by_role("link", name="Try again").click()
    expect(page).to_have_title("WELCOME10 · Promo code 7000151 · promoadmin")


def test_keyboard_loading_indicator_and_busy_buttons(editor_page: Page, sandbox, same_document):
    page = editor_page
    # "/" focuses the code filter, and then types normally.
    page.locator("body").press("/")
    expect(page.locator("#id_code")).to_be_focused()
    page.keyboard.type("SHIPFREE")
    expect(page.locator("#id_code")).to_have_value("SHIPFREE")

    # Enter submits; while impact.com is slow the indicator shows and the button is disabled.
    loading = page.locator("#loading")
    expect(loading).to_have_count(1)
    expect(loading).to_have_css("visibility", "hidden")
    sandbox.latency_ms = 1500  # every upstream answer is slow (the fixture resets it)
    with same_document(page):
        page.keyboard.press("Enter")
        expect(loading).to_have_css("visibility", "visible")
        expect(page.get_by_role("button", name="Filter")).to_be_disabled()
        expect(page.locator(ROWS)).to_have_count(1)
        sandbox.latency_ms = 0
        expect(loading).to_have_css("visibility", "hidden")
        expect(page.get_by_role("button", name="Filter")).to_be_enabled()
        expect(page.locator("#id_code")).to_be_focused()

        # A keyboard user gets a visible focus ring.
        page.keyboard.press("Tab")
        focused_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert focused_outline not in ("", "none")


def test_copy_buttons(editor_page: Page, same_document):
    page = editor_page
    with same_document(page):
        page.locator("#id_code").fill("CAFE5EUR")
        page.locator("#id_code").press("Enter")
        expect(page.locator(ROWS)).to_have_count(1)

        copy_code = page.get_by_role("button", name="Copy code CAFE5EUR")
        copy_code.click()
        expect(copy_code).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == "CAFE5EUR"
        expect(copy_code).to_have_text("Copy")  # and back

        # The link is to the view as it is now, not as the page was first loaded.
        copy_link = page.get_by_title("Copy a link to exactly this view")  # its name changes when clicked
        expect(copy_link).to_have_text("Copy link to this view")
        copy_link.click()
        expect(copy_link).to_have_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
        assert page.url.endswith("/promo-codes/?code=CAFE5EUR")


def test_pages_are_accessible_and_need_no_inline_script(editor_page: Page, problems):
    page = editor_page
    for path in [
        "/promo-codes/",
        "/promo-codes/?campaign_id=1000&state=ACTIVE",
        "/promo-codes/7000151/",
        "/promo-codes/new/",
    ]:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        # Every visible control has a label.
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll("input, select, textarea")]
                .filter(el => el.type !== "hidden" && !el.hidden && el.offsetParent !== null)
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
                .map(el => el.outerHTML)"""
        )
        assert unlabelled == [], f"{path}: {unlabelled}"
        # No inline scripts or inline event handlers (a strict CSP would block them).
        inline = page.evaluate(
            """() => [...document.querySelectorAll("script:not([src])")].map(s => s.outerHTML)
                .concat([...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
                    .filter(a => a.name.startsWith("on")).map(a => el.tagName + " " + a.name)))"""
        )
        assert inline == [], f"{path}: {inline}"
        favicon = page.locator("link[rel=icon]")
        expect(favicon).to_have_count(1)
        assert page.request.get(favicon.evaluate("el => el.href")).ok

    page.goto("/promo-codes/")
    expect(page.locator("#results")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#alerts")).to_have_attribute("aria-live", "polite")
    # State badges are words, not only colours.
    expect(page.locator("#promo-code-7000157 .badge")).to_have_text("Inactive")
    expect(page.locator("#promo-code-7000158 .badge")).to_have_text("Ended")
    # Dates in the business time zone, named; relative hints where they help.
    expect(page.locator("table.codes caption")).to_have_text(re.compile(r"^Dates and times in \S+ time \(PST/PDT\)$"))
    expect(page.locator("#promo-code-7000156")).to_contain_text(re.compile(r"starts in \d+ (weeks|days)"))
    expect(page.locator("#promo-code-7000158")).to_contain_text(re.compile(r"ended \d+ (hours?|days?) ago"))
    # Long names are cut short, with the whole text on hover.
    cut = page.evaluate(
        """() => [...document.querySelectorAll("#results .truncate")]
            .filter(el => el.scrollWidth > el.clientWidth)
            .map(el => [el.textContent.trim(), el.title])"""
    )
    assert cut, "expected at least one truncated name in the seeded list"
    for text, title in cut:
        assert text in title, (text, title)

    assert problems.console_errors == []


@pytest.mark.parametrize("width", [1280, 1100, 900])
def test_the_whole_accounts_list_needs_no_sideways_scrolling(sign_in_as, width):
    # Every campaign at once has the longest names of the seed; at 1280 px (a laptop) the Expire
    # column used to be cut off behind a horizontal scroll bar.
    page = sign_in_as("editor", "/promo-codes/?page_size=100")
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    expect(page.locator(ROWS)).to_have_count(100)
    overflow = page.evaluate(
        "(() => { const wrap = document.querySelector('.table-wrap'); return wrap.scrollWidth - wrap.clientWidth; })()"
    )
    assert overflow <= 0, f"the table is {overflow} px wider than the page at {width} px"


def test_it_is_usable_900_pixels_wide(sign_in_as, screenshot):
    page = sign_in_as("editor", "/promo-codes/?campaign_id=1000")
    page.set_viewport_size({"width": 900, "height": 900})
    page.reload()
    expect(page.locator(ROWS).first).to_be_visible()
    # Nothing sticks out sideways, and the filters and their button are on screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 900
    for selector in ["#id_campaign_id", "#id_code", "#id_state", "#id_start_date", "#id_end_date"]:
        expect(page.locator(selector)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Filter")).to_be_in_viewport()
    # The table fits too: a row's last column (its Expire button) needs no sideways scrolling
    # (scrolled down only: the filters, ten of them, take the first screen's height).
    page.evaluate("window.scrollBy(0, 500)")
    expect(page.locator("#promo-code-7000152").get_by_role("button", name="Expire")).to_be_in_viewport()
    assert page.evaluate(
        "document.querySelector('.table-wrap').scrollWidth <= document.querySelector('.table-wrap').clientWidth"
    )
    screenshot(page, "list-900")
    page.goto("/promo-codes/7000152/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 900
    screenshot(page, "detail-900")
