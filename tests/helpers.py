"""Helpers shared by the test files (importable as `helpers`: pyproject.toml puts tests/ on the path).

They live here rather than in conftest.py because tests/ and tests/browser/ each have a conftest,
and `from conftest import ...` would pick either.
"""

from __future__ import annotations

import html
import re

# What an htmx request sends, as keyword arguments of Django's test client.
HTMX = {"HTTP_HX_REQUEST": "true"}


def upstream_requests(sandbox, method: str | None = None, path_suffix: str = "") -> list:
    """What the sandbox received, optionally only one method and paths ending in `path_suffix`."""
    return [r for r in sandbox.requests if (method is None or r.method == method) and r.path.endswith(path_suffix)]


def page_text(page) -> str:
    """What a person reads on a page (a response, or its bytes or text): scripts and styles dropped,
    tags dropped (a <wbr> joins the word it breaks), entities decoded, whitespace squeezed."""
    markup = getattr(page, "content", page)
    markup = markup.decode() if isinstance(markup, bytes) else markup
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup.replace("<wbr>", ""), flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


# The password tests/conftest.py gives its signed-in users (editor, viewer, ...).
PASSWORD = "editor-password-1"


def sign_in(client, username: str = "editor", password: str = PASSWORD, **extra):
    """Post the login form as a browser would; `extra` are more form fields (next=) or, in capitals,
    request headers and environ (REMOTE_ADDR=)."""
    environ = {key: value for key, value in extra.items() if key.isupper()}
    fields = {key: value for key, value in extra.items() if not key.isupper()}
    return client.post("/accounts/login/", {"username": username, "password": password, **fields}, **environ)


def reset_the_hour() -> None:
    """What impact.com's hourly reset does to promoadmin: the rate-limit headers it kept (which hold
    reads back once a 429 said nothing is left) are forgotten until the next answer."""
    from promoadmin.shared_state.models import Claim

    Claim.objects.filter(key__endswith=":ratelimit").delete()


def markup(response) -> str:
    """A response's HTML with each run of whitespace squeezed to one space: templates wrap long lines
    (at most 160 characters), and a test of markup should not depend on where they wrap."""
    return re.sub(r"\s+", " ", response.content.decode())


def is_alert_swap(response) -> bool:
    """An htmx answer that puts its message in the page's alert region, out of band, and leaves the
    element that asked as it was (middleware.ImpactErrorMiddleware)."""
    body = response.content.decode().lstrip()
    return response.get("HX-Reswap") == "none" and body.startswith('<div id="alerts" hx-swap-oob="innerHTML">')


def session_cookie(user) -> str:
    """A signed-in session for `user`, for a real HTTP client against a live server."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
