"""The CSV export (views/export.py) through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import csv
import io
import re

import pytest
from helpers import markup, upstream_requests
from helpers import page_text as text

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode
from promoadmin.promocodes.views import export

URL = "/promo-codes/export.csv"


def rows_of(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def list_calls(sandbox) -> list:
    return [r for r in upstream_requests(sandbox, "GET") if r.path.endswith("/PromoCodes")]


def test_it_streams_every_code_matching_the_filter_as_csv(editor_client, sandbox):
    response = editor_client.get(URL, {"campaign_id": "1000", "state": "ACTIVE"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="promo-codes-campaign-1000-state-ACTIVE-\d{4}-\d\d-\d\d\.csv"', response["Content-Disposition"])
    rows = rows_of(response)
    assert rows[0] == list(export.COLUMNS)
    expected = [p for p in get_impact_client().iter_promo_codes() if p.campaign_id == 1000 and p.is_active]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(p.id for p in expected)
    welcome = next(row for row in rows if row[1] == "WELCOME10")
    assert welcome[5:7] == ["1000", "Acme Anvils"]


def test_it_costs_one_call_per_page_of_1000_after_the_list_was_shown(editor_client, sandbox):
    editor_client.get("/promo-codes/", {"campaign_id": "1000"})
    before = len(list_calls(sandbox))

    rows_of(editor_client.get(URL, {"campaign_id": "1000"}))

    new = list_calls(sandbox)[before:]
    # The count came from the list page in the cache; the rows from one page of 1000.
    assert [(r.query["Page"], r.query["PageSize"]) for r in new] == [(["1"], ["1000"])]


def test_it_reads_page_by_page(editor_client, sandbox, settings):
    settings.IMPACT_MAX_PAGE_SIZE = 50

    rows = rows_of(editor_client.get(URL))

    assert len(rows) == 1 + 160
    pages = [r.query["Page"][0] for r in list_calls(sandbox) if r.query["PageSize"] == ["50"]]
    assert pages == ["1", "1", "2", "3", "4"]  # the count (page 1), then each page streamed once


def test_spreadsheet_formulas_in_cells_are_neutralised(editor_client):
    get_impact_client().create_promo_code(NewPromoCode(2552842, 1000, "ALWAYS", "=HYPERLINK(1)", "LI"))

    rows = rows_of(editor_client.get(URL, {"campaign_id": "1000"}))

    assert ["'=HYPERLINK(1)"] == [row[1] for row in rows if "HYPERLINK" in row[1]]


def test_it_refuses_when_the_export_would_exceed_the_budget(editor_client, sandbox, monkeypatch):
    monkeypatch.setattr(sandbox, "rate_limit", 21)  # the count leaves 20, all kept for others

    response = editor_client.get(URL)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "This export needs 1 request, and only 0 can be spent now" in text(response)
    assert len(list_calls(sandbox)) == 1  # only the count


def test_an_upstream_failure_mid_stream_is_written_into_the_file(editor_client, sandbox, settings):
    settings.IMPACT_MAX_PAGE_SIZE = 100
    settings.EXPORT_ROWS_PER_CHUNK = 50
    response = editor_client.get(URL)
    stream = iter(response.streaming_content)
    received = [next(stream), next(stream)]  # the header, then 50 rows: page 1 has been read
    sandbox.inject_fault(401, count=1)  # page 2 is refused

    body = b"".join([*received, *stream]).decode("utf-8")

    rows = list(csv.reader(io.StringIO(body[1:], newline="")))
    assert len(rows) == 1 + 100 + 1
    assert rows[-1][0].startswith("EXPORT INCOMPLETE: stopped after 100 rows.")
    assert "sandbox-auth-token" not in body


def test_bad_filters_are_a_400_without_asking_impact(editor_client, sandbox):
    response = editor_client.get(URL, {"start_date": "2026-13-45"})

    assert response.status_code == 400
    assert upstream_requests(sandbox) == []


def test_a_viewer_may_export(viewer_client):
    assert viewer_client.get(URL, {"campaign_id": "1002"}).status_code == 200


def test_the_list_links_the_export_of_its_filter_with_its_cost(editor_client):
    body = markup(editor_client.get("/promo-codes/", {"campaign_id": "1000", "state": "ACTIVE"}))

    assert 'href="/promo-codes/export.csv?campaign_id=1000&amp;state=ACTIVE"' in body
    assert "Export CSV <small>(about 1 API call)</small>" in body


@pytest.mark.parametrize("total, calls", [(0, 1), (1, 1), (1000, 1), (1001, 2), (12_345, 13)])
def test_the_cost_is_one_call_per_started_thousand(total, calls):
    from promoadmin.promocodes.templatetags.promo_bulk import api_calls

    assert api_calls(total) == calls


def test_the_list_says_when_an_export_is_over_budget(editor_client, sandbox, monkeypatch):
    monkeypatch.setattr(sandbox, "rate_limit", 21)

    body = markup(editor_client.get("/promo-codes/"))

    assert "CSV export needs about 1 API call: over budget" in body
    assert "/promo-codes/export.csv" not in body
