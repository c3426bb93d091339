"""The fault matrix: every page that talks to impact.com, under every way impact.com can fail.

Each cell checks what a person and the upstream would see: the status, a message that names the
problem, an answer within IMPACT_TIMEOUT plus a small margin, no traceback, the page working again
once the fault clears, a create sent at most once per submission with the form keeping its values,
and an expire that is harmless to retry. docs/fault-matrix.md is the same matrix as a table.

Faults persist for the whole request (retries and follow-up look-ups see them too), like an upstream
that is down for a minute; a transient fault is a separate test at the end. A create makes one list
call (the duplicate check) before its POST, so create has two rows: impact.com down from the start
(nothing is sent) and the fault starting with the POST itself. An expire reads the code first (to
answer "already expired" for a code expired elsewhere), so expire has two rows the same way.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
import pytest
from django.urls import reverse
from helpers import is_alert_swap, reset_the_hour, upstream_requests
from helpers import page_text as visible_text
from security_helpers import LATENCY_MS, NOT_JSON, FaultAtThePost, arm, closed_port, form_values

from promoadmin.impact import factory
from promoadmin.impact.records import PromoCodeFilters

TIMEOUT = 1.0  # IMPACT_TIMEOUT for every cell
MARGIN = 1.0  # how far past IMPACT_TIMEOUT an answer may come (back-off jitter, rendering, a busy CI box)

CODE = "FAULTCODE1"
EXPIRED_ID = 7000151  # WELCOME10: ACTIVE, no end date
START, END = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
CREATE_FORM = {
    "campaign_id": "1000",
    "assigned_partner_id": "2552842",
    "code": CODE,
    "type": "LI",
    "credit_policy": "WINNER",
    "start_date": START.isoformat(),
    "end_date": END.isoformat(),
    "deal_id": "401",
    "deal_name": "",
}

# "create": impact.com is down from the start, so the duplicate check before the create fails and
# nothing is sent. "create-post": the fault starts with the create's POST itself. "expire": the read
# before the DELETE fails, so the DELETE is not sent; "expire-delete": the fault starts with the DELETE.
VIEWS = ["list", "detail", "create", "create-post", "expire", "expire-delete"]
FAULTS = [
    "timeout", "connection-refused", "http-500", "http-502", "http-503", "not-json",
    "http-429", "http-401", "http-403", "http-404",
]


def _expected(view: str, fault: str) -> tuple[int, list[str]]:
    """(status, phrases the page must show) for one cell. Keep docs/fault-matrix.md in step."""
    not_sent = f"Nothing was sent, so {CODE} was not created"
    unknown_create = f"promoadmin cannot tell whether {CODE} was created"
    unknown_expire = f"promoadmin cannot tell whether impact.com expired promo code {EXPIRED_ID}"
    cells = {
        "timeout": (504, ["impact.com took too long to answer", "did not answer within 1 second"]),
        "connection-refused": (503, ["impact.com is not answering", "could not reach impact.com (ConnectError)"]),
        "http-500": (503, ["impact.com is not answering", "having trouble (HTTP 500)"]),
        "http-502": (503, ["impact.com is not answering", "having trouble (HTTP 502)"]),
        "http-503": (503, ["impact.com is not answering", "having trouble (HTTP 503)"]),
        "not-json": (503, ["impact.com is not answering", "could not read (not JSON)"]),
        "http-429": (429, ["hourly request limit is reached", "Try again in 60 minutes"]),
        "http-401": (503, ["promoadmin cannot sign in to impact.com", "IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN"]),
        "http-403": (403, ["The API token may not do this", "read-only tokens cannot create or expire"]),
        "http-404": (502, ["impact.com request failed", 'answered "not found"', "IMPACT_API_BASE_URL"]),
    }
    status, phrases = cells[fault]
    if view == "detail" and fault == "http-404":
        return 404, ["Not found", f"impact.com has no promo code {EXPIRED_ID}"]
    if view == "create":
        return status, [*phrases, not_sent]
    if view == "create-post":
        if fault == "timeout":
            return 504, [*phrases, f"It may still create {CODE}", "Check the list for it"]
        if fault == "connection-refused":
            return 503, [*phrases, not_sent]
        if fault in ("http-500", "http-502", "http-503", "not-json"):
            return 503, [*phrases, unknown_create, "before submitting again"]
    not_expired = f"Nothing was sent, so promo code {EXPIRED_ID} was not expired"
    if view.startswith("expire") and fault == "http-404":
        return 404, ["Not found", f"impact.com has no promo code {EXPIRED_ID}"]
    if view == "expire" and fault in ("timeout", "connection-refused", "http-500", "http-502", "http-503", "not-json"):
        return status, [*phrases, not_expired]
    if view == "expire-delete":
        if fault == "timeout":
            return 504, [*phrases, unknown_expire, "Expiring it again is harmless"]
        if fault == "connection-refused":
            return 503, [*phrases, not_expired]
        if fault in ("http-500", "http-502", "http-503", "not-json"):
            return 503, [*phrases, unknown_expire, "Expiring it again is harmless"]
    return status, phrases


# --- faults ------------------------------------------------------------------------------


@pytest.fixture
def post_attempts(monkeypatch) -> list[str]:
    """Every POST that left promoadmin over a real socket (the sandbox's log cannot see a closed port)."""
    attempts: list[str] = []
    original = httpx.HTTPTransport.handle_request

    def counting(self, request):
        if request.method == "POST":
            attempts.append(str(request.url))
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counting)
    return attempts


