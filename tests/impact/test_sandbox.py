"""The impact.com sandbox, driven over HTTP the way promoadmin's client drives it.

These tests need no Django and no database: they talk to a fresh `SandboxApp` through httpx's WSGI
transport (and, once, over a real socket).
"""

import base64
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from promoadmin.impact.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SandboxApp, serve_sandbox
from promoadmin.impact.sandbox.seed import to_pacific

TODAY = date(2026, 11, 25)
SID, TOKEN = DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
BASE = f"/Advertisers/{SID}"
REPO = Path(__file__).resolve().parents[2]

WELCOME10, ANVILBOGO, SHIPFREE, CAFE5EUR, PLAINCODE = 7000151, 7000152, 7000153, 7000154, 7000155
SUMMER_RE, SPRINGREADS, LASTCALL, VIPPERKS, SAVERS20 = 7000156, 7000157, 7000158, 7000159, 7000160
FIRST_NEW_ID = 7000161
SEEDED_TOTAL = 160


@pytest.fixture
def sandbox():
    """A fresh sandbox per test (overrides the project-wide fixture, which needs Django settings)."""
    return SandboxApp(today=TODAY)


def client_for(app: SandboxApp, auth=(SID, TOKEN)) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox", auth=auth)


@pytest.fixture
def api(sandbox):
    with client_for(sandbox) as client:
        yield client


def list_all(api, resource: str, key: str, **params) -> list[dict]:
    response = api.get(f"{BASE}/{resource}", params={**params, "PageSize": 1000})
    assert response.status_code == 200, response.text
    return response.json()[key]


def ids(items: list[dict]) -> list[int]:
    return [item["Id"] for item in items]


def create(api, **overrides):
    form = {"AssignedPartnerId": "2552842", "CampaignId": "1000", "CreditPolicy": "ALWAYS",
            "Code": "NEWCODE1", "Type": "LI"}
    form.update(overrides)
    return api.post(f"{BASE}/PromoCodes", data={k: v for k, v in form.items() if v is not None})


def error_fields(response) -> list[str]:
    return [error["Field"] for error in response.json().get("Errors", [])]


def pacific(day_offset: int, hour: int = 0) -> str:
    """A date-time `day_offset` days from TODAY, written the way the app sends filters."""
    return (datetime(2026, 11, 25, hour) + timedelta(days=day_offset)).strftime("%Y-%m-%dT%H:%M:%S-08:00")


# --- Listing and paging -------------------------------------------------------------------------


def test_it_lists_newest_first_with_string_paging_fields(api):
    body = api.get(f"{BASE}/PromoCodes").json()

    paging = {key: value for key, value in body.items() if key.startswith("@")}
    assert all(isinstance(value, str) for value in paging.values())
    assert paging["@page"] == "1"
    assert paging["@pagesize"] == "100"
    assert paging["@total"] == str(SEEDED_TOTAL)
    assert paging["@numpages"] == "2"
    assert (paging["@start"], paging["@end"]) == ("0", "99")
    assert paging["@previouspageuri"] == ""
    assert paging["@nextpageuri"] == f"{BASE}/PromoCodes?Page=2&PageSize=100"
    assert paging["@lastpageuri"] == f"{BASE}/PromoCodes?Page=2&PageSize=100"
    listed = ids(body["PromoCodes"])
    assert listed == sorted(listed, reverse=True)
    assert listed[0] == SAVERS20


def test_following_next_page_uris_visits_every_code_once(api):
    uri, seen, pages = f"{BASE}/PromoCodes?PageSize=20", [], []
    while uri:
        body = api.get(uri).json()
        pages.append(body)
        seen += ids(body["PromoCodes"])
        uri = body["@nextpageuri"]

    assert len(pages) == 8
    assert all(page["@numpages"] == "8" and page["@total"] == str(SEEDED_TOTAL) for page in pages)
    assert len(seen) == len(set(seen)) == SEEDED_TOTAL
    last = pages[-1]
    assert (last["@page"], last["@start"], last["@end"]) == ("8", "140", "159")
    assert last["@previouspageuri"] == f"{BASE}/PromoCodes?Page=7&PageSize=20"
    assert last["@nextpageuri"] == ""


def test_page_uris_keep_the_filters(api):
    body = api.get(f"{BASE}/PromoCodes", params={"CampaignId": "1000", "State": "ACTIVE", "PageSize": "5"}).json()

    for key in ("@uri", "@firstpageuri", "@nextpageuri", "@lastpageuri"):
        assert "CampaignId=1000" in body[key] and "State=ACTIVE" in body[key] and "PageSize=5" in body[key]
    assert body["@uri"].startswith(f"{BASE}/PromoCodes?")


def test_a_page_past_the_end_is_empty(api):
    body = api.get(f"{BASE}/PromoCodes", params={"Page": "9", "PageSize": "20"}).json()

    assert body["PromoCodes"] == []
    assert body["@nextpageuri"] == ""
    assert body["@total"] == str(SEEDED_TOTAL)


def test_an_empty_result_is_one_empty_page(api):
    body = api.get(f"{BASE}/PromoCodes", params={"Code": "NO-SUCH-CODE"}).json()

    assert body["PromoCodes"] == []
    assert (body["@total"], body["@numpages"], body["@start"], body["@end"]) == ("0", "1", "0", "0")
    assert body["@previouspageuri"] == body["@nextpageuri"] == ""


def test_it_filters_by_campaign(api):
    everything = list_all(api, "PromoCodes", "PromoCodes")
    in_1001 = list_all(api, "PromoCodes", "PromoCodes", CampaignId="1001")

    assert in_1001 and {c["CampaignId"] for c in in_1001} == {1001}
    assert ids(in_1001) == [c["Id"] for c in everything if c["CampaignId"] == 1001]


