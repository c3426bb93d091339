"""Safe writes on the create form: duplicate and overlap guards, one submission per form,
the regex tester, risk notes and the dry run. Upstream calls are counted in the sandbox's log."""

from __future__ import annotations

import html
import re
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from helpers import HTMX, markup
from helpers import page_text as text

from promoadmin.impact.factory import get_impact_client, reset_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCodeFilters
from promoadmin.impact.sandbox import DEFAULT_AUTH_TOKEN
from promoadmin.promocodes import regex_check, services
from promoadmin.promocodes.models import LedgerEntry

CREATE_URL = "/promo-codes/new/"
CHECK_URL = "/promo-codes/new/check/"
WELCOME10, SUMMER_RE, LASTCALL = 7000151, 7000156, 7000158

SAFE1 = NewPromoCode(assigned_partner_id=2552842, campaign_id=1000, credit_policy="WINNER", code="SAFE1", type="LI")


def new_code(**changes) -> dict:
    data = {
        "campaign_id": "1000", "assigned_partner_id": "2553254", "code": "SAFE1", "type": "LI",
        "credit_policy": "INVOLVED", "start_date": "", "end_date": "", "deal_id": "", "deal_name": "",
    }
    data.update(changes)
    return data


def calls(sandbox) -> list[tuple[str, str]]:
    """Each upstream request as (method, resource), in order."""
    return [(r.method, r.path.split("/")[3]) for r in sandbox.requests]


def promo_code_calls(sandbox) -> list[tuple[str, str]]:
    return [call for call in calls(sandbox) if call[1] == "PromoCodes"]


def field_error(response, name: str) -> str:
    match = re.search(rf'<small class="field-error" id="id_{name}_error">(.*?)</small>', markup(response), re.S)
    return match.group(1) if match else ""


def form_token(client) -> str:
    body = client.get(CREATE_URL, {"campaign_id": "1000"}).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', body).group(1)


@pytest.fixture
def short_timeout(settings):
    settings.IMPACT_TIMEOUT = 0.3
    reset_impact_client()
    get_impact_client().backoff_seconds = 0.01


# --- the duplicate guard: one list call -----------------------------------------------------------


def test_a_create_costs_one_list_call_before_the_post(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code())

    assert response.status_code == 302
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes"), ("POST", "PromoCodes")]
    check = sandbox.requests[-2]
    assert check.query == {"CampaignId": ["1000"], "State": ["ACTIVE"], "Page": ["1"], "PageSize": ["1000"]}


def test_the_check_asks_past_the_cache(editor_client, sandbox):
    editor_client.post(CREATE_URL, new_code(code="FIRST1"))
    editor_client.post(CREATE_URL, new_code(code="SECOND1"))

    assert promo_code_calls(sandbox) == [("GET", "PromoCodes"), ("POST", "PromoCodes")] * 2


def test_an_active_duplicate_stops_the_create_and_links_the_existing_code(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code="WELCOME10"))

    assert response.status_code == 422
    error = field_error(response, "code")
    assert f'An active code <a href="/promo-codes/{WELCOME10}/">WELCOME10</a> (id {WELCOME10}) already exists' in error
    assert "expire the old one first" in error
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")]  # nothing was sent


def test_an_exact_code_differing_only_in_case_is_a_duplicate(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code="Welcome10"))

    assert response.status_code == 422
    assert "exact codes ignore letter case, so it is the same code" in field_error(response, "code")
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")]


def test_an_identical_regex_is_a_duplicate_but_one_differing_in_case_is_not(editor_client, sandbox):
    same = editor_client.post(CREATE_URL, new_code(code=r"^SUMMER\d{2}$", type="RE"))
    assert same.status_code == 422
    assert "already exists" in field_error(same, "code")

    other_case = editor_client.post(CREATE_URL, new_code(code=r"^summer\d{2}$", type="RE", confirm_overlap="on"))
    assert other_case.status_code == 302


def test_an_ended_code_still_active_upstream_is_a_duplicate_and_the_message_says_why(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(campaign_id="1003", assigned_partner_id="2554196", code="LASTCALL"))

    assert response.status_code == 422
    assert "Its end date has passed, but impact.com still lists it as ACTIVE." in field_error(response, "code")


@pytest.mark.parametrize(
    "changes",
    [
        {"campaign_id": "1002", "assigned_partner_id": "2553845", "code": "SPRINGREADS"},  # inactive there
        {"campaign_id": "1001", "assigned_partner_id": "2553254", "code": "WELCOME10"},  # another campaign
    ],
)
def test_the_same_value_is_fine_when_inactive_or_in_another_campaign(editor_client, sandbox, changes):
    response = editor_client.post(CREATE_URL, new_code(**changes))

    assert response.status_code == 302
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes"), ("POST", "PromoCodes")]