def start_fault(view: str, fault: str, sandbox, settings) -> FaultAtThePost | None:
    if view == "create-post":
        factory._client = factory.build_impact_client(transport=FaultAtThePost(sandbox, fault))
        return factory._client
    if view == "expire-delete":
        factory._client = factory.build_impact_client(transport=FaultAtThePost(sandbox, fault, method="DELETE"))
        return factory._client
    if fault == "connection-refused":
        settings.IMPACT_ACCOUNT_SID = "IRfaultmatrix"
        settings.IMPACT_AUTH_TOKEN = "fault-matrix-token"
        settings.IMPACT_USE_SANDBOX = False
        settings.IMPACT_API_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    else:
        arm(fault, sandbox)
    factory.reset_impact_client()
    return None


def clear_fault(fault: str, sandbox, settings, started: float) -> None:
    sandbox.clear_faults()
    if fault == "timeout":
        # Late answers are still on their way; let them land so the state is settled.
        time.sleep(max(0.0, started + LATENCY_MS / 1000 + 0.3 - time.monotonic()))
    settings.IMPACT_ACCOUNT_SID = ""
    settings.IMPACT_AUTH_TOKEN = ""
    settings.IMPACT_USE_SANDBOX = True
    factory.reset_impact_client()
    if fault == "http-429":
        # The 429 said no request was left until the reset, and promoadmin holds reads until then:
        # clearing the fault is that reset.
        reset_the_hour()


def send(client, view: str, htmx: bool, form: dict | None = None):
    headers = {"HX-Request": "true"} if htmx else {}
    if view == "list":
        return client.get(reverse("promocodes:list") + "?campaign_id=1000", headers=headers)
    if view == "detail":
        return client.get(reverse("promocodes:detail", args=[EXPIRED_ID]), headers=headers)
    if view.startswith("create"):
        return client.post(reverse("promocodes:create"), form or CREATE_FORM, headers=headers)
    headers = {**headers, "HX-Target": f"promo-code-{EXPIRED_ID}"} if htmx else headers
    return client.post(reverse("promocodes:expire", args=[EXPIRED_ID]), {"next": "/promo-codes/"}, headers=headers)


def open_form(client) -> dict:
    """Open the form first, as a person does: the pickers' lists get cached, and the form has its token."""
    page = client.get(reverse("promocodes:create") + "?campaign_id=1000")
    assert page.status_code == 200
    return {**CREATE_FORM, "form_token": form_values(page.content, "promo-code-form").get("form_token", "")}