def test_it_matches_the_code_whole_and_case_insensitively(api):
    assert ids(list_all(api, "PromoCodes", "PromoCodes", Code="welcome10")) == [WELCOME10]
    assert ids(list_all(api, "PromoCodes", "PromoCodes", Code="WELCOME")) == []
    assert ids(list_all(api, "PromoCodes", "PromoCodes", Code=r"^summer\d{2}$")) == [SUMMER_RE]


@pytest.mark.parametrize("state", ["ACTIVE", "INACTIVE"])
def test_it_filters_by_state(api, state):
    found = list_all(api, "PromoCodes", "PromoCodes", State=state)

    assert len(found) > 20
    assert {c["State"] for c in found} == {state}


@pytest.mark.parametrize(
    ("params", "included", "excluded"),
    [
        # A future range: open-ended and long-running codes overlap it, ended ones do not.
        ({"StartDate": pacific(35), "EndDate": pacific(40)},
         [SUMMER_RE, WELCOME10, PLAINCODE, ANVILBOGO], [SPRINGREADS, LASTCALL, SAVERS20]),
        # Only an end: everything that started by then, and codes with no start at all.
        ({"EndDate": pacific(-100)}, [SAVERS20, PLAINCODE], [WELCOME10, SUMMER_RE, LASTCALL]),
        # Only a start: everything still running from then on, and codes with no end.
        ({"StartDate": pacific(0)}, [WELCOME10, PLAINCODE, SUMMER_RE], [SPRINGREADS, LASTCALL, SAVERS20]),
        # A range ending before a scheduled code starts leaves it out.
        ({"StartDate": pacific(0), "EndDate": pacific(29)}, [WELCOME10], [SUMMER_RE]),
    ],
)
def test_date_filters_select_codes_whose_window_overlaps(api, params, included, excluded):
    found = set(ids(list_all(api, "PromoCodes", "PromoCodes", **params)))

    assert set(included) <= found
    assert not set(excluded) & found


def test_date_filters_compare_instants_not_wall_clock_text(api):
    # SUMMER starts at midnight Pacific (08:00 UTC) 30 days out; a range ending 07:00 UTC misses it.
    start = datetime.fromisoformat(api.get(f"{BASE}/PromoCodes/{SUMMER_RE}").json()["StartDate"])
    just_before = (start - timedelta(hours=1)).astimezone(UTC).isoformat()
    just_after = (start + timedelta(hours=1)).astimezone(UTC).isoformat()

    assert SUMMER_RE not in ids(list_all(api, "PromoCodes", "PromoCodes", EndDate=just_before))
    assert SUMMER_RE in ids(list_all(api, "PromoCodes", "PromoCodes", EndDate=just_after))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CampaignId", "abc"),
        ("CampaignId", "-5"),
        ("State", "BOGUS"),
        ("State", "active"),
        ("StartDate", "not-a-date"),
        ("StartDate", "2026-06-01T00:00:00"),  # no offset
        ("EndDate", "2026-13-01T00:00:00-07:00"),
        ("Page", "0"),
        ("Page", "-1"),
        ("Page", "abc"),
        ("PageSize", "1001"),
        ("PageSize", "0"),
    ],
)
def test_invalid_list_parameters_are_a_400_naming_the_field(api, name, value):
    response = api.get(f"{BASE}/PromoCodes", params={name: value})

    assert response.status_code == 400
    assert response.json()["Status"] == "ERROR"
    assert error_fields(response) == [name]


def test_an_end_before_the_start_is_a_400(api):
    response = api.get(f"{BASE}/PromoCodes", params={"StartDate": pacific(5), "EndDate": pacific(1)})

    assert response.status_code == 400
    assert error_fields(response) == ["EndDate"]


def test_the_largest_page_size_is_accepted(api):
    body = api.get(f"{BASE}/PromoCodes", params={"PageSize": "1000"}).json()

    assert len(body["PromoCodes"]) == SEEDED_TOTAL
    assert body["@numpages"] == "1"


# --- Detail -------------------------------------------------------------------------------------


def test_the_detail_is_the_full_promo_code(api):
    code = api.get(f"{BASE}/PromoCodes/{WELCOME10}").json()

    assert code["Code"] == "WELCOME10"
    assert (code["Type"], code["CreditPolicy"], code["State"]) == ("LI", "ALWAYS", "ACTIVE")
    assert (code["CampaignId"], code["CampaignName"]) == (1000, "Acme Anvils")
    assert (code["AssignedPartnerId"], code["AssignedPartnerName"]) == (2552842, "Wile E. Coyote Facebook")
    assert (code["DealId"], code["DealType"], code["DiscountType"]) == (401, "GENERAL_SALE", "PERCENT")
    assert (code["DiscountPercent"], code["MinimumPurchaseAmount"], code["MaximumSavingsAmount"]) == (10, 50.0, 20.0)
    assert code["EndDate"] is None
    assert code["Uri"] == f"{BASE}/PromoCodes/{WELCOME10}"


def test_the_detail_has_the_same_fields_as_the_list(api):
    listed = next(c for c in list_all(api, "PromoCodes", "PromoCodes") if c["Id"] == CAFE5EUR)

    assert api.get(f"{BASE}/PromoCodes/{CAFE5EUR}").json() == listed


def test_an_unknown_id_is_a_404(api):
    response = api.get(f"{BASE}/PromoCodes/123")

    assert response.status_code == 404
    assert response.json()["Status"] == "ERROR"


