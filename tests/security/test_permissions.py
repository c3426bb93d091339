"""Every write checks the permission on the server, before anything reaches impact.com.

Hiding a button is not a permission check: each endpoint is called directly, as a script would.
"""

from __future__ import annotations

import pytest
from django.test import Client
from helpers import is_alert_swap

VALID_CODE = {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "NOTALLOWED", "type": "LI",
              "credit_policy": "WINNER"}
WRITES = {
    "create": ("/promo-codes/new/", VALID_CODE),
    "expire": ("/promo-codes/7000151/expire/", {"next": "/promo-codes/"}),
    "bulk expire": ("/promo-codes/bulk-expire/", {"campaign_id": "1000", "ids": ["7000151", "7000152"], "batch": "x"}),
    "bulk expire one": ("/promo-codes/bulk-expire/7000151/", {"batch": "x"}),
    "bulk create": ("/promo-codes/bulk-create/", {"rows": "1000,2552842,NOTALLOWED,LI,WINNER", "batch": "x"}),
    "bulk create row": ("/promo-codes/bulk-create/row/", {"row_token": "x"}),
}
WRITE_PAGES = ["/promo-codes/new/", "/promo-codes/bulk-expire/", "/promo-codes/bulk-create/"]


@pytest.fixture
def viewer_browser(viewer):
    client = Client()
    client.force_login(viewer)
    return client


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("endpoint", WRITES)
def test_it_refuses_a_viewers_write_without_calling_impact_com(endpoint, htmx, viewer_browser, sandbox):
    url, data = WRITES[endpoint]
    headers = {"HX-Request": "true"} if htmx else {}

    response = viewer_browser.post(url, data, headers=headers)

    assert response.status_code == 403
    assert sandbox.requests == []
    text = response.content.decode()
    assert "You may not" in text and "editor role" in text
    if htmx:
        assert is_alert_swap(response) and "<html" not in text


@pytest.mark.parametrize("url", WRITE_PAGES)
def test_it_refuses_viewers_the_write_pages(url, viewer_browser, sandbox):
    assert viewer_browser.get(url).status_code == 403
    assert sandbox.requests == []


@pytest.mark.parametrize("endpoint", WRITES)
def test_it_sends_anonymous_writes_to_sign_in(endpoint, sandbox, db):
    url, data = WRITES[endpoint]

    response = Client().post(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert sandbox.requests == []


@pytest.mark.parametrize("endpoint", ["create", "expire"])
def test_it_refuses_a_write_without_the_csrf_token(endpoint, editor, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    url, data = WRITES[endpoint]

    response = client.post(url, data)

    assert response.status_code == 403
    assert sandbox.requests == []


def test_it_refuses_to_expire_by_get(editor_client, sandbox):
    assert editor_client.get("/promo-codes/7000151/expire/").status_code == 405
    assert sandbox.requests == []


def test_it_lets_an_editor_write(editor_client, sandbox):
    assert editor_client.post(*WRITES["expire"]).status_code == 302
    assert [r.method for r in sandbox.requests][:2] == ["GET", "DELETE"]  # the code's state first, then the write


def test_it_keeps_viewers_out_of_the_admin(viewer_browser):
    response = viewer_browser.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
