"""The hourly budget is shared fairly: one person reading fast is slowed down, everyone else goes on.

The attack: a viewer looping over `?view=no-end-date` spent the account's 1,000 requests in seconds,
and then every list and detail page answered 429 for an hour, for everybody.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from helpers import page_text, upstream_requests

LIST = "/promo-codes/"
FLOOD = "/promo-codes/?view=no-end-date"


def flood(client, url: str = FLOOD, limit: int = 400):
    """Ask for `url` until promoadmin says 429 (or `limit` times): (requests sent, the last response)."""
    for sent in range(1, limit + 1):
        response = client.get(url)
        if response.status_code != 200:
            return sent, response
    return limit, response


@pytest.fixture
def second_client(db):
    user = get_user_model().objects.create_user("colleague", password="colleague-password-1")
    other = Client()
    other.force_login(user)
    return other


def test_a_viewer_flooding_a_date_view_is_slowed_while_a_colleague_still_works(viewer_client, second_client, sandbox, settings):
    settings.IMPACT_USER_BUDGET = 200  # the shipped default: a fifth of the account's hour
    assert viewer_client.get(LIST).status_code == 200  # seen before the flood: now in the cache

    sent, slowed = flood(viewer_client)

    assert slowed.status_code == 429
    assert sent <= 200  # the share, not the account's 1,000
    text = page_text(slowed)
    assert re.search(r"Try again (at \d\d:\d\d|in \d+ seconds \(at \d\d:\d\d\))", text), text
    assert "still load from promoadmin's cache" in text
    assert int(slowed["Retry-After"]) >= 1
    assert sandbox.rate_limit - len(upstream_requests(sandbox)) >= 790  # the account's hour is mostly intact
    # What the slowed-down viewer can still do: pages in the cache.
    assert viewer_client.get(LIST).status_code == 200
    # Everybody else goes on working, with fresh reads.
    colleague = second_client.get(LIST + "?state=ACTIVE&page=2")
    assert colleague.status_code == 200
    assert "Slow down" not in page_text(colleague)


def test_administrators_have_a_larger_share(client, sandbox, settings, db):
    settings.IMPACT_USER_BUDGET, settings.IMPACT_ADMIN_BUDGET = 10, 25
    admin = get_user_model().objects.create_superuser("boss", password="boss-password-1")
    client.force_login(admin)

    sent, slowed = flood(client)

    assert slowed.status_code == 429
    assert 20 <= sent <= 26


def test_a_fan_out_asks_for_its_whole_cost_before_it_spends_any(viewer_client, sandbox, settings):
    settings.IMPACT_USER_BUDGET = 7
    viewer_client.get(LIST + "?state=ACTIVE")  # the list and the campaign names: 2 of the 7
    viewer_client.get(LIST + "?state=INACTIVE")  # 1 more: 4 left, and a date view may read 5 pages
    before = len(upstream_requests(sandbox))

    response = viewer_client.get(FLOOD)

    assert response.status_code == 429
    assert "This needs 5 impact.com requests" in page_text(response)
    assert len(upstream_requests(sandbox)) == before  # refused before the first page was read


def test_reads_leave_the_accounts_last_requests_for_writes(editor_client, sandbox, settings):
    settings.IMPACT_WRITE_RESERVE = 100
    sandbox.rate_limit = 106  # a busy hour: 6 requests left before the reserve

    for page in range(1, 20):
        response = editor_client.get(LIST + f"?state=ACTIVE&page={page}")
        if response.status_code != 200:
            break
    assert response.status_code == 429
    assert "the last 100 are kept for creating and expiring codes" in page_text(response)

    created = editor_client.post("/promo-codes/new/", {
        "campaign_id": "1000", "assigned_partner_id": "2553254", "code": "RESERVED1", "type": "LI",
        "credit_policy": "INVOLVED", "start_date": "", "end_date": "", "deal_id": "", "deal_name": "",
    })

    assert created.status_code == 302
    assert [r.form.get("Code") for r in upstream_requests(sandbox, "POST")] == [["RESERVED1"]]


def test_a_csv_naming_too_many_campaigns_is_refused_before_any_read(editor_client, sandbox):
    lines = ["campaign_id,assigned_partner_id,code"] + [f"{1000 + n},2553254,MANY{n}" for n in range(21)]
    upload = SimpleUploadedFile("many.csv", "\n".join(lines).encode(), "text/csv")

    response = editor_client.post("/promo-codes/bulk-create/", {"file": upload})

    assert response.status_code == 400
    assert "The file names 21 campaigns; one file may name at most 20" in page_text(response)
    assert upstream_requests(sandbox) == []


def test_an_export_bigger_than_the_share_is_refused_before_it_streams(viewer_client, sandbox, settings):
    settings.IMPACT_USER_BUDGET = 4
    viewer_client.get(LIST)  # 2 of the 4: the list and the campaign names
    viewer_client.get(LIST + "?state=ACTIVE")  # the third

    response = viewer_client.get("/promo-codes/export.csv?state=INACTIVE")  # its first page takes the fourth

    assert response.status_code == 429
    assert "This needs 1 impact.com request, and you have used your share" in page_text(response)
    assert all(r.query.get("PageSize") != ["1000"] for r in upstream_requests(sandbox, "GET", "/PromoCodes"))  # none streamed