def test_a_non_integer_id_is_a_400(api):
    response = api.get(f"{BASE}/PromoCodes/abc")

    assert response.status_code == 400
    assert error_fields(response) == ["PromoCodeId"]


# --- Create -------------------------------------------------------------------------------------


def test_it_creates_an_active_code_named_from_the_seed(api):
    response = create(api, Code="NEWCODE1", DealId="403", StartDate=pacific(1), EndDate=pacific(31, 23))

    assert response.status_code == 200
    assert response.json() == {"Status": "OK", "Uri": f"{BASE}/PromoCodes/{FIRST_NEW_ID}"}
    code = api.get(response.json()["Uri"]).json()
    assert (code["Id"], code["Code"], code["State"]) == (FIRST_NEW_ID, "NEWCODE1", "ACTIVE")
    assert (code["CampaignName"], code["AssignedPartnerName"]) == ("Acme Anvils", "Wile E. Coyote Facebook")
    assert (code["DealName"], code["DealType"], code["BogoGetDiscountType"]) == (
        "Buy 2 anvils, get 1 free", "BOGO", "FREE")
    assert (code["BogoBuyQuantity"], code["BogoGetQuantity"]) == (2, 1)
    assert datetime.fromisoformat(code["StartDate"]) == datetime.fromisoformat(pacific(1))
    assert datetime.fromisoformat(code["CreatedDate"]).date() in (TODAY, TODAY - timedelta(days=1))
    assert ids(list_all(api, "PromoCodes", "PromoCodes"))[0] == FIRST_NEW_ID


def test_a_deal_name_without_a_deal_id_is_stored_alone(api):
    uri = create(api, DealName="Friends & family").json()["Uri"]

    code = api.get(uri).json()
    assert (code["DealId"], code["DealName"], code["DealType"], code["DiscountType"]) == (
        None, "Friends & family", None, None)


def test_a_code_without_a_deal_has_null_deal_fields(api):
    code = api.get(create(api).json()["Uri"]).json()

    assert all(code[name] is None for name in code if name.startswith(("Deal", "Discount")))
    assert code["StartDate"] is None and code["EndDate"] is None


@pytest.mark.parametrize(
    "sent",
    ["2027-01-01T05:00:00+09:00", "2027-01-01T05:00:00+05:30", "2027-01-01T05:00:00+02:00",
     "2027-01-01T05:00:00-03:00", "2027-01-01T05:00:00Z", "2027-01-01T05:00:00-08:00"],
)
def test_a_created_code_keeps_the_offset_its_dates_were_sent_with(api, sent):
    uri = create(api, StartDate="2026-12-01T00:00:00+09:00", EndDate=sent).json()["Uri"]

    code = api.get(uri).json()
    assert code["EndDate"] == sent
    assert code["StartDate"] == "2026-12-01T00:00:00+09:00"
    assert next(c for c in list_all(api, "PromoCodes", "PromoCodes") if c["Id"] == FIRST_NEW_ID)["EndDate"] == sent


def test_a_created_codes_dates_are_kept_to_the_second(api):
    uri = create(api, EndDate="2027-01-01T05:00:00.250+09:00").json()["Uri"]

    assert api.get(uri).json()["EndDate"] == "2027-01-01T05:00:00+09:00"


def test_it_creates_a_regular_expression_code(api):
    response = create(api, Code=r"^ANVIL\d{3}$", Type="RE")

    assert response.status_code == 200
    assert api.get(response.json()["Uri"]).json()["Type"] == "RE"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"AssignedPartnerId": None}, "AssignedPartnerId"),
        ({"CampaignId": None}, "CampaignId"),
        ({"CreditPolicy": None}, "CreditPolicy"),
        ({"Code": None}, "Code"),
        ({"Code": "   "}, "Code"),
        ({"Type": None}, "Type"),
        ({"CampaignId": "abc"}, "CampaignId"),
        ({"AssignedPartnerId": "12x"}, "AssignedPartnerId"),
        ({"CreditPolicy": "SOMETIMES"}, "CreditPolicy"),
        ({"Type": "XX"}, "Type"),
        ({"StartDate": "tomorrow"}, "StartDate"),
        ({"EndDate": "2026-12-01"}, "EndDate"),  # a date without time or offset
        ({"StartDate": pacific(10), "EndDate": pacific(5)}, "EndDate"),
        ({"Code": "([unclosed", "Type": "RE"}, "Code"),
        ({"Code": "X" * 256}, "Code"),
        ({"CampaignId": "9999"}, "CampaignId"),
        ({"CampaignId": "1004"}, "CampaignId"),  # CLOSED
        ({"AssignedPartnerId": "1"}, "AssignedPartnerId"),
        ({"AssignedPartnerId": "2554196"}, "AssignedPartnerId"),  # The Points Guy: joined to 1003 only
        ({"AssignedPartnerId": "2559901"}, "AssignedPartnerId"),  # DEACTIVATED
        ({"DealId": "999"}, "DealId"),
        ({"DealId": "411"}, "DealId"),  # a deal of campaign 1001
        ({"DealId": "abc"}, "DealId"),
        ({"Code": "welcome10"}, "Code"),  # WELCOME10 is ACTIVE in 1000
    ],
)
def test_invalid_creates_are_a_400_naming_the_field(api, overrides, field):
    response = create(api, **overrides)

    assert response.status_code == 400
    body = response.json()
    assert (body["Status"], body["Message"]) == ("ERROR", "Validation Failed")
    assert field in error_fields(response)
    assert all(error["Message"] for error in body["Errors"])


