"""Signing in: no open redirect through `next`, and a brake on password guessing."""

from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

import helpers
import pytest
from django.test import Client

OFF_SITE = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/promo-codes/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "///evil.example",
    "https:evil.example",
    "http:/evil.example",
    "//evil.example@testserver",
    "https://testserver@evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "%2F%2Fevil.example",
    "//evil%2Eexample",
    "/%5Cevil.example",
    "//evil.example\\@testserver",
    "https://evil.example\\.testserver",
]


def assert_stays_on_site(location: str) -> None:
    """Where a browser would go from the sign-in page: this site (backslashes read as slashes, as browsers do)."""
    assert not location.lstrip().startswith(("//", "/\\", "\\")), location
    resolved = urlsplit(urljoin("http://testserver/accounts/login/", location.replace("\\", "/")))
    assert (resolved.scheme, resolved.netloc) == ("http", "testserver"), location


@pytest.fixture
def anonymous():
    return Client()


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_it_never_redirects_off_site_after_signing_in(anonymous, editor, next_url):
    response = anonymous.post("/accounts/login/", {"username": "editor", "password": helpers.PASSWORD, "next": next_url})

    assert response.status_code == 302
    assert_stays_on_site(response["Location"])


@pytest.mark.parametrize("next_url", OFF_SITE[:6])
def test_it_never_redirects_off_site_from_the_query_string(anonymous, editor, next_url):
    form = anonymous.get("/accounts/login/", {"next": next_url})
    assert form.status_code == 200
    response = anonymous.post("/accounts/login/?" + f"next={next_url}", {"username": "editor", "password": helpers.PASSWORD})

    assert response.status_code == 302
    assert_stays_on_site(response["Location"])


@pytest.mark.parametrize("next_url", OFF_SITE[:6])
def test_it_never_redirects_off_site_after_an_expire(editor_client, next_url):
    response = editor_client.post("/promo-codes/7000151/expire/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/promo-codes/7000151/"


@pytest.mark.parametrize("next_url", OFF_SITE[:6])
def test_it_never_redirects_off_site_after_signing_out(editor_client, next_url):
    response = editor_client.post("/accounts/logout/", {"next": next_url})

    assert response.status_code == 302
    assert_stays_on_site(response["Location"])


def test_it_follows_an_on_site_next(anonymous, editor):
    response = anonymous.post(
        "/accounts/login/", {"username": "editor", "password": helpers.PASSWORD, "next": "/promo-codes/7000151/"}
    )

    assert response["Location"] == "/promo-codes/7000151/"


def test_it_sends_people_to_sign_in_with_the_page_they_wanted(anonymous):
    response = anonymous.get("/promo-codes/7000151/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/promo-codes/7000151/"


# --- lockout (the same for every door: see test_lockout.py) ----------------------------------


def fail(client, username="editor", address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def sign_in(client, username="editor", address="10.0.0.1"):
    return helpers.sign_in(client, username, REMOTE_ADDR=address)


def test_it_locks_a_user_name_out_after_repeated_failures(anonymous, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    for _ in range(4):
        assert fail(anonymous).status_code == 200  # the form again, with "please enter a correct..."

    locked = fail(anonymous)  # the fifth failure
    right_password = sign_in(anonymous)

    assert locked.status_code == 429
    assert right_password.status_code == 429  # even the right password is refused while locked
    assert "Too many failed sign-ins" in right_password.content.decode()
    assert 'value="editor"' in right_password.content.decode()  # the typed name is kept
    assert "_auth_user_id" not in anonymous.session


def test_it_counts_the_user_name_whatever_the_letter_case_and_spaces(anonymous, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for index in range(3):
        fail(anonymous, username="Editor" if index % 2 else "editor ")

    assert sign_in(anonymous).status_code == 429


def test_guessing_from_one_address_does_not_lock_the_user_out_elsewhere(anonymous, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(5):
        fail(anonymous, address="10.0.2.1")

    assert sign_in(anonymous, address="10.0.2.1").status_code == 429
    assert sign_in(Client(), address="10.0.2.2").status_code == 302  # the real user, from their own address


def test_it_lifts_the_lockout_after_the_wait(anonymous, editor, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS = 2, 1
    fail(anonymous)
    fail(anonymous)
    assert sign_in(anonymous).status_code == 429

    time.sleep(1.2)

    assert sign_in(anonymous).status_code == 302


def test_it_forgets_failures_after_a_successful_sign_in(anonymous, editor, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    fail(anonymous)
    fail(anonymous)
    assert sign_in(anonymous).status_code == 302
    anonymous.logout()

    fail(anonymous)
    fail(anonymous)

    assert sign_in(anonymous).status_code == 302  # two new failures, not four


def test_it_does_not_tell_whether_a_user_name_exists(anonymous, editor):
    unknown = fail(anonymous, username="nobody-here")
    known = fail(anonymous, username="editor")

    assert unknown.status_code == known.status_code == 200
    message = "Please enter a correct"
    assert message in unknown.content.decode() and message in known.content.decode()
