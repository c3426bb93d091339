"""Production settings, read the way production reads them: from the environment, in a fresh process.

Settings are computed once at import, so each case starts a new interpreter with its own environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(60)[:60]
PRODUCTION = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "promoadmin.example.com",
    "IMPACT_ACCOUNT_SID": "x",
    "IMPACT_AUTH_TOKEN": "y",
}
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "IMPACT_USE_SANDBOX", "MIDDLEWARE",
    "AUTHENTICATION_BACKENDS"]}))
"""


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """`python <args>` in the project, with only these variables (and no .env surprises from the parent)."""
    clean = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}
    clean.update(DJANGO_SETTINGS_MODULE="promoadmin.settings", PYTHONDONTWRITEBYTECODE="1", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_under(**env: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_passes_the_deployment_checklist():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_it_switches_on_secure_cookies_and_hsts_with_https():
    on = settings_under(**PRODUCTION)

    assert on["DEBUG"] is False and on["IMPACT_USE_SANDBOX"] is False
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_HSTS_SECONDS"] >= 31536000
    assert on["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and on["SECURE_HSTS_PRELOAD"]
    assert on["SESSION_COOKIE_HTTPONLY"] and on["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert (on["X_FRAME_OPTIONS"], on["SECURE_REFERRER_POLICY"]) == ("DENY", "same-origin")


def test_it_leaves_https_settings_off_for_plain_http():
    off = settings_under(**{**PRODUCTION, "HTTPS": "0"})

    assert not off["SESSION_COOKIE_SECURE"] and not off["CSRF_COOKIE_SECURE"] and not off["SECURE_SSL_REDIRECT"]
    assert off["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "short", "a" * 60, "abcd" * 20, "insecure-dev-only-key-for-the-sandbox"],
    ids=["missing", "empty", "short", "one-character", "four-characters", "the-dev-key"],
)
def test_it_refuses_to_start_without_a_strong_secret_key(secret_key):
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key

    result = run(["manage.py", "check"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is missing or weak" in result.stderr
    assert "at least 50 random characters" in result.stderr


def test_it_refuses_half_configured_credentials():
    result = run(["manage.py", "check"], **{**PRODUCTION, "IMPACT_AUTH_TOKEN": ""})

    assert result.returncode != 0
    assert "Set both IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN" in result.stderr


def test_it_needs_no_secret_key_on_the_sandbox_and_debug_stays_off():
    on_sandbox = settings_under()  # no variables at all: a local run on the embedded sandbox

    assert on_sandbox["DEBUG"] is False and on_sandbox["IMPACT_USE_SANDBOX"] is True


def test_it_sends_secure_cookies_and_hsts_over_https(client, editor, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD = 31536000, True, True

    form = client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/", {"username": "editor", "password": "editor-password-1"}, secure=True
    )

    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert form.cookies["csrftoken"]["secure"]


def test_it_redirects_plain_http_when_https_is_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/accounts/login/")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200  # probes stay on plain HTTP


def test_it_wires_single_sign_on_only_when_the_header_is_named():
    sso = settings_under(**PRODUCTION, REMOTE_USER_HEADER="X-Remote-User")
    plain = settings_under(**PRODUCTION)

    middleware = sso["MIDDLEWARE"]
    proxy = middleware.index("promoadmin.web.middleware.ProxyRemoteUserMiddleware")
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") == proxy - 1
    assert proxy < middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware")
    # The lockout's backend stays first, so a locked-out name is refused by every later backend.
    assert sso["AUTHENTICATION_BACKENDS"][:2] == [
        "axes.backends.AxesStandaloneBackend", "promoadmin.web.permissions.RemoteUserBackend"
    ]
    assert "promoadmin.web.middleware.ProxyRemoteUserMiddleware" not in plain["MIDDLEWARE"]
    assert plain["AUTHENTICATION_BACKENDS"] == [
        "axes.backends.AxesStandaloneBackend", "promoadmin.web.permissions.ModelBackend"
    ]
