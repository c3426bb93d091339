"""Every value that comes from impact.com is HTML-escaped wherever it lands: text, attributes, titles,
JSON in attributes, error messages.

impact.com is scripted at the transport (httpx.MockTransport) to answer with script and attribute
payloads in every name it sends: codes, campaigns, partners, deals, states, currencies, messages.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs

import httpx
import pytest
from django.test import Client
from helpers import page_text as visible_text

from promoadmin.impact import factory

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "' autofocus onfocus='alert(1)",
    '" hx-get="/evil" hx-trigger="load',
    "</textarea></title><svg onload=alert(1)>",
    '\'}, "q": "</script><script>alert(1)</script>',
    "{{ request.user }}{% debug %}",
]
IDS = [7100000 + index for index in range(len(PAYLOADS))]
CAMPAIGN_ID = 1000


def promo_code(index: int) -> dict:
    payload = PAYLOADS[index]
    return {
        "Id": IDS[index],
        "Code": payload,
        "Type": "LI",
        "CreditPolicy": "WINNER",
        "State": "ACTIVE",
        "CampaignId": CAMPAIGN_ID,
        "CampaignName": payload,
        "AssignedPartnerId": 2552842,
        "AssignedPartnerName": payload,
        "CreatedDate": "2026-01-01T00:00:00-08:00",
        "StartDate": "2026-01-02T00:00:00-08:00",
        "EndDate": "2099-01-01T00:00:00-08:00",
        "DealId": 401,
        "DealName": payload,
        "DealState": payload,
        "DealType": "GENERAL_SALE",
        "DealScope": payload,
        "DiscountType": "FIXED",
        "DiscountAmount": 5,
        "DiscountCurrency": payload,
        "MinimumPurchaseAmount": 50,
        "Uri": "javascript:alert(1)//" + payload,
    }


def page_of(key: str, items: list) -> dict:
    return {"@page": "1", "@numpages": "1", "@pagesize": "100", "@total": str(len(items)), key: items}


def scripted_impact(request: httpx.Request) -> httpx.Response:
    path = request.url.path.split("/", 3)[-1]  # after /Advertisers/{sid}/
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": "60"}
    if request.method == "GET" and path == "PromoCodes":
        codes = [promo_code(index) for index in range(len(PAYLOADS))]
        return httpx.Response(200, json=page_of("PromoCodes", codes), headers=headers)
    if request.method == "GET" and path.startswith("PromoCodes/"):
        promo_id = int(path.rsplit("/", 1)[-1])
        if promo_id == 7199999:  # an odd upstream answer whose message the page shows
            return httpx.Response(409, json={"Status": "ERROR", "Message": PAYLOADS[1]})
        return httpx.Response(200, json=promo_code(IDS.index(promo_id)), headers=headers)
    if request.method == "DELETE":
        return httpx.Response(200, json={"Status": "OK", "Uri": request.url.path}, headers=headers)
    if request.method == "POST":
        errors = [{"Field": field, "Message": PAYLOADS[n]} for n, field in enumerate(["Code", "CampaignId", PAYLOADS[2]])]
        return httpx.Response(400, json={"Status": "ERROR", "Message": PAYLOADS[0], "Errors": errors}, headers=headers)
    if path == "Campaigns":
        campaigns = [{"Id": CAMPAIGN_ID, "Name": PAYLOADS[0], "State": "ACTIVE"}]
        campaigns += [{"Id": 2000 + n, "Name": payload, "State": payload} for n, payload in enumerate(PAYLOADS)]
        return httpx.Response(200, json=page_of("Campaigns", campaigns), headers=headers)
    if path == "MediaPartners":
        partners = [{"Id": str(2552842 + n), "Name": payload, "State": "ACTIVE"} for n, payload in enumerate(PAYLOADS)]
        partners.append({"Id": "2559901", "Name": PAYLOADS[1], "State": PAYLOADS[3]})
        return httpx.Response(200, json=page_of("Partners", partners), headers=headers)
    if path == "Deals":
        deals = [
            {"Id": 401 + n, "Name": payload, "State": "ACTIVE", "Type": "GENERAL_SALE", "CampaignId": CAMPAIGN_ID,
             "DiscountType": "FIXED", "DiscountAmount": 5, "DiscountCurrency": payload}
            for n, payload in enumerate(PAYLOADS)
        ]
        return httpx.Response(200, json=page_of("Deals", deals), headers=headers)
    return httpx.Response(404, json={"Status": "ERROR", "Message": PAYLOADS[0]})


@pytest.fixture
def scripted_upstream(sandbox):
    factory._client = factory.build_impact_client(transport=httpx.MockTransport(scripted_impact))
    yield
    factory.reset_impact_client()


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def focused_by_us(attrs: dict) -> bool:
    """The elements the templates mark autofocus (for htmx to focus after a swap): a form field, the
    new results' heading, the form's error summary or preview, an alert or status. A payload breaking
    out of an attribute lands anywhere else."""
    element_id = attrs.get("id") or ""
    return (
        element_id.startswith("id_")
        or element_id in ("results-heading", "form-errors", "request-preview")
        or attrs.get("role") in ("alert", "status")
    )


def assert_inert(content: bytes, where: str) -> None:
    """No payload became markup: no new elements, handlers, htmx attributes or inline scripts."""
    html = content.decode()
    for payload in PAYLOADS:
        if any(char in payload for char in "<>\"'&"):
            assert payload not in html, f"{where}: raw payload {payload!r}"
    parser = _Markup()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "svg", "iframe", "object", "embed"), f"{where}: <{tag}>"
        assert not (tag == "script" and not attrs.get("src")), f"{where}: inline <script>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: {name}= on <{tag}>"
            assert name != "autofocus" or focused_by_us(attrs), f"{where}: autofocus on <{tag}>"
            assert value != "/evil", f"{where}: {name}={value!r} on <{tag}>"
            assert not (value or "").lower().startswith("javascript:") or name not in ("href", "src", "action"), where
            if name in ("hx-vals", "hx-headers"):
                json.loads(value)  # still one JSON object: nothing broke out of its strings


def test_it_escapes_upstream_values_on_every_page(scripted_upstream, editor):
    client = Client()
    client.force_login(editor)
    htmx = {"HX-Request": "true"}
    responses = {
        "list": client.get("/promo-codes/"),
        "list fragment": client.get("/promo-codes/?state=ACTIVE", headers=htmx),
        "create form": client.get(f"/promo-codes/new/?campaign_id={CAMPAIGN_ID}&assigned_partner_id=2552842&deal_id=401"),
        "create refused": client.post(
            "/promo-codes/new/",
            {"campaign_id": CAMPAIGN_ID, "assigned_partner_id": "2552842", "code": "SAFE1", "type": "LI",
             "credit_policy": "WINNER", "deal_id": "401"},
        ),
        "partner options": client.get(f"/promo-codes/new/partners/?campaign_id={CAMPAIGN_ID}&q=a", headers=htmx),
        "partner page": client.get(f"/promo-codes/new/partners/?campaign_id={CAMPAIGN_ID}&q=%3C"),
        "odd upstream error": client.get("/promo-codes/7199999/"),
        "odd upstream error fragment": client.get("/promo-codes/7199999/", headers=htmx),
    }
    for promo_id in IDS:
        responses[f"detail {promo_id}"] = client.get(f"/promo-codes/{promo_id}/")
        responses[f"summary {promo_id}"] = client.get(f"/promo-codes/{promo_id}/", headers=htmx)
        responses[f"expire row {promo_id}"] = client.post(f"/promo-codes/{promo_id}/expire/", headers=htmx)
        responses[f"expire summary {promo_id}"] = client.post(
            f"/promo-codes/{promo_id}/expire/", headers={**htmx, "HX-Target": "promo-code-summary"}
        )
    responses["after expire"] = client.get(f"/promo-codes/{IDS[0]}/")  # the flash message names the code

    for where, response in responses.items():
        assert response.status_code < 500 or where.startswith("odd upstream error"), (where, response.status_code)
        assert_inert(response.content, where)

    # The payloads were really rendered, as text a person can read.
    listed = visible_text(responses["list"].content)
    assert all(payload in listed for payload in PAYLOADS)  # the template syntax one too: data, not code
    assert PAYLOADS[0] in visible_text(responses["create refused"].content)
    assert PAYLOADS[1] in visible_text(responses["odd upstream error"].content)
    assert responses["odd upstream error"].status_code == 502


def test_it_sends_upstream_names_in_htmx_values_as_json(scripted_upstream, editor):
    client = Client()
    client.force_login(editor)

    response = client.get(f"/promo-codes/new/partners/?campaign_id={CAMPAIGN_ID}&q=a", headers={"HX-Request": "true"})

    parser = _Markup()
    parser.feed(response.content.decode())
    values = [json.loads(attrs["hx-vals"]) for _, attrs in parser.tags if "hx-vals" in attrs]
    assert values, "the partner options carry hx-vals"
    assert {value["q"] for value in values} <= set(PAYLOADS)


def test_it_keeps_the_push_url_header_clean(scripted_upstream, editor):
    client = Client()
    client.force_login(editor)

    response = client.get("/promo-codes/", {"code": "a\r\nSet-Cookie: x=1", "state": "ACTIVE"}, headers={"HX-Request": "true"})

    assert "\n" not in response.get("HX-Push-Url", "") and "\r" not in response.get("HX-Push-Url", "")
    assert "x" not in response.cookies
    pushed = parse_qs(response["HX-Push-Url"].split("?", 1)[1])
    assert re.fullmatch(r"ACTIVE", pushed["state"][0])
