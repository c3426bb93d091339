"""What each view shows when impact.com fails: faults injected into the sandbox, the real client in between."""

from __future__ import annotations

import html
import re
import time

import pytest
from helpers import HTMX, is_alert_swap, markup, upstream_requests
from helpers import page_text as text

from promoadmin.impact.factory import get_impact_client, reset_impact_client

ATTEMPTS = 3  # the client tries a read (and an expire) this often before giving up on a 5xx
TIMEOUT = 0.2
# The slow answer comes a second after the client gives up, so "the page came before the answer" holds
# on a loaded machine too (at 400 ms, one page took 469 ms while a browser ran beside the suite).
SLOW_MS = 1200

# The first upstream request each of these makes is the one that fails.
VIEWS = {
    "list": ("get", "/promo-codes/", {}),
    "detail": ("get", "/promo-codes/7000151/", {}),
    "expire": ("post", "/promo-codes/7000151/expire/", {"HTTP_HX_TARGET": "promo-code-7000151"}),
}
NEW_CODE = {
    "campaign_id": "1000",
    "assigned_partner_id": "2552842",
    "code": "NEWCODE1",
    "type": "LI",
    "credit_policy": "INVOLVED",
}


def visit(client, view: str, htmx: bool = False):
    method, path, htmx_headers = VIEWS[view]
    return getattr(client, method)(path, **({**HTMX, **htmx_headers} if htmx else {}))


