"""One sign-in lockout for every door, keyed as Django compares names, on the real client address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from promoadmin.web.lockout import client_address

PASSWORD = "admin-password-1"
PROXY = "10.10.0.2"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)


def post(door: str, username: str, password: str, address: str = "10.0.0.1", **headers):
    return Client().post(door, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers)


def signed_in(response) -> bool:
    return "_auth_user_id" in response.wsgi_request.session


def test_the_admin_sign_in_locks(admin_user, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    for _ in range(30):
        post("/admin/login/", "admin", "wrong")

    response = post("/admin/login/", "admin", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(response)
    assert "Too many failed sign-ins" in response.content.decode()


def test_both_doors_share_one_count(admin_user, settings):
    settings.LOGIN_FAILURE_LIMIT = 4
    for door in ("/accounts/login/", "/admin/login/", "/accounts/login/", "/admin/login/"):
        post(door, "admin", "wrong")

    assert post("/accounts/login/", "admin", PASSWORD).status_code == 429
    assert post("/admin/login/", "admin", PASSWORD).status_code == 429


@pytest.mark.parametrize("variant", ["ａｄｍｉｎ", "ADMIN", " Admin ", "ＡＤＭＩＮ"])
def test_a_locked_name_stays_locked_in_another_form_django_reads_as_the_same(admin_user, settings, variant):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        post("/accounts/login/", "admin", "wrong")

    assert post("/accounts/login/", variant, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_guessing_made_up_names_locks_nobody_out(admin_user, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_FAILURE_LIMIT = 5
    for index in range(20):
        post("/accounts/login/", f"made-up-{index}", "wrong", address=PROXY, x_forwarded_for="203.0.113.66")
    for _ in range(10):
        post("/accounts/login/", "admin", "wrong", address=PROXY, x_forwarded_for="203.0.113.66")

    # The same proxy, another client: the real admin signs in.
    response = post("/accounts/login/", "admin", PASSWORD, address=PROXY, x_forwarded_for="198.51.100.7")

    assert response.status_code == 302
    assert signed_in(response)


def test_an_untrusted_peer_cannot_pick_its_address_with_the_header(admin_user, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_FAILURE_LIMIT = 3
    for index in range(3):
        post("/accounts/login/", "admin", "wrong", address="203.0.113.66", x_forwarded_for=f"198.51.100.{index}")

    assert post("/accounts/login/", "admin", PASSWORD, address="203.0.113.66", x_forwarded_for="1.2.3.4").status_code == 429


class _Request:
    def __init__(self, remote_addr: str, forwarded_for: str = ""):
        self.META = {"REMOTE_ADDR": remote_addr}
        if forwarded_for:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded_for


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a proxy: the header is the client's own words
        (PROXY, "", PROXY),
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client wrote 6.6.6.6 itself
        (PROXY, "198.51.100.7, 10.10.0.3", "198.51.100.7"),  # two proxies in the trusted network
        (PROXY, "not-an-address", PROXY),
    ],
)
def test_the_client_address_comes_only_from_trusted_proxies(settings, remote_addr, forwarded_for, expected):
    settings.TRUSTED_PROXIES = ["10.10.0.0/24"]

    assert client_address(_Request(remote_addr, forwarded_for)) == expected


def test_a_lockout_is_logged_and_a_sign_in_leaves_no_axes_chatter(admin_user, settings, caplog):
    settings.LOGIN_FAILURE_LIMIT = 3
    with caplog.at_level("INFO"):
        assert signed_in(post("/accounts/login/", "admin", PASSWORD))
        assert [r.getMessage() for r in caplog.records if r.name.startswith("axes")] == []  # no "cleared 0 failures"
        for _ in range(5):
            post("/accounts/login/", "admin", "wrong")
    warnings = [r for r in caplog.records if r.name.startswith("axes") and r.levelname == "WARNING"]
    assert any("Locking out" in r.getMessage() or "locked out" in r.getMessage().lower() for r in warnings), warnings
