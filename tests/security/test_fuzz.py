"""Hostile input, fuzzed: whatever arrives in a query string or a form, promoadmin answers without a
5xx and never sends impact.com a value it would not accept.

Every request the sandbox records during an example is checked against impact.com's rules: ids are
positive integers, State, Type and CreditPolicy are in their enums, dates are ISO 8601 date-times with
an offset, and a code has no control characters and at most 255 characters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MAX_ID = 10**12
INT_PARAMS = {"CampaignId", "AssignedPartnerId", "DealId", "Page", "PageSize"}
ENUMS = {
    "State": {"ACTIVE", "INACTIVE"},
    "Type": {"LI", "RE"},
    "CreditPolicy": {"ALWAYS", "INVOLVED", "WINNER"},
}
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2}")
FUZZ = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # no examples carried between runs: every run is the same size
)

HOSTILE = [
    "", " ", "0", "-1", "00", "007", "1e3", "1.5", "0x10", "+5", "1_000", "٣", "１２", "1 000", " 1000 ",
    "9" * 19, "9" * 30, "9" * 5000, str(2**63), str(MAX_ID), str(MAX_ID + 1), "-" + "9" * 20, "NaN", "inf",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "1; DROP TABLE users",
    "\x00", "a\x00b", "1000\x00", "%00", "\u202e", "\ufeff", "\u200bCODE", "\ud7ff", "\U0010ffff", "\x7f", "\t",
    "\r\nSet-Cookie: x=1", "../../etc/passwd", "{{7*7}}", "${7*7}", "{% debug %}", "😀" * 100,
    "a" * 255, "a" * 256, "a" * 10_000, "ACTIVE", "active", "INACTIVE", "ACTIVE ", "ALL", "ACTIVE\x00",
    "LI", "RE", "li", "ALWAYS", "WINNER", "INVOLVED", "NEVER",
    "2026-01-01", "2026-02-30", "2026-13-01", "0001-01-01", "1883-11-18", "1900-01-01", "9999-12-31",
    "2026-1-1", "2026-01-01T00:00:00", "2026-01-01T00:00:00+99:00", "01/02/2026", "now",
    "[a-z", "(a+)+$", "^SUMMER\\d{2}$", "*", "1000,1001", "1000&campaign_id=1001",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.integers().map(str),
    st.integers(min_value=1, max_value=10**15).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.binary(max_size=20).map(lambda raw: raw.decode("latin-1")),
)
LIST_PARAMS = ["campaign_id", "code", "state", "start_date", "end_date", "page", "page_size"]
PARAM_NAMES = st.one_of(
    st.sampled_from(LIST_PARAMS),
    st.sampled_from(["view", "q", "next", "csrfmiddlewaretoken", "Page", "CampaignId", "campaign_id[]", ""]),
    st.sampled_from(["form_token", "action", "confirm_overlap", "samples"]),
    st.text(max_size=12),
)


def _control_free(text: str) -> bool:
    return not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in text)


def assert_valid_upstream(requests) -> None:
    """Each request impact.com got is one it would accept as to form (it may still refuse the content)."""
    for request in requests:
        match = re.fullmatch(r"/Advertisers/[^/]+/(?P<resource>[A-Za-z]+)(?:/(?P<item>[^/]+))?", request.path)
        assert match, request.path
        if match["item"] is not None:
            assert match["resource"] == "PromoCodes" and re.fullmatch(r"[1-9][0-9]*", match["item"]), request.path
            assert int(match["item"]) <= MAX_ID
        for source in (request.query, request.form):
            for name, values in source.items():
                assert len(values) == 1, f"{name} sent {len(values)} times"
                value = values[0]
                where = f"{request.method} {request.path} {name}={value!r}"
                if name in INT_PARAMS:
                    assert re.fullmatch(r"[1-9][0-9]*", value) and int(value) <= MAX_ID, where
                elif name in ENUMS and match["resource"] == "PromoCodes":
                    assert value in ENUMS[name], where
                elif name in ("StartDate", "EndDate"):
                    assert ISO_WITH_OFFSET.fullmatch(value), where
                    assert datetime.fromisoformat(value).utcoffset() is not None, where
                elif name in ("Code", "DealName", "Name"):
                    assert value == value.strip() and value, where
                    assert _control_free(value) and len(value) <= 255, where
        if request.method == "POST":
            assert match["resource"] == "PromoCodes" and match["item"] is None
            for required in ("AssignedPartnerId", "CampaignId", "CreditPolicy", "Code", "Type"):
                assert required in request.form, f"POST without {required}"


@pytest.fixture
def fuzz_sandbox(sandbox, settings):
    # Thousands of examples (an expire alone reads, deletes and reads back): the account's hourly
    # budget and each person's share of it are other tests' business.
    sandbox.rate_limit = 10**9
    settings.IMPACT_USER_BUDGET = settings.IMPACT_ADMIN_BUDGET = 10**9
    return sandbox


@FUZZ
@given(params=st.lists(st.tuples(PARAM_NAMES, VALUES), max_size=10), htmx=st.booleans())
def test_it_survives_any_list_query_string(params, htmx, viewer_client, fuzz_sandbox):
    seen = len(fuzz_sandbox.requests)
    headers = {"HX-Request": "true"} if htmx else {}

    response = viewer_client.get("/promo-codes/?" + urlencode(params), headers=headers)

    assert response.status_code < 500, (response.status_code, params)
    assert response.status_code in (200, 302, 400), (response.status_code, params)
    assert_valid_upstream(fuzz_sandbox.requests[seen:])


def _field(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Half the time a value impact.com could take, else anything: most examples reach the upstream."""
    return st.one_of(valid, VALUES)