def test_when_the_check_cannot_be_made_nothing_is_sent(editor_client, sandbox):
    sandbox.inject_fault(503, count=3)

    response = editor_client.post(CREATE_URL, new_code())

    assert response.status_code == 503
    assert "Nothing was sent, so SAFE1 was not created" in text(response)
    assert ("POST", "PromoCodes") not in calls(sandbox)


def test_a_campaign_with_more_active_codes_than_a_page_gets_a_second_call_for_duplicates(editor_client, sandbox, settings):
    settings.IMPACT_MAX_PAGE_SIZE = 2  # as if the campaign had over 1000 active codes

    response = editor_client.post(CREATE_URL, new_code(code="anvilbogo"))  # not among the 2 newest

    assert response.status_code == 422
    assert "already exists" in field_error(response, "code")
    first, second = [r for r in sandbox.requests if r.path.endswith("/PromoCodes")]
    assert first.query["PageSize"] == ["2"] and "Code" not in first.query
    assert second.query["Code"] == ["anvilbogo"] and second.query["State"] == ["ACTIVE"]
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")] * 2


# --- overlaps: a warning to confirm, from the same call ---------------------------------------------


def test_a_regex_matching_active_exact_codes_is_a_warning_to_confirm(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code=r"^WELCOME\d+$", type="RE"))

    assert response.status_code == 422
    body = markup(response)
    assert "This pattern also accepts active exact codes of the campaign:" in body
    assert f'<a href="/promo-codes/{WELCOME10}/" class="code">WELCOME10</a>' in body
    assert "Tick this box to create the code anyway" in field_error(response, "confirm_overlap")
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")]

    confirmed = editor_client.post(CREATE_URL, new_code(code=r"^WELCOME\d+$", type="RE", confirm_overlap="on"))

    assert confirmed.status_code == 302
    assert promo_code_calls(sandbox)[1:] == [("GET", "PromoCodes"), ("POST", "PromoCodes")]


def test_a_regex_overlap_counts_codes_typed_in_another_case(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code=r"^welcome\d+$", type="RE"))

    assert "WELCOME10" in response.content.decode() and response.status_code == 422


def test_an_exact_code_an_active_regex_accepts_is_a_warning_naming_the_regex(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code="summer42"))

    body = html.unescape(markup(response))
    assert response.status_code == 422
    assert "An active regex code of the campaign already accepts summer42:" in body
    assert rf"^SUMMER\d{{2}}$</a> <small>(regex code, id {SUMMER_RE}) accepts SUMMER42" in body
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")]


def test_codes_that_never_run_at_the_same_time_do_not_overlap(editor_client, sandbox):
    # ^SUMMER\d{2}$ starts in 30 days; a code ending before then never meets it.
    end = (timezone.localdate() + timedelta(days=10)).isoformat()

    response = editor_client.post(CREATE_URL, new_code(code="SUMMER42", end_date=end))

    assert response.status_code == 302


def test_an_overlapping_pattern_that_is_too_slow_to_check_is_refused(editor_client, sandbox, settings):
    settings.OVERLAP_TIMEOUT = 0.5
    assert editor_client.post(CREATE_URL, new_code(code="A" * 40 + "B")).status_code == 302
    started = time.monotonic()

    response = editor_client.post(CREATE_URL, new_code(code=r"^(A+)+$", type="RE"))  # exponential on AAAA…AB

    assert time.monotonic() - started < 3
    assert response.status_code == 422
    assert "takes too long to match" in field_error(response, "code")
    assert promo_code_calls(sandbox)[2:] == [("GET", "PromoCodes")]


# --- one submission per form ---------------------------------------------------------------------------


def test_each_form_gets_its_own_token(editor_client):
    assert form_token(editor_client) != form_token(editor_client)


def test_a_second_submission_of_the_same_form_sends_nothing_and_links_the_code(editor_client, sandbox):
    token = form_token(editor_client)
    first = editor_client.post(CREATE_URL, new_code(form_token=token))
    assert first.status_code == 302
    before = len(sandbox.requests)

    again = editor_client.post(CREATE_URL, new_code(form_token=token), **HTMX)

    assert again.status_code == 409
    assert len(sandbox.requests) == before  # not even the duplicate check
    body = again.content.decode()
    assert 'This form was already submitted: it created <a href="/promo-codes/7000161/">SAFE1</a> (id 7000161).' in body
    assert 'href="/promo-codes/new/?campaign_id=1000">start a new form</a>' in body


