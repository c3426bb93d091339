"""`manage.py check_impact` against the sandbox over real HTTP, as against impact.com: good, wrong
and scope-limited credentials, and what it sends (reads only)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from promoadmin.impact.sandbox import SandboxApp
from promoadmin.impact.sandbox.server import serve_sandbox

SID, TOKEN = "IRcheck000000000001", "check-token"


@pytest.fixture
def upstream(settings):
    app = SandboxApp(SID, TOKEN)
    server = serve_sandbox(app, port=0)
    settings.IMPACT_USE_SANDBOX = False
    settings.IMPACT_ACCOUNT_SID, settings.IMPACT_AUTH_TOKEN = SID, TOKEN
    settings.IMPACT_API_BASE_URL = server.base_url
    yield app
    server.shutdown()


def check() -> str:
    out = StringIO()
    call_command("check_impact", stdout=out)
    return out.getvalue()


def test_it_says_good_credentials_work_with_every_endpoint_the_budget_and_the_clock(upstream):
    output = check()

    assert "Credentials: they work." in output
    for use in ["promo codes", "campaigns: the campaign picker", "partners: the partner picker", "deals: the deal picker"]:
        assert f"  yes  {use}" in output
    assert "Hourly budget: 996 of 1000 requests left; resets in 60 min." in output
    assert "Clock: this host is 0 s" in output or "Clock: this host is 1 s" in output
    assert "(fine)" in output
    assert "Sent 4 read requests, no writes." in output
    assert {r.method for r in upstream.requests} == {"GET"}
    assert [r.path.rsplit("/", 1)[-1] for r in upstream.requests] == ["PromoCodes", "Campaigns", "MediaPartners", "Deals"]


def test_it_stops_at_the_first_request_when_the_credentials_are_wrong(upstream, settings):
    settings.IMPACT_AUTH_TOKEN = "not-the-token"

    with pytest.raises(CommandError, match=r"The credentials do not work \(401\)"):
        check()

    assert len(upstream.requests) == 1


def test_it_names_the_pickers_a_scoped_token_may_not_use(upstream):
    upstream.denied_resources = {"MediaPartners", "Deals"}

    output = check()  # the dashboard still works: exit status 0

    assert "  yes  promo codes" in output and "  yes  campaigns" in output
    assert "  no   partners: the partner picker: 403, partners are typed as ids" in output
    assert "  no   deals: the deal picker: 403, deals are typed as ids" in output


def test_it_fails_when_the_token_may_not_read_promo_codes(upstream):
    upstream.denied_resources = {"PromoCodes"}

    with pytest.raises(CommandError, match="may not read promo codes"):
        check()


def test_it_says_when_impact_com_cannot_be_reached(upstream, settings):
    settings.IMPACT_API_BASE_URL = "http://127.0.0.1:9"  # the discard port: nothing listens

    with pytest.raises(CommandError, match="Could not reach impact.com"):
        check()


def test_on_the_embedded_sandbox_it_says_so(sandbox):
    output = check()

    assert "checking the embedded sandbox" in output and "Credentials: they work." in output


def test_it_runs_before_migrate_on_a_database_that_does_not_exist_yet(upstream, settings, tmp_path):
    """The README's second step comes before `migrate`: the check must not need the database."""
    database = tmp_path / "not-yet.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("IMPACT_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=f"sqlite:///{database}", ALLOWED_HOSTS="localhost",
        IMPACT_ACCOUNT_SID=SID, IMPACT_AUTH_TOKEN=TOKEN, IMPACT_API_BASE_URL=settings.IMPACT_API_BASE_URL,
    )
    done = subprocess.run([sys.executable, "manage.py", "check_impact"], cwd=Path(__file__).resolve().parents[2],
                          env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr[-2000:]
    assert "Credentials: they work." in done.stdout and "Hourly budget:" in done.stdout
    assert "Traceback" not in done.stderr
