"""promo_code_detail through Django's test client, on the embedded sandbox (fixed codes: see seed.py)."""

from __future__ import annotations

import re

import pytest
from helpers import HTMX, page_text, upstream_requests


def detail_url(promo_code_id) -> str:
    return f"/promo-codes/{promo_code_id}/"


def discount_line(body: str) -> str:
    match = re.search(r'<p class="discount">(.*?)</p>', body, re.S)
    assert match, "the page shows no discount line"
    return match.group(1).strip()


def test_it_shows_the_code(editor_client):
    response = editor_client.get(detail_url(7000151))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<!doctype html>")
    assert '<span class="code">WELCOME10</span>' in body
    assert "Acme Anvils" in body
    assert "Wile E. Coyote Facebook" in body
    assert "Never (no end date)" in body
    assert "<title>WELCOME10 · Promo code 7000151 · promoadmin</title>" in body


def test_it_sends_exactly_one_request_upstream(editor_client, sandbox):
    editor_client.get(detail_url(7000151))

    assert [(r.method, r.path.split("/", 3)[-1]) for r in sandbox.requests] == [("GET", "PromoCodes/7000151")]


@pytest.mark.parametrize(
    ("promo_code_id", "summary"),
    [
        (7000151, "10% off orders over $50.00, up to $20.00 saved"),  # PERCENT with minimum and maximum
        (7000154, "€5.00 off"),  # FIXED in EUR
        (7000152, "Buy 2 Acme Anvil 50 lb, get 1 Acme Anvil 50 lb free"),  # BOGO
        (7000153, "Free shipping"),  # FREE_SHIPPING
        (7000156, "$15.00 off orders over $100.00"),  # FIXED with a minimum
    ],
)
def test_it_describes_each_kind_of_deal(editor_client, promo_code_id, summary):
    body = editor_client.get(detail_url(promo_code_id)).content.decode()

    assert discount_line(body) == summary


def test_it_says_when_a_code_has_no_deal(editor_client):
    body = editor_client.get(detail_url(7000155)).content.decode()

    assert '<p class="discount">' not in body
    assert "This code is not linked to a deal" in body
    assert "Immediately" in body  # no StartDate
    assert "Never (no end date)" in body


def test_a_deal_name_without_a_deal_id_is_still_shown(editor_client):
    body = editor_client.get(detail_url(7000159)).content.decode()

    assert "VIP partner perks" in body
    assert discount_line(body) == "No discount details on this deal."


def test_a_regex_code_says_it_is_case_sensitive(editor_client):
    body = editor_client.get(detail_url(7000156)).content.decode()

    assert "a regular expression, case-sensitive" in body
    assert "Scheduled" in body


def test_an_inactive_code_has_no_expire_button(editor_client):
    body = editor_client.get(detail_url(7000157)).content.decode()

    assert "Inactive" in body
    assert "Expire code" not in body
    assert "/promo-codes/7000157/expire/" not in body


def test_an_active_code_has_an_expire_button_for_an_editor(editor_client):
    body = editor_client.get(detail_url(7000151)).content.decode()

    assert 'hx-post="/promo-codes/7000151/expire/"' in body  # with htmx: confirm, then expire
    assert "Expire code" in body


def test_without_javascript_expire_leads_to_the_dry_run_first(editor_client, sandbox):
    body = editor_client.get(detail_url(7000151)).content.decode()
    form = re.search(r'<form method="get" action="([^"]+)"[^>]*hx-post="/promo-codes/7000151/expire/".*?</form>', body, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', form.group(0)))

    dry_run = editor_client.get(form.group(1), fields)

    assert dry_run.status_code == 200
    assert "DELETE /Advertisers/IRsandbox0000000001/PromoCodes/7000151" in page_text(dry_run)
    assert "Nothing has been sent yet" in page_text(dry_run)
    assert upstream_requests(sandbox, "DELETE") == []


def test_an_unknown_id_is_a_404_page(editor_client, sandbox):
    response = editor_client.get(detail_url(7999999))

    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Not found</h1>" in body
    assert "impact.com has no promo code 7999999." in body
    assert len(sandbox.requests) == 1


@pytest.mark.parametrize("promo_code_id", ["0", "1000000000001", "99999999999999999999999999999999"])
def test_an_absurdly_large_id_is_a_404_without_asking_upstream(editor_client, sandbox, promo_code_id):
    response = editor_client.get(detail_url(promo_code_id))

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()
    assert sandbox.requests == []


@pytest.mark.parametrize("path", ["/promo-codes/abc/", "/promo-codes/-5/", "/promo-codes/0x10/"])
def test_a_non_numeric_id_is_a_404_without_asking_upstream(editor_client, sandbox, path):
    response = editor_client.get(path)

    assert response.status_code == 404
    assert sandbox.requests == []


def test_an_htmx_request_gets_only_the_summary(editor_client):
    response = editor_client.get(detail_url(7000151), **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<section id="promo-code-summary"')
    assert "<title>WELCOME10 · Promo code 7000151 · promoadmin</title>" in body
    assert "hx-request" in response.headers["Vary"].lower()


def test_a_history_restore_request_gets_the_full_page(editor_client):
    response = editor_client.get(detail_url(7000151), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith("<!doctype html>")
    assert 'id="deal-heading"' in body


def test_a_plain_page_varies_on_hx_request(editor_client):
    response = editor_client.get(detail_url(7000151))

    assert "hx-request" in response.headers["Vary"].lower()


def test_post_is_not_allowed(editor_client, sandbox):
    response = editor_client.post(detail_url(7000151))

    assert response.status_code == 405
    assert sandbox.requests == []


def fact(body: str, label: str) -> str:
    """The text of a `<dt>label</dt><dd>…</dd>` pair on the page."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", body, re.S)
    assert match, f"the page shows no {label!r}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.parametrize(
    ("promo_code_id", "applies"),
    [
        (7000152, "Once per order"),  # PurchaseLimitQuantity 1
        (7000158, "Up to 3 times per order"),  # 3
        (7000151, "No limit per order (impact.com sends 0)"),  # 0
    ],
)
def test_it_says_how_often_the_deal_applies_per_order(editor_client, promo_code_id, applies):
    body = editor_client.get(detail_url(promo_code_id)).content.decode()

    assert fact(body, "Applies") == applies


@pytest.mark.parametrize(("promo_code_id", "synchronised"), [(7000151, "yes"), (7000152, "no")])
def test_it_says_whether_the_code_is_synchronised_with_ads(editor_client, promo_code_id, synchronised):
    body = editor_client.get(detail_url(promo_code_id)).content.decode()

    assert fact(body, "Synchronised with ads") == synchronised


def test_the_deal_type_and_scope_are_in_words(editor_client):
    body = editor_client.get(detail_url(7000152)).content.decode()

    assert fact(body, "Type") == "Buy one, get one (BOGO)"
    assert fact(body, "Scope") == "Some products"


def test_the_dates_read_as_dates_in_the_business_zone(editor_client):
    body = editor_client.get(detail_url(7000156)).content.decode()  # scheduled: starts in 30 days, ends in 120

    datetime_shape = r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2} [A-Z]+"
    assert re.search(rf"<dt>Starts</dt><dd>{datetime_shape}</dd>", body)
    assert re.search(rf"<dt>Ends</dt><dd>{datetime_shape}\s", body)
    runs = re.search(r"<dt>Runs</dt><dd>(.*?)</dd>", body)
    assert runs and re.fullmatch(r"(open start|[A-Z][a-z]{2} \d{1,2}, \d{4}) to (no end date|[A-Z][a-z]{2} \d{1,2}, \d{4})", runs.group(1))
