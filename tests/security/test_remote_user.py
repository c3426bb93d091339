"""Single sign-on through the company's auth proxy (REMOTE_USER_HEADER), and nothing of it when unset.

settings.py reads REMOTE_USER_HEADER once at import; these tests apply the same middleware and
backends it would, with override_settings.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
PROXY_USER = "promoadmin.web.middleware.ProxyRemoteUserMiddleware"


def sso_settings(header: str = "X-Remote-User"):
    middleware = [name for name in django_settings.MIDDLEWARE if name != PROXY_USER]
    middleware.insert(middleware.index(AUTHENTICATION) + 1, PROXY_USER)
    return override_settings(
        REMOTE_USER_HEADER=header,
        MIDDLEWARE=middleware,
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "promoadmin.web.permissions.RemoteUserBackend",
            "promoadmin.web.permissions.ModelBackend",
        ],
    )


@pytest.fixture
def sso(db):
    with sso_settings():
        yield


def test_it_signs_in_the_user_the_proxy_names(sso):
    response = Client().get("/promo-codes/", headers={"X-Remote-User": "alice"})

    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert get_user_model().objects.filter(username="alice").exists()


def test_it_gives_a_new_proxy_user_no_write_permission(sso, sandbox):
    client = Client()

    response = client.post("/promo-codes/7000151/expire/", headers={"X-Remote-User": "bob"})

    assert response.status_code == 403
    assert sandbox.requests == []


def test_it_keeps_an_editors_permissions_through_the_proxy(sso, editor):
    response = Client().get("/promo-codes/new/", headers={"X-Remote-User": "editor"})

    assert response.status_code == 200


def test_it_sends_requests_without_the_header_to_sign_in(sso):
    response = Client().get("/promo-codes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_signs_out_when_the_header_disappears(sso):
    client = Client()
    assert client.get("/promo-codes/", headers={"X-Remote-User": "carol"}).status_code == 200

    response = client.get("/promo-codes/")

    assert response.status_code == 302


def test_it_switches_user_when_the_proxy_names_another(sso):
    client = Client()
    client.get("/promo-codes/", headers={"X-Remote-User": "dave"})

    response = client.get("/promo-codes/", headers={"X-Remote-User": "erin"})

    assert response.status_code == 200
    assert response.wsgi_request.user.get_username() == "erin"


def test_it_ignores_an_empty_header(sso):
    response = Client().get("/promo-codes/", headers={"X-Remote-User": ""})

    assert response.status_code == 302


def test_it_trusts_no_header_when_sso_is_off(db):
    """Unconfigured (the default), a client that sends the header, or REMOTE_USER, is not signed in."""
    assert django_settings.REMOTE_USER_HEADER == ""
    client = Client()

    for response in (
        client.get("/promo-codes/", headers={"X-Remote-User": "admin"}),
        client.get("/promo-codes/", REMOTE_USER="admin"),
        client.get("/promo-codes/", headers={"Remote-User": "admin"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_reads_only_the_configured_header(db):
    with sso_settings("X-Forwarded-User"):
        client = Client()
        assert client.get("/promo-codes/", headers={"X-Remote-User": "mallory"}).status_code == 302
        assert client.get("/promo-codes/", headers={"X-Forwarded-User": "frank"}).status_code == 200
