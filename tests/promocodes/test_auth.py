"""Sign-in, sign-out, the login requirement and the editor/viewer permissions, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from helpers import sign_in, upstream_requests

LOGIN_URL = "/accounts/login/"
def is_signed_in(client) -> bool:
    return client.get("/promo-codes/new/").status_code == 200


# --- what needs a login --------------------------------------------------------------------------


def every_route() -> list[str]:
    """Every URL the project routes (admin aside: it has its own login), with ids filled in."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith("admin/"):
                    yield from walk(pattern.url_patterns, route)
            else:
                yield "/" + re.sub(r"<(?:int|promo_code_id):\w+>", "7000151", re.sub(r"<(?:str|slug):\w+>", "x", route))

    return list(walk(get_resolver().url_patterns, ""))


PUBLIC_ROUTES = {"/", LOGIN_URL}


@pytest.mark.parametrize("path", [path for path in every_route() if path not in PUBLIC_ROUTES])
def test_every_route_needs_a_login(client, sandbox, path):
    for method in (client.get, client.post):
        response = method(path)

        assert response.status_code == 302, f"{method.__name__.upper()} {path}"
        assert response.headers["Location"].startswith(LOGIN_URL + "?next=")
    assert sandbox.requests == []


def test_the_route_list_covers_the_dashboard():
    routes = every_route()

    assert {"/promo-codes/", "/promo-codes/new/", "/promo-codes/7000151/", "/promo-codes/7000151/expire/"} <= set(
        routes
    )


def test_the_login_redirect_remembers_the_page(client):
    response = client.get("/promo-codes/?state=ACTIVE")

    assert response.headers["Location"] == "/accounts/login/?next=/promo-codes/%3Fstate%3DACTIVE"


def test_healthz_needs_no_login_and_asks_nothing_upstream(client, sandbox):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert sandbox.requests == []


def test_static_files_need_no_login(settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from the source tree, as without collectstatic
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/css/app.css")

    assert response.status_code == 200
    assert "css" in response.headers["Content-Type"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_root_redirects_to_the_list(client, editor, signed_in):
    if signed_in:
        client.force_login(editor)

    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/"


# --- signing in and out ----------------------------------------------------------------------------


def test_the_login_page_shows_a_form(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert '<form method="post" action="/accounts/login/"' in body
    assert 'name="username"' in body and 'name="password"' in body


def test_signing_in_leads_to_the_list(client, editor):
    response = sign_in(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/"
    assert is_signed_in(client)


def test_signing_in_leads_back_to_the_page_asked_for(client, editor):
    response = sign_in(client, next="/promo-codes/7000151/")

    assert response.headers["Location"] == "/promo-codes/7000151/"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example", "javascript:alert(1)"],
)
def test_next_cannot_redirect_off_site(client, editor, next_url):
    response = sign_in(client, next=next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/"


def test_a_wrong_password_is_refused(client, editor):
    response = sign_in(client, password="wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not is_signed_in(client)


def test_a_signed_in_user_visiting_the_login_page_goes_to_the_list(editor_client):
    response = editor_client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/"


def test_signing_out_ends_the_session(editor_client):
    response = editor_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN_URL
    assert editor_client.get("/promo-codes/").status_code == 302


def test_signing_out_needs_a_post(editor_client):
    assert editor_client.get("/accounts/logout/").status_code == 405
    assert is_signed_in(editor_client)


# --- the brake on guessing ---------------------------------------------------------------------------


def test_repeated_failures_lock_the_user_out_even_with_the_right_password(client, editor, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, password="guess").status_code == 200
    assert sign_in(client, password="guess").status_code == 429  # the last failure allowed locks

    response = sign_in(client)

    assert response.status_code == 429
    assert "Too many failed sign-ins. Wait 5 minutes and try again." in response.content.decode()
    assert not is_signed_in(client)


def test_guessing_other_user_names_does_not_lock_out_a_real_user(client, editor, viewer, settings):
    for index in range(settings.LOGIN_FAILURE_LIMIT * 2):
        client.post(LOGIN_URL, {"username": f"guess{index}", "password": "guess"})

    response = client.post(LOGIN_URL, {"username": "viewer", "password": "viewer-password-1"})

    assert response.status_code == 302


def test_the_lockout_does_not_follow_the_user_name_to_another_address(editor, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR="10.0.0.1"), password="guess")

    assert sign_in(Client(REMOTE_ADDR="10.0.0.1")).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.0.0.2")).status_code == 302


def test_failures_below_the_limit_do_not_lock_out(client, editor, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, password="guess")

    response = sign_in(client)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_successful_sign_in_forgives_earlier_failures(editor, settings):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, password="guess")
    assert sign_in(client).status_code == 302
    client.post("/accounts/logout/")

    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, password="guess")

    assert sign_in(client).status_code == 302


# --- viewers read, editors write ----------------------------------------------------------------------


def test_a_viewer_sees_the_list_without_write_buttons(viewer_client):
    viewer_page = viewer_client.get("/promo-codes/").content.decode()

    assert 'id="promo-code-7000159"' in viewer_page  # an active code
    assert "/expire/" not in viewer_page
    assert "Expire</button>" not in viewer_page
    assert 'href="/promo-codes/new/' not in viewer_page
    assert "New code" not in viewer_page


def test_an_editor_sees_the_write_buttons_on_the_list(editor_client):
    page = editor_client.get("/promo-codes/").content.decode()

    assert "Expire</button>" in page
    assert 'href="/promo-codes/new/"' in page


def test_a_viewer_sees_a_code_without_the_expire_button(viewer_client):
    response = viewer_client.get("/promo-codes/7000151/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "WELCOME10" in body
    assert "Expire code" not in body
    assert "/promo-codes/7000151/expire/" not in body


def test_a_viewer_cannot_open_the_create_form(viewer_client, sandbox):
    response = viewer_client.get("/promo-codes/new/")

    assert response.status_code == 403
    assert "You may not create promo codes." in response.content.decode()


def test_a_viewer_cannot_create(viewer_client, sandbox):
    data = {
        "campaign_id": "1000",
        "assigned_partner_id": "2552842",
        "code": "SNEAKY",
        "type": "LI",
        "credit_policy": "ALWAYS",
    }

    response = viewer_client.post("/promo-codes/new/", data)

    assert response.status_code == 403
    assert upstream_requests(sandbox, "POST") == []


@pytest.mark.parametrize("headers", [{}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "promo-code-7000151"}])
def test_a_viewer_cannot_expire(viewer_client, sandbox, headers):
    response = viewer_client.post("/promo-codes/7000151/expire/", **headers)

    assert response.status_code == 403
    assert "You may not expire promo codes." in response.content.decode()
    assert upstream_requests(sandbox, "DELETE") == []
