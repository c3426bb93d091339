"""Security headers on every kind of page: a strict Content-Security-Policy, no framing, no sniffing,
a Referrer-Policy; and pages that keep working under that policy (no inline script, style or handler).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from promoadmin.urls import urlpatterns as app_urlpatterns


def boom(request):
    raise RuntimeError("an unexpected bug")


def plain(request):
    return HttpResponse("plain")


# This module doubles as a URLconf with a view that fails, for the 500 page.
urlpatterns = [*app_urlpatterns, path("boom/", boom), path("plain/", plain)]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_hardened(response) -> None:
    directives = csp_directives(response)
    assert directives.get("script-src") == ["'self'"], directives
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("style-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("base-uri") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("form-action") == ["'self'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


class _InlineCode(HTMLParser):
    """Anything a strict CSP would block: inline scripts and styles, handler attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("inline <style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def assert_no_inline_code(response) -> None:
    parser = _InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == []


@pytest.fixture
def boom_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def clients(editor, viewer):
    """Three browsers: an editor's, a viewer's and one nobody signed in to."""
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    return editor_client, viewer_client, Client()


def pages(editor_client, viewer_client, client, sandbox):
    """(name, response) for every kind of page and fragment promoadmin sends."""
    yield "login", client.get("/accounts/login/")
    yield "login failed", client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    yield "redirect to login", client.get("/promo-codes/")
    yield "list", editor_client.get("/promo-codes/?campaign_id=1000")
    yield "list fragment", editor_client.get("/promo-codes/?state=ACTIVE", headers={"HX-Request": "true"})
    yield "list bad filters", editor_client.get("/promo-codes/?campaign_id=abc")
    yield "detail", editor_client.get("/promo-codes/7000151/")
    yield "create form", editor_client.get("/promo-codes/new/?campaign_id=1000")
    yield "create invalid", editor_client.post("/promo-codes/new/", {"code": "x"})
    yield "bulk create", editor_client.get("/promo-codes/bulk-create/")
    yield "bulk expire", editor_client.get("/promo-codes/bulk-expire/?campaign_id=1000")
    yield "404 page", editor_client.get("/promo-codes/1/")
    yield "404 no route", editor_client.get("/no-such-page/")
    yield "403 page", viewer_client.get("/promo-codes/new/")
    yield "403 fragment", viewer_client.post("/promo-codes/7000151/expire/", headers={"HX-Request": "true"})
    yield "405", editor_client.get("/promo-codes/7000151/expire/")
    client.raise_request_exception = False  # DisallowedHost is reported, then answered with the 400 page
    yield "400 bad host", client.get("/accounts/login/", headers={"Host": "evil.example"})
    sandbox.inject_fault(503, count=10)
    yield "upstream error page", editor_client.get("/promo-codes/7000152/")
    yield "upstream error fragment", editor_client.get("/promo-codes/7000152/", headers={"HX-Request": "true"})
    yield "create upstream error", editor_client.post(
        "/promo-codes/new/",
        {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "HDRTEST", "type": "LI",
         "credit_policy": "WINNER"},
    )
    sandbox.clear_faults()
    yield "plain view", editor_client.get("/plain/")
    editor_client.raise_request_exception = False
    yield "500 page", editor_client.get("/boom/")


def test_it_hardens_every_page(clients, sandbox, boom_urls):
    seen = {}
    for name, response in pages(*clients, sandbox):
        seen[name] = response.status_code
        try:
            assert_hardened(response)
        except (AssertionError, KeyError) as err:
            raise AssertionError(f"{name} ({response.status_code}): {err!r}") from None
    # The tour really met every kind of answer.
    assert {200, 302, 400, 403, 404, 405, 422, 500, 503} <= set(seen.values()), seen


def test_it_keeps_code_out_of_the_html(clients, sandbox, boom_urls):
    """Pages must work under the policy: a script or style attribute in the HTML would be blocked."""
    for name, response in pages(*clients, sandbox):
        if response.get("Content-Type", "").startswith("text/html") and response.content:
            try:
                assert_no_inline_code(response)
            except AssertionError as err:
                raise AssertionError(f"{name}: {err}") from None


def test_it_serves_htmx_from_this_site(editor_client):
    content = editor_client.get("/promo-codes/").content.decode()
    assert '<script src="/static/' in content
    assert "unpkg.com" not in content and "cdn." not in content


def test_it_answers_the_health_check_without_leaking_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
