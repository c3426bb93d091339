"""The impact.com auth token never leaves the HTTP Authorization header: not on a page, not in a
response header, not in an error message, not in a log line, whatever goes wrong.

The sandbox is served over real HTTP with a token of our own, so the real transport, httpx's and
httpcore's logging (at DEBUG) and every failure path are exercised.
"""

from __future__ import annotations

import base64
import logging
import secrets

import httpx
import pytest
from django.test import Client
from helpers import reset_the_hour

from promoadmin.impact import factory
from promoadmin.impact.sandbox import SandboxApp, serve_sandbox

ACCOUNT_SID = "IRsecretstest0001"
TOKEN = "tok-" + secrets.token_urlsafe(24)


def forms_of_the_token() -> list[str]:
    pair = f"{ACCOUNT_SID}:{TOKEN}".encode()
    return [
        TOKEN,
        base64.b64encode(pair).decode(),
        base64.urlsafe_b64encode(pair).decode(),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(pair).decode().rstrip("="),
        TOKEN.encode().hex(),
    ]


@pytest.fixture
def upstream(settings):
    app = SandboxApp(account_sid=ACCOUNT_SID, auth_token=TOKEN)
    server = serve_sandbox(app, port=0)
    settings.IMPACT_ACCOUNT_SID = ACCOUNT_SID
    settings.IMPACT_AUTH_TOKEN = TOKEN
    settings.IMPACT_USE_SANDBOX = False
    settings.IMPACT_API_BASE_URL = server.base_url
    settings.IMPACT_TIMEOUT = 1.0
    factory.reset_impact_client()
    yield app
    server.shutdown()
    factory.reset_impact_client()


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, the audit logger (which does not propagate) included."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "promoadmin", "django", "django.request"):
        caplog.set_level(logging.DEBUG, logger=name)
    audit = logging.getLogger("promoadmin.audit")
    audit.addHandler(caplog.handler)
    yield caplog
    audit.removeHandler(caplog.handler)


def tour(upstream, editor, viewer):
    """Pages, fragments and failures: (what, response) pairs."""
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    create = {"campaign_id": "1000", "assigned_partner_id": "2552842", "type": "LI", "credit_policy": "WINNER"}

    yield "login page", Client().get("/accounts/login/")
    yield "list", editor_client.get("/promo-codes/?campaign_id=1000")
    yield "detail", editor_client.get("/promo-codes/7000151/")
    yield "create form", editor_client.get("/promo-codes/new/?campaign_id=1000")
    yield "create", editor_client.post("/promo-codes/new/", {**create, "code": "SECRET1"})
    yield "create refused", editor_client.post("/promo-codes/new/", {**create, "code": "SECRET1"})
    yield "expire", editor_client.post("/promo-codes/7000152/expire/", headers={"HX-Request": "true"})
    yield "viewer refused", viewer_client.post("/promo-codes/7000153/expire/")
    for status in (500, 401, 403, 404, 429):
        upstream.inject_fault(status, count=10)
        yield f"list {status}", editor_client.get("/promo-codes/?state=ACTIVE")
        yield f"create {status}", editor_client.post("/promo-codes/new/", {**create, "code": f"SECRET{status}"})
        yield f"expire {status}", editor_client.post("/promo-codes/7000153/expire/")
        upstream.clear_faults()
        reset_the_hour()  # after the 429, reads wait for the reset
    upstream.inject_fault(body="<html>proxy error</html>", count=10)
    yield "not json", editor_client.get("/promo-codes/7000154/")
    upstream.clear_faults()
    upstream.inject_fault(latency_ms=1500, count=1)
    yield "timeout", editor_client.get("/promo-codes/7000155/", headers={"HX-Request": "true"})
    upstream.clear_faults()


def assert_nowhere(text: str, where: str) -> None:
    for form in forms_of_the_token():
        assert form not in text, f"the auth token ({form[:6]}…) is in {where}"


def test_it_never_shows_or_logs_the_auth_token(upstream, editor, viewer, everything_logged, capsys):
    statuses = {}
    for what, response in tour(upstream, editor, viewer):
        statuses[what] = response.status_code
        assert_nowhere(response.content.decode(errors="replace"), f"the {what} page")
        assert_nowhere(repr(sorted(response.items())), f"the {what} response headers")
        assert_nowhere(repr(response.cookies), f"the {what} cookies")

    # The tour got where it meant to: real pages, and each failure.
    assert statuses["list"] == 200 and statuses["create"] == 302 and statuses["expire"] == 200
    assert statuses["list 401"] == 503 and statuses["not json"] == 503 and statuses["timeout"] == 504
    # The token was in use all along (so its absence above means something).
    assert all(r.authorization for r in upstream.requests)
    assert any(TOKEN in base64.b64decode(r.authorization.split()[1]).decode() for r in upstream.requests)

    logged = everything_logged.records
    assert any(r.name.startswith("httpcore") for r in logged)  # transport-level DEBUG lines were on
    for record in logged:
        assert_nowhere(record.getMessage(), f"a log line from {record.name}")
        assert_nowhere(repr(record.args), f"log arguments from {record.name}")
    assert_nowhere(everything_logged.text, "the log")
    captured = capsys.readouterr()
    assert_nowhere(captured.out + captured.err, "stdout/stderr")


def test_it_keeps_the_token_out_of_reprs_and_errors(upstream):
    client = factory.get_impact_client()
    assert_nowhere(repr(client), "the client's repr")
    assert_nowhere(repr(client._http.headers), "the default headers' repr")

    wrong = factory.build_impact_client(auth_token=TOKEN + "-wrong")
    with pytest.raises(Exception) as caught:
        wrong.get_promo_code(7000151)

    assert_nowhere(str(caught.value) + repr(caught.value), "the error")
    assert "IMPACT_AUTH_TOKEN" in str(caught.value)  # names the setting, never its value
    wrong.close()


def test_it_hides_the_token_in_the_debug_error_page(upstream, editor, settings):
    """Even with DEBUG on (never in production) and a bug deep in the HTTP stack, the technical 500
    page, which shows every frame's local variables, shows neither the token nor the Authorization header."""

    class Buggy(httpx.HTTPTransport):
        def handle_request(self, request):
            assert request.headers["Authorization"].startswith("Basic ")
            raise RuntimeError("a bug in the transport")

    settings.DEBUG = True
    factory._client = factory.build_impact_client(transport=Buggy())
    client = Client(raise_request_exception=False)
    client.force_login(editor)

    response = client.get("/promo-codes/7000151/")

    assert response.status_code == 500
    assert "IMPACT_AUTH_TOKEN" in response.content.decode()  # the settings table is there, masked
    assert_nowhere(response.content.decode(), "the DEBUG error page")