def creates(sandbox) -> list:
    return [r for r in sandbox.requests if r.method == "POST" and r.path.endswith("/PromoCodes")]


# --- the matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["page", "htmx"])
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("view", VIEWS)
def test_it_answers_each_fault_honestly_and_recovers(
    view, fault, mode, editor_client, sandbox, settings, caplog, post_attempts
):
    settings.IMPACT_TIMEOUT = TIMEOUT
    htmx = mode == "htmx"
    status, phrases = _expected(view, fault)
    form = open_form(editor_client) if view.startswith("create") else None
    start_fault(view, fault, sandbox, settings)

    started = time.monotonic()
    response = send(editor_client, view, htmx, form)
    elapsed = time.monotonic() - started

    body = response.content.decode()
    text = visible_text(body)
    assert response.status_code == status, text[:500]
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in {text[:800]!r}"
    assert elapsed < TIMEOUT + MARGIN, f"answered after {elapsed:.2f}s"
    assert "Traceback" not in body and "Internal Server Error" not in body
    # Django logs every 5xx answer as one line (fine); no record may carry a traceback.
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert "safe to submit again" not in text  # nothing here proves a code was not created
    if htmx:
        assert "<html" not in body  # a fragment, never a whole page inside a page
        if not view.startswith("create"):
            assert is_alert_swap(response)
    if fault == "http-429":
        assert int(response["Retry-After"]) > 0

    if view.startswith("create"):
        sent = len(creates(sandbox)) + len(post_attempts)
        assert sent == (1 if view == "create-post" else 0), "a create is sent at most once, and only when checked"
        kept = form_values(body, "promo-code-form")
        assert {name: kept.get(name) for name in form} == form  # what was typed, and the form's token
    if view == "expire":
        assert upstream_requests(sandbox, "DELETE") == [], "the read before it failed: no DELETE is sent"

    clear_fault(fault, sandbox, settings, started)
    sent_before_retry = len(creates(sandbox))
    again = send(editor_client, view, htmx, form)
    if view in ("list", "detail"):
        assert again.status_code == 200
        assert "WELCOME10" in visible_text(again.content)
    elif view == "create-post" and fault == "timeout":
        # The same form again: promoadmin refuses to send it a second time, and says why.
        assert again.status_code == 409
        assert f"never confirmed whether it created {CODE}" in visible_text(again.content)
        assert len(creates(sandbox)) == sent_before_retry == 1
        listed = factory.get_impact_client().list_promo_codes(PromoCodeFilters(code=CODE), fresh=True)
        assert len(listed.items) == 1  # the timed-out create landed late, once
    elif view.startswith("create"):
        assert len(creates(sandbox)) == sent_before_retry + 1  # one submission, one POST
        assert again.status_code == (200 if htmx else 302), visible_text(again.content)[:300]
        assert (again["HX-Redirect"] if htmx else again["Location"]).startswith("/promo-codes/")
    else:
        assert again.status_code == (200 if htmx else 302)
        promo = factory.get_impact_client().get_promo_code(EXPIRED_ID, fresh=True)
        assert promo.state == "INACTIVE"


def test_it_makes_an_expire_retried_after_a_timeout_harmless(editor_client, sandbox, settings):
    settings.IMPACT_TIMEOUT = TIMEOUT
    factory.reset_impact_client()
    sandbox.inject_fault(latency_ms=LATENCY_MS, method="DELETE")  # the read before it answers in time
    started = time.monotonic()

    first = send(editor_client, "expire", htmx=False)

    assert first.status_code == 504
    assert "Expiring it again is harmless" in visible_text(first.content)
    time.sleep(max(0.0, started + LATENCY_MS / 1000 + 0.3 - time.monotonic()))
    landed = factory.get_impact_client().get_promo_code(EXPIRED_ID, fresh=True)
    assert landed.state == "INACTIVE"  # the timed-out DELETE did its work late

    again = send(editor_client, "expire", htmx=False)

    assert again.status_code == 302
    after = factory.get_impact_client().get_promo_code(EXPIRED_ID, fresh=True)
    assert (after.state, after.end_date) == (landed.state, landed.end_date)  # the retry changed nothing
    assert "Go back and try again" in visible_text(first.content)  # never a link to GET the POST-only URL
    assert 'href="/promo-codes/"' in first.content.decode()


