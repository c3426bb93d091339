"""The list filters impact.com lacks (partner, deal, credit policy, match type, schedule): a bounded,
priced scan (selectors.scan_list) on the embedded sandbox, including accounts bigger than the bound."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import timezone
from helpers import HTMX, upstream_requests
from helpers import page_text as text

from promoadmin.impact.factory import get_impact_client

LIST_URL = "/promo-codes/"
HONEY = 2553254  # a partner of campaign 1000
WELCOME10, SUMMER, SPRINGREADS, LASTCALL = 7000151, 7000156, 7000157, 7000158


def row_ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="promo-code-(\d+)"', response.content.decode())]


def every_code():
    return list(get_impact_client().iter_promo_codes())


def test_a_partner_filter_reads_pages_of_1000_and_keeps_only_that_partners_codes(editor_client, sandbox):
    expected = [promo.id for promo in every_code() if promo.assigned_partner_id == HONEY]
    before = len(sandbox.requests)

    response = editor_client.get(LIST_URL, {"partner_id": HONEY, "page_size": "100"})

    assert response.status_code == 200
    assert row_ids(response) == expected  # impact.com's order, newest first
    sent = [r for r in sandbox.requests[before:] if r.path.endswith("/PromoCodes")]
    assert len(sent) == 1
    assert sent[0].query["PageSize"] == ["1000"]
    assert not any("Partner" in name for name in sent[0].query)  # impact.com cannot filter by partner
    assert f"It kept the {len(expected)} where the partner id is {HONEY}" in text(response)
    assert "Cost: 1 page of impact.com's list" in text(response)


def test_with_a_campaign_the_rule_names_the_partner_and_the_picker_offers_names(editor_client):
    response = editor_client.get(LIST_URL, {"campaign_id": "1000", "partner_id": HONEY})

    body = response.content.decode()
    assert re.search(rf"<option value=\"{HONEY}\"\s+selected>Honey</option>", body)
    assert f"where the partner is Honey ({HONEY})" in text(response)


def test_without_a_campaign_the_partner_and_deal_filters_take_ids(editor_client):
    response = editor_client.get(LIST_URL)

    body = response.content.decode()
    assert 'name="partner_id" id="id_partner_id" value=""' in body
    assert "Pick a campaign to choose by name." in text(response)


def test_picking_another_campaign_with_htmx_refreshes_the_name_pickers_out_of_band(editor_client):
    changed = editor_client.get(LIST_URL, {"campaign_id": "1000"}, HTTP_HX_CURRENT_URL="http://testserver/promo-codes/", **HTMX)
    unchanged = editor_client.get(
        LIST_URL, {"campaign_id": "1000", "type": "RE"}, HTTP_HX_CURRENT_URL="http://testserver/promo-codes/?campaign_id=1000", **HTMX
    )

    assert 'id="filter-partner_id" hx-swap-oob="true"' in changed.content.decode()
    assert ">Honey</option>" in changed.content.decode()
    assert 'id="filter-partner_id"' not in unchanged.content.decode()


@pytest.mark.parametrize(
    ("params", "matching", "other"),
    [
        ({"partner_id": str(HONEY)}, {"AssignedPartnerId": HONEY}, {"AssignedPartnerId": 2552907}),
        ({"deal_id": "401"}, {"DealId": 401}, {"DealId": None}),
        ({"credit_policy": "WINNER"}, {"CreditPolicy": "WINNER"}, {"CreditPolicy": "ALWAYS"}),
        ({"type": "RE"}, {"Type": "RE"}, {"Type": "LI"}),
        ({"schedule": "pending"}, {"State": "ACTIVE", "StartDate": "2098-01-01T00:00:00-08:00", "EndDate": None}, {"State": "ACTIVE", "StartDate": None}),
        ({"schedule": "expired"}, {"State": "INACTIVE"}, {"State": "ACTIVE", "StartDate": None, "EndDate": None}),
    ],
)
def test_each_filter_on_an_account_bigger_than_the_bound_says_where_it_stopped(editor_client, sandbox, settings, params, matching, other):
    settings.IMPACT_SCAN_MAX_PAGES = 2
    # Newest first: 1100 codes that do not match, then the 1000 that do behind them, then the seed.
    sandbox.add_promo_codes(1000, like=WELCOME10, **matching)
    sandbox.add_promo_codes(1100, like=WELCOME10, **other)
    before = len(sandbox.requests)

    response = editor_client.get(LIST_URL, params)

    assert response.status_code == 200
    sent = [r for r in sandbox.requests[before:] if r.path.endswith("/PromoCodes")]
    assert [r.query["Page"] for r in sent] == [["1"], ["2"]]  # the bound, not the 3 pages there are
    page = text(response)
    stopped = re.search(r"Stopped early: only the first 2000 of (\d+) codes were read \(at most 2 pages\)", page)
    assert stopped and int(stopped[1]) > 2100
    assert "900 promo codes match these filters" in page  # page 2 holds 100 others, then 900 that match
    assert all(promo_id > 7000200 for promo_id in row_ids(response))  # none of the seed, past the bound


def test_combined_with_a_date_view_both_rules_apply(editor_client):
    expected = {
        promo.id for promo in every_code()
        if promo.is_active and promo.end_date is None and promo.assigned_partner_id == HONEY
    }

    response = editor_client.get(LIST_URL, {"view": "no-end-date", "partner_id": HONEY})

    assert response.status_code == 200
    assert set(row_ids(response)) == expected
    assert 'name="partner_id" value="2553254"' in response.content.decode()  # kept when the view is narrowed
    assert f"there is no end date (the code never ends) and the partner id is {HONEY}." in text(response)


def test_the_price_is_said_before_the_scan_runs(editor_client, settings):
    settings.IMPACT_SCAN_MAX_PAGES = 3

    page = text(editor_client.get(LIST_URL))

    assert "a view reads up to 3 pages of 1000 codes, 3 of your 200 calls left this hour" in page


def test_a_scan_is_cached_like_a_list_page_and_refresh_asks_again(editor_client, sandbox):
    editor_client.get(LIST_URL, {"credit_policy": "WINNER"})
    before = len(upstream_requests(sandbox, "GET", "PromoCodes"))

    editor_client.get(LIST_URL, {"credit_policy": "WINNER", "page": "2", "page_size": "25"})
    assert len(upstream_requests(sandbox, "GET", "PromoCodes")) == before  # the same pages, from promoadmin's cache

    editor_client.get(LIST_URL, {"credit_policy": "WINNER"}, HTTP_CACHE_CONTROL="no-cache", **HTMX)
    assert len(upstream_requests(sandbox, "GET", "PromoCodes")) == before + 1


def test_a_scan_is_refused_with_a_429_when_the_share_is_short(editor_client, settings, sandbox):
    settings.IMPACT_USER_BUDGET = 3
    settings.IMPACT_SCAN_MAX_PAGES = 5

    response = editor_client.get(LIST_URL, {"type": "RE"})

    assert response.status_code == 429
    assert upstream_requests(sandbox, "GET", "PromoCodes") == []


@pytest.mark.parametrize("query", [{"partner_id": "abc"}, {"deal_id": "-1"}, {"credit_policy": "SOMETIMES"}, {"type": "XX"}, {"schedule": "soon"}])
def test_bad_values_are_a_400_without_asking_impact(editor_client, sandbox, query):
    response = editor_client.get(LIST_URL, query)

    assert response.status_code == 400
    assert upstream_requests(sandbox, "GET", "PromoCodes") == []


# --- the schedule -------------------------------------------------------------------------------


def test_the_navigation_opens_active_codes(editor_client):
    body = editor_client.get("/promo-codes/new/").content.decode()

    assert re.search(r'<a href="/promo-codes/\?schedule=active"\s*>Promo codes</a>', body)


def test_without_the_parameter_the_list_means_all_codes_as_old_links_do(editor_client, sandbox):
    every = editor_client.get(LIST_URL, {"page_size": "100"})
    explicit = editor_client.get(LIST_URL, {"page_size": "100", "schedule": "all"})

    assert row_ids(every) == row_ids(explicit)
    assert SPRINGREADS in row_ids(every) and SUMMER in row_ids(every)
    assert all(r.query["PageSize"] == ["100"] for r in upstream_requests(sandbox, "GET", "PromoCodes"))  # no scan


@pytest.mark.parametrize(
    ("schedule", "present", "absent"),
    [
        ("active", {WELCOME10}, {SUMMER, SPRINGREADS, LASTCALL}),
        ("pending", {SUMMER}, {WELCOME10, SPRINGREADS, LASTCALL}),
        ("expired", {SPRINGREADS, LASTCALL}, {WELCOME10, SUMMER}),
    ],
)
def test_the_schedule_in_staffs_words(editor_client, schedule, present, absent):
    response = editor_client.get(LIST_URL, {"schedule": schedule, "page_size": "100"})

    ids = set(row_ids(response))
    assert present <= ids
    assert not ids & absent
    now = timezone.now()
    lifecycles = {"active": {"active"}, "pending": {"scheduled"}, "expired": {"ended", "inactive"}}[schedule]
    assert all(promo.lifecycle(now) in lifecycles for promo in every_code() if promo.id in ids)


# --- exporting and expiring what the filters show ---------------------------------------------


def test_the_export_of_a_filtered_list_holds_exactly_its_codes(editor_client):
    expected = [promo.id for promo in every_code() if promo.assigned_partner_id == HONEY]

    response = editor_client.get("/promo-codes/export.csv", {"partner_id": HONEY})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [int(row["id"]) for row in rows] == expected


def test_the_export_of_a_scan_that_stopped_early_says_so_in_the_file(editor_client, sandbox, settings):
    settings.IMPACT_SCAN_MAX_PAGES = 1
    sandbox.add_promo_codes(1000, like=WELCOME10)

    response = editor_client.get("/promo-codes/export.csv", {"type": "RE"})

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "EXPORT INCOMPLETE: promoadmin read only the first 1000 of" in content


def test_expire_all_matching_keeps_to_the_partner_filter(editor_client):
    expected = {promo.id for promo in every_code() if promo.assigned_partner_id == HONEY and promo.is_active}

    response = editor_client.get("/promo-codes/bulk-expire/", {"partner_id": HONEY, "all": "1"})

    listed = {int(n) for n in re.findall(r'<tr id="bulk-row-(\d+)"', response.content.decode())}
    assert listed == expected
