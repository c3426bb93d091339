"""Names, not numbers: the campaign, partner and deal pickers, through Django's test client.

Upstream call counts are read from the sandbox's request log.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from helpers import HTMX, markup, upstream_requests

from promoadmin.impact.sandbox.seed import build_seed

LIST_URL = "/promo-codes/"
CREATE_URL = "/promo-codes/new/"
SEARCH_URL = "/promo-codes/new/partners/"
PICKER_FRAGMENT = {**HTMX, "HTTP_HX_TARGET": "lookup-fields"}
NO_CACHE = {"HTTP_CACHE_CONTROL": "no-cache"}


def resources(sandbox) -> list[str]:
    """The upstream resources asked for, in order (Campaigns, MediaPartners, Deals, PromoCodes...)."""
    return [r.path.split("/")[3] for r in sandbox.requests]


def select(body: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', body, re.S)
    assert match, f"no <select name={name}>"
    return match.group(0)


def selected_option(select_html: str) -> str:
    match = re.search(r'<option value="([^"]*)"[^>]*\bselected\b[^>]*>([^<]*)</option>', select_html)
    return f"{match.group(1)}={match.group(2)}" if match else ""


def valid_post(**overrides) -> dict:
    data = {
        "campaign_id": "1000", "assigned_partner_id": "2553254", "code": "PICKED1", "type": "LI",
        "credit_policy": "INVOLVED", "start_date": "", "end_date": "", "deal_id": "", "deal_name": "",
    }
    data.update(overrides)
    return data


# --- the list's campaign filter ------------------------------------------------------------------


def test_the_list_filter_is_a_select_of_campaign_names(editor_client, sandbox):
    body = markup(editor_client.get(LIST_URL, {"campaign_id": "1001"}))

    campaign_select = select(body, "campaign_id")
    assert 'id="id_campaign_id"' in campaign_select
    assert '<option value="">Any campaign</option>' in campaign_select
    assert selected_option(campaign_select) == "1001=Café Crème Rewards"
    assert '<option value="1004">Initech Cloud (retired) (closed)</option>' in campaign_select


def test_an_id_missing_from_the_campaign_list_still_filters_and_the_page_says_so(editor_client, sandbox):
    response = editor_client.get(LIST_URL, {"campaign_id": "999"})

    body = response.content.decode()
    assert response.status_code == 200
    assert selected_option(select(body, "campaign_id")) == "999=Campaign 999 (not in your campaign list)"
    assert "campaign list has no campaign 999" in body
    [listed] = upstream_requests(sandbox, "GET", "/PromoCodes")
    assert listed.query["CampaignId"] == ["999"]


def test_the_list_still_works_with_a_plain_id_input_when_the_campaigns_call_fails(editor_client, sandbox):
    editor_client.get(LIST_URL, {"campaign_id": "1000"}, **HTMX)  # the codes are now cached; campaigns are not
    sandbox.inject_fault(503, count=3)

    response = editor_client.get(LIST_URL, {"campaign_id": "1000"})

    body = response.content.decode()
    assert response.status_code == 200
    assert '<input type="text" name="campaign_id" id="id_campaign_id" value="1000"' in body
    assert "Campaign names are unavailable right now; type a campaign id." in body
    assert 'id="promo-code-7000151"' in body  # WELCOME10, campaign 1000
    # The campaign's partner and deal lists name the list's partner and deal filters.
    assert resources(sandbox) == ["PromoCodes", "Campaigns", "Campaigns", "Campaigns", "MediaPartners", "Deals"]


def test_an_invalid_campaign_filter_keeps_the_text_input_showing_what_was_typed(editor_client):
    body = editor_client.get(LIST_URL, {"campaign_id": "abc"}).content.decode()

    assert 'name="campaign_id" id="id_campaign_id" value="abc"' in body
    assert "Enter a number, like 1000." in body


def test_list_fragments_do_not_ask_for_campaigns(editor_client, sandbox):
    editor_client.get(LIST_URL, {"campaign_id": "1000", "state": "ACTIVE"}, **HTMX)

    assert resources(sandbox) == ["PromoCodes"]


def test_the_campaign_list_is_asked_once_per_cache_period_across_pages(editor_client, sandbox):
    editor_client.get(LIST_URL)
    editor_client.get(LIST_URL, {"campaign_id": "1000"})
    editor_client.get(CREATE_URL)

    assert resources(sandbox).count("Campaigns") == 1


# --- the create form -------------------------------------------------------------------------------


def test_the_create_form_picks_the_campaign_by_name(editor_client, sandbox):
    body = editor_client.get(CREATE_URL).content.decode()

    campaign_select = select(body, "campaign_id")
    assert selected_option(campaign_select) == ""
    assert '<option value="1002">Brightwater Books UK · 1002</option>' in campaign_select
    assert 'label="Not active: impact.com takes no new codes"' in campaign_select
    # No campaign yet: partners and deals wait for one, and nothing but the campaigns is asked.
    assert 'placeholder="Choose a campaign first"' in body
    assert resources(sandbox) == ["Campaigns"]


def test_with_a_campaign_it_offers_that_campaigns_partners_and_deals(editor_client, sandbox):
    body = editor_client.get(CREATE_URL, {"campaign_id": "1000"}).content.decode()

    assert selected_option(select(body, "campaign_id")) == "1000=Acme Anvils · 1000"
    assert 'id="partner-search"' in body and 'hx-get="/promo-codes/new/partners/"' in body
    assert "Search the 19 partners of Acme Anvils by name" in body
    deal_select = select(body, "deal_id")
    assert 'id="id_deal_id"' in deal_select
    assert ">10% off orders over $50 · General sale: 10% off orders over $50.00, up to $20.00 saved</option>" in deal_select
    assert ">Buy 2 anvils, get 1 free · BOGO: Buy 2 Acme Anvil 50 lb, get 1 Acme Anvil 50 lb free</option>" in deal_select
    assert ">Free shipping on everything · Free shipping</option>" in deal_select
    assert ">Summer sale: 25% off rockets · General sale (expired)</option>" in deal_select
    assert 'data-deal-name="$15 off $100+"' in deal_select
    assert "deal 411" not in deal_select and 'value="411"' not in deal_select  # another campaign's deal
    assert sorted(resources(sandbox)) == ["Campaigns", "Deals", "MediaPartners"]


def test_changing_the_campaign_re_renders_only_the_pickers_and_keeps_what_was_typed(editor_client, sandbox):
    response = editor_client.get(
        CREATE_URL,
        {"campaign_id": "1001", "q": "Hon", "assigned_partner_id": "2553254", "deal_id": "401", "deal_name": "My words"},
        **PICKER_FRAGMENT,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="lookup-fields"')
    assert "<form" not in body and "<html" not in body
    assert selected_option(select(body, "campaign_id")) == "1001=Café Crème Rewards · 1001"
    assert 'name="q" id="partner-search" value="Hon"' in body
    assert 'name="assigned_partner_id" value="2553254"' in body
    assert '<span class="picked">Honey</span>' in body  # Honey is joined to 1001 too
    assert 'value="My words"' in body
    deal_select = select(body, "deal_id")
    assert selected_option(deal_select) == "401=Deal 401 (not a deal of this campaign)"
    assert 'value="411"' in deal_select
    assert "Café Crème Rewards has no deal 401" in body
    assert "Vary" in response.headers and "HX-Target" in response.headers["Vary"]


def test_a_partner_not_joined_to_the_campaign_is_pointed_out(editor_client):
    body = editor_client.get(
        CREATE_URL, {"campaign_id": "1002", "assigned_partner_id": "2552842"}, **PICKER_FRAGMENT
    ).content.decode()

    assert "Partner 2552842 is not joined to Brightwater Books UK" in body


def test_a_deactivated_partner_is_pointed_out(editor_client):
    body = editor_client.get(
        CREATE_URL, {"campaign_id": "1000", "assigned_partner_id": "2559901"}, **PICKER_FRAGMENT
    ).content.decode()

    assert "Saver&#x27;s Corner" in body and "is deactivated" in body


def test_an_unknown_campaign_id_stays_selected_and_is_sent_as_typed(editor_client):
    body = editor_client.get(CREATE_URL, {"campaign_id": "999"}).content.decode()

    assert selected_option(select(body, "campaign_id")) == "999=Campaign 999 (not in your campaign list)"


def test_a_closed_campaign_is_offered_with_a_warning(editor_client):
    body = editor_client.get(CREATE_URL, {"campaign_id": "1004"}).content.decode()

    assert "This campaign is closed: impact.com accepts new codes only for active campaigns." in body


def test_reload_lists_asks_impact_again_for_each_list(editor_client, sandbox):
    editor_client.get(CREATE_URL, {"campaign_id": "1000"})
    body = editor_client.get(CREATE_URL, {"campaign_id": "1000"}).content.decode()
    assert 'hx-headers=\'{"Cache-Control": "no-cache"}\'' in body and "Reload lists" in body
    assert len(sandbox.requests) == 3

    editor_client.get(CREATE_URL, {"campaign_id": "1000"}, **PICKER_FRAGMENT, **NO_CACHE)

    assert sorted(resources(sandbox)[3:]) == ["Campaigns", "Deals", "MediaPartners"]


def test_the_pickers_cost_one_upstream_call_per_list_per_cache_period(editor_client, sandbox):
    """A whole session of picking: form, campaign changes, type-ahead, partner pick, back again."""
    editor_client.get(CREATE_URL)
    editor_client.get(CREATE_URL, {"campaign_id": "1000"}, **PICKER_FRAGMENT)
    for query in ("h", "ho", "hon", "honey", "zz", "2553"):
        editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": query}, **HTMX)
    editor_client.get(CREATE_URL, {"campaign_id": "1000", "assigned_partner_id": "2553254", "q": "Honey"}, **PICKER_FRAGMENT)
    editor_client.get(CREATE_URL, {"campaign_id": "1001"}, **PICKER_FRAGMENT)
    editor_client.get(CREATE_URL, {"campaign_id": "1000"}, **PICKER_FRAGMENT)
    editor_client.get(SEARCH_URL, {"campaign_id": "1001", "q": "caf"}, **HTMX)
    editor_client.get(CREATE_URL, {"campaign_id": "1000"})

    calls = resources(sandbox)
    assert calls.count("Campaigns") == 1
    assert [r.query["CampaignId"] for r in upstream_requests(sandbox, path_suffix="/MediaPartners")] == [["1000"], ["1001"]]
    assert [r.query["CampaignId"] for r in upstream_requests(sandbox, path_suffix="/Deals")] == [["1000"], ["1001"]]
    assert len(calls) == 5


# --- the partner type-ahead ------------------------------------------------------------------------


def test_the_type_ahead_returns_matching_partners_with_name_and_id(editor_client):
    response = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "hon"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert '<span class="picker-name">Honey</span> <small class="muted">id 2553254</small>' in body
    assert 'hx-vals=\'{"assigned_partner_id": "2553254", "q": "Honey"}\'' in body
    assert 'hx-target="#lookup-fields"' in body
    assert "Coupon Cabin" not in body


def test_the_type_ahead_ignores_case_and_accents_and_ranks_name_starts_first(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1002", "q": "ANG"}, **HTMX).content.decode()
    assert "Ångström Outdoors" in body

    body = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "co"}, **HTMX).content.decode()
    names = [html.unescape(name) for name in re.findall(r'<span class="picker-name">([^<]+)</span>', body)]
    # Names starting with it, then names with a word starting with it, each in alphabetical order.
    assert names == ["Coupon Cabin", "CouponFollow", "Groupon Coupons", "Saver's Corner", "Wile E. Coyote Facebook"]


def test_the_type_ahead_finds_a_partner_by_the_start_of_its_id(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "2553"}, **HTMX).content.decode()

    assert "Honey" in body and "RetailMeNot" in body


def test_the_partner_values_are_json_escaped_in_hx_vals(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1001", "q": "zoe"}, **HTMX).content.decode()

    vals = re.search(r"hx-vals='([^']+)'", body).group(1)
    assert json.loads(vals) == {"assigned_partner_id": "2553399", "q": "Zoë's Deals"}


def test_a_deactivated_partner_is_listed_but_cannot_be_picked(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "saver"}, **HTMX).content.decode()

    assert "Saver&#x27;s Corner" in body
    assert "deactivated, cannot get new codes" in body
    assert "hx-vals" not in body


def test_an_empty_search_shows_the_first_partners_and_says_how_many_more(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": ""}, **HTMX).content.decode()

    assert body.count('class="picker-option') == 12
    assert "7 more: type more of the name." in body


def test_no_match_says_a_typed_id_still_works(editor_client):
    body = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "nobody"}, **HTMX).content.decode()

    assert "No partner of this campaign matches “nobody”. A partner id typed in the id box still works." in body


def test_without_a_campaign_the_type_ahead_asks_for_one_and_nothing_upstream(editor_client, sandbox):
    body = editor_client.get(SEARCH_URL, {"q": "hon"}, **HTMX).content.decode()

    assert "Choose a campaign first." in body
    assert sandbox.requests == []


def test_without_htmx_the_search_is_a_page_of_matches(viewer_client):
    response = viewer_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "co"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Partners of Acme Anvils · promoadmin</title>" in body
    assert "<td>Coupon Cabin</td><td>2552907</td>" in body
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_the_type_ahead_says_when_the_partner_list_is_unavailable(editor_client, sandbox):
    sandbox.inject_fault(503, count=3)

    response = editor_client.get(SEARCH_URL, {"campaign_id": "1000", "q": "hon"}, **HTMX)

    assert response.status_code == 200
    assert "Partner names are unavailable right now" in response.content.decode()


# --- fallbacks: typed ids when a list call fails ----------------------------------------------------


def test_when_impact_is_down_the_form_falls_back_to_typed_ids_and_says_so(editor_client, sandbox):
    sandbox.inject_fault(503, count=3)

    response = editor_client.get(CREATE_URL, {"campaign_id": "1000"})

    body = response.content.decode()
    assert response.status_code == 200
    assert '<input type="text" name="campaign_id" value="1000"' in body
    assert '<input type="text" name="assigned_partner_id"' in body
    assert '<input type="text" name="deal_id"' in body
    assert 'id="partner-search"' not in body
    assert "Campaign names are unavailable right now" in body
    assert "Partner names are unavailable right now" in body
    assert "Deal names are unavailable right now" in body
    # The other lists would fail the same way: they are not asked.
    assert resources(sandbox) == ["Campaigns"] * 3


def test_a_list_the_token_may_not_read_leaves_the_other_pickers_working(editor_client, sandbox):
    sandbox.inject_fault(403)  # the Campaigns call only

    body = editor_client.get(CREATE_URL, {"campaign_id": "1000"}).content.decode()

    assert '<input type="text" name="campaign_id" value="1000"' in body
    assert "Campaign names are unavailable right now. impact.com says the API token may not do this." in body
    assert 'id="partner-search"' in body
    assert selected_option(select(body, "deal_id")) == ""


def test_typed_ids_still_create_a_code_when_the_lists_are_down(editor_client, sandbox):
    sandbox.inject_fault(503, count=3)
    editor_client.get(CREATE_URL, {"campaign_id": "1000"})

    response = editor_client.post(CREATE_URL, valid_post(deal_id="402"))

    assert response.status_code == 302
    [created] = upstream_requests(sandbox, "POST")
    assert created.form["CampaignId"] == ["1000"] and created.form["AssignedPartnerId"] == ["2553254"]
    assert created.form["DealId"] == ["402"]


def test_the_form_re_rendered_after_an_error_keeps_the_pickers(editor_client):
    response = editor_client.post(CREATE_URL, valid_post(code=""))

    body = response.content.decode()
    assert response.status_code == 422
    assert selected_option(select(body, "campaign_id")) == "1000=Acme Anvils · 1000"
    assert '<span class="picked">Honey</span>' in body


def test_a_typed_id_that_is_not_a_number_keeps_the_text_input(editor_client):
    response = editor_client.post(CREATE_URL, valid_post(campaign_id="acme", deal_id="x"))

    body = response.content.decode()
    assert '<input type="text" name="campaign_id" value="acme"' in body
    assert '<input type="text" name="deal_id" value="x"' in body
    assert "Enter a number, like 1000." in body


# --- the deal name is filled from the deal ---------------------------------------------------------


def test_a_deal_picked_without_a_name_sends_the_deals_name(editor_client, sandbox):
    editor_client.get(CREATE_URL, {"campaign_id": "1000"})

    editor_client.post(CREATE_URL, valid_post(deal_id="403"))

    [created] = upstream_requests(sandbox, "POST")
    assert created.form["DealId"] == ["403"]
    assert created.form["DealName"] == ["Buy 2 anvils, get 1 free"]
    assert resources(sandbox).count("Deals") == 1  # the form's copy of the list, not another call


def test_a_deal_name_the_user_typed_is_kept(editor_client, sandbox):
    editor_client.post(CREATE_URL, valid_post(deal_id="403", deal_name="Anvil spring promo"))

    [created] = upstream_requests(sandbox, "POST")
    assert created.form["DealName"] == ["Anvil spring promo"]


def test_the_deal_name_is_not_invented_when_the_deal_list_is_down(editor_client, sandbox):
    sandbox.inject_fault(503, count=3)

    response = editor_client.post(CREATE_URL, valid_post(deal_id="403"))

    assert response.status_code == 302
    [created] = upstream_requests(sandbox, "POST")
    assert "DealName" not in created.form


# --- the detail page shows names a record lacks ----------------------------------------------------


def _welcome10_without_names(sandbox) -> dict:
    """WELCOME10 as impact.com might send it: ids, but no partner, deal or campaign name."""
    seed = build_seed(sandbox.today, sandbox.account_sid)
    record = next(code for code in seed.promo_codes if code["Id"] == 7000151)
    return {**record, "AssignedPartnerName": None, "DealName": None, "CampaignName": ""}


def test_the_detail_looks_up_partner_and_deal_names_the_record_lacks(editor_client, sandbox):
    record = _welcome10_without_names(sandbox)
    sandbox.inject_fault(body=json.dumps(record))

    body = markup(editor_client.get("/promo-codes/7000151/"))

    assert "Wile E. Coyote Facebook" in body
    assert "10% off orders over $50" in body
    assert '<a href="/promo-codes/?campaign_id=1000" title="All codes of this campaign">Acme Anvils</a>' in body
    assert resources(sandbox) == ["PromoCodes", "Campaigns", "MediaPartners", "Deals"]


def test_the_detail_costs_no_look_up_when_the_record_has_its_names(editor_client, sandbox):
    body = markup(editor_client.get("/promo-codes/7000151/"))

    assert "Wile E. Coyote Facebook" in body
    assert resources(sandbox) == ["PromoCodes"]


def test_the_detail_still_shows_when_the_look_up_fails(editor_client, sandbox):
    record = _welcome10_without_names(sandbox)
    sandbox.inject_fault(body=json.dumps(record))
    sandbox.inject_fault(503, count=9)

    response = editor_client.get("/promo-codes/7000151/")

    assert response.status_code == 200
    assert "Unnamed partner" in response.content.decode()


@pytest.mark.parametrize("url", [CREATE_URL, CREATE_URL + "?campaign_id=1000"])
def test_a_viewer_cannot_open_the_pickers_on_the_create_form(viewer_client, url):
    assert viewer_client.get(url, **PICKER_FRAGMENT).status_code == 403