def assert_error_page(response, status: int, *phrases: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert body.lstrip().startswith("<!doctype html>")
    for phrase in phrases:
        assert phrase in text(response)
    assert "Traceback" not in body
    assert "hx-request" in response.headers["Vary"].lower()


def assert_htmx_alert(response, status: int, *phrases: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert is_alert_swap(response)
    assert "<html" not in body
    for phrase in phrases:
        assert phrase in text(response)
    assert "Traceback" not in body


def wait_until(condition, seconds: float = 3.0) -> None:
    """For a request the client gave up on while the sandbox still works on it."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the sandbox never finished the slow request"
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def quick_retries():
    """The real client and its retries, with the pause between tries cut short to keep the suite fast."""
    get_impact_client().backoff_seconds = 0.01


@pytest.fixture
def short_timeout(settings):
    """IMPACT_TIMEOUT below the injected latency; afterwards, wait out the slow answer the client gave up on,
    so the sandbox is not still working on it when the next test starts."""
    settings.IMPACT_TIMEOUT = TIMEOUT
    reset_impact_client()
    get_impact_client().backoff_seconds = 0.01
    started = time.monotonic()
    yield
    time.sleep(max(0.0, started + SLOW_MS / 1000 + 0.2 - time.monotonic()))


def welcome10_state(client) -> str:
    body = client.get("/promo-codes/7000151/", HTTP_CACHE_CONTROL="no-cache").content.decode()
    match = re.search(r"<dt>State</dt><dd>(\w+)</dd>", body)
    return match.group(1) if match else ""


# --- impact.com is down: 5xx, after the client's retries ------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_on_the_list_is_a_503(editor_client, sandbox, status):
    sandbox.inject_fault(status, count=ATTEMPTS)

    response = visit(editor_client, "list")

    assert_error_page(
        response,
        503,
        "impact.com is not answering",
        f"impact.com is having trouble (HTTP {status}). Try again in a minute.",
    )
    assert len(sandbox.requests) == ATTEMPTS  # reads are retried, and bounded


def test_a_5xx_on_the_detail_page_is_a_503(editor_client, sandbox):
    sandbox.inject_fault(502, count=ATTEMPTS)

    assert_error_page(visit(editor_client, "detail"), 503, "impact.com is not answering", "(HTTP 502)")


def test_a_5xx_on_expire_is_a_503_that_says_the_outcome_is_unknown(editor_client, sandbox):
    sandbox.inject_fault(500, count=ATTEMPTS, method="DELETE")  # the read before it works

    response = visit(editor_client, "expire")

    assert_error_page(
        response,
        503,
        "impact.com is not answering",
        "promoadmin cannot tell whether impact.com expired promo code 7000151.",
    )


@pytest.mark.parametrize("view", VIEWS)
def test_a_5xx_answers_htmx_with_an_alert_for_the_alert_region(editor_client, sandbox, view):
    sandbox.inject_fault(503, count=ATTEMPTS)

    response = visit(editor_client, view, htmx=True)

    assert_htmx_alert(response, 503, "impact.com is not answering", "(HTTP 503)")


def test_the_error_page_offers_to_try_the_same_address_again(editor_client, sandbox):
    sandbox.inject_fault(503, count=ATTEMPTS)

    response = editor_client.get("/promo-codes/", {"state": "ACTIVE"})

    assert response.status_code == 503
    assert '<a href="/promo-codes/?state=ACTIVE">Try again</a>' in response.content.decode()


def test_a_history_restore_gets_the_full_error_page(editor_client, sandbox):
    sandbox.inject_fault(503, count=ATTEMPTS)

    response = editor_client.get("/promo-codes/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert_error_page(response, 503, "impact.com is not answering")
    assert "HX-Retarget" not in response.headers


@pytest.mark.parametrize("view", ["list", "detail"])
def test_the_page_works_again_once_the_fault_clears(editor_client, sandbox, view):
    sandbox.inject_fault(500, count=ATTEMPTS)
    assert visit(editor_client, view).status_code == 503

    response = visit(editor_client, view)

    assert response.status_code == 200
    assert "7000151" in response.content.decode()


def test_expire_works_again_once_the_fault_clears(editor_client, sandbox):
    sandbox.inject_fault(500, count=ATTEMPTS)
    assert visit(editor_client, "expire").status_code == 503

    response = visit(editor_client, "expire", htmx=True)

    assert response.status_code == 200
    assert "Inactive" in response.content.decode()


def test_a_single_5xx_is_retried_without_the_user_noticing(editor_client, sandbox):
    sandbox.inject_fault(502, count=1)

    response = visit(editor_client, "detail")

    assert response.status_code == 200
    assert len(sandbox.requests) == 2


# --- impact.com is slow: the client gives up at IMPACT_TIMEOUT -----------------------------------------


@pytest.mark.parametrize("view", ["list", "detail"])
def test_a_timeout_is_a_504(editor_client, sandbox, short_timeout, view):
    sandbox.inject_fault(latency_ms=SLOW_MS)

    started = time.monotonic()
    response = visit(editor_client, view)

    assert time.monotonic() - started < SLOW_MS / 1000
    assert_error_page(response, 504, "impact.com took too long to answer", "did not answer within 0.2 seconds")


def test_a_timeout_answers_htmx_with_an_alert(editor_client, sandbox, short_timeout):
    sandbox.inject_fault(latency_ms=SLOW_MS)

    assert_htmx_alert(visit(editor_client, "list", htmx=True), 504, "impact.com took too long to answer")


def test_an_expire_that_times_out_is_a_504_that_says_the_outcome_is_unknown(editor_client, sandbox, short_timeout):
    sandbox.inject_fault(latency_ms=SLOW_MS, method="DELETE")  # the read before it answers in time

    response = visit(editor_client, "expire")

    assert_error_page(
        response, 504, "impact.com took too long to answer", "cannot tell whether impact.com expired promo code 7000151"
    )
    # It was right not to claim either way: the slow request goes through after all.
    wait_until(lambda: welcome10_state(editor_client) == "INACTIVE")


# --- impact.com answers something promoadmin cannot read -------------------------------------------------


@pytest.mark.parametrize("body", ["<html><body>Bad gateway</body></html>", "{not json", '{"PromoCodes": "nope"}'])
def test_a_garbage_list_answer_is_a_503(editor_client, sandbox, body):
    sandbox.inject_fault(body=body)

    response = visit(editor_client, "list")

    assert_error_page(response, 503, "impact.com is not answering")


@pytest.mark.parametrize("view", ["detail", "expire"])
def test_a_garbage_answer_is_a_503(editor_client, sandbox, view):
    sandbox.inject_fault(body="<html>Service Unavailable</html>")

    assert_error_page(visit(editor_client, view), 503, "impact.com is not answering", "not JSON")


# --- impact.com refuses: rate limit, credentials, scope --------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_the_rate_limit_is_a_429_that_says_when_to_retry(editor_client, sandbox, view):
    sandbox.inject_fault(429)

    response = visit(editor_client, view)

    assert_error_page(
        response,
        429,
        "impact.com's hourly request limit is reached",
        "Try again in 60 minutes.",
    )
    assert response.headers["Retry-After"] == "3600"
    assert len(sandbox.requests) == 1  # never retried


def test_the_rate_limit_answers_htmx_with_an_alert(editor_client, sandbox):
    sandbox.inject_fault(429)

    response = visit(editor_client, "list", htmx=True)

    assert_htmx_alert(response, 429, "Try again in 60 minutes.")
    assert response.headers["Retry-After"] == "3600"


@pytest.mark.parametrize("view", VIEWS)
def test_rejected_credentials_are_a_503_for_an_administrator(editor_client, sandbox, view):
    sandbox.inject_fault(401)

    response = visit(editor_client, view)

    assert_error_page(
        response,
        503,
        "promoadmin cannot sign in to impact.com",
        "An administrator should check IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN.",
    )
    assert "sandbox-auth-token" not in response.content.decode()


@pytest.mark.parametrize("view", VIEWS)
def test_a_token_without_the_scope_is_a_403(editor_client, sandbox, view):
    sandbox.inject_fault(403)

    response = visit(editor_client, view)

    assert_error_page(response, 403, "The API token may not do this", "impact.com says the API token may not do this.")


@pytest.mark.parametrize("view", VIEWS)
def test_refusals_answer_htmx_with_an_alert(editor_client, sandbox, view):
    sandbox.inject_fault(403)

    assert_htmx_alert(visit(editor_client, view, htmx=True), 403, "The API token may not do this")


@pytest.mark.parametrize("view", VIEWS)
def test_an_unexpected_refusal_is_a_502_with_impact_coms_message(editor_client, sandbox, view):
    sandbox.inject_fault(409)

    response = visit(editor_client, view)

    assert_error_page(response, 502, "impact.com request failed", "Simulated Conflict")


# --- impact.com does not know the record -----------------------------------------------------------------


@pytest.mark.parametrize("view", ["detail", "expire"])
def test_an_upstream_404_is_a_404_page(editor_client, sandbox, view):
    sandbox.inject_fault(404)

    response = visit(editor_client, view)

    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "impact.com has no promo code 7000151." in text(response)


def test_an_upstream_404_answers_htmx_with_an_alert(editor_client, sandbox):
    sandbox.inject_fault(404)

    assert_htmx_alert(visit(editor_client, "detail", htmx=True), 404, "impact.com has no promo code 7000151.")


def test_an_upstream_404_for_the_list_is_a_configuration_problem(editor_client, sandbox):
    # The list endpoint always exists: a 404 means a wrong base URL or account, not a missing page.
    sandbox.inject_fault(404)

    response = visit(editor_client, "list")

    assert_error_page(response, 502, "An administrator should check IMPACT_API_BASE_URL and IMPACT_ACCOUNT_SID.")


# --- expire: done, but the code cannot be read back afterwards --------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_expire_whose_read_back_fails_still_reports_the_expiry(editor_client, sandbox, htmx):
    sandbox.inject_fault(count=2)  # no-ops: the read first (ACTIVE) and the DELETE go through
    sandbox.inject_fault(503, count=ATTEMPTS)  # then the read-back fails

    response = visit(editor_client, "expire", htmx=htmx)

    location = response.headers["HX-Redirect"] if htmx else response.headers["Location"]
    assert location == "/promo-codes/7000151/"
    assert [r.method for r in sandbox.requests] == ["GET", "DELETE"] + ["GET"] * ATTEMPTS
    page = editor_client.get(location).content.decode()
    assert "Expired promo code 7000151 (impact.com did not show it afterwards)." in page
    assert "<dt>State</dt><dd>INACTIVE</dd>" in page


# --- create: the form stays, with what was typed, and a write is sent once ---------------------------------


def fail_the_create(sandbox, status: int | None = None, **fault) -> None:
    """Let promoadmin's duplicate check (one list call) through, and make the create itself fail."""
    sandbox.inject_fault(count=1)  # a fault that changes nothing
    sandbox.inject_fault(status, **fault)


def create(client, htmx: bool = False):
    return client.post("/promo-codes/new/", NEW_CODE, **(HTMX if htmx else {}))


def creates_sent(sandbox) -> list:
    """The creates sent, after checking that the only request before them was the duplicate check."""
    sent = upstream_requests(sandbox, "POST", "/PromoCodes")
    if sent:
        assert [r.method for r in sandbox.requests][:2] == ["GET", "POST"]
    return sent


def form_errors(response) -> str:
    match = re.search(
        r'<div class="alert alert-error" role="alert" id="form-errors"[^>]*>(.*?)</div>',
        markup(response),
        re.S,
    )
    assert match, "the form shows no error"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def assert_typed_input_kept(response) -> None:
    body = markup(response)
    assert re.search(r'<input\b[^>]*name="code"[^>]*value="NEWCODE1"', body)
    assert 'value="1000" selected' in body or re.search(r'<input\b[^>]*name="campaign_id"[^>]*value="1000"', body)
    assert re.search(r'<input\b[^>]*name="assigned_partner_id"[^>]*value="2552842"', body)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_create_answered_5xx_is_sent_once_and_keeps_the_form(editor_client, sandbox, status):
    fail_the_create(sandbox, status)

    response = create(editor_client)

    assert response.status_code == 503
    assert len(creates_sent(sandbox)) == 1  # a write is never retried
    message = form_errors(response)
    assert "impact.com is not answering" in message
    assert f"(HTTP {status})" in message
    assert "The code was not created; it is safe to submit again." in message
    assert_typed_input_kept(response)
    assert "Traceback" not in response.content.decode()


def test_when_the_duplicate_check_fails_nothing_is_sent(editor_client, sandbox):
    sandbox.inject_fault(503, count=ATTEMPTS)

    response = create(editor_client)

    assert response.status_code == 503
    message = form_errors(response)
    assert "impact.com is not answering" in message
    assert "Nothing was sent, so NEWCODE1 was not created" in message
    assert_typed_input_kept(response)
    assert creates_sent(sandbox) == []


def test_a_create_answered_5xx_can_be_submitted_again(editor_client, sandbox):
    fail_the_create(sandbox, 500)
    assert create(editor_client).status_code == 503

    response = create(editor_client)

    assert response.status_code == 302
    assert len(creates_sent(sandbox)) == 2


def test_an_htmx_create_answered_5xx_returns_the_form_with_the_error(editor_client, sandbox):
    fail_the_create(sandbox, 502)

    response = create(editor_client, htmx=True)

    assert response.status_code == 503
    assert response.content.decode().strip().startswith('<form id="promo-code-form"')
    assert "impact.com is not answering" in form_errors(response)
    assert_typed_input_kept(response)
    assert len(creates_sent(sandbox)) == 1


def test_a_create_that_times_out_says_it_may_still_happen(editor_client, sandbox, short_timeout):
    fail_the_create(sandbox, latency_ms=SLOW_MS)

    response = create(editor_client)

    assert response.status_code == 504
    message = form_errors(response)
    assert "impact.com took too long to answer" in message
    assert "It may still create NEWCODE1: promoadmin cannot tell." in message
    assert_typed_input_kept(response)
    assert len(creates_sent(sandbox)) == 1
    # Right not to invite a blind retry: the slow request creates the code after all.
    wait_until(
        lambda: (
            "NEWCODE1"
            in editor_client.get("/promo-codes/", {"code": "NEWCODE1"}, HTTP_CACHE_CONTROL="no-cache").content.decode()
        )
    )


@pytest.mark.parametrize(
    ("fault", "status", "phrase"),
    [
        (401, 503, "An administrator should check IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN."),
        (403, 403, "The API token may not do this"),
        (429, 429, "Try again in 60 minutes."),
    ],
)
def test_a_refused_create_says_why_and_keeps_the_form(editor_client, sandbox, fault, status, phrase):
    fail_the_create(sandbox, fault)

    response = create(editor_client)

    assert response.status_code == status
    assert phrase in form_errors(response)
    assert_typed_input_kept(response)
    assert len(creates_sent(sandbox)) == 1


def test_a_rate_limited_create_passes_on_retry_after(editor_client, sandbox):
    fail_the_create(sandbox, 429)

    response = create(editor_client)

    assert response.headers["Retry-After"] == "3600"


def test_a_garbage_answer_to_a_create_is_a_503(editor_client, sandbox):
    fail_the_create(sandbox, body="<html>oops</html>")

    response = create(editor_client)

    assert response.status_code == 503
    assert "impact.com is not answering" in form_errors(response)
    assert len(creates_sent(sandbox)) == 1
