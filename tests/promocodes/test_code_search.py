"""The list's Code box finds codes containing the text, whichever way impact.com's `Code` filter matches."""

from __future__ import annotations

import pytest
from helpers import HTMX, page_text, upstream_requests

LIST_URL = "/promo-codes/"


def codes_requests(sandbox) -> list:
    return upstream_requests(sandbox, "GET", "/PromoCodes")


def test_part_of_a_code_finds_it_when_impact_matches_whole_codes_only(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"code": "elcome"}, **HTMX)

    assert response.status_code == 200
    assert 'id="promo-code-7000151"' in response.content.decode()  # WELCOME10
    text = page_text(response)
    assert "impact.com's Code filter answered with whole codes only" in text
    assert "kept the 1 whose code contains “elcome” (ignoring letter case)" in text
    assert "2 API calls to impact.com (1 for the Code filter, 1 for the rest)" in text
    asked, scanned = codes_requests(sandbox)
    assert asked.query["Code"] == ["elcome"]
    assert "Code" not in scanned.query
    assert scanned.query["PageSize"] == ["1000"]


def test_a_search_is_cached_like_a_list_page_and_refresh_asks_again(editor_client, sandbox):
    editor_client.get(LIST_URL, {"code": "elcome"}, **HTMX)
    before = len(codes_requests(sandbox))

    again = editor_client.get(LIST_URL, {"code": "elcome"}, **HTMX)  # a reload
    assert len(codes_requests(sandbox)) == before  # the Code call and the scan's page, from promoadmin's cache
    assert 'id="promo-code-7000151"' in again.content.decode()

    editor_client.get(LIST_URL, {"code": "elcome"}, HTTP_CACHE_CONTROL="no-cache", **HTMX)
    assert len(codes_requests(sandbox)) == before + 2


def test_the_scan_keeps_the_other_filters_upstream(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"code": "e", "campaign_id": "1000", "state": "ACTIVE"}, **HTMX)

    assert response.status_code == 200
    _, scanned = codes_requests(sandbox)
    assert scanned.query["CampaignId"] == ["1000"] and scanned.query["State"] == ["ACTIVE"]
    assert "asked it for ACTIVE codes in campaign 1000:" in page_text(response)


def test_when_impact_matches_parts_its_answer_is_used_with_no_scan(editor_client, sandbox):
    sandbox.code_filter_matches_parts = True

    response = editor_client.get(LIST_URL, {"code": "welc"}, **HTMX)

    assert 'id="promo-code-7000151"' in response.content.decode()
    assert "How this is worked out" not in page_text(response)
    [asked] = codes_requests(sandbox)
    assert asked.query["Code"] == ["welc"]


def test_a_whole_code_still_finds_it_and_codes_that_contain_it(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"code": "WELCOME10"}, **HTMX)

    assert 'id="promo-code-7000151"' in response.content.decode()
    assert page_text(response).count("WELCOME10") >= 1


def test_a_scan_that_stops_early_says_where(editor_client, sandbox, settings):
    settings.IMPACT_MAX_PAGE_SIZE = 50
    settings.IMPACT_SCAN_MAX_PAGES = 2

    response = editor_client.get(LIST_URL, {"code": "zzz-nowhere"}, **HTMX)

    text = page_text(response)
    assert "Only the first 100 of 160 codes were read" in text
    assert "may be missing" in text
    assert len(codes_requests(sandbox)) == 3


def test_a_slowed_down_person_gets_the_budget_page_before_the_scan(editor_client, editor, sandbox, settings):
    settings.IMPACT_USER_BUDGET = 3  # the Code call leaves 2, the scan may need 5

    response = editor_client.get(LIST_URL, {"code": "welc"}, **HTMX)

    assert response.status_code == 429
    assert len(codes_requests(sandbox)) == 1


@pytest.mark.parametrize("key", ["ending-soon", "no-end-date"])
def test_the_date_views_find_parts_of_codes_too(editor_client, sandbox, key):
    response = editor_client.get(LIST_URL, {"view": key, "code": "elcom"}, **HTMX)

    assert response.status_code == 200
    [scanned] = codes_requests(sandbox)
    assert "Code" not in scanned.query
    assert "the code contains “elcom”" in page_text(response)


@pytest.mark.parametrize("extra", [{}, {"credit_policy": "ALWAYS"}])
def test_when_parts_were_scanned_for_export_and_expire_all_are_not_offered(editor_client, sandbox, extra):
    # Both select by impact.com's whole-code Code filter: they would act on other codes than the list shows.
    html = editor_client.get(LIST_URL, {"code": "elcome", **extra}).content.decode()

    assert 'id="promo-code-7000151"' in html
    assert "Export CSV" not in html
    assert "Expire all" not in html


def test_with_a_partner_filter_the_scan_finds_parts_of_codes_too(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"code": "elcome", "credit_policy": "ALWAYS"}, **HTMX)

    assert 'id="promo-code-7000151"' in response.content.decode()  # WELCOME10, credit policy Always
    assert "the code contains “elcome” (ignoring letter case)" in page_text(response)
    assert all("Code" not in request.query for request in codes_requests(sandbox))