def test_a_code_of_255_characters_is_accepted(api):
    assert create(api, Code="X" * 255).status_code == 200


def test_every_field_error_is_reported_at_once(api):
    response = create(api, AssignedPartnerId="x", CampaignId="1001", CreditPolicy="NEVER", Code="(", Type="RE",
                      DealId="401", StartDate=pacific(3), EndDate=pacific(1))

    assert sorted(error_fields(response)) == ["AssignedPartnerId", "Code", "CreditPolicy", "DealId", "EndDate"]


def test_a_failed_create_changes_nothing(api):
    create(api, CampaignId="abc")

    assert api.get(f"{BASE}/PromoCodes").json()["@total"] == str(SEEDED_TOTAL)


@pytest.mark.parametrize(
    ("overrides", "accepted"),
    [
        ({"Code": "WeLcOmE10"}, False),  # exact codes clash case-insensitively
        ({"Code": "WELCOME10", "CampaignId": "1001", "AssignedPartnerId": "2553399"}, True),  # other campaign
        ({"Code": "SPRINGREADS", "CampaignId": "1002", "AssignedPartnerId": "2553845"}, True),  # only INACTIVE
        ({"Code": r"^SUMMER\d{2}$", "Type": "RE"}, False),  # identical pattern
        ({"Code": r"^summer\d{2}$", "Type": "RE"}, True),  # patterns clash only when identical
    ],
)
def test_only_an_active_code_with_the_same_value_in_the_campaign_clashes(api, overrides, accepted):
    assert (create(api, **overrides).status_code == 200) is accepted


def test_a_json_body_is_a_415(api):
    response = api.post(f"{BASE}/PromoCodes", json={"CampaignId": 1000})

    assert response.status_code == 415
    assert response.json()["Status"] == "ERROR"
    assert response.headers["content-type"].startswith("application/json")


def test_another_non_form_body_is_a_400(api):
    response = api.post(f"{BASE}/PromoCodes", content=b"Code=X", headers={"Content-Type": "text/plain"})

    assert response.status_code == 400
    assert response.json()["Status"] == "ERROR"


# --- Expire -------------------------------------------------------------------------------------


def test_expiring_makes_the_code_inactive_and_ends_it_now(api):
    response = api.delete(f"{BASE}/PromoCodes/{WELCOME10}")

    assert response.status_code == 200
    assert response.json() == {"Status": "OK", "Uri": f"{BASE}/PromoCodes/{WELCOME10}"}
    code = api.get(f"{BASE}/PromoCodes/{WELCOME10}").json()
    assert code["State"] == "INACTIVE"
    assert datetime.fromisoformat(code["EndDate"]).date() in (TODAY, TODAY - timedelta(days=1))


def test_expiring_twice_is_fine_and_changes_nothing_more(api):
    api.delete(f"{BASE}/PromoCodes/{WELCOME10}")
    first = api.get(f"{BASE}/PromoCodes/{WELCOME10}").json()

    response = api.delete(f"{BASE}/PromoCodes/{WELCOME10}")

    assert response.status_code == 200
    assert api.get(f"{BASE}/PromoCodes/{WELCOME10}").json() == first


def test_expiring_brings_a_future_end_forward(api):
    before = datetime.fromisoformat(api.get(f"{BASE}/PromoCodes/{ANVILBOGO}").json()["EndDate"])
    api.delete(f"{BASE}/PromoCodes/{ANVILBOGO}")

    after = datetime.fromisoformat(api.get(f"{BASE}/PromoCodes/{ANVILBOGO}").json()["EndDate"])
    assert after < before - timedelta(days=50)


def test_expiring_keeps_an_end_already_past(api):
    before = api.get(f"{BASE}/PromoCodes/{LASTCALL}").json()["EndDate"]
    api.delete(f"{BASE}/PromoCodes/{LASTCALL}")

    code = api.get(f"{BASE}/PromoCodes/{LASTCALL}").json()
    assert (code["State"], code["EndDate"]) == ("INACTIVE", before)


def test_an_expired_code_value_can_be_issued_again(api):
    api.delete(f"{BASE}/PromoCodes/{WELCOME10}")

    assert create(api, Code="WELCOME10").status_code == 200


def test_expiring_an_unknown_code_is_a_404(api):
    assert api.delete(f"{BASE}/PromoCodes/42").status_code == 404


def test_expiring_a_non_integer_id_is_a_400(api):
    assert api.delete(f"{BASE}/PromoCodes/WELCOME10").status_code == 400


# --- Campaigns, partners, deals -----------------------------------------------------------------


def test_campaigns_list_with_paging_fields(api):
    body = api.get(f"{BASE}/Campaigns").json()

    assert body["@total"] == str(len(body["Campaigns"])) == "5"
    assert ids(body["Campaigns"]) == [1000, 1001, 1002, 1003, 1004]
    assert {"Id", "Name", "State", "Uri"} <= set(body["Campaigns"][0])


def test_campaigns_filter_by_state_and_name(api):
    assert ids(list_all(api, "Campaigns", "Campaigns", State="CLOSED")) == [1004]
    assert ids(list_all(api, "Campaigns", "Campaigns", Name="café crème")) == [1001]


def test_partners_filter_by_campaign_ids_and_state(api):
    joined_1003 = list_all(api, "MediaPartners", "Partners", CampaignId="1003")
    assert "The Points Guy" in [p["Name"] for p in joined_1003]
    assert "Wile E. Coyote Facebook" not in [p["Name"] for p in joined_1003]
    assert all("1003" in [program["Id"] for program in p["Programs"]] for p in joined_1003)

    picked = list_all(api, "MediaPartners", "Partners", Id="2552842,2553399")
    assert [p["Name"] for p in picked] == ["Wile E. Coyote Facebook", "Zoë's Deals"]
    assert [p["Name"] for p in list_all(api, "MediaPartners", "Partners", State="DEACTIVATED")] == ["Saver's Corner"]


