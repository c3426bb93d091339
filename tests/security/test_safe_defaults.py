"""Safe defaults: what a start with no configuration, a container and gunicorn may and may not do,
read in a fresh process per case (settings are computed once, at import); and what the pages send.
"""

from __future__ import annotations

import pytest
from test_settings import PRODUCTION, STRONG_KEY, run

from promoadmin import settings as project_settings

SHOW_KEY = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"
SANDBOX_CONTAINER = {"PROMOADMIN_IN_CONTAINER": "1", "IMPACT_USE_SANDBOX": "1", "SECRET_KEY": STRONG_KEY}


def test_a_local_sandbox_run_makes_a_secret_key_once_and_keeps_it():
    first, second = run(["-c", SHOW_KEY]), run(["-c", SHOW_KEY])

    assert first.returncode == 0, first.stderr
    debug, key = first.stdout.split()
    assert debug == "False" and len(key) >= 50
    assert second.stdout == first.stdout  # the same key after a restart: sessions survive
    assert project_settings.LOCAL_SECRET_KEY_FILE.read_text().strip() == key
    assert oct(project_settings.LOCAL_SECRET_KEY_FILE.stat().st_mode & 0o777) == "0o600"


def test_a_real_account_still_needs_a_key_of_its_own():
    env = {**PRODUCTION}
    del env["SECRET_KEY"]

    result = run(["manage.py", "check"], **env)

    assert result.returncode != 0 and "SECRET_KEY is missing or weak" in result.stderr


def test_the_development_key_is_refused_even_with_debug_on():
    result = run(["manage.py", "check"], DEBUG="1", SECRET_KEY="insecure-dev-only-key-for-the-sandbox")

    assert result.returncode != 0 and "SECRET_KEY is missing or weak" in result.stderr


@pytest.mark.parametrize("debug", ["1", "true", "on"])
def test_a_container_never_runs_with_debug_on(debug):
    result = run(["manage.py", "check"], **{**PRODUCTION, "PROMOADMIN_IN_CONTAINER": "1", "DEBUG": debug})

    assert result.returncode != 0
    assert "DEBUG is never on in the container image" in result.stderr


def test_a_container_never_uses_the_local_key_file():
    env = {**SANDBOX_CONTAINER}
    del env["SECRET_KEY"]

    result = run(["manage.py", "check"], **env)

    assert result.returncode != 0 and "SECRET_KEY is missing or weak" in result.stderr


@pytest.mark.parametrize("start", [
    ["manage.py", "check"],  # in the container image
    ["-c", "import gunicorn, django; django.setup()"],  # gunicorn, which imports the app after itself
], ids=["container", "gunicorn"])
def test_a_production_start_without_credentials_is_refused(start):
    env = {"SECRET_KEY": STRONG_KEY}
    if start[0] == "manage.py":
        env["PROMOADMIN_IN_CONTAINER"] = "1"

    result = run(start, **env)

    assert result.returncode != 0
    assert "No impact.com credentials" in result.stderr and "IMPACT_USE_SANDBOX=1" in result.stderr


def test_a_production_start_serves_the_sandbox_only_when_asked():
    asked = run(["-c", "import gunicorn, django; django.setup(); from django.conf import settings as s; "
                       "print(s.IMPACT_USE_SANDBOX, s.DEBUG)"], **SANDBOX_CONTAINER)

    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split() == ["True", "False"]


# --- What pages send --------------------------------------------------------------------------


def test_signed_in_pages_are_private(editor_client):
    response = editor_client.get("/promo-codes/?campaign_id=1000")

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/promo-codes/new/", "/promo-codes/bulk-create/", "/promo-codes/bulk-expire/?id=7000151"])
def test_pages_with_one_time_tokens_are_not_stored_at_all(editor_client, url):
    response = editor_client.get(url)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_under_debug_pages_load_htmx_without_the_debug_script_that_replaces_the_page(editor_client, settings):
    settings.DEBUG = True

    page = editor_client.get("/promo-codes/").content.decode()

    assert "django_htmx/htmx-2.min.js" in page
    assert "django-htmx.js" not in page


def test_static_files_are_served_with_debug_off_and_nothing_collected(client, settings):
    assert settings.DEBUG is False

    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
