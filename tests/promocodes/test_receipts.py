"""Receipts after a write (views/receipts.py) through Django's test client, on the embedded sandbox.

A receipt is a ledger entry's page (/activity/<id>/); the signed links promoadmin gave out before
(/promo-codes/<id>/receipt/?r=...) keep working, and are made here as promoadmin made them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core import signing
from django.test import RequestFactory
from helpers import HTMX, upstream_requests
from helpers import page_text as text

from promoadmin.impact.factory import get_impact_client
from promoadmin.promocodes.views import receipts

WELCOME10 = 7000151
SHIPFREE = 7000153


def receipt_url_in(html: str) -> str:
    match = re.search(r'href="(/activity/\d+/)" class="receipt-link"', html)
    assert match, "no receipt link on the page"
    return unescape(match.group(1))


def given_out_link(user, action: str, promo_code_id: int, code: str = "") -> str:
    """A receipt link as promoadmin made them before the ledger: its facts signed into the link."""
    request = RequestFactory().get("/")
    request.user = user
    return f"/promo-codes/{promo_code_id}/receipt/?r=" + receipts.make_token(request, action, promo_code_id, code=code)


def created_id(response) -> int:
    return int(response.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1])


def new_code_form(code: str = "RECEIPT10", **overrides) -> dict:
    start = date.today() + timedelta(days=10)
    form = {
        "campaign_id": "1000",
        "assigned_partner_id": "2552842",
        "code": code,
        "type": "LI",
        "credit_policy": "ALWAYS",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=30)).isoformat(),
        "deal_id": "",
        "deal_name": "",
    }
    return {**form, **overrides}


def test_it_puts_a_receipt_link_in_the_create_success_message(editor_client):
    response = editor_client.post("/promo-codes/new/", new_code_form(), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(tuple(f"/promo-codes/{n}/" for n in range(7000161, 7000170)))
    body = response.content.decode()
    assert "Created promo code RECEIPT10." in text(response)
    assert receipt_url_in(body).startswith("/activity/")


def test_it_shows_what_was_sent_who_and_when_next_to_what_impact_says_now(editor_client, sandbox):
    created = editor_client.post("/promo-codes/new/", new_code_form(), follow=True)
    url = receipt_url_in(created.content.decode())
    before = len(sandbox.requests)

    response = editor_client.get(url)

    assert response.status_code == 200
    page = text(response)
    assert "Receipt: created RECEIPT10" in page
    assert "Who editor" in page
    assert "POST /Advertisers/…/PromoCodes" in page
    assert "impact.com agrees with everything that was sent" in page
    assert "differs" not in page
    # One live read of the code, nothing else.
    reads = sandbox.requests[before:]
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in reads] == [("GET", ["PromoCodes", str(created_id(created))])]


def test_it_is_a_stable_link_that_reads_afresh_and_shows_later_changes(editor_client, sandbox):
    created = editor_client.post("/promo-codes/new/", new_code_form(), follow=True)
    url = receipt_url_in(created.content.decode())
    promo_code_id = created_id(created)
    get_impact_client().expire_promo_code(promo_code_id)  # someone expires it later

    page = text(editor_client.get(url))

    # Expiring set State INACTIVE and moved the future end date to now: both show.
    assert "2 differences between what was sent and what impact.com says now" in page
    assert "State ACTIVE (expected) INACTIVE ✗ differs" in page
    assert re.search(r"Ends \w{3} \d+, \d{4}, 23:59 \w+ \w{3} \d+, \d{4}, \d\d:\d\d \w+ ✗ differs", page)


def test_it_links_a_receipt_after_a_plain_expire(editor_client):
    response = editor_client.post(f"/promo-codes/{WELCOME10}/expire/", follow=True)

    assert response.status_code == 200
    assert "Expired promo code WELCOME10." in text(response)
    receipt = editor_client.get(receipt_url_in(response.content.decode()))
    page = text(receipt)
    assert "Receipt: expired WELCOME10" in page
    assert "State INACTIVE (expected) INACTIVE ✓ yes" in page


def test_the_row_swapped_in_after_an_htmx_expire_links_its_receipt(editor_client):
    response = editor_client.post(f"/promo-codes/{SHIPFREE}/expire/", **HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith("<tr")
    assert "Receipt: expired SHIPFREE" in text(editor_client.get(receipt_url_in(body)))


def test_a_viewer_may_read_a_receipt_someone_pasted(editor_client, viewer, client):
    url = receipt_url_in(editor_client.post(f"/promo-codes/{WELCOME10}/expire/", follow=True).content.decode())
    client.force_login(viewer)

    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # changed signature
        lambda token: token[: len(token) // 2],  # cut short
        lambda token: "",  # missing
        lambda token: "not-a-token",
    ],
)
def test_it_refuses_an_altered_receipt_without_asking_impact(editor_client, editor, sandbox, mangle):
    url = given_out_link(editor, "expire", WELCOME10, "WELCOME10")
    path, token = url.split("?r=")
    before = len(sandbox.requests)

    response = editor_client.get(path, {"r": mangle(token)})

    assert response.status_code == 400
    assert "This receipt link is not valid" in text(response)
    assert len(sandbox.requests) == before


def test_it_refuses_a_receipt_moved_to_another_code(editor_client, editor, sandbox):
    url = given_out_link(editor, "expire", WELCOME10, "WELCOME10")

    response = editor_client.get(url.replace(f"/{WELCOME10}/", f"/{SHIPFREE}/"))

    assert response.status_code == 400
    assert "belongs to another promo code" in text(response)


def test_a_forged_payload_signed_with_another_key_is_refused(editor_client):
    forged = signing.dumps({"v": 1, "a": "create", "id": WELCOME10, "u": "ceo", "t": "2026-01-01T00:00:00+00:00", "s": {}},
                           key="not-the-secret-key", salt=receipts.SALT)

    assert editor_client.get(f"/promo-codes/{WELCOME10}/receipt/", {"r": forged}).status_code == 400


def test_it_says_so_when_impact_no_longer_has_the_code(editor_client, editor):
    url = given_out_link(editor, "expire", 6999999, "GONE")

    response = editor_client.get(url)

    assert response.status_code == 200
    assert "impact.com has no promo code 6999999 now" in text(response)


def test_an_absurd_id_is_refused_before_any_request(editor_client, sandbox):
    response = editor_client.get("/promo-codes/99999999999999/receipt/", {"r": "x"})

    assert response.status_code == 404
    assert upstream_requests(sandbox) == []


def test_a_link_given_out_before_the_ledger_still_works(editor_client, editor):
    editor_client.post(f"/promo-codes/{WELCOME10}/expire/")

    page = text(editor_client.get(given_out_link(editor, "expire", WELCOME10, "WELCOME10")))

    assert "Receipt: expired WELCOME10" in page
    assert "State INACTIVE (expected) INACTIVE ✓ yes" in page