def test_deals_filter_by_campaign_state_type_and_scope(api):
    assert {d["CampaignId"] for d in list_all(api, "Deals", "Deals", CampaignId="1002")} == {1002}
    assert {d["Type"] for d in list_all(api, "Deals", "Deals", Type="BOGO")} == {"BOGO"}
    assert {d["State"] for d in list_all(api, "Deals", "Deals", State="PENDING")} == {"PENDING"}
    assert {d["Scope"] for d in list_all(api, "Deals", "Deals", Scope="CATEGORY")} == {"CATEGORY"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("Campaigns", {"State": "OPEN"}, "State"),
        ("MediaPartners", {"CampaignId": "x"}, "CampaignId"),
        ("MediaPartners", {"Id": "1,two"}, "Id"),
        ("Deals", {"Type": "DISCOUNT"}, "Type"),
        ("Deals", {"PageSize": "5000"}, "PageSize"),
    ],
)
def test_invalid_picker_filters_are_a_400(api, path, params, field):
    response = api.get(f"{BASE}/{path}", params=params)

    assert response.status_code == 400
    assert error_fields(response) == [field]


# --- Routing and credentials --------------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, (SID, "wrong-token-1234"), ("IRsomeoneelse", TOKEN)])
def test_missing_or_wrong_credentials_are_a_401(sandbox, auth):
    with client_for(sandbox, auth=auth) as client:
        response = client.get(f"{BASE}/PromoCodes")

    assert response.status_code == 401
    assert response.json()["Status"] == "ERROR"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "wrong-token-1234" not in response.text and TOKEN not in response.text


@pytest.mark.parametrize("header", ["Basic !!notbase64!!", "Bearer " + TOKEN, "Basic " + base64.b64encode(b"no-colon").decode()])
def test_a_malformed_authorization_header_is_a_401(sandbox, header):
    with client_for(sandbox, auth=None) as client:
        response = client.get(f"{BASE}/PromoCodes", headers={"Authorization": header})

    assert response.status_code == 401


def test_another_accounts_path_is_a_403(api):
    response = api.get("/Advertisers/IRsomeoneelse0000001/PromoCodes")

    assert response.status_code == 403
    assert response.json()["Status"] == "ERROR"


@pytest.mark.parametrize("path", [f"{BASE}/Nope", f"{BASE}/Campaigns/1000", "/", f"{BASE}/PromoCodes/1/x"])
def test_unknown_paths_are_a_404(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["Status"] == "ERROR"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "PromoCodes", "GET, POST"),
        ("DELETE", "PromoCodes", "GET, POST"),
        ("PATCH", f"PromoCodes/{WELCOME10}", "GET, DELETE"),
        ("POST", "Campaigns", "GET"),
        ("DELETE", "Deals", "GET"),
    ],
)
def test_other_methods_are_a_405(api, method, path, allowed):
    response = api.request(method, f"{BASE}/{path}")

    assert response.status_code == 405
    assert response.json()["Status"] == "ERROR"
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize(
    ("method", "path", "auth"),
    [
        ("GET", f"{BASE}/PromoCodes", (SID, TOKEN)),
        ("GET", f"{BASE}/PromoCodes?Page=0", (SID, TOKEN)),
        ("GET", f"{BASE}/PromoCodes/1", (SID, TOKEN)),
        ("PUT", f"{BASE}/PromoCodes", (SID, TOKEN)),
        ("GET", f"{BASE}/PromoCodes", None),
    ],
)
def test_every_answer_is_json_with_rate_limit_headers(sandbox, method, path, auth):
    with client_for(sandbox, auth=auth) as client:
        response = client.request(method, path)

    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()
    assert response.headers["x-ratelimit-limit"] == "1000"
    assert int(response.headers["x-ratelimit-remaining"]) >= 999
    assert 0 < int(response.headers["x-ratelimit-reset"]) <= 3600


# --- Rate limit ---------------------------------------------------------------------------------


