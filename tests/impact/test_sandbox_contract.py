"""The sandbox against our description of impact.com's API in tests/contract/impact-brand-api.yml.

Two kinds of test: schemathesis generates requests from each spec and checks every answer is no 5xx
and, where the spec describes it (200), matches the schema; and explicit walks over the whole
seeded data validate every object the sandbox can send, since random ids rarely hit a real one.

The description is OpenAPI 3.0, so `nullable: true` marks what may be null and everything else may
not (`test_the_validator_accepts_nulls_only_where_the_spec_allows` pins that down). It lives in the
repository so that the suite needs nothing beside a clone.
"""

import base64
import json
from datetime import date
from pathlib import Path

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from promoadmin.impact.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SandboxApp

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "impact-brand-api.yml"
SID, TOKEN = DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
BASE = f"/Advertisers/{SID}"
AUTHORIZATION = {"Authorization": "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()}
CHECKS = [not_a_server_error, response_schema_conformance]

# One app for the generated tests; they create and expire codes, which is fine (the rate limit is
# raised so the fuzzing never runs into it).
APP = SandboxApp(today=date(2026, 11, 25), rate_limit=10**9)


def load_spec(*, operation_ids: list[str]):
    """The operations named, aimed at the sandbox's account, with realistic examples to start the fuzzing from."""
    raw = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    # Any other SID is (rightly) a 403: pin it so generated requests reach the data.
    raw["components"]["parameters"]["AccountSID"]["schema"] = {"type": "string", "enum": [SID]}
    for path_item in raw["paths"].values():
        for parameter in path_item.get("parameters", []):
            if parameter.get("name") == "PromoCodeId":
                parameter["example"] = 7000151  # WELCOME10, so the examples phase gets a 200
    raw["components"]["schemas"]["PromoCodeCreate"]["example"] = {
        "AssignedPartnerId": 2552842, "CampaignId": 1000, "CreditPolicy": "ALWAYS", "Code": "CONTRACT1", "Type": "LI",
        "DealId": 401, "StartDate": "2026-12-01T00:00:00-08:00", "EndDate": "2027-01-31T23:59:59-08:00"}
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = APP  # call over WSGI, in process
    return schema.include(operation_id=operation_ids)


PROMO_CODES = load_spec(operation_ids=["listPromoCodes", "createPromoCode", "getPromoCodeById", "expirePromoCode"])
PICKER_LISTS = {
    "Campaigns": load_spec(operation_ids=["listPrograms"]),
    "MediaPartners": load_spec(operation_ids=["listPartners"]),
    "Deals": load_spec(operation_ids=["listDeals"]),
}
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def sandbox():
    """Overrides the project-wide fixture (which needs Django settings): these tests use APP."""
    return APP


@PROMO_CODES.parametrize()
@FUZZ
def test_promo_code_operations_conform(case):
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)


@PICKER_LISTS["Campaigns"].parametrize()
@FUZZ
def test_campaign_list_conforms(case):
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)


@PICKER_LISTS["MediaPartners"].parametrize()
@FUZZ
def test_partner_list_conforms(case):
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)


@PICKER_LISTS["Deals"].parametrize()
@FUZZ
def test_deal_list_conforms(case):
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)


# --- Every seeded object, validated explicitly --------------------------------------------------


@pytest.fixture
def api():
    app = SandboxApp(today=date(2026, 11, 25))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox", auth=(SID, TOKEN)) as client:
        yield client


def operation(schema, path: str, method: str):
    return schema[f"/Advertisers/{{AccountSID}}/{path}"][method]


def test_every_seeded_promo_code_conforms_in_the_list_and_the_detail(api):
    listed = api.get(f"{BASE}/PromoCodes", params={"PageSize": 1000})
    operation(PROMO_CODES, "PromoCodes", "GET").validate_response(listed)

    detail = operation(PROMO_CODES, "PromoCodes/{PromoCodeId}", "GET")
    for code in listed.json()["PromoCodes"]:
        detail.validate_response(api.get(code["Uri"]))


def test_create_and_expire_answers_conform(api):
    created = api.post(f"{BASE}/PromoCodes", data={"AssignedPartnerId": 2553399, "CampaignId": 1001,
                                                   "CreditPolicy": "WINNER", "Code": "CONTRACT2", "Type": "LI",
                                                   "DealId": 414})
    assert created.status_code == 200
    operation(PROMO_CODES, "PromoCodes", "POST").validate_response(created)
    operation(PROMO_CODES, "PromoCodes/{PromoCodeId}", "GET").validate_response(api.get(created.json()["Uri"]))
    operation(PROMO_CODES, "PromoCodes/{PromoCodeId}", "DELETE").validate_response(api.delete(created.json()["Uri"]))


@pytest.mark.parametrize("resource", ["Campaigns", "MediaPartners", "Deals"])
def test_every_seeded_picker_item_conforms(api, resource):
    response = api.get(f"{BASE}/{resource}", params={"PageSize": 1000})

    assert response.status_code == 200
    operation(PICKER_LISTS[resource], resource, "GET").validate_response(response)


def test_the_validator_accepts_nulls_only_where_the_spec_allows(api):
    detail = operation(PROMO_CODES, "PromoCodes/{PromoCodeId}", "GET")
    no_deal = api.get(f"{BASE}/PromoCodes/7000155").json()  # PLAINCODE: every Deal*/Discount* is null
    assert no_deal["DealId"] is None

    assert detail.is_valid_response(_answer(no_deal))
    assert not detail.is_valid_response(_answer({**no_deal, "BogoBuyQuantity": None}))
    assert not detail.is_valid_response(_answer({**no_deal, "Id": "7000155"}))


def _answer(payload: dict) -> httpx.Response:
    """A response carrying `payload`, as schemathesis needs a real, finished one to validate."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]

    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox") as client:
        return client.get(f"{BASE}/PromoCodes/{payload['Id']}")
