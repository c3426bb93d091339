"""ImpactClient against the sandbox (success paths) and against scripted transports (every failure)."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.errors import (
    ImpactError,
    ImpactForbidden,
    ImpactNotFound,
    ImpactRateLimited,
    ImpactTimeout,
    ImpactUnauthorized,
    ImpactUnavailable,
    ImpactValidationError,
)
from promoadmin.impact.parsed_answers import ParsedAnswers
from promoadmin.impact.records import NewPromoCode, PromoCode, PromoCodeFilters
from promoadmin.impact.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SandboxApp, serve_sandbox
from promoadmin.impact.sandbox.transport import SandboxTransport

TOKEN = DEFAULT_AUTH_TOKEN
PACIFIC = timezone(timedelta(hours=-8))


def sandbox_client(sandbox: SandboxApp, **kwargs) -> ImpactClient:
    kwargs.setdefault("backoff_seconds", 0.01)
    return ImpactClient(
        DEFAULT_ACCOUNT_SID, TOKEN, base_url="http://sandbox.invalid", transport=SandboxTransport(app=sandbox), **kwargs
    )


def scripted_client(handler, **kwargs) -> ImpactClient:
    """A client whose upstream is `handler(request) -> httpx.Response` (or raises a transport error)."""
    kwargs.setdefault("backoff_seconds", 0.01)
    return ImpactClient("SID123", "secret-token-xyz", base_url="https://api.example", transport=httpx.MockTransport(handler), **kwargs)


def new_code(**overrides) -> NewPromoCode:
    values = dict(assigned_partner_id=0, campaign_id=1000, credit_policy="INVOLVED", code="NEWCODE1", type="LI")
    values.update(overrides)
    return NewPromoCode(**values)


def joined_partner(client: ImpactClient, campaign_id: int = 1000) -> int:
    return client.list_partners(campaign_id)[0].id


# --- success paths against the sandbox ---------------------------------------------------------


def test_it_lists_a_page_with_typed_records(sandbox):
    client = sandbox_client(sandbox)
    page = client.list_promo_codes(page=1, page_size=20)
    assert page.number == 1 and page.page_size == 20
    assert page.total >= 150 and page.num_pages == -(-page.total // 20)
    assert len(page.items) == 20 and page.has_next and not page.has_previous
    assert all(isinstance(item, PromoCode) for item in page.items)
    assert all(item.created_date is None or item.created_date.tzinfo for item in page.items)


def test_it_sends_each_filter_under_its_api_name(sandbox):
    client = sandbox_client(sandbox)
    start = datetime(2026, 11, 1, tzinfo=PACIFIC)
    end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=PACIFIC)
    client.list_promo_codes(PromoCodeFilters(campaign_id=1000, code="welcome10", state="ACTIVE", start=start, end=end), page=2, page_size=25)
    query = sandbox.requests[-1].query
    assert query == {
        "CampaignId": ["1000"],
        "Code": ["welcome10"],
        "State": ["ACTIVE"],
        "StartDate": ["2026-11-01T00:00:00-08:00"],
        "EndDate": ["2026-11-30T23:59:59-08:00"],
        "Page": ["2"],
        "PageSize": ["25"],
    }


def test_it_finds_a_code_and_parses_its_deal(sandbox):
    client = sandbox_client(sandbox)
    [welcome] = client.list_promo_codes(PromoCodeFilters(code="WELCOME10")).items
    promo = client.get_promo_code(welcome.id)
    assert promo.code == "WELCOME10" and promo.campaign_id == 1000
    assert promo.deal is not None and promo.deal.discount.percent == Decimal("10")
    assert promo.deal.discount.summary == "10% off orders over $50.00, up to $20.00 saved"


def test_it_creates_with_a_form_encoded_body_and_returns_the_new_id(sandbox):
    client = sandbox_client(sandbox)
    partner_id = joined_partner(client)
    new_id = client.create_promo_code(
        new_code(assigned_partner_id=partner_id, start_date=datetime(2026, 12, 1, tzinfo=PACIFIC))
    )
    post = [r for r in sandbox.requests if r.method == "POST"][-1]
    assert post.content_type.startswith("application/x-www-form-urlencoded")
    assert post.form == {
        "AssignedPartnerId": [str(partner_id)],
        "CampaignId": ["1000"],
        "CreditPolicy": ["INVOLVED"],
        "Code": ["NEWCODE1"],
        "Type": ["LI"],
        "StartDate": ["2026-12-01T00:00:00-08:00"],
    }
    created = client.get_promo_code(new_id)
    assert created.code == "NEWCODE1" and created.state == "ACTIVE" and created.assigned_partner_id == partner_id


def test_it_expires_a_code(sandbox):
    client = sandbox_client(sandbox)
    [welcome] = client.list_promo_codes(PromoCodeFilters(code="WELCOME10")).items
    client.expire_promo_code(welcome.id)
    assert client.get_promo_code(welcome.id).state == "INACTIVE"
    assert [r.method for r in sandbox.requests].count("DELETE") == 1


def test_it_reports_upstream_validation_errors_per_field(sandbox):
    client = sandbox_client(sandbox)
    with pytest.raises(ImpactValidationError) as caught:
        client.create_promo_code(new_code(assigned_partner_id=999999999, campaign_id=424242))
    assert "CampaignId" in caught.value.field_errors
    assert caught.value.upstream_status == 400


def test_it_raises_not_found_for_an_unknown_id(sandbox):
    with pytest.raises(ImpactNotFound):
        sandbox_client(sandbox).get_promo_code(987654321)


def test_it_raises_unauthorized_on_wrong_credentials(sandbox):
    client = ImpactClient(DEFAULT_ACCOUNT_SID, "wrong-token", base_url="http://sandbox.invalid", transport=SandboxTransport(app=sandbox))
    with pytest.raises(ImpactUnauthorized) as caught:
        client.list_promo_codes()
    assert "IMPACT_AUTH_TOKEN" in caught.value.message  # tells the admin what to check...
    assert "wrong-token" not in str(caught.value)  # ...without repeating the secret


def test_it_remembers_the_rate_limit_budget(sandbox):
    client = sandbox_client(sandbox)
    client.list_promo_codes()
    first = client.rate_limit
    client.list_promo_codes(page=2)
    assert first.limit == 1000
    assert client.rate_limit.remaining < first.remaining  # (other tests' stray threads may also count)


def test_the_look_up_lists_are_typed(sandbox):
    client = sandbox_client(sandbox)
    campaigns = client.list_campaigns()
    assert {c.id for c in campaigns} >= {1000} and all(c.name for c in campaigns)
    partners = client.list_partners(1000)
    assert partners and all(p.name for p in partners)
    deals = client.list_deals(1000)
    assert deals and all(d.campaign_id == 1000 for d in deals)


def test_iter_promo_codes_walks_every_page_one_request_each(sandbox):
    client = sandbox_client(sandbox)
    total = client.list_promo_codes().total
    before = len(sandbox.requests)
    codes = list(client.iter_promo_codes(page_size=40))
    assert len(codes) == total and len({c.id for c in codes}) == total
    assert len(sandbox.requests) - before == -(-total // 40)


# --- failures from the sandbox's fault injection ------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_gets_retry_5xx_a_bounded_number_of_times(sandbox, status):
    client = sandbox_client(sandbox, max_attempts=3)
    sandbox.inject_fault(status, count=10)
    with pytest.raises(ImpactUnavailable) as caught:
        client.list_promo_codes()
    assert len(sandbox.requests) == 3
    assert caught.value.upstream_status == status


def test_a_get_succeeds_when_the_fault_clears_within_the_retries(sandbox):
    client = sandbox_client(sandbox, max_attempts=3)
    sandbox.inject_fault(503, count=2)
    assert client.list_promo_codes().total >= 150
    assert len(sandbox.requests) == 3


def test_a_post_answered_with_500_was_sent_exactly_once(sandbox):
    client = sandbox_client(sandbox, max_attempts=3)
    partner_id = joined_partner(client)
    before = len(sandbox.requests)
    sandbox.inject_fault(500, count=5)
    with pytest.raises(ImpactUnavailable):
        client.create_promo_code(new_code(assigned_partner_id=partner_id))
    assert [r.method for r in sandbox.requests[before:]] == ["POST"]


def test_a_delete_is_retried_because_expiring_twice_is_harmless(sandbox):
    client = sandbox_client(sandbox, max_attempts=3)
    [welcome] = client.list_promo_codes(PromoCodeFilters(code="WELCOME10")).items
    before = len(sandbox.requests)
    sandbox.inject_fault(502, count=1)
    client.expire_promo_code(welcome.id)
    assert [r.method for r in sandbox.requests[before:]] == ["DELETE", "DELETE"]


def test_429_carries_the_reset_time_and_is_not_retried(sandbox):
    client = sandbox_client(sandbox)
    sandbox.inject_fault(429, count=5)
    with pytest.raises(ImpactRateLimited) as caught:
        client.list_promo_codes()
    assert caught.value.reset_seconds is not None and caught.value.reset_seconds > 0
    assert "Try again in" in caught.value.message
    assert len(sandbox.requests) == 1
    assert client.rate_limit.remaining == 0


def test_403_means_the_token_lacks_the_scope(sandbox):
    sandbox.inject_fault(403)
    with pytest.raises(ImpactForbidden):
        sandbox_client(sandbox).expire_promo_code(1)


@pytest.mark.parametrize("body", ["<html><body>Bad gateway</body></html>", '{"PromoCodes": [', '"just a string"', '{"PromoCodes": "nope"}'])
def test_a_body_that_is_not_the_json_expected_is_unavailable(sandbox, body):
    sandbox.inject_fault(body=body)
    with pytest.raises(ImpactUnavailable):
        sandbox_client(sandbox).list_promo_codes()


def test_a_slow_in_process_sandbox_times_out_within_the_budget(sandbox):
    client = sandbox_client(sandbox, timeout=0.5)
    sandbox.inject_fault(latency_ms=3000, count=5)
    started = time.monotonic()
    with pytest.raises(ImpactTimeout):
        client.list_promo_codes()
    assert time.monotonic() - started < 0.5 + 0.3


def test_a_slow_upstream_over_real_http_times_out_within_the_budget_retries_included():
    app = SandboxApp()
    server = serve_sandbox(app, port=0)
    try:
        client = ImpactClient(
            app.account_sid, app.auth_token, base_url=f"http://127.0.0.1:{server.port}", timeout=1.0, backoff_seconds=0.01
        )
        assert client.list_promo_codes(page_size=5).total >= 150  # works over real HTTP
        app.inject_fault(latency_ms=5000, count=10)
        started = time.monotonic()
        with pytest.raises(ImpactTimeout):
            client.list_promo_codes()
        assert time.monotonic() - started < 1.0 + 0.3
    finally:
        server.shutdown()


def test_connection_refused_is_unavailable_and_retried_with_a_bound():
    calls = []

    def refuse(request):
        calls.append(request)
        raise httpx.ConnectError("Connection refused", request=request)

    with pytest.raises(ImpactUnavailable) as caught:
        scripted_client(refuse, max_attempts=3).list_promo_codes()
    assert len(calls) == 3
    assert "could not reach" in caught.value.message


def test_a_refused_post_is_not_retried():
    calls = []

    def refuse(request):
        calls.append(request)
        raise httpx.ConnectError("Connection refused", request=request)

    with pytest.raises(ImpactUnavailable):
        scripted_client(refuse).create_promo_code(new_code(assigned_partner_id=1))
    assert len(calls) == 1


def test_the_token_never_appears_in_any_exception_text():
    outcomes = [
        httpx.Response(401, json={"Status": "ERROR", "Message": "Unauthorized"}),
        httpx.Response(403, json={"Status": "ERROR", "Message": "Forbidden"}),
        httpx.Response(404, json={"Status": "ERROR", "Message": "Not found"}),
        httpx.Response(429, headers={"X-RateLimit-Reset": "120"}, json={"Status": "ERROR", "Message": "Too many"}),
        httpx.Response(500, text="oops"),
        httpx.Response(200, text="not json"),
        httpx.Response(400, json={"Status": "ERROR", "Message": "Validation Failed", "Errors": [{"Field": "Code", "Message": "bad"}]}),
    ]
    for outcome in outcomes:
        client = scripted_client(lambda request, outcome=outcome: outcome)
        with pytest.raises(ImpactError) as caught:
            client.get_promo_code(1)
        error = caught.value
        text = " ".join([str(error), repr(error), error.message, repr(client), repr(error.__cause__ or "")])
        assert "secret-token-xyz" not in text
        assert "c2VjcmV0" not in text  # nor its base64 form from the Authorization header


def test_it_sends_basic_auth_and_asks_for_json():
    seen = {}

    def record(request):
        seen["auth"] = request.headers["Authorization"]
        seen["accept"] = request.headers["Accept"]
        seen["path"] = request.url.path
        return httpx.Response(200, json={"PromoCodes": [], "@total": "0", "@page": "1", "@numpages": "0", "@pagesize": "50"})

    page = scripted_client(record).list_promo_codes()
    assert seen["auth"] == httpx.BasicAuth("SID123", "secret-token-xyz")._auth_header
    assert seen["accept"] == "application/json"
    assert seen["path"] == "/Advertisers/SID123/PromoCodes"
    assert page.total == 0 and page.items == () and page.num_pages == 1


def test_records_are_parsed_defensively_from_strings_and_nulls():
    body = {
        "@page": "1", "@numpages": "1", "@pagesize": "50", "@total": "1",
        "PromoCodes": [{
            "Id": "77", "Code": "X1", "Type": "LI", "CreditPolicy": "WINNER", "State": "ACTIVE",
            "CampaignId": "1000", "CampaignName": None, "AssignedPartnerId": None, "AssignedPartnerName": None,
            "CreatedDate": "2026-01-15T10:00:00-08:00", "StartDate": None, "EndDate": "not a date",
            "DealId": "3", "DealName": "Deal", "DealType": "GENERAL_SALE", "DiscountType": "FIXED",
            "DiscountAmount": "5", "DiscountCurrency": "EUR", "MinimumPurchaseAmount": None, "MaximumSavingsAmount": "",
        }],
    }
    page = scripted_client(lambda request: httpx.Response(200, json=body)).list_promo_codes()
    [promo] = page.items
    assert promo.id == 77 and promo.campaign_id == 1000 and promo.assigned_partner_id is None
    assert promo.campaign_name == "" and promo.start_date is None and promo.end_date is None
    assert promo.created_date == datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
    assert promo.deal.id == 3 and promo.deal.discount.amount == Decimal("5")
    assert promo.deal.discount.summary == "€5.00 off"


def test_a_create_answer_without_an_id_says_to_look_before_retrying():
    client = scripted_client(lambda request: httpx.Response(200, json={"Status": "OK", "Uri": ""}))
    with pytest.raises(ImpactUnavailable) as caught:
        client.create_promo_code(new_code(assigned_partner_id=1))
    assert "Search for the code" in caught.value.message


# --- the shared cache ---------------------------------------------------------------------------


class DictCache:
    def __init__(self):
        self.data = {}

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value, timeout=None):
        self.data[key] = pickle.loads(pickle.dumps(value))  # like Django's caches: a copy, not the object

    def delete(self, key):
        self.data.pop(key, None)


def test_cached_reads_cost_one_request_and_writes_invalidate_them(sandbox):
    client = sandbox_client(sandbox, cache=DictCache(), cache_seconds=30)
    first = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    again = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    assert first == again and len(sandbox.requests) == 1
    client.expire_promo_code(first.items[0].id)
    after = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    assert after.items[0].state == "INACTIVE"
    assert [r.method for r in sandbox.requests] == ["GET", "DELETE", "GET"]


def test_fresh_reads_bypass_the_cache(sandbox):
    client = sandbox_client(sandbox, cache=DictCache(), cache_seconds=30)
    client.list_promo_codes()
    client.list_promo_codes(fresh=True)
    assert len(sandbox.requests) == 2


# --- answers parsed once per process -------------------------------------------------------------


def test_the_same_answer_is_parsed_once_and_a_changed_one_again(sandbox):
    client = sandbox_client(sandbox)
    first = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    again = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    assert len(sandbox.requests) == 2  # no cache configured: impact.com was asked both times
    assert again.items[0] is first.items[0]  # the same bytes: the records parsed the first time
    client.expire_promo_code(first.items[0].id)
    after = client.list_promo_codes(PromoCodeFilters(code="WELCOME10"))
    assert after.items[0].state == "INACTIVE" and first.items[0].state == "ACTIVE"


def test_an_answer_that_does_not_parse_is_neither_kept_nor_cached(sandbox):
    client = sandbox_client(sandbox, cache=DictCache(), cache_seconds=30)
    sandbox.inject_fault(body='{"PromoCodes": "nope"}')
    with pytest.raises(ImpactUnavailable):
        client.list_promo_codes()
    assert client.list_promo_codes().total > 0  # asked again, not served the bad answer
    assert len(sandbox.requests) == 2


def test_the_cache_keeps_answers_as_bytes_which_parse_to_the_same_records(sandbox):
    cache = DictCache()
    client = sandbox_client(sandbox, cache=cache, cache_seconds=30)
    first = client.get_promo_code(7000151)
    answers = [value for key, value in cache.data.items() if ":body:" in key]
    assert [type(value) for value in answers] == [bytes]
    other_process = sandbox_client(sandbox, cache=cache, cache_seconds=30)
    assert other_process.get_promo_code(7000151) == first and len(sandbox.requests) == 1


def test_parsed_answers_are_bounded_by_their_bytes_least_recently_used_first():
    answers = ParsedAnswers(max_bytes=10)
    parses = []

    def parse(body):
        parses.append(body)
        return body.decode()

    for body in (b"aaaa", b"bbbb", b"aaaa", b"cccc"):  # the second a is a hit, so b is the oldest
        answers.get("kind", body, parse)
    assert parses == [b"aaaa", b"bbbb", b"cccc"]
    answers.get("kind", b"aaaa", parse)
    answers.get("kind", b"bbbb", parse)  # dropped: parsed again
    answers.get("other kind", b"aaaa", parse)  # another kind of record is another parse
    assert parses == [b"aaaa", b"bbbb", b"cccc", b"bbbb", b"aaaa"]
    answers.get("kind", b"x" * 11, parse)  # larger than the whole store: parsed, never kept
    answers.get("kind", b"x" * 11, parse)
    assert parses[-2:] == [b"x" * 11, b"x" * 11]


def test_an_answer_too_large_to_keep_is_parsed_each_time_and_pushes_nothing_out():
    answers = ParsedAnswers(max_bytes=100, max_answer_bytes=10)
    parses = []

    def parse(body):
        parses.append(body)
        return body.decode()

    answers.get("page", b"small", parse)
    answers.get("scan", b"y" * 11, parse)
    answers.get("scan", b"y" * 11, parse)
    answers.get("page", b"small", parse)
    assert parses == [b"small", b"y" * 11, b"y" * 11]


def test_query_params_are_form_encoded_not_json(sandbox):
    client = sandbox_client(sandbox)
    partner_id = joined_partner(client)
    client.create_promo_code(new_code(assigned_partner_id=partner_id, code="A&B=C"))
    raw = [r for r in sandbox.requests if r.method == "POST"][-1].form
    assert raw["Code"] == ["A&B=C"]


@pytest.mark.parametrize(
    ("sent", "limit", "words"),
    [(1, 1, "Once per order"), ("3", 3, "Up to 3 times per order"), (0, 0, "No limit per order (impact.com sends 0)"),
     (None, None, "Not sent by impact.com"), ("many", None, "Not sent by impact.com")],
)
def test_the_purchase_limit_is_parsed_and_put_in_words(sent, limit, words):
    deal = PromoCode.from_api({"Id": 1, "DealId": 5, "PurchaseLimitQuantity": sent}).deal

    assert (deal.purchase_limit, deal.purchase_limit_summary) == (limit, words)


@pytest.mark.parametrize(
    ("sent", "synch_ads", "words"),
    [(True, True, "yes"), (False, False, "no"), ("true", True, "yes"), ("0", False, "no"),
     (None, None, "not sent by impact.com"), ("maybe", None, "not sent by impact.com")],
)
def test_synch_ads_is_parsed_and_put_in_words(sent, synch_ads, words):
    promo = PromoCode.from_api({"Id": 1, "SynchAdsPromoCodes": sent})

    assert (promo.synch_ads, promo.synch_ads_summary) == (synch_ads, words)