def test_it_answers_429_past_the_hourly_limit():
    app = SandboxApp(today=TODAY, rate_limit=3)
    with client_for(app) as api:
        answers = [api.get(f"{BASE}/Campaigns") for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
    limited = answers[-1]
    assert limited.headers["x-ratelimit-limit"] == "3"
    assert 0 < int(limited.headers["x-ratelimit-reset"]) <= 3600
    assert limited.json()["Status"] == "ERROR"


def test_unauthenticated_requests_do_not_use_the_quota():
    app = SandboxApp(today=TODAY, rate_limit=1)
    with client_for(app, auth=None) as anonymous:
        anonymous.get(f"{BASE}/Campaigns")
    with client_for(app) as api:
        assert api.get(f"{BASE}/Campaigns").status_code == 200


def test_reset_restores_the_quota():
    app = SandboxApp(today=TODAY, rate_limit=1)
    with client_for(app) as api:
        api.get(f"{BASE}/Campaigns")
        assert api.get(f"{BASE}/Campaigns").status_code == 429
        app.reset()
        assert api.get(f"{BASE}/Campaigns").status_code == 200


# --- Faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 401, 403, 404, 429])
def test_an_injected_status_answers_once_with_the_envelope(api, sandbox, status):
    sandbox.inject_fault(status)

    failed = api.get(f"{BASE}/PromoCodes/{WELCOME10}")
    recovered = api.get(f"{BASE}/PromoCodes/{WELCOME10}")

    assert failed.status_code == status
    assert failed.json()["Status"] == "ERROR"
    assert failed.headers["content-type"].startswith("application/json")
    assert recovered.status_code == 200


def test_an_injected_429_says_the_quota_is_gone(api, sandbox):
    sandbox.inject_fault(429)

    response = api.get(f"{BASE}/PromoCodes")

    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-limit"] == "1000"
    assert 0 < int(response.headers["x-ratelimit-reset"]) <= 3600


def test_an_injected_fault_hits_any_endpoint_count_times(api, sandbox):
    sandbox.inject_fault(503, count=2)

    statuses = [api.get(f"{BASE}/Campaigns").status_code, create(api).status_code, api.get(f"{BASE}/Deals").status_code]

    assert statuses == [503, 503, 200]
    assert api.get(f"{BASE}/PromoCodes").json()["@total"] == str(SEEDED_TOTAL)  # the failed POST created nothing


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("<html>oops</html>", "text/html"), ('{"PromoCodes": ', "application/json")],
)
def test_an_injected_body_is_sent_raw_with_status_200(api, sandbox, body, content_type):
    sandbox.inject_fault(body=body)

    response = api.get(f"{BASE}/PromoCodes")

    assert response.status_code == 200
    assert response.text == body
    assert response.headers["content-type"].startswith(content_type)


def test_an_injected_body_can_come_with_a_status(api, sandbox):
    sandbox.inject_fault(502, body="<html><h1>502 Bad Gateway</h1></html>")

    response = api.get(f"{BASE}/PromoCodes")

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


def test_injected_latency_delays_a_normal_answer(api, sandbox):
    sandbox.inject_fault(latency_ms=500)

    started = time.monotonic()
    slow = api.get(f"{BASE}/Campaigns")
    slow_seconds = time.monotonic() - started
    started = time.monotonic()
    api.get(f"{BASE}/Campaigns")
    fast_seconds = time.monotonic() - started

    assert slow.status_code == 200
    assert slow_seconds >= 0.5
    assert fast_seconds < 0.5  # the delay was for one request only


def test_latency_ms_delays_every_answer(api, sandbox):
    sandbox.latency_ms = 150

    started = time.monotonic()
    api.get(f"{BASE}/Campaigns")
    api.get(f"{BASE}/Deals")

    assert time.monotonic() - started >= 0.3


def test_clear_faults_drops_queued_faults(api, sandbox):
    sandbox.inject_fault(500, count=5)
    sandbox.clear_faults()

    assert api.get(f"{BASE}/Campaigns").status_code == 200


def test_inject_fault_rejects_a_status_that_is_not_http():
    with pytest.raises(ValueError):
        SandboxApp(today=TODAY).inject_fault(1200)


# --- Request log and reset ----------------------------------------------------------------------


def test_it_records_every_request_in_order(api, sandbox):
    api.get(f"{BASE}/PromoCodes", params={"CampaignId": "1000", "Code": "Zoë"})
    create(api, Code="LOGGED1")
    with client_for(sandbox, auth=None) as anonymous:
        anonymous.delete(f"{BASE}/PromoCodes/{WELCOME10}")

    listed, created, refused = sandbox.requests
    assert (listed.method, listed.path, listed.query) == ("GET", f"{BASE}/PromoCodes", {"CampaignId": ["1000"], "Code": ["Zoë"]})
    assert (created.method, created.form["Code"], created.form["CampaignId"]) == ("POST", ["LOGGED1"], ["1000"])
    assert created.content_type == "application/x-www-form-urlencoded"
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert created.authorization == expected
    assert (refused.method, refused.authorization) == ("DELETE", None)
    assert expected not in repr(created)  # credentials stay out of test failure output


def test_reset_restores_the_seed_and_clears_log_and_faults(api, sandbox):
    seeded = api.get(f"{BASE}/PromoCodes").content
    create(api, Code="GONE1")
    api.delete(f"{BASE}/PromoCodes/{WELCOME10}")
    sandbox.inject_fault(500, count=3)

    sandbox.reset()

    assert sandbox.requests == []
    assert api.get(f"{BASE}/PromoCodes").content == seeded
    assert create(api, Code="AGAIN1").json()["Uri"].endswith(str(FIRST_NEW_ID))


# --- Concurrency --------------------------------------------------------------------------------