def test_the_session_remembers_what_a_form_created_even_if_the_cache_forgets(editor_client, sandbox):
    token = form_token(editor_client)
    editor_client.post(CREATE_URL, new_code(form_token=token))
    cache.clear()

    again = editor_client.post(CREATE_URL, new_code(form_token=token))

    assert again.status_code == 409
    assert "it created" in text(again) and "SAFE1" in text(again)
    assert len(promo_code_calls(sandbox)) == 2


def test_a_submission_still_running_blocks_its_twin(editor_client, editor, sandbox):
    token = form_token(editor_client)
    entry, earlier = services.claim_form_token(user=editor, token=token, new_code=SAFE1)  # the first click, in flight
    assert entry.outcome == "pending" and earlier is None

    twin = editor_client.post(CREATE_URL, new_code(form_token=token))

    assert twin.status_code == 409
    assert "This form is already being submitted (a double click, or another tab)." in text(twin)
    assert promo_code_calls(sandbox) == []


@pytest.mark.django_db(transaction=True)  # each thread claims on its own database connection
def test_of_many_simultaneous_claims_exactly_one_wins(editor):
    token = services.new_form_token()
    results, start = [], threading.Barrier(16)

    def claim():
        start.wait()
        try:
            results.append(services.claim_form_token(user=editor, token=token, new_code=SAFE1))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [entry for entry, earlier in results if entry is not None]
    assert len(winners) == 1
    assert {earlier.pk for entry, earlier in results if earlier is not None} == {winners[0].pk}  # all found the first entry
    assert LedgerEntry.objects.filter(key=services.form_key(token)).count() == 1


def test_a_refused_form_can_be_fixed_and_sent_with_the_same_token(editor_client, sandbox):
    token = form_token(editor_client)
    refused = editor_client.post(CREATE_URL, new_code(form_token=token, code="WELCOME10"))
    assert refused.status_code == 422
    assert f'value="{token}"' in refused.content.decode()  # the re-rendered form keeps its token

    fixed = editor_client.post(CREATE_URL, new_code(form_token=token, code="WELCOME11"))

    assert fixed.status_code == 302


def test_a_form_impact_refused_can_be_sent_again(editor_client, sandbox):
    token = form_token(editor_client)
    refused = editor_client.post(CREATE_URL, new_code(form_token=token, assigned_partner_id="2553967"))  # not joined
    assert refused.status_code == 422
    assert "impact.com: Partner 2553967 is not joined to campaign 1000" in field_error(refused, "assigned_partner_id")

    assert editor_client.post(CREATE_URL, new_code(form_token=token)).status_code == 302


def test_after_a_timeout_the_form_is_not_sent_again(editor_client, sandbox, short_timeout):
    token = form_token(editor_client)
    sandbox.inject_fault()  # the duplicate check answers normally
    sandbox.inject_fault(latency_ms=700)  # the create is slow: impact.com may still create it
    first = editor_client.post(CREATE_URL, new_code(form_token=token, code="SLOW1"))
    assert first.status_code == 504
    sent = len(sandbox.requests)

    again = editor_client.post(CREATE_URL, new_code(form_token=token, code="SLOW1"))

    assert again.status_code == 409
    assert "impact.com never confirmed whether it created SLOW1. Nothing was sent again." in text(again)
    assert 'href="/promo-codes/?campaign_id=1000&amp;code=SLOW1">Look for the code</a>' in again.content.decode()
    assert len(sandbox.requests) == sent
    # And indeed the slow create lands a moment later (wait for it, so it cannot land in another test).
    deadline = time.monotonic() + 3
    while not get_impact_client().list_promo_codes(PromoCodeFilters(code="SLOW1"), fresh=True).total:
        assert time.monotonic() < deadline, "the slow create never landed"
        time.sleep(0.05)


def test_a_post_without_a_token_still_works(editor_client, sandbox):
    """Scripts and old tabs post without one: only the duplicate check guards them."""
    assert editor_client.post(CREATE_URL, new_code()).status_code == 302
    second = editor_client.post(CREATE_URL, new_code())

    assert second.status_code == 422
    assert "already exists" in field_error(second, "code")


# --- the dry run ------------------------------------------------------------------------------------------


