"""Selection actions (views/bulk_change.py): change dates, apply deal, reactivate, each code by
replacement, through Django's test client on the embedded sandbox."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from django.test import Client
from django.utils import timezone
from helpers import page_text as text
from helpers import reset_the_hour, upstream_requests

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode
from promoadmin.promocodes.forms import end_of_day
from promoadmin.promocodes.models import LedgerEntry

URL = "/promo-codes/bulk-change/"
WELCOME10, ANVILBOGO, SHIPFREE, PLAINCODE, SPRINGREADS = 7000151, 7000152, 7000153, 7000155, 7000157


def batch_of(response) -> str:
    match = re.search(r'name="batch" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form on the page"
    return unescape(match.group(1))


def writes(sandbox, since: int = 0) -> list[str]:
    """The writes the sandbox received, from its `since`-th request on."""
    return [f"{r.method} {r.path.rsplit('/', 1)[-1]}" for r in sandbox.requests[since:] if r.method in ("POST", "DELETE")]


def promo(promo_code_id):
    return get_impact_client().get_promo_code(promo_code_id, fresh=True)


def test_it_asks_for_the_new_dates_and_sends_nothing(editor_client, sandbox):
    response = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO], "start_date": "2001-01-01"})

    assert response.status_code == 200
    page = text(response)
    assert "Change dates: 2 promo codes" in page and "Nothing has been sent yet" in page
    assert 'name="end_date"' in response.content.decode()
    assert 'value="2001-01-01"' not in response.content.decode()  # the list's date filter is not a new value
    assert writes(sandbox) == []


def test_the_preview_lists_each_codes_requests_in_order_and_the_cost(editor_client, sandbox):
    response = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO], "end_date": "2099-03-31", "preview": "1"})

    page = text(response)
    assert response.status_code == 200
    assert page.index(f"DELETE /Advertisers/…/PromoCodes/{WELCOME10}") < page.index("POST /Advertisers/…/PromoCodes : create the new WELCOME10")
    assert "2 × 4 API calls" in page
    assert "replace 2 codes" in page
    assert writes(sandbox) == []


def test_changing_dates_replaces_each_code_with_linked_ledger_entries(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO], "end_date": "2099-03-31", "preview": "1"})
    before = len(sandbox.requests)

    response = editor_client.post(URL, {"batch": batch_of(preview)})

    assert response.status_code == 200
    assert writes(sandbox, before) == [f"DELETE {WELCOME10}", "POST PromoCodes", f"DELETE {ANVILBOGO}", "POST PromoCodes"]
    assert response.content.decode().count('data-outcome="changed"') == 2
    news = LedgerEntry.objects.filter(role="new", outcome="created")
    assert news.count() == 2
    for new in news:
        old = LedgerEntry.objects.get(role="old", operation=new.operation)
        assert old.outcome == "expired" and new.screen == "bulk-change"
        replacement = promo(new.promo_code_id)
        assert replacement.is_active and replacement.code == old.code
        assert (replacement.end_date.year, replacement.end_date.month, replacement.end_date.day) == (2099, 3, 31)
        assert f"/activity/{new.pk}/" in response.content.decode()
    assert not promo(WELCOME10).is_active


def test_a_confirmed_batch_sent_twice_changes_each_code_once(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10], "end_date": "2099-03-31", "preview": "1"})
    editor_client.post(URL, {"batch": batch_of(preview)})
    before = len(sandbox.requests)

    again = editor_client.post(URL, {"batch": batch_of(preview)})

    assert "Already sent" in text(again)
    assert writes(sandbox, before) == []
    assert LedgerEntry.objects.filter(role="new").count() == 1


def test_apply_deal_picks_the_deal_by_name_and_sends_it(editor_client, sandbox):
    form = editor_client.get(URL, {"action": "deal", "id": [WELCOME10, SHIPFREE]})
    assert re.search(r'<option value="404"[^>]*>[^<]+\(id 404\)', form.content.decode())  # campaign 1000's deals, by name

    preview = editor_client.get(URL, {"action": "deal", "id": [WELCOME10], "deal_id": "404", "preview": "1"})
    editor_client.post(URL, {"batch": batch_of(preview)})

    new = LedgerEntry.objects.get(role="new")
    assert new.sent["DealId"] == "404" and new.sent["DealName"]  # the deal's own name, as the create form sends it
    assert promo(new.promo_code_id).deal.id == 404


def test_apply_deal_without_a_deal_is_a_clear_400_and_sends_nothing(editor_client, sandbox):
    response = editor_client.get(URL, {"action": "deal", "id": [WELCOME10], "preview": "1"})

    assert response.status_code == 400
    assert "Pick the deal to apply." in text(response)
    assert writes(sandbox) == []


def test_reactivate_recreates_an_inactive_code_with_a_new_window(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "reactivate", "id": [SPRINGREADS], "end_date": "2099-06-30", "preview": "1"})
    before = len(sandbox.requests)
    response = editor_client.post(URL, {"batch": batch_of(preview)})

    # The INACTIVE code is not expired again: no DELETE, no "expired" entry, three calls in all.
    assert len(sandbox.requests) - before == 3
    assert writes(sandbox, before) == ["POST PromoCodes"]
    assert not LedgerEntry.objects.filter(role="old").exists()
    new = LedgerEntry.objects.get(role="new", outcome="created")
    assert "Changed" in text(response)
    assert f"in place of the INACTIVE code SPRINGREADS (id {SPRINGREADS}), which stays as it was" in text(response)
    replacement = promo(new.promo_code_id)
    assert replacement.code == "SPRINGREADS" and replacement.is_active and replacement.end_date.year == 2099


def test_the_reactivate_preview_plans_and_prices_the_create_alone(editor_client, sandbox):
    page = text(editor_client.get(URL, {"action": "reactivate", "id": [SPRINGREADS], "end_date": "2099-06-30", "preview": "1"}))

    assert "1 × 3 API calls" in page and "then the create below" in page
    assert "each one is created again with the same text and settings and a new window; the INACTIVE code stays as it is" in page
    assert "POST /Advertisers/…/PromoCodes : create the new SPRINGREADS" in page
    assert f"id {SPRINGREADS}, is INACTIVE already and stays so" in page
    assert "Reactivate: create 1 code again" in page
    assert "DELETE" not in page


def test_reactivating_an_active_code_is_refused_with_its_reason(editor_client, sandbox):
    response = editor_client.get(URL, {"action": "reactivate", "id": [WELCOME10], "end_date": "2099-06-30", "preview": "1"})

    page = text(response)
    assert "It is ACTIVE already" in page
    assert 'name="batch"' not in response.content.decode()
    assert writes(sandbox) == []


def test_changing_dates_of_an_inactive_code_points_to_reactivate(editor_client, sandbox):
    response = editor_client.get(URL, {"action": "dates", "id": [SPRINGREADS], "end_date": "2099-06-30", "preview": "1"})

    assert "use Reactivate" in text(response)
    assert 'name="batch"' not in response.content.decode()


def test_reactivate_reports_the_code_already_active_elsewhere_in_its_campaign(editor_client, sandbox):
    editor_client.post("/promo-codes/new/", {"campaign_id": "1002", "assigned_partner_id": "2553845", "code": "springreads", "type": "LI",
                                             "credit_policy": "ALWAYS", "action": "create"})
    before = len(sandbox.requests)

    response = editor_client.get(URL, {"action": "reactivate", "id": [SPRINGREADS], "end_date": "2099-06-30", "preview": "1"})

    assert "already exists in this campaign" in text(response)
    assert 'name="batch"' not in response.content.decode()
    assert writes(sandbox, before) == []


def test_a_fault_mid_batch_stops_it_and_lists_the_rest_as_not_sent(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO, PLAINCODE], "end_date": "2099-03-31", "preview": "1"})
    before = len(sandbox.requests)
    sandbox.inject_fault(count=4)  # the first code's four requests pass as they are (no status, no delay)
    sandbox.inject_fault(429)  # then impact.com's hourly limit, at the second code's read

    response = editor_client.post(URL, {"batch": batch_of(preview)})

    rows = re.findall(r'<tr id="change-row-(\d+)">.*?data-outcome="([a-z-]+)"', response.content.decode(), flags=re.S)
    assert rows == [(str(WELCOME10), "changed"), (str(ANVILBOGO), "failed"), (str(PLAINCODE), "not-sent")]
    assert writes(sandbox, before) == [f"DELETE {WELCOME10}", "POST PromoCodes"]
    reset_the_hour()
    assert promo(ANVILBOGO).is_active and promo(PLAINCODE).is_active


def test_bad_selections_are_a_clear_400_and_send_nothing(editor_client, sandbox):
    for query in ({"id": [WELCOME10]}, {"action": "rename", "id": [WELCOME10]}, {"action": "dates"}, {"action": "dates", "id": ["x1"]},
                  {"action": "dates", "id": ["7_000_151"]}, {"action": "dates", "id": ["٧"]}):
        response = editor_client.get(URL, query)
        assert response.status_code == 400, query
        assert "Nothing to change" in text(response)
    assert editor_client.post(URL, {"batch": "forged"}).status_code == 400
    assert upstream_requests(sandbox) == []


def test_a_batch_larger_than_the_bound_is_refused_before_any_read(editor_client, sandbox, settings):
    settings.BULK_CHANGE_MAX_CODES = 2
    response = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO, SHIPFREE]})

    assert response.status_code == 400 and "at most 2" in text(response)
    assert upstream_requests(sandbox) == []


def test_a_viewer_may_neither_preview_nor_run(viewer_client, sandbox):
    assert viewer_client.get(URL, {"action": "dates", "id": [WELCOME10]}).status_code == 403
    assert viewer_client.post(URL, {"batch": "x"}).status_code == 403
    assert upstream_requests(sandbox) == []


def test_the_list_and_the_detail_page_offer_the_three_actions(editor_client):
    listing = editor_client.get("/promo-codes/", {"campaign_id": "1002"}).content.decode()
    for action in ("dates", "deal", "reactivate"):
        assert f'name="action" value="{action}"' in listing
    assert f'value="{SPRINGREADS}" form="bulk-expire-form"' in listing  # an inactive code can be picked for Reactivate…

    active = text(editor_client.get(f"/promo-codes/{WELCOME10}/"))
    inactive = text(editor_client.get(f"/promo-codes/{SPRINGREADS}/"))
    assert "Change dates…" in active and "Apply deal…" in active and "Reactivate…" not in active
    assert "Reactivate…" in inactive and "Change dates…" not in inactive


def test_the_run_costs_four_requests_a_code_as_the_readme_says(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, PLAINCODE], "end_date": "2099-03-31", "preview": "1"})
    before = len(sandbox.requests)

    editor_client.post(URL, {"batch": batch_of(preview)})

    assert len(sandbox.requests) - before == 2 * 4


def test_a_refused_reactivation_does_not_recreate_the_expired_code(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "reactivate", "id": [SPRINGREADS], "end_date": "2099-06-30", "preview": "1"})
    before = len(sandbox.requests)
    sandbox.inject_fault(count=2)  # the fresh read and the duplicate check pass
    sandbox.inject_fault(400)  # impact.com refuses the create

    response = editor_client.post(URL, {"batch": batch_of(preview)})

    assert writes(sandbox, before) == ["POST PromoCodes"]  # no DELETE, and no compensating POST: it was not active
    assert not LedgerEntry.objects.filter(role="compensation").exists()
    assert 'data-outcome="failed"' in response.content.decode()
    assert "was INACTIVE before and stays so" in text(response)


def summer42_ending_before_the_regex_starts() -> int:
    """An exact SUMMER42 in campaign 1000 ending in 10 days, before ^SUMMER\\d{2}$ starts (in 30): its id."""
    client = get_impact_client()
    partner = client.list_partners(1000)[0].id
    return client.create_promo_code(NewPromoCode(campaign_id=1000, assigned_partner_id=partner, code="SUMMER42", type="LI",
                                                 credit_policy="ALWAYS", end_date=end_of_day(timezone.localdate() + timedelta(days=10))))


def test_the_preview_names_an_overlap_the_new_dates_would_make(editor_client, sandbox):
    # SUMMER42 ends before ^SUMMER\d{2}$ starts (in 30 days): no overlap now; ending in 60 days makes one.
    today = timezone.localdate()
    new_id = summer42_ending_before_the_regex_starts()
    calm = editor_client.get(URL, {"action": "dates", "id": [new_id, WELCOME10], "end_date": str(today + timedelta(days=20)), "preview": "1"})
    assert "Overlaps" not in text(calm)

    response = editor_client.get(URL, {"action": "dates", "id": [new_id, WELCOME10], "end_date": str(today + timedelta(days=60)), "preview": "1"})

    rows = dict(re.findall(r'<tr id="change-row-(\d+)"[^>]*>(.*?)</tr>', response.content.decode(), flags=re.S))
    assert "Overlaps the active regex code" in rows[str(new_id)] and "both accept <span class=\"code\">SUMMER42</span>" in rows[str(new_id)]
    assert "Overlaps" not in rows[str(WELCOME10)]
    assert "replace 2 codes" in text(response)  # a warning, not a refusal: both may still run


def test_an_overlap_is_replaced_only_once_the_user_confirms_it(editor_client, sandbox):
    today = timezone.localdate()
    new_id = summer42_ending_before_the_regex_starts()
    preview = editor_client.get(URL, {"action": "dates", "id": [new_id], "end_date": str(today + timedelta(days=60)), "preview": "1"})
    batch = batch_of(preview)
    assert 'name="confirm_overlap"' in preview.content.decode()
    assert "Replace them anyway: I have checked the 1 code marked with a warning" in text(preview)
    before = len(sandbox.requests)

    unconfirmed = editor_client.post(URL, {"batch": batch})
    one = editor_client.post(one_url(new_id), {"batch": batch})

    assert unconfirmed.status_code == one.status_code == 422
    assert "the box “Replace them anyway” was not ticked" in text(unconfirmed) and 'data-outcome="not-sent"' in one.content.decode()
    assert len(sandbox.requests) == before  # nothing was read or sent
    confirmed = editor_client.post(one_url(new_id), {"batch": batch, "confirm_overlap": "on"})
    assert 'data-outcome="changed"' in confirmed.content.decode()


def test_a_batch_without_overlaps_asks_no_confirmation(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10], "end_date": "2099-03-31", "preview": "1"})

    assert 'name="confirm_overlap"' not in preview.content.decode()
    assert 'data-outcome="changed"' in editor_client.post(one_url(WELCOME10), {"batch": batch_of(preview)}).content.decode()


# --- row by row (what app.js does with a confirmed batch) ---------------------------------------


def one_url(promo_code_id: int) -> str:
    return f"/promo-codes/bulk-change/{promo_code_id}/"


def test_each_row_of_a_confirmed_batch_is_sent_once_by_its_own_request(editor_client, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10, ANVILBOGO], "end_date": "2099-03-31", "preview": "1"})
    batch = batch_of(preview)
    assert f'data-bulk-url="{one_url(WELCOME10)}"' in preview.content.decode()
    before = len(sandbox.requests)

    first = editor_client.post(one_url(WELCOME10), {"batch": batch}, headers={"HX-Request": "true"})
    again = editor_client.post(one_url(WELCOME10), {"batch": batch}, headers={"HX-Request": "true"})

    assert first.status_code == 200 and 'data-outcome="changed"' in first.content.decode()
    assert first.content.decode().lstrip().startswith("<td")  # the row's result cell, swapped in place
    assert 'data-outcome="already-sent"' in again.content.decode()
    assert writes(sandbox, before) == [f"DELETE {WELCOME10}", "POST PromoCodes"]
    assert promo(ANVILBOGO).is_active  # the other row waits for its own request


def test_a_row_outside_the_batch_or_a_forged_batch_sends_nothing(editor_client, viewer, sandbox):
    preview = editor_client.get(URL, {"action": "dates", "id": [WELCOME10], "end_date": "2099-03-31", "preview": "1"})
    before = len(sandbox.requests)

    outside = editor_client.post(one_url(ANVILBOGO), {"batch": batch_of(preview)})
    forged = editor_client.post(one_url(WELCOME10), {"batch": "forged"})

    assert outside.status_code == forged.status_code == 400
    assert 'data-outcome="not-sent"' in outside.content.decode() and 'data-stop="1"' in forged.content.decode()
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert viewer_client.post(one_url(WELCOME10), {"batch": batch_of(preview)}).status_code == 403
    assert writes(sandbox, before) == []
