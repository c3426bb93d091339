"""promo_code_list through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from helpers import HTMX, markup, upstream_requests

from promoadmin.promocodes.forms import PromoCodeFilterForm

LIST_URL = "/promo-codes/"


def codes_requests(sandbox) -> list:
    return upstream_requests(sandbox, "GET", "/PromoCodes")


def the_codes_request(sandbox):
    """The one upstream request for promo codes a list view made (and check it was one)."""
    [request] = codes_requests(sandbox)
    return request


def test_it_shows_the_codes_on_a_full_page(editor_client, sandbox):
    response = editor_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<!doctype html>")
    assert "160 promo codes" in body
    assert 'id="promo-code-7000160"' in body  # newest first: the last fixed code leads the first page
    assert "Page 1 of 4" in body


def test_a_fragment_costs_exactly_one_upstream_request(editor_client, sandbox):
    editor_client.get(LIST_URL, {"campaign_id": "1000", "state": "ACTIVE"}, **HTMX)

    request = the_codes_request(sandbox)
    assert len(sandbox.requests) == 1
    assert request.query["Page"] == ["1"]
    assert request.query["PageSize"] == ["50"]


def budget_reads(client, **headers) -> list[str]:
    """The reads of what is left of a person's budget (the token bucket's level) a list request made."""
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST_URL, {"state": "ACTIVE"}, **headers)
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT tokens, updated_at FROM shared_state_tokenbucket")]


def test_only_the_full_page_reads_the_budget_left_for_its_scan_price(editor_client):
    # The fragment has no filter form, hence no "5 of your N calls left" to fill in.
    assert len(budget_reads(editor_client)) == 1
    assert budget_reads(editor_client, **HTMX) == []


def test_a_full_page_asks_for_the_codes_once_and_otherwise_only_for_the_pickers_names(editor_client, sandbox):
    editor_client.get(LIST_URL, {"campaign_id": "1000"})

    the_codes_request(sandbox)
    # The campaign, partner and deal names for the filters' pickers: each list at most once (cached).
    names = [r.path.rsplit("/", 1)[-1] for r in sandbox.requests if not r.path.endswith("/PromoCodes")]
    assert len(names) == len(set(names))
    assert set(names) <= {"Campaigns", "MediaPartners", "Deals"}


def test_once_the_campaign_names_are_kept_a_full_page_costs_one_upstream_request(editor_client, sandbox):
    editor_client.get(LIST_URL, {"campaign_id": "1000"})
    before = len(sandbox.requests)

    editor_client.get(LIST_URL, {"state": "ACTIVE"})

    assert [r.path.rsplit("/", 1)[-1] for r in sandbox.requests[before:]] == ["PromoCodes"]


def test_it_forwards_each_filter_under_its_upstream_name(editor_client, sandbox):
    response = editor_client.get(
        LIST_URL,
        {
            "campaign_id": "1000",
            "code": "welcome10",
            "state": "ACTIVE",
            "start_date": "2026-07-01",
            "end_date": "2026-07-31",
        },
    )

    assert response.status_code == 200
    # The first request is impact.com's own answer; a scan for parts of the code may follow (test_code_search.py).
    assert codes_requests(sandbox)[0].query == {
        "CampaignId": ["1000"],
        "Code": ["welcome10"],
        "State": ["ACTIVE"],
        "StartDate": ["2026-07-01T00:00:00-07:00"],
        "EndDate": ["2026-07-31T23:59:59-07:00"],
        "Page": ["1"],
        "PageSize": ["50"],
    }


def test_it_leaves_empty_filters_out_of_the_upstream_request(editor_client, sandbox):
    editor_client.get(LIST_URL, {"state": "INACTIVE"}, **HTMX)

    assert the_codes_request(sandbox).query == {"State": ["INACTIVE"], "Page": ["1"], "PageSize": ["50"]}


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # DST ends at 02:00 on Sunday 2026-11-01: the day starts in PDT and ends in PST.
        ("2026-11-01", "2026-11-01T00:00:00-07:00", "2026-11-01T23:59:59-08:00"),
        # DST starts at 02:00 on Sunday 2026-03-08: the day starts in PST and ends in PDT.
        ("2026-03-08", "2026-03-08T00:00:00-08:00", "2026-03-08T23:59:59-07:00"),
        ("2026-01-15", "2026-01-15T00:00:00-08:00", "2026-01-15T23:59:59-08:00"),
    ],
)
def test_it_turns_filter_days_into_business_time_zone_moments(editor_client, sandbox, day, start, end):
    editor_client.get(LIST_URL, {"start_date": day, "end_date": day})

    query = the_codes_request(sandbox).query
    assert query["StartDate"] == [start]
    assert query["EndDate"] == [end]


def test_it_uses_the_configured_time_zone(editor_client, sandbox, settings):
    settings.TIME_ZONE = "Europe/Paris"

    editor_client.get(LIST_URL, {"start_date": "2026-07-01", "end_date": "2026-12-01"})

    query = the_codes_request(sandbox).query
    assert query["StartDate"] == ["2026-07-01T00:00:00+02:00"]
    assert query["EndDate"] == ["2026-12-01T23:59:59+01:00"]


def test_an_htmx_request_gets_only_the_results_fragment(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"code": "WELCOME10"}, **HTMX)

    assert response.status_code == 200
    body = markup(response)
    assert "<html" not in body
    assert 'id="filters"' not in body  # the filter form is outside #results
    assert 'id="promo-code-7000151"' in body
    assert "1 promo code matches these filters" in body
    assert "<title>Promo codes · code WELCOME10 · promoadmin</title>" in body


def test_new_results_take_focus_unless_a_filter_change_asked_for_them(editor_client):
    """htmx focuses what has autofocus: the heading after pagination or Refresh, not while filtering."""
    heading = re.compile(r'<h2 id="results-heading"[^>]*\bautofocus\b')

    paged = editor_client.get("/promo-codes/?page=2", **HTMX)
    filtered = editor_client.get("/promo-codes/?state=ACTIVE", **HTMX, HTTP_HX_TRIGGER="filters")
    full_page = editor_client.get("/promo-codes/")

    assert heading.search(paged.content.decode())
    assert not heading.search(filtered.content.decode())
    assert not heading.search(full_page.content.decode())


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_it_varies_on_hx_request(editor_client, headers):
    response = editor_client.get(LIST_URL, {"code": "WELCOME10"}, **headers)

    vary = [value.strip().lower() for value in response.headers["Vary"].split(",")]
    assert "hx-request" in vary


def test_a_history_restore_request_gets_the_full_page(editor_client):
    response = editor_client.get(
        LIST_URL, {"code": "WELCOME10"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<!doctype html>")
    assert 'id="filters"' in body


def test_an_htmx_response_pushes_the_canonical_url(editor_client):
    response = editor_client.get(
        LIST_URL + "?campaign_id=1000&code=WELCOME10&state=ACTIVE&start_date=&end_date=&page=", **HTMX
    )

    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/promo-codes/?campaign_id=1000&code=WELCOME10&state=ACTIVE"


def test_an_htmx_response_for_no_filters_pushes_the_bare_list_url(editor_client):
    response = editor_client.get(LIST_URL + "?campaign_id=&code=&state=&start_date=&end_date=&page_size=25", **HTMX)

    assert response.headers["HX-Push-Url"] == "/promo-codes/?page_size=25"


def test_a_plain_response_pushes_nothing(editor_client):
    response = editor_client.get(LIST_URL, {"code": "WELCOME10"})

    assert "HX-Push-Url" not in response.headers


def test_a_plain_get_with_empty_params_redirects_to_the_canonical_url(editor_client, sandbox):
    response = editor_client.get(LIST_URL + "?campaign_id=&code=WELCOME10&state=&start_date=&end_date=")

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/?code=WELCOME10"
    assert sandbox.requests == []


def test_the_canonical_url_is_not_redirected_again(editor_client):
    response = editor_client.get(LIST_URL + "?code=WELCOME10")

    assert response.status_code == 200


def test_pagination_links_keep_the_filters(editor_client, sandbox):
    first = editor_client.get(LIST_URL, {"campaign_id": "1000"}).content.decode()

    assert 'href="/promo-codes/?campaign_id=1000&amp;page=2"' in first
    assert 'rel="prev"' not in first

    second = editor_client.get(LIST_URL, {"campaign_id": "1000", "page": "2"})
    body = second.content.decode()
    assert 'href="/promo-codes/?campaign_id=1000" hx-get="/promo-codes/?campaign_id=1000"' in body
    assert "Page 2 of 2" in body
    assert upstream_requests(sandbox, "GET")[-1].query == {"CampaignId": ["1000"], "Page": ["2"], "PageSize": ["50"]}


def test_pagination_links_keep_a_non_default_page_size(editor_client, sandbox):
    body = editor_client.get(LIST_URL, {"state": "ACTIVE", "page_size": "25"}).content.decode()

    assert 'href="/promo-codes/?state=ACTIVE&amp;page=2&amp;page_size=25"' in body
    assert the_codes_request(sandbox).query["PageSize"] == ["25"]


def row(body: str, promo_code_id: int) -> str:
    start = body.index(f'<tr id="promo-code-{promo_code_id}">')
    return body[start : body.index("</tr>", start)]


def test_an_editor_gets_an_expire_button_on_active_rows_only(editor_client):
    body = editor_client.get(LIST_URL, {"campaign_id": "1002", "code": "SPRINGREADS"}).content.decode()
    inactive = row(body, 7000157)
    body = editor_client.get(LIST_URL, {"code": "WELCOME10"}).content.decode()
    active = row(body, 7000151)

    assert 'hx-post="/promo-codes/7000151/expire/"' in active
    # Without JavaScript the button opens the dry run for this one code instead of expiring at once.
    assert '<form method="get" action="/promo-codes/bulk-expire/"' in active
    assert '<input type="hidden" name="id" value="7000151">' in active
    assert "Expire</button>" in active
    assert "Expire</button>" not in inactive
    assert "Inactive" in inactive


def test_it_says_when_no_codes_match(editor_client):
    response = editor_client.get(LIST_URL, {"code": "NO-SUCH-CODE"})

    assert response.status_code == 200
    assert "No promo codes match these filters." in response.content.decode()


def test_a_page_past_the_end_says_so_instead_of_claiming_there_are_no_codes(editor_client):
    response = editor_client.get(LIST_URL, {"campaign_id": "1000", "page": "9"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "There is no page 9: the last page is 2." in body
    assert 'href="/promo-codes/?campaign_id=1000">Go to the first page' in body
    assert "no promo codes yet" not in body
    assert "No promo codes match" not in body


def test_the_new_code_link_carries_the_campaign_filter(editor_client):
    body = editor_client.get(LIST_URL, {"campaign_id": "1001", "code": "CAFE5EUR"}).content.decode()

    assert 'href="/promo-codes/new/?campaign_id=1001"' in body


# --- invalid input: a 400 with the message beside the filter, and nothing sent upstream --------


def error_beside(body: str, field: str) -> str:
    """The text of the error slot beside a filter (or the form-wide slot for `form`)."""
    start = body.index('id="error-form"' if field == "form" else f'id="id_{field}_error"')
    return body[body.index(">", start) + 1 : body.index("</small>", start)]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"campaign_id": "abc"}, "campaign_id", "Enter a number, like 1000."),
        ({"campaign_id": "-5"}, "campaign_id", "Enter a positive number."),
        ({"state": "BOGUS"}, "state", "Select a valid choice."),
        ({"start_date": "2026-13-45"}, "start_date", "Enter a date as YYYY-MM-DD."),
        ({"end_date": "31/12/2026"}, "end_date", "Enter a date as YYYY-MM-DD."),
        ({"start_date": "2026-11-30", "end_date": "2026-11-01"}, "end_date", "The end date is before the start date."),
        ({"code": "X" * 5000}, "code", "at most 255 characters"),
        ({"code": "WELCOME\x0710"}, "code", "Remove the invisible or control characters."),
        ({"code": "WELCOME\u200b10"}, "code", "Remove the invisible or control characters."),
        ({"code": "WELCOME\x0010"}, "code", "Null characters are not allowed."),
        ({"page": "-1"}, "form", "The page must be 1 or more."),
        ({"page": "two"}, "form", "The page must be a whole number, like 2."),
        ({"page": "10001"}, "form", "The page must be at most 10000."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_invalid_input_is_a_400_with_a_message_beside_the_filter(
    editor_client, sandbox, params, field, message, headers
):
    response = editor_client.get(LIST_URL, params, **headers)

    assert response.status_code == 400
    body = response.content.decode()
    assert message.lower() in error_beside(body, field).lower()
    assert "Fix the filters" in body
    assert codes_requests(sandbox) == []
    # At most the campaign names for the full page's filter; nothing that carries the bad input.
    assert all(r.path.endswith("/Campaigns") for r in sandbox.requests)
    if headers:
        assert sandbox.requests == []


def test_an_invalid_page_keeps_what_was_typed(editor_client):
    params = {"campaign_id": "abc", "code": "WELCOME10", "state": "INACTIVE", "start_date": "2026-13-45"}
    body = editor_client.get(LIST_URL, params).content.decode()

    assert 'name="campaign_id" id="id_campaign_id" value="abc"' in body
    assert 'name="code" id="id_code" value="WELCOME10"' in body
    assert '<option value="INACTIVE" selected>' in body
    assert re.search(r'<input type="date" name="start_date" value="2026-13-45"', body)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": "INACTIVE", "schedule": "pending", "credit_policy": "WINNER", "type": "RE", "start_date": "2026-01-02"},
        {"state": "BOGUS", "schedule": "x", "credit_policy": "<b>", "type": "Q", "start_date": "2026-13-02", "end_date": "2a"},
        {"start_date": "2026-03-02", "end_date": "2026-01-01", "schedule": "all"},
    ],
)
def test_the_written_out_filters_are_what_djangos_widgets_would_write(editor_client, params):
    """list.html writes the date and choice filters out (Django's widget templates cost more than
    half of the filter form): the markup must stay what {{ field }} renders, errors included."""
    body = re.sub(r">\s+<", "><", markup(editor_client.get(LIST_URL, params)))
    query = QueryDict(mutable=True)
    query.update(params)
    form = PromoCodeFilterForm(query)
    form.is_valid()
    for name in ("state", "start_date", "end_date", "schedule", "credit_policy", "type"):
        django_markup = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(form[name]))).strip()
        assert django_markup in body, name


@pytest.mark.parametrize("htmx", [False, True])
def test_every_description_a_filter_points_at_is_on_the_page(editor_client, htmx):
    """aria-describedby names ids; Django writes `id_<field>_error` on an invalid field, so the error
    slots carry those ids (and htmx swaps them out of band by the same ids)."""
    params = {"campaign_id": "abc", "state": "BOGUS", "start_date": "2026-13-01", "type": "Q", "partner_id": "x"}
    full = markup(editor_client.get(LIST_URL, params))
    fragment = markup(editor_client.get(LIST_URL, params, **HTMX)) if htmx else ""
    described = {name for value in re.findall(r'aria-describedby="([^"]+)"', full) for name in value.split()}
    ids = set(re.findall(r'\bid="([^"]+)"', full))
    assert {"id_campaign_id_error", "id_state_error", "id_start_date_error", "id_type_error"} <= described
    assert described <= ids, described - ids
    if htmx:  # each out-of-band error slot replaces the one the full page has
        swapped = set(re.findall(r'id="([^"]+)" hx-swap-oob="true"', fragment))
        assert {"id_state_error", "id_start_date_error", "id_type_error", "id_code_error"} <= swapped <= ids
