"""The date views of the list (`/promo-codes/?view=...`, views/listing.py and selectors.py) on the embedded sandbox."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from helpers import page_text as text
from helpers import upstream_requests

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode
from promoadmin.promocodes import selectors

LIST_URL = "/promo-codes/"
WELCOME10, ANVILBOGO, SUMMER, SPRINGREADS, LASTCALL, PLAINCODE = 7000151, 7000152, 7000156, 7000157, 7000158, 7000155


def row_ids(response) -> set[int]:
    return {int(n) for n in re.findall(r'<tr id="promo-code-(\d+)"', response.content.decode())}


def only_scan_request(sandbox):
    # Besides the scan, a full page may ask for the campaign names of its filter (once per cache period).
    assert {r.path.rsplit("/", 1)[-1] for r in upstream_requests(sandbox)} <= {"PromoCodes", "Campaigns"}
    sent = upstream_requests(sandbox, "GET", "/PromoCodes")
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in sent] == [("GET", "PromoCodes")], "one list call"
    assert sent[0].query["State"] == ["ACTIVE"]
    assert sent[0].query["PageSize"] == ["1000"]
    return sent[0]


def moment(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def test_scheduled_keeps_codes_that_have_not_started(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"view": "scheduled"})

    assert response.status_code == 200
    ids = row_ids(response)
    assert SUMMER in ids
    assert not ids & {WELCOME10, LASTCALL, SPRINGREADS, PLAINCODE}
    request = only_scan_request(sandbox)
    assert abs(moment(request.query["StartDate"][0]) - timezone.now()) < timedelta(minutes=1)
    assert "EndDate" not in request.query


def test_no_end_date_keeps_active_codes_that_never_end(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"view": "no-end-date"})

    ids = row_ids(response)
    assert {WELCOME10, PLAINCODE} <= ids
    assert not ids & {ANVILBOGO, LASTCALL, SUMMER}
    only_scan_request(sandbox)


def test_ended_but_still_active_finds_codes_impact_still_calls_active(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"view": "ended-active"})

    ids = row_ids(response)
    assert LASTCALL in ids
    assert not ids & {SPRINGREADS, WELCOME10, SUMMER}  # inactive, never ends, not started
    request = only_scan_request(sandbox)
    assert "StartDate" not in request.query
    assert abs(moment(request.query["EndDate"][0]) - timezone.now()) < timedelta(minutes=1)


def test_ending_soon_keeps_codes_ending_within_seven_days(editor_client, sandbox):
    client = get_impact_client()
    now = timezone.now()
    soon = client.create_promo_code(NewPromoCode(2552842, 1000, "ALWAYS", "SOON3", "LI", end_date=now + timedelta(days=3)))
    later = client.create_promo_code(NewPromoCode(2552842, 1000, "ALWAYS", "LATER9", "LI", end_date=now + timedelta(days=9)))
    before = len(sandbox.requests)

    response = editor_client.get(LIST_URL, {"view": "ending-soon"})

    ids = row_ids(response)
    assert soon in ids
    assert not ids & {later, WELCOME10, LASTCALL, SPRINGREADS}
    [request] = [r for r in sandbox.requests[before:] if r.path.endswith("/PromoCodes")]
    window = moment(request.query["EndDate"][0]) - moment(request.query["StartDate"][0])
    assert window == timedelta(days=7)


def test_each_view_says_how_it_was_computed_and_what_it_cost(editor_client):
    page = text(editor_client.get(LIST_URL, {"view": "ended-active"}))

    assert "How this is worked out." in page
    assert "ACTIVE codes that had started by" in page
    assert "where the end date has passed, yet impact.com still says ACTIVE" in page
    assert "Cost: 1 API call to impact.com" in page


def test_a_view_combines_with_campaign_and_code_and_drops_the_rest(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"view": "no-end-date", "campaign_id": "1000", "state": "INACTIVE", "start_date": "2020-01-01"})

    assert response.status_code == 200
    assert WELCOME10 in row_ids(response)
    assert PLAINCODE not in row_ids(response)  # never ends too, but in campaign 1002
    request = only_scan_request(sandbox)
    assert request.query["CampaignId"] == ["1000"]
    assert "were left out" in text(response)


def test_it_reads_at_most_max_pages_and_says_when_it_stopped(editor_client, sandbox, settings):
    settings.IMPACT_MAX_PAGE_SIZE = 20
    settings.IMPACT_SCAN_MAX_PAGES = 2

    response = editor_client.get(LIST_URL, {"view": "no-end-date"})

    scans = upstream_requests(sandbox, "GET", "/PromoCodes")
    assert [r.query["Page"] for r in scans] == [["1"], ["2"]]
    page = text(response)
    assert re.search(r"Only the first 40 of \d+ codes were read \(at most 2 pages\)", page)
    assert "Cost: 2 API calls" in page


@pytest.mark.parametrize("query", [{"view": "bogus"}, {"view": ""}, {"view": "scheduled", "campaign_id": "abc"}])
def test_a_bad_view_or_filter_is_a_400_without_asking_impact(editor_client, sandbox, query):
    response = editor_client.get(LIST_URL, query)

    assert response.status_code == 400
    assert upstream_requests(sandbox) == []


def test_the_list_links_to_every_view(editor_client):
    body = editor_client.get(LIST_URL).content.decode()

    for key, view in selectors.VIEWS.items():
        assert f'href="/promo-codes/?view={key}"' in body
        assert view.title in body


def test_htmx_gets_only_the_results(editor_client):
    response = editor_client.get(LIST_URL, {"view": "scheduled"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert not body.lstrip().startswith("<!doctype")
    assert "How this is worked out." in body
    assert response["Vary"].count("HX-Request") == 1


def test_a_viewer_sees_the_view_but_no_bulk_controls(viewer_client):
    response = viewer_client.get(LIST_URL, {"view": "ended-active"})

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="promo-code-{LASTCALL}"' in body
    assert 'form="bulk-expire-form"' not in body
    assert "Expire all" not in body


def test_the_view_links_keep_the_lists_campaign_and_code(editor_client):
    body = editor_client.get(LIST_URL, {"campaign_id": "1000", "state": "ACTIVE"}, HTTP_HX_REQUEST="true").content.decode()

    assert 'href="/promo-codes/?view=ended-active&amp;campaign_id=1000"' in body
    assert "state=ACTIVE&amp;view" not in body


def test_a_view_offers_the_selection_actions_and_they_carry_the_ticked_codes(editor_client, sandbox):
    body = editor_client.get(LIST_URL, {"view": "ended-active"}).content.decode()

    buttons = re.findall(r'<button type="submit" form="bulk-expire-form"\s+formaction="/promo-codes/bulk-change/" name="action" value="(\w+)"', body)
    assert buttons == ["dates", "deal", "reactivate"]
    # What the browser sends for "Change dates…" with one code ticked: the view's form and the box.
    ticked = editor_client.get("/promo-codes/bulk-change/", {"view": "ended-active", "action": "dates", "id": LASTCALL})
    assert ticked.status_code == 200
    assert "Change dates: 1 promo code" in text(ticked)


def test_a_viewer_gets_no_selection_actions_in_a_view(viewer_client):
    assert 'formaction="/promo-codes/bulk-change/"' not in viewer_client.get(LIST_URL, {"view": "ended-active"}).content.decode()
