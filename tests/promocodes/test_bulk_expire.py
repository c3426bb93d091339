"""Bulk expire (views/bulk_expire.py) through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from helpers import page_text as text
from helpers import upstream_requests

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCodeFilters

URL = "/promo-codes/bulk-expire/"
WELCOME10, ANVILBOGO, SHIPFREE, PLAINCODE, SPRINGREADS, LASTCALL = 7000151, 7000152, 7000153, 7000155, 7000157, 7000158


def batch_of(response) -> str:
    match = re.search(r'name="batch" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form on the page"
    return unescape(match.group(1))


def listed(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="bulk-row-(\d+)"', response.content.decode())]


def deletes(sandbox) -> list[int]:
    return [int(r.path.rsplit("/", 1)[-1]) for r in upstream_requests(sandbox, "DELETE")]


def state_of(promo_code_id: int) -> str:
    return get_impact_client().get_promo_code(promo_code_id, fresh=True).state


def audit_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "promoadmin.audit"]


# --- the confirmation page is the dry run ---------------------------------------------------


def test_the_confirmation_lists_exactly_the_selected_codes_and_sends_nothing(editor_client, sandbox):
    response = editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO]})

    assert response.status_code == 200
    assert sorted(listed(response)) == [WELCOME10, ANVILBOGO]
    page = text(response)
    assert "Expire 2 promo codes?" in page
    assert f"DELETE /Advertisers/{sandbox.account_sid}/PromoCodes/{WELCOME10}" in page
    assert "Expiring them: at most 4 API calls" in page  # a fresh read and a DELETE per code
    assert "Finding these codes: 1 API call" in page
    assert sandbox.auth_token not in response.content.decode()
    assert [r.method for r in upstream_requests(sandbox)] == ["GET"]  # one list page, no DELETE


def test_selected_codes_are_found_in_one_list_call_narrowed_by_the_filters(editor_client, sandbox):
    editor_client.get(URL, {"id": [WELCOME10], "campaign_id": "1000"})

    (request,) = upstream_requests(sandbox)
    assert request.query["CampaignId"] == ["1000"]
    assert request.query["State"] == ["ACTIVE"]
    assert request.query["PageSize"] == ["1000"]


def test_a_named_code_past_the_pages_a_big_account_allows_is_read_directly(editor_client, sandbox, settings):
    # A big account in small: pages of 20 and one page allowed, so the scan stops short of most
    # codes. The one-code dry run (the detail page's "Preview request") must still find its code.
    settings.IMPACT_MAX_PAGE_SIZE = 20
    settings.IMPACT_SCAN_MAX_PAGES = 1
    second_page = get_impact_client().list_promo_codes(PromoCodeFilters(state="ACTIVE"), page=2, page_size=20, fresh=True)
    far = second_page.items[0].id
    before = len(sandbox.requests)

    response = editor_client.get(URL, {"id": [far]})

    assert listed(response) == [far]
    assert "not among the active codes" not in text(response)
    assert "Finding these codes: 2 API calls" in text(response)
    assert [r.path.rsplit("/", 1)[-1] for r in sandbox.requests[before:]] == ["PromoCodes", str(far)]


def test_codes_that_are_no_longer_active_are_named_and_left_out(editor_client):
    response = editor_client.get(URL, {"id": [WELCOME10, SPRINGREADS]})

    assert listed(response) == [WELCOME10]
    assert f"will not be sent: id {SPRINGREADS}" in text(response)


def test_all_matching_a_filter_means_every_active_code_across_pages(editor_client, sandbox):
    response = editor_client.get(URL, {"campaign_id": "1000", "all": "1"})

    ids = listed(response)
    expected = [p.id for p in get_impact_client().iter_promo_codes() if p.campaign_id == 1000 and p.is_active]
    assert sorted(ids) == sorted(expected)
    assert f"all {len(expected)} active codes matching the list's filters" in text(response)


def test_all_in_a_date_view_takes_the_view(editor_client):
    response = editor_client.get(URL, {"view": "ended-active", "all": "1"})

    ids = listed(response)
    assert LASTCALL in ids
    assert WELCOME10 not in ids
    assert "in the view “Ended but still ACTIVE”" in text(response)


def test_all_inactive_codes_is_nothing_to_do_and_costs_nothing(editor_client, sandbox):
    response = editor_client.get(URL, {"state": "INACTIVE", "all": "1"})

    assert listed(response) == []
    assert "nothing to expire" in text(response)
    assert 'name="batch"' not in response.content.decode()
    assert upstream_requests(sandbox) == []


def test_a_batch_larger_than_the_limit_is_refused(editor_client, settings):
    settings.BULK_EXPIRE_MAX_CODES = 3

    response = editor_client.get(URL, {"campaign_id": "1000", "all": "1"})

    assert "One batch expires at most 3" in text(response)
    assert 'name="batch"' not in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({}, "No promo codes were selected"),
        ({"id": "abc"}, "is not a promo code id"),
        ({"id": "0"}, "is not a promo code id"),
        ({"id": "99999999999999"}, "is not a promo code id"),
        ({"id": "7_000_151"}, "is not a promo code id"),  # int() would take it
        ({"id": "+7000151"}, "is not a promo code id"),
        ({"id": "٧"}, "is not a promo code id"),  # an Arabic-Indic seven: a digit to str.isdigit()
        ({"all": "1", "view": "nonsense"}, "There is no view called"),
        ({"all": "1", "campaign_id": "x"}, "cannot be used"),
    ],
)
def test_a_bad_selection_is_a_400_without_asking_impact(editor_client, sandbox, query, message):
    response = editor_client.get(URL, query)

    assert response.status_code == 400
    assert message in text(response)
    assert upstream_requests(sandbox) == []


# --- budget ---------------------------------------------------------------------------------


def test_it_refuses_politely_when_the_hourly_budget_is_short(editor_client, sandbox, monkeypatch, settings):
    settings.IMPACT_WRITE_RESERVE = 0  # the reads before it may spend the account's last requests here
    monkeypatch.setattr(sandbox, "rate_limit", 24)  # after the one list call 23 remain; 20 are kept for others: 3 may be spent

    response = editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO, SHIPFREE, PLAINCODE]})

    page = text(response)
    assert "Not enough of this hour's impact.com budget." in page
    assert "needs 8 requests, and only 3 can be spent now (23 left, 20 kept for everybody else)" in page  # 2 per code
    assert 'name="batch"' not in response.content.decode()
    assert deletes(sandbox) == []

    fewer = editor_client.get(URL, {"id": [WELCOME10]})  # 2 requests
    assert 'name="batch"' in fewer.content.decode()


def test_the_run_checks_the_budget_again(editor_client, sandbox, monkeypatch):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO]}))
    monkeypatch.setattr(sandbox, "rate_limit", len(sandbox.requests) + 21)  # someone else spent the budget meanwhile
    get_impact_client().get_promo_code(WELCOME10, fresh=True)

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 429
    assert "Nothing was sent." in text(response)
    assert deletes(sandbox) == []


# --- running a batch --------------------------------------------------------------------------


def test_the_plain_post_expires_each_confirmed_code_once_with_a_result_each(editor_client, sandbox, caplog):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO]}))

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 200
    assert sorted(deletes(sandbox)) == [WELCOME10, ANVILBOGO]
    assert state_of(WELCOME10) == state_of(ANVILBOGO) == "INACTIVE"
    page = text(response)
    assert "Finished: 2 expired." in page
    assert page.count("Receipt") == 2
    lines = audit_lines(caplog)
    assert sorted((line["action"], line["promo_code_id"], line["outcome"]) for line in lines) == [
        ("expire", WELCOME10, "expired"),
        ("expire", ANVILBOGO, "expired"),
    ]


def test_it_stops_at_the_rate_limit_and_sends_nothing_more(editor_client, sandbox):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO, SHIPFREE]}))
    sandbox.inject_fault(429, method="DELETE")  # the first code's read works, its DELETE meets the limit

    response = editor_client.post(URL, {"batch": batch})

    assert len(deletes(sandbox)) == 1
    page = text(response)
    assert "1 failed, 2 not sent" in page
    assert "hourly request limit" in page


def test_an_expire_impact_com_did_not_confirm_is_unknown_as_on_the_detail_page(editor_client, sandbox, caplog):
    """A 5xx to a DELETE may come after impact.com expired the code: the single expire says "unknown",
    so a batch must say the same (in the audit line and on the page), not "failed"."""
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10]}))
    sandbox.inject_fault(503, count=10, method="DELETE")  # the DELETE and every retry of it (the read before it works)

    response = editor_client.post(f"{URL}{WELCOME10}/", {"batch": batch}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert 'data-outcome="unknown"' in body
    assert "Outcome unknown" in body
    assert f"cannot tell whether impact.com expired promo code {WELCOME10}" in body
    assert [line["outcome"] for line in audit_lines(caplog)] == ["unknown"]


def test_one_row_of_a_confirmed_batch(editor_client, sandbox):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10, ANVILBOGO]}))

    response = editor_client.post(f"{URL}{WELCOME10}/", {"batch": batch}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("<td") and 'data-outcome="expired"' in body
    assert re.search(r"/activity/\d+/", body)  # the receipt: its ledger entry
    assert deletes(sandbox) == [WELCOME10]


def test_a_row_outside_the_confirmed_batch_is_not_sent(editor_client, sandbox):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10]}))

    response = editor_client.post(f"{URL}{ANVILBOGO}/", {"batch": batch})

    assert response.status_code == 400
    assert "not part of the confirmed batch" in text(response)
    assert deletes(sandbox) == []


@pytest.mark.parametrize("mangle", [lambda b: b[:-4] + "AAAA", lambda b: b[:20], lambda b: ""])
def test_an_altered_batch_sends_nothing(editor_client, sandbox, mangle):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10]}))

    assert editor_client.post(URL, {"batch": mangle(batch)}).status_code == 400
    assert editor_client.post(f"{URL}{WELCOME10}/", {"batch": mangle(batch)}).status_code == 400
    assert deletes(sandbox) == []


def test_an_old_confirmation_sends_nothing(editor_client, sandbox, settings):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10]}))
    settings.BULK_TOKEN_MAX_AGE = -1

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 400
    assert "more than an hour old" in text(response)
    assert deletes(sandbox) == []


def test_someone_elses_confirmation_sends_nothing(editor_client, sandbox, django_user_model):
    batch = batch_of(editor_client.get(URL, {"id": [WELCOME10]}))
    other = django_user_model.objects.create_user("other-editor")
    other.user_permissions.add(Permission.objects.get(codename="expire_promo_code"))
    editor_client.force_login(other)

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 400
    assert "made for someone else" in text(response)
    assert deletes(sandbox) == []


# --- permissions ----------------------------------------------------------------------------


def test_a_viewer_may_neither_preview_nor_run(viewer_client, editor, sandbox):
    assert viewer_client.get(URL, {"id": [WELCOME10]}).status_code == 403
    assert viewer_client.post(URL, {"batch": "x"}).status_code == 403
    assert viewer_client.post(f"{URL}{WELCOME10}/", {"batch": "x"}).status_code == 403
    assert upstream_requests(sandbox) == []


def test_the_list_offers_checkboxes_and_expire_all_to_editors_only(editor_client, viewer, client):
    body = editor_client.get("/promo-codes/", {"campaign_id": "1000"}).content.decode()
    assert f'name="id" value="{WELCOME10}" form="bulk-expire-form"' in body
    assert 'id="bulk-expire-form"' in body
    assert '<input type="hidden" name="campaign_id" value="1000">' in body
    assert "/promo-codes/bulk-expire/?campaign_id=1000&amp;all=1" in body

    client.force_login(viewer)
    body = client.get("/promo-codes/", {"campaign_id": "1000"}).content.decode()
    assert 'form="bulk-expire-form"' not in body
    assert "bulk-expire" not in body