def test_it_looks_before_inviting_a_retry_after_a_transient_5xx(editor_client, sandbox, settings):
    settings.IMPACT_TIMEOUT = TIMEOUT
    factory.reset_impact_client()
    form = open_form(editor_client)
    # The create's POST fails; the look-up that follows works.
    factory._client = factory.build_impact_client(transport=FaultAtThePost(sandbox, "http-500", count=1))

    response = send(editor_client, "create", htmx=False, form=form)

    assert response.status_code == 503
    assert "The code was not created; it is safe to submit again." in visible_text(response.content)
    assert len(creates(sandbox)) == 1


def test_it_says_when_a_failed_create_did_create_the_code(editor_client, sandbox, settings):
    class LoseTheAnswer(httpx.BaseTransport):
        """impact.com creates the code, but the answer is lost on the way back (a proxy's 502)."""

        def __init__(self, inner):
            self.inner = inner

        def handle_request(self, request):
            response = self.inner.handle_request(request)
            if request.method == "POST":
                return httpx.Response(502, text=NOT_JSON, request=request)
            return response

    factory._client = factory.build_impact_client(transport=LoseTheAnswer(factory.SandboxTransport(app=sandbox)))

    response = send(editor_client, "create", htmx=False)

    assert response.status_code == 503
    assert f"It did create the code anyway: {CODE} is now active" in visible_text(response.content)
    assert "Do not submit again" in visible_text(response.content)
    assert len(creates(sandbox)) == 1


def test_it_reports_an_expire_that_worked_when_reading_the_code_back_fails(editor_client, sandbox):
    class FailReadsAfterDelete(httpx.BaseTransport):
        def __init__(self, inner):
            self.inner, self.deleted = inner, False

        def handle_request(self, request):
            if request.method == "GET" and self.deleted:
                return httpx.Response(503, json={"Status": "ERROR", "Message": "down"}, request=request)
            self.deleted = self.deleted or request.method == "DELETE"
            return self.inner.handle_request(request)

    factory._client = factory.build_impact_client(
        transport=FailReadsAfterDelete(factory.SandboxTransport(app=sandbox)), backoff_seconds=0.01
    )

    response = send(editor_client, "expire", htmx=True)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("promocodes:detail", args=[EXPIRED_ID])
    factory.reset_impact_client()
    page = editor_client.get(reverse("promocodes:detail", args=[EXPIRED_ID]))
    assert f"Expired promo code {EXPIRED_ID}" in visible_text(page.content)


def test_it_sends_nothing_when_impact_com_hangs_before_the_create(editor_client, sandbox, settings):
    """Cold caches: naming the deal needs the deal list first, and impact.com does not answer it."""
    settings.IMPACT_TIMEOUT = TIMEOUT
    factory.reset_impact_client()
    sandbox.inject_fault(latency_ms=LATENCY_MS, count=50)
    started = time.monotonic()

    response = send(editor_client, "create", htmx=False)

    elapsed = time.monotonic() - started
    sandbox.clear_faults()
    time.sleep(max(0.0, started + LATENCY_MS / 1000 + 0.3 - time.monotonic()))
    assert response.status_code == 504
    assert elapsed < TIMEOUT + MARGIN
    assert f"Nothing was sent, so {CODE} was not created" in visible_text(response.content)
    assert creates(sandbox) == []
    assert form_values(response.content, "promo-code-form")["code"] == CODE