def test_preview_shows_the_exact_request_and_sends_nothing(editor_client, sandbox):
    token = form_token(editor_client)
    response = editor_client.post(
        CREATE_URL,
        new_code(form_token=token, action="preview", code="PREVIEW1", credit_policy="WINNER", end_date="2099-01-31", deal_id="403"),
        **HTMX,
    )

    assert response.status_code == 200
    body = markup(response)
    preview = body[body.index('<section id="request-preview"'):body.index("</section>", body.index('id="request-preview"'))]
    assert "POST /Advertisers/IRsandbox0000000001/PromoCodes" in preview
    assert "Content-Type: application/x-www-form-urlencoded" in preview
    assert (
        "AssignedPartnerId=2553254&amp;CampaignId=1000&amp;CreditPolicy=WINNER&amp;Code=PREVIEW1&amp;Type=LI"
        "&amp;EndDate=2099-01-31T23%3A59%3A59-08%3A00&amp;DealId=403&amp;DealName=Buy+2+anvils%2C+get+1+free"
    ) in preview
    assert "<th scope=\"row\"><code>DealName</code></th><td><code>Buy 2 anvils, get 1 free</code></td>" in preview
    assert token not in preview and DEFAULT_AUTH_TOKEN not in body and "Authorization" not in body
    assert "The deal name was left empty, so it is filled from the deal: Buy 2 anvils, get 1 free." in preview
    assert "No active code PREVIEW1 in campaign 1000" in preview and "with 1 API call" in preview
    assert "Honey is an active partner of this campaign." in preview
    assert ("POST", "PromoCodes") not in calls(sandbox)
    assert promo_code_calls(sandbox) == [("GET", "PromoCodes")]


def test_preview_leaves_the_form_ready_to_send_once(editor_client, sandbox):
    token = form_token(editor_client)
    editor_client.post(CREATE_URL, new_code(form_token=token, action="preview"))

    assert editor_client.post(CREATE_URL, new_code(form_token=token, action="create")).status_code == 302
    assert editor_client.post(CREATE_URL, new_code(form_token=token, action="create")).status_code == 409


def test_preview_reports_every_problem_it_would_stop_on(editor_client, sandbox):
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = editor_client.post(
        CREATE_URL, new_code(action="preview", code="welcome10", credit_policy="ALWAYS", start_date=past)
    )

    page = text(response)
    assert "Stops the create: An active code WELCOME10" in page
    assert "Warning: Credit policy Always" in page
    assert "Warning: The start date" in page and "is in the past" in page
    assert "Warning: No end date: the code never ends." in page
    assert ("POST", "PromoCodes") not in calls(sandbox)


# --- risk notes ----------------------------------------------------------------------------------------------