CREATE_FORM = st.fixed_dictionaries(
    {
        "campaign_id": _field(st.sampled_from(["1000", "1001", "1002", "1003", "1004"])),
        "assigned_partner_id": _field(st.sampled_from(["2552842", "2552907", "2553118", "2559901"])),
        "code": _field(st.from_regex(r"[A-Z][A-Z0-9]{2,15}", fullmatch=True)),
        "type": _field(st.sampled_from(["LI", "RE"])),
        "credit_policy": _field(st.sampled_from(["ALWAYS", "INVOLVED", "WINNER"])),
        "start_date": _field(st.sampled_from(["", "2026-06-01", "2030-01-01"])),
        "end_date": _field(st.sampled_from(["", "2026-12-31", "2031-01-01"])),
        "deal_id": _field(st.sampled_from(["", "401", "402", "411"])),
        "deal_name": _field(st.sampled_from(["", "Summer sale"])),
    }
)


@settings(FUZZ, max_examples=350)
@given(
    form=CREATE_FORM,
    extra=st.lists(st.tuples(PARAM_NAMES, VALUES), max_size=4),
    htmx=st.booleans(),
)
def test_it_survives_any_create_form(form, extra, htmx, editor_client, fuzz_sandbox):
    seen = len(fuzz_sandbox.requests)
    data: dict[str, list[str]] = {name: [value] for name, value in form.items()}
    for name, value in extra:  # repeated and unknown fields
        data.setdefault(name, []).append(value)
    headers = {"HX-Request": "true"} if htmx else {}

    response = editor_client.post("/promo-codes/new/", data, headers=headers)

    assert response.status_code < 500, (response.status_code, data)
    sent = fuzz_sandbox.requests[seen:]
    assert_valid_upstream(sent)
    assert len([r for r in sent if r.method == "POST"]) <= 1  # one submission, at most one create


@settings(FUZZ, max_examples=150)
@given(promo_code_id=st.from_regex(r"[0-9]{1,25}", fullmatch=True), htmx=st.booleans())
def test_it_survives_any_promo_code_id(promo_code_id, htmx, editor_client, fuzz_sandbox):
    seen = len(fuzz_sandbox.requests)
    headers = {"HX-Request": "true"} if htmx else {}

    detail = editor_client.get(f"/promo-codes/{promo_code_id}/", headers=headers)
    expire = editor_client.post(f"/promo-codes/{promo_code_id}/expire/", headers=headers)

    assert detail.status_code in (200, 404), detail.status_code
    assert expire.status_code in (200, 302, 404), expire.status_code
    assert_valid_upstream(fuzz_sandbox.requests[seen:])
