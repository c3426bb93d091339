"""The look-up lists behind the pickers: ImpactClient.list_campaigns / list_partners / list_deals.

Against the sandbox for what impact.com sends, against scripted transports for paging, and through
the app's own client (Django's cache, IMPACT_LOOKUP_CACHE_SECONDS) for the cache. Every claim about
how many calls reach impact.com is checked in the sandbox's request log.
"""

from __future__ import annotations

import json

import httpx
import pytest

from promoadmin.impact.client import MAX_LOOKUP_PAGES, ImpactClient
from promoadmin.impact.errors import ImpactForbidden, ImpactRateLimited, ImpactUnavailable
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import Campaign, DealChoice, NewPromoCode, Partner
from promoadmin.impact.sandbox.seed import CAMPAIGNS, DEALS, PARTNERS


def lookup_requests(sandbox, resource: str | None = None) -> list:
    return [
        r for r in sandbox.requests
        if r.path.rsplit("/", 1)[-1] in ((resource,) if resource else ("Campaigns", "MediaPartners", "Deals"))
    ]


def paged_client(pages: dict[str, list[dict]], key: str, seen: list) -> ImpactClient:
    """A client whose upstream serves `pages[path]` one page per request, with impact's paging fields."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        items = pages[request.url.path.rsplit("/", 1)[-1]]
        number = int(request.url.params["Page"])
        size = 2
        num_pages = max(1, -(-len(items) // size))
        shown = items[(number - 1) * size: number * size]
        return httpx.Response(200, json={
            "@page": str(number), "@numpages": str(num_pages), "@pagesize": str(size),
            "@total": str(len(items)), key: shown,
        })

    return ImpactClient("SID1", "token", base_url="https://api.example", transport=httpx.MockTransport(handler), backoff_seconds=0.01)


# --- what the lists hold ------------------------------------------------------------------------


def test_it_lists_every_campaign_with_its_name_and_state(sandbox):
    campaigns = get_impact_client().list_campaigns()

    assert campaigns == [Campaign(id=row[0], name=row[1], state=row[2]) for row in CAMPAIGNS]
    [request] = lookup_requests(sandbox)
    assert (request.method, request.path.rsplit("/", 1)[-1]) == ("GET", "Campaigns")
    assert request.query == {"Page": ["1"], "PageSize": ["1000"]}


@pytest.mark.parametrize("campaign_id", [1000, 1001, 1002, 1003, 1004])
def test_partners_are_the_ones_joined_to_the_campaign(sandbox, campaign_id):
    partners = get_impact_client().list_partners(campaign_id)

    expected = sorted(row[0] for row in PARTNERS if campaign_id in row[2])
    assert [p.id for p in partners] == expected  # ids arrive as strings and are read as numbers
    assert all(isinstance(p, Partner) and p.name for p in partners)
    assert lookup_requests(sandbox)[0].query == {"CampaignId": [str(campaign_id)], "Page": ["1"], "PageSize": ["1000"]}


def test_partner_states_come_through_so_deactivated_ones_can_be_marked(sandbox):
    partners = {p.id: p for p in get_impact_client().list_partners(1000)}

    assert partners[2559901] == Partner(id=2559901, name="Saver's Corner", state="DEACTIVATED")
    assert partners[2553254].state == "ACTIVE"


def test_deals_are_the_campaigns_own_with_a_discount_summary(sandbox):
    deals = {d.id: d for d in get_impact_client().list_deals(1001)}

    assert sorted(deals) == sorted(row[0] for row in DEALS if row[1] == 1001)
    assert all(isinstance(d, DealChoice) and d.campaign_id == 1001 for d in deals.values())
    assert (deals[411].name, deals[411].type, deals[411].state) == ("€5.00 off", "GENERAL_SALE", "ACTIVE")
    assert deals[411].discount.summary == "€5.00 off"
    assert deals[413].discount.summary == "Free shipping on orders over €30.00"
    assert deals[414].discount.summary == "Buy 1 Café moulu 250 g, get 1 Café moulu 250 g at 50% off"
    assert deals[415].state == "EXPIRED"


def test_bogo_amount_deals_say_what_the_get_item_costs(sandbox):
    deals = {d.id: d for d in get_impact_client().list_deals(1003)}

    assert deals[435].discount.summary == "Buy 3 Hotel nights, get 1 Hotel night at $50.00 off"


def test_a_campaign_without_deals_or_an_unknown_one_is_an_empty_list(sandbox):
    client = get_impact_client()

    assert client.list_deals(1004) == []
    assert client.list_partners(999) == []


# --- paging -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "key", "args"),
    [
        ("list_campaigns", "Campaigns", "Campaigns", ()),
        ("list_partners", "MediaPartners", "Partners", (1000,)),
        ("list_deals", "Deals", "Deals", (1000,)),
    ],
)
def test_lists_follow_every_page_one_request_each(method, path, key, args):
    items = [{"Id": str(n), "Name": f"Item {n}", "State": "ACTIVE"} for n in range(1, 6)]
    seen: list[httpx.Request] = []
    client = paged_client({path: items}, key, seen)

    result = getattr(client, method)(*args)

    assert [item.id for item in result] == [1, 2, 3, 4, 5]
    assert [r.url.params["Page"] for r in seen] == ["1", "2", "3"]
    assert all(r.url.params["PageSize"] == "1000" for r in seen)
    if args:
        assert all(r.url.params["CampaignId"] == "1000" for r in seen)


def test_paging_stops_at_a_bound_even_if_upstream_never_says_last_page():
    seen = []

    def endless(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = request.url.params["Page"]
        return httpx.Response(200, json={"@page": page, "@numpages": "99999", "Campaigns": [{"Id": page, "Name": page}]})

    client = ImpactClient("SID1", "token", base_url="https://api.example", transport=httpx.MockTransport(endless))

    assert len(client.list_campaigns()) == MAX_LOOKUP_PAGES
    assert len(seen) == MAX_LOOKUP_PAGES


def test_an_empty_page_ends_the_walk():
    seen = []

    def liar(request):
        seen.append(request)
        return httpx.Response(200, json={"@page": request.url.params["Page"], "@numpages": "5", "Deals": []})

    client = ImpactClient("SID1", "token", base_url="https://api.example", transport=httpx.MockTransport(liar))

    assert client.list_deals(1000) == []
    assert len(seen) == 1


# --- errors ---------------------------------------------------------------------------------------


def test_a_failing_list_is_retried_a_bounded_number_of_times_then_unavailable(sandbox):
    sandbox.inject_fault(503, count=3)

    with pytest.raises(ImpactUnavailable):
        get_impact_client().list_campaigns()
    assert len(lookup_requests(sandbox, "Campaigns")) == 3


def test_a_list_recovers_when_the_fault_clears_within_the_retries(sandbox):
    sandbox.inject_fault(502, count=1)

    assert len(get_impact_client().list_deals(1000)) == 6
    assert len(lookup_requests(sandbox, "Deals")) == 2


@pytest.mark.parametrize(("status", "error"), [(429, ImpactRateLimited), (403, ImpactForbidden)])
def test_refusals_are_raised_at_once(sandbox, status, error):
    sandbox.inject_fault(status)

    with pytest.raises(error):
        get_impact_client().list_partners(1000)
    assert len(sandbox.requests) == 1


def test_a_body_that_is_not_a_list_is_unavailable(sandbox):
    sandbox.inject_fault(body=json.dumps({"@page": "1", "Campaigns": {"not": "a list"}}))

    with pytest.raises(ImpactUnavailable):
        get_impact_client().list_campaigns()


def test_a_failed_list_is_not_cached(sandbox):
    sandbox.inject_fault(503, count=3)
    client = get_impact_client()
    with pytest.raises(ImpactUnavailable):
        client.list_campaigns()

    assert len(client.list_campaigns()) == 5
    assert len(lookup_requests(sandbox, "Campaigns")) == 4


# --- the cache: one upstream call per list per cache period --------------------------------------


def test_each_list_costs_one_call_per_cache_period(sandbox, settings):
    assert settings.IMPACT_LOOKUP_CACHE_SECONDS > 0
    client = get_impact_client()

    for _ in range(3):
        client.list_campaigns()
        client.list_partners(1000)
        client.list_deals(1000)

    assert [r.path.rsplit("/", 1)[-1] for r in sandbox.requests] == ["Campaigns", "MediaPartners", "Deals"]


def test_the_cache_is_shared_by_every_client_of_the_process_and_workers(sandbox):
    from promoadmin.impact.factory import build_impact_client

    get_impact_client().list_partners(1000)
    another_worker = build_impact_client()  # same Django cache, like another gunicorn worker

    assert another_worker.list_partners(1000) == get_impact_client().list_partners(1000)
    assert len(sandbox.requests) == 1


def test_each_campaign_is_cached_on_its_own(sandbox):
    client = get_impact_client()

    client.list_partners(1000)
    client.list_partners(1001)
    client.list_partners(1000)

    assert [r.query["CampaignId"] for r in lookup_requests(sandbox)] == [["1000"], ["1001"]]


def test_fresh_asks_again_and_refreshes_the_kept_copy(sandbox):
    client = get_impact_client()
    client.list_campaigns()

    client.list_campaigns(fresh=True)
    client.list_campaigns()

    assert len(lookup_requests(sandbox, "Campaigns")) == 2


def test_writes_do_not_drop_the_lookups(sandbox):
    client = get_impact_client()
    partner = client.list_partners(1000)[0]
    client.list_deals(1000)

    client.create_promo_code(NewPromoCode(
        assigned_partner_id=partner.id, campaign_id=1000, credit_policy="INVOLVED", code="LOOKUPS1", type="LI",
    ))
    client.list_partners(1000)
    client.list_deals(1000)

    assert [r.path.rsplit("/", 1)[-1] for r in sandbox.requests] == ["MediaPartners", "Deals", "PromoCodes"]


def test_with_the_lookup_cache_off_every_call_goes_upstream(sandbox, settings):
    from promoadmin.impact import factory

    settings.IMPACT_LOOKUP_CACHE_SECONDS = 0
    factory.reset_impact_client()
    client = get_impact_client()

    client.list_campaigns()
    client.list_campaigns()

    assert len(lookup_requests(sandbox, "Campaigns")) == 2