def test_the_form_opens_with_the_note_that_no_end_date_means_never_ending(editor_client):
    page = text(editor_client.get(CREATE_URL))

    assert "No end date: the code never ends. It keeps working until someone expires it." in page


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"credit_policy": "ALWAYS", "end_date": "2099-01-01"}, "even when another partner drove the sale"),
        ({"start_date": "2020-03-01", "end_date": "2099-01-01"}, "The start date, Mar 1, 2020, is in the past"),
        ({"end_date": "2020-03-01"}, "The end date, Mar 1, 2020, has already passed"),
        ({}, "No end date: the code never ends."),
    ],
)
def test_risk_notes_update_as_the_form_changes_without_an_api_call(editor_client, sandbox, values, expected):
    response = editor_client.get(CHECK_URL, {"code": "X1", "type": "LI", "credit_policy": "INVOLVED", **values}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert '<div id="risk-notes" hx-swap-oob="innerHTML">' in body
    assert expected in html.unescape(body)
    assert sandbox.requests == []


def test_a_safe_code_has_no_risk_notes(editor_client):
    body = editor_client.get(CHECK_URL, {"credit_policy": "WINNER", "end_date": "2099-01-01"}, **HTMX).content.decode()

    assert '<ul class="notes">' not in body


# --- the regex tester ------------------------------------------------------------------------------------------


def run_tester(client, pattern: str, samples: str = "", **extra):
    return client.get(CHECK_URL, {"code": pattern, "type": "RE", "regex_samples": samples, **extra}, **HTMX)


def verdicts(response) -> dict[str, bool]:
    found = re.findall(r'<li class="sample sample-(yes|no)">.*?<code>(.*?)</code>', response.content.decode(), re.S)
    return {html.unescape(code): verdict == "yes" for verdict, code in found}


def test_the_tester_shows_which_samples_the_whole_pattern_accepts(editor_client, sandbox):
    response = run_tester(editor_client, r"^SUMMER\d{2}$", "SUMMER10\nsummer10\nSUMMER100\nXSUMMER10\n\nSUMMER10")

    assert response.status_code == 200
    assert verdicts(response) == {"SUMMER10": True, "summer10": False, "SUMMER100": False, "XSUMMER10": False}
    assert "1 of 4 accepted." in text(response)
    assert sandbox.requests == []


def test_matching_is_whole_code_even_without_anchors_and_says_what_a_partial_match_would_do(editor_client):
    response = run_tester(editor_client, r"SUMMER\d{2}", "SUMMER10\nXSUMMER10Y")

    assert verdicts(response) == {"SUMMER10": True, "XSUMMER10Y": False}
    page = text(response)
    assert "matches only part of it" in page
    assert "The pattern has no ^ at the start and $ at the end." in page
    assert r'data-pattern="^SUMMER\d{2}$"' in response.content.decode()


def test_case_is_pointed_out_and_ignore_case_offered(editor_client):
    response = run_tester(editor_client, r"^SUMMER\d{2}$", "summer10")

    assert "would match ignoring case" in text(response)
    assert "Letter case counts" in text(response)
    assert r'data-pattern="(?i)^SUMMER\d{2}$"' in response.content.decode()

    with_flag = run_tester(editor_client, r"(?i)^SUMMER\d{2}$", "summer10")
    assert verdicts(with_flag) == {"summer10": True}
    assert "Letter case counts" not in text(with_flag) and "no ^ at the start" not in text(with_flag)


def test_an_invalid_pattern_is_explained(editor_client):
    assert "Not a valid pattern: unterminated character set at position 7." in text(run_tester(editor_client, "^SUMMER[", "S"))


def test_a_catastrophic_pattern_cannot_hang_the_server(editor_client):
    started = time.monotonic()

    response = run_tester(editor_client, r"^(a+)+$", "a" * 60 + "b")

    assert time.monotonic() - started < 3
    assert "This pattern takes too long to test" in text(response)


def test_at_most_twenty_samples_are_tested(editor_client):
    response = run_tester(editor_client, r"^A\d+$", "\n".join(f"A{n}" for n in range(25)))

    assert len(verdicts(response)) == 20
    assert "5 more samples not tested (at most 20)." in text(response)


def test_the_tester_is_quiet_for_exact_codes(editor_client):
    body = editor_client.get(CHECK_URL, {"code": "SUMMER10", "type": "LI", "regex_samples": "SUMMER10"}, **HTMX).content.decode()

    assert "sample-yes" not in body and "Type a pattern in Code to test it." in body


def test_the_full_form_renders_the_tester_results_too(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, new_code(code=r"^SAFE\d$", type="RE", regex_samples="SAFE1\nSAFE12", deal_id="x"))

    assert response.status_code == 422
    assert verdicts(response) == {"SAFE1": True, "SAFE12": False}


def test_the_check_endpoint_is_for_editors_only(viewer_client):
    assert viewer_client.get(CHECK_URL, **HTMX).status_code == 403


def test_without_htmx_the_check_endpoint_sends_back_to_the_form(editor_client):
    plain = editor_client.get(CHECK_URL, {"campaign_id": "1001", "code": "X"})

    assert plain.status_code == 302 and plain["Location"] == "/promo-codes/new/?campaign_id=1001"


def test_the_form_says_what_the_check_costs(editor_client):
    page = text(editor_client.get(CREATE_URL))

    assert "promoadmin asks impact.com once for this campaign's active codes (1 API call)" in page
    assert "Preview request" in page


# --- the sandboxed matcher --------------------------------------------------------------------------------------


def test_the_matcher_reports_full_partial_and_case_blind_matches():
    [outcome] = regex_check.match([(r"AB\d", ["AB1", "xAB1", "ab1"])])

    assert outcome.full == (True, False, False)
    assert outcome.anywhere == (True, True, False)
    assert outcome.ignoring_case == (True, False, True)


def test_the_matcher_gives_up_on_time():
    started = time.monotonic()
    with pytest.raises(regex_check.RegexTimeout):
        regex_check.match([(r"(a|aa)+$", ["a" * 200 + "b"])], timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_a_change_keeping_the_code_text_still_checks_the_campaigns_regexes(editor_client, sandbox):
    created = editor_client.post(CREATE_URL, new_code(code="SUMMER42", confirm_overlap="on"))
    summer42 = int(created["Location"].strip("/").rsplit("/", 1)[-1])
    before = len(sandbox.requests)

    response = editor_client.post(CREATE_URL, new_code(code="SUMMER42", end_date="2099-01-31", replaces=str(summer42)))

    assert response.status_code == 422  # its own old version is no duplicate, yet ^SUMMER\d{2}$ still accepts it
    assert "Tick this box to create the code anyway" in field_error(response, "confirm_overlap")
    assert [r.method for r in sandbox.requests[before:] if r.method != "GET"] == []