def test_concurrent_creates_get_distinct_ids(sandbox):
    results = []

    def worker(n: int) -> None:
        with client_for(sandbox) as api:
            for i in range(5):
                results.append(create(api, Code=f"THREAD{n}X{i}"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in results] == [200] * 40
    new_ids = {r.json()["Uri"] for r in results}
    assert len(new_ids) == 40
    assert len(sandbox.requests) == 40


def test_racing_creates_of_one_code_let_exactly_one_win(sandbox):
    barrier, statuses = threading.Barrier(8), []

    def worker() -> None:
        with client_for(sandbox) as api:
            barrier.wait()
            statuses.append(create(api, Code="RACE1").status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [400] * 7


# --- Determinism and seed -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["PromoCodes?PageSize=1000", "Campaigns", "MediaPartners", "Deals"])
def test_the_same_today_gives_the_same_data(path):
    with client_for(SandboxApp(today=TODAY)) as first, client_for(SandboxApp(today=TODAY)) as second:
        assert first.get(f"{BASE}/{path}").content == second.get(f"{BASE}/{path}").content


def test_another_today_moves_the_dates_but_not_the_codes():
    with client_for(SandboxApp(today=TODAY)) as first, client_for(SandboxApp(today=TODAY + timedelta(days=40))) as later:
        now = first.get(f"{BASE}/PromoCodes/{WELCOME10}").json()
        moved = later.get(f"{BASE}/PromoCodes/{WELCOME10}").json()

    assert now["Code"] == moved["Code"]
    assert datetime.fromisoformat(moved["StartDate"]).date() - datetime.fromisoformat(now["StartDate"]).date() == (
        timedelta(days=40))


def test_today_defaults_to_the_pacific_date():
    # Not the UTC date: from 00:00 to 08:00 UTC the two differ, and seeded "yesterday" must be past.
    before = to_pacific(datetime.now(UTC)).date()
    today = SandboxApp().today
    assert today in (before, to_pacific(datetime.now(UTC)).date())


@pytest.fixture
def seeded(api):
    return list_all(api, "PromoCodes", "PromoCodes")


def test_the_seed_is_big_and_varied(api, seeded):
    assert len(seeded) >= 150
    assert len({c["CampaignId"] for c in seeded}) >= 3
    assert len(list_all(api, "MediaPartners", "Partners")) >= 30
    assert {c["Type"] for c in seeded} == {"LI", "RE"}
    assert {c["CreditPolicy"] for c in seeded} == {"ALWAYS", "INVOLVED", "WINNER"}
    assert {c["State"] for c in seeded} == {"ACTIVE", "INACTIVE"}
    assert all(re.compile(c["Code"]) for c in seeded if c["Type"] == "RE")


def test_the_seed_has_every_kind_of_window(seeded):
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)

    def start(c):
        return datetime.fromisoformat(c["StartDate"]) if c["StartDate"] else None

    def end(c):
        return datetime.fromisoformat(c["EndDate"]) if c["EndDate"] else None

    assert any(start(c) and start(c) > now for c in seeded), "scheduled"
    assert any(end(c) and end(c) < now and c["State"] == "ACTIVE" for c in seeded), "ended but still ACTIVE"
    assert any(end(c) and end(c) < now and c["State"] == "INACTIVE" for c in seeded), "ended and INACTIVE"
    assert any(end(c) is None for c in seeded), "no end date"
    assert any(start(c) is None for c in seeded), "no start date"


def test_the_seed_sends_dates_in_several_offsets(seeded):
    def offset(raw: str) -> str:
        return "Z" if raw.endswith("Z") else raw[-6:]

    sent = {offset(c[name]) for c in seeded for name in ("CreatedDate", "StartDate", "EndDate") if c[name]}
    assert sent == {"-08:00", "-07:00", "+02:00", "+05:30", "+09:00", "-03:00", "Z"}


def test_some_seeded_dates_fall_on_another_day_in_pacific_time(api):
    shipfree = api.get(f"{BASE}/PromoCodes/{SHIPFREE}").json()
    cafe = api.get(f"{BASE}/PromoCodes/{CAFE5EUR}").json()

    # SHIPFREE ends at 05:00 in +09:00: 12:00 the day before in California.
    assert shipfree["EndDate"] == "2027-02-23T05:00:00+09:00"
    assert to_pacific(datetime.fromisoformat(shipfree["EndDate"])).isoformat() == "2027-02-22T12:00:00-08:00"
    # CAFE5EUR starts at midnight in +02:00: 14:00 the day before in California.
    assert cafe["StartDate"] == "2026-11-15T00:00:00+02:00"
    assert to_pacific(datetime.fromisoformat(cafe["StartDate"])).isoformat() == "2026-11-14T14:00:00-08:00"
    assert api.get(f"{BASE}/PromoCodes/{SPRINGREADS}").json()["EndDate"] == "2026-11-23T23:59:59Z"


def test_the_seed_has_every_kind_of_deal(seeded):
    fixed = [c for c in seeded if c["DealType"] == "GENERAL_SALE" and c["DiscountType"] == "FIXED"]
    assert {c["DiscountCurrency"] for c in fixed} >= {"USD", "EUR", "GBP"}
    assert all(isinstance(c["DiscountAmount"], float) for c in fixed)
    assert any(c["DiscountType"] == "PERCENT" for c in seeded)
    assert any(c["MinimumPurchaseAmount"] is not None for c in seeded)
    assert any(c["MaximumSavingsAmount"] is not None for c in seeded)
    bogo = [c for c in seeded if c["DealType"] == "BOGO"]
    assert bogo and all(c["BogoBuyQuantity"] and c["BogoBuyName"] and c["BogoGetQuantity"] and c["BogoGetName"]
                        and c["BogoGetDiscountType"] for c in bogo)
    assert "FREE" in {c["BogoGetDiscountType"] for c in bogo}
    assert any(c["DealType"] == "FREE_SHIPPING" for c in seeded)
    no_deal = [c for c in seeded if c["DealId"] is None and c["DealName"] is None]
    assert no_deal and all(c[k] is None for c in no_deal for k in c if k.startswith(("Deal", "Discount")))


def test_money_has_at_most_two_decimals(seeded):
    money = [c[k] for c in seeded for k in ("DiscountAmount", "MinimumPurchaseAmount", "MaximumSavingsAmount")
             if c[k] is not None]
    assert money and all(round(value, 2) == value for value in money)


def test_the_seed_has_non_ascii_names(api, seeded):
    assert "Café Crème Rewards" in {c["CampaignName"] for c in seeded}
    assert {"Zoë's Deals", "Ångström Outdoors"} <= {c["AssignedPartnerName"] for c in seeded}


def test_seeded_active_codes_do_not_clash(seeded):
    keys = [(c["CampaignId"], c["Code"].casefold()) for c in seeded if c["State"] == "ACTIVE"]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("promo_code_id", "expected"),
    [
        (WELCOME10, {"Code": "WELCOME10", "CampaignId": 1000, "DiscountType": "PERCENT", "DiscountPercent": 10,
                     "DiscountCurrency": "USD", "MinimumPurchaseAmount": 50.0, "MaximumSavingsAmount": 20.0}),
        (ANVILBOGO, {"Code": "ANVILBOGO", "DealType": "BOGO", "BogoGetDiscountType": "FREE"}),
        (SHIPFREE, {"Code": "SHIPFREE", "DealType": "FREE_SHIPPING", "CreditPolicy": "WINNER"}),
        (CAFE5EUR, {"Code": "CAFE5EUR", "DealName": "€5.00 off", "DiscountAmount": 5.0, "DiscountCurrency": "EUR"}),
        (PLAINCODE, {"Code": "PLAINCODE", "DealId": None, "StartDate": None, "EndDate": None}),
        (SUMMER_RE, {"Code": r"^SUMMER\d{2}$", "Type": "RE", "State": "ACTIVE"}),
        (SPRINGREADS, {"Code": "SPRINGREADS", "State": "INACTIVE", "DiscountCurrency": "GBP"}),
        (LASTCALL, {"Code": "LASTCALL", "State": "ACTIVE", "DiscountPercent": 12.5}),
        (VIPPERKS, {"Code": "VIPPERKS", "DealId": None, "DealName": "VIP partner perks"}),
        (SAVERS20, {"Code": "SAVERS20", "State": "INACTIVE", "AssignedPartnerName": "Saver's Corner"}),
    ],
)
def test_the_fixed_codes_are_as_documented(api, promo_code_id, expected):
    code = api.get(f"{BASE}/PromoCodes/{promo_code_id}").json()

    assert {key: code[key] for key in expected} == expected


