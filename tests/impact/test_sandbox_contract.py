"""The sandbox against the upstream OpenAPI descriptions in ../shared/reference.

Two kinds of test: schemathesis generates requests from each spec and checks every answer is no 5xx
and, where the spec describes it (200), matches the schema; and explicit walks over the whole
seeded data validate every object the sandbox can send, since random ids rarely hit a real one.

About `nullable: true`: the specs are OpenAPI 3.1 but use that 3.0 keyword. schemathesis 4 honours
it anyway (null is accepted where the spec says nullable and rejected elsewhere, which
`test_the_validator_accepts_nulls_only_where_the_spec_allows` pins down), so the specs are loaded
as written, with no rewrite to `type: [..., "null"]`.
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

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SID, TOKEN = DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
BASE = f"/Advertisers/{SID}"
AUTHORIZATION = {"Authorization": "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()}
CHECKS = [not_a_server_error, response_schema_conformance]

# One app for the generated tests; they create and expire codes, which is fine (the rate limit is
# raised so the fuzzing never runs into it).
APP = SandboxApp(today=date(2026, 11, 25), rate_limit=10**9)


def load_spec(filename: str, *, operation_ids: list[str] | None = None):
    """The spec, aimed at the sandbox's account, with realistic examples to start the fuzzing from."""
    raw = yaml.safe_load((REFERENCE / filename).read_text(encoding="utf-8"))
    for path_item in raw["paths"].values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "AccountSID":
                    # Any other SID is (rightly) a 403: pin it so generated requests reach the data.
                    parameter["schema"] = {"type": "string", "enum": [SID]}
                if parameter["name"] == "PromoCodeId":
                    parameter["example"] = 7000151  # WELCOME10, so the examples phase gets a 200
    create = raw.get("components", {}).get("schemas", {}).get("PromoCodeCreate")
    if create:
        create["example"] = {"AssignedPartnerId": 2552842, "CampaignId": 1000, "CreditPolicy": "ALWAYS",
                             "Code": "CONTRACT1", "Type": "LI", "DealId": 401,
                             "StartDate": "2026-12-01T00:00:00-08:00", "EndDate": "2027-01-31T23:59:59-08:00"}
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = APP  # call over WSGI, in process
    if operation_ids:
        schema = schema.include(operation_id=operation_ids)
    return schema


PROMO_CODES = load_spec("impact-brand-promocodes-v14-openapi.yml")
PICKER_LISTS = {
    "Campaigns": load_spec("impact-brand-programs-v14-openapi.yml", operation_ids=["listPrograms"]),
    "MediaPartners": load_spec("impact-brand-partners-v14-openapi.yml", operation_ids=["listPartners"]),
    "Deals": load_spec("impact-brand-deals-v14-openapi.yml", operation_ids=["listDeals"]),
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