def test_every_name_a_code_shows_matches_the_picker_lists(api, seeded):
    campaigns = {c["Id"]: c for c in list_all(api, "Campaigns", "Campaigns")}
    deals = {d["Id"]: d for d in list_all(api, "Deals", "Deals")}
    partners_by_campaign = {
        campaign_id: {int(p["Id"]): p for p in list_all(api, "MediaPartners", "Partners", CampaignId=str(campaign_id))}
        for campaign_id in campaigns
    }

    for code in seeded:
        assert campaigns[code["CampaignId"]]["Name"] == code["CampaignName"]
        partner = partners_by_campaign[code["CampaignId"]][code["AssignedPartnerId"]]
        assert partner["Name"] == code["AssignedPartnerName"]
        if code["DealId"] is not None:
            deal = deals[code["DealId"]]
            assert deal["CampaignId"] == code["CampaignId"]
            assert (deal["Name"], deal["State"], deal["Type"], deal["Scope"]) == (
                code["DealName"], code["DealState"], code["DealType"], code["DealScope"])
            assert (deal["StartDate"], deal["EndDate"]) == (code["DealStartDate"], code["DealEndDate"])
            assert (deal["DiscountType"], deal["DiscountAmount"], deal["DiscountPercent"]) == (
                code["DiscountType"], code["DiscountAmount"], code["DiscountPercent"])


def test_the_sandbox_does_not_import_django():
    code = "import sys, promoadmin.impact.sandbox; print('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"


# --- Over real HTTP -----------------------------------------------------------------------------


def test_it_serves_over_http_to_many_connections_at_once():
    latency_seconds, connections = 0.5, 64
    app = SandboxApp(today=TODAY, latency_ms=int(latency_seconds * 1000))
    server = serve_sandbox(app, port=0)
    base_url = f"http://127.0.0.1:{server.port}"
    statuses = []
    # One client shared by all threads: building an httpx.Client costs a TLS context each time.
    limits = httpx.Limits(max_connections=connections)
    with httpx.Client(base_url=base_url, auth=(SID, TOKEN), timeout=30, limits=limits) as client:

        def fetch() -> None:
            statuses.append(client.get(f"{BASE}/PromoCodes/{WELCOME10}").status_code)

        threads = [threading.Thread(target=fetch) for _ in range(connections)]
        started = time.monotonic()
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            elapsed = time.monotonic() - started
            server.shutdown()

    assert statuses == [200] * connections
    # One after another would take connections * latency (32 s); side by side, about one latency.
    assert elapsed < connections * latency_seconds / 4
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/", timeout=2)


def test_the_management_command_serves_until_interrupted(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "promoadmin.settings",
           "IMPACT_ACCOUNT_SID": "", "IMPACT_AUTH_TOKEN": ""}
    command = [sys.executable, "manage.py", "sandbox", "--port", "0", "--sid", "IRcommandtest0000001",
               "--token", "command-token", "--today", "2026-11-25"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline(), process.stdout.readline()]
        match = re.search(r"IMPACT_API_BASE_URL=(\S+) IMPACT_ACCOUNT_SID=(\S+) IMPACT_AUTH_TOKEN=(\S+)", lines[1])
        if not match:
            process.kill()
            process.wait(timeout=10)
            pytest.fail(f"no settings line in {lines!r}; stderr:\n{process.stderr.read()}")
        base_url, sid, token = match.groups()
        response = httpx.get(f"{base_url}/Advertisers/{sid}/PromoCodes/{WELCOME10}", auth=(sid, token), timeout=5)
        assert response.json()["Code"] == "WELCOME10"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0, process.stderr.read()
