"""promo_code_expire through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from helpers import is_alert_swap, upstream_requests

WELCOME10 = 7000151
EXPIRE_URL = f"/promo-codes/{WELCOME10}/expire/"
FROM_LIST = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"promo-code-{WELCOME10}"}
FROM_DETAIL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "promo-code-summary"}


def expires_sent(sandbox) -> list:
    return upstream_requests(sandbox, "DELETE")


def state_upstream(client, promo_code_id: int = WELCOME10) -> str:
    """What impact.com now says, read through the detail page (asking past the cache)."""
    body = client.get(f"/promo-codes/{promo_code_id}/", HTTP_CACHE_CONTROL="no-cache").content.decode()
    return re.search(r"<dt>State</dt><dd>(\w+)</dd>", body).group(1)


def test_htmx_from_the_list_returns_the_updated_row(editor_client, sandbox):
    response = editor_client.post(EXPIRE_URL, {"next": "/promo-codes/"}, **FROM_LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="promo-code-{WELCOME10}">')
    assert body.count("<tr") == 1
    assert '<span class="badge badge-inactive">Inactive</span>' in body
    assert "Expire</button>" not in body
    assert f"/promo-codes/{WELCOME10}/expire/" not in body
    assert "<html" not in body
    assert [r.path.rsplit("/", 2)[-2:] for r in expires_sent(sandbox)] == [["PromoCodes", str(WELCOME10)]]


def test_htmx_from_the_detail_page_returns_the_summary(editor_client, sandbox):
    response = editor_client.post(EXPIRE_URL, **FROM_DETAIL)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith('<section id="promo-code-summary"')
    assert "<tr" not in body
    assert "Expired. impact.com now reports this code as INACTIVE." in body
    assert '<span class="badge badge-inactive">Inactive</span>' in body
    assert "Expire code" not in body
    assert len(expires_sent(sandbox)) == 1


def test_htmx_from_the_detail_page_refreshes_the_history_beside_the_summary(editor_client, editor, sandbox):
    body = editor_client.post(EXPIRE_URL, **FROM_DETAIL).content.decode()

    history = body[body.index('<section class="history" id="history"'):]
    assert history.startswith('<section class="history" id="history" aria-labelledby="history-heading" hx-swap-oob="true">')
    assert f"expired by {editor.username} via promoadmin" in history


def test_the_htmx_answer_varies_on_the_target(editor_client):
    response = editor_client.post(EXPIRE_URL, **FROM_DETAIL)

    vary = response.headers["Vary"].lower()
    assert "hx-request" in vary
    assert "hx-target" in vary


def test_a_plain_post_redirects_to_the_code_with_a_message(editor_client, sandbox):
    response = editor_client.post(EXPIRE_URL)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/promo-codes/{WELCOME10}/"
    assert len(expires_sent(sandbox)) == 1
    page = editor_client.get(response.headers["Location"]).content.decode()
    assert "Expired promo code WELCOME10." in page
    assert state_upstream(editor_client) == "INACTIVE"


def test_a_plain_post_goes_back_to_the_list_it_came_from(editor_client):
    response = editor_client.post(EXPIRE_URL, {"next": "/promo-codes/?campaign_id=1000&page=2"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/promo-codes/?campaign_id=1000&page=2"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/promo-codes/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_cannot_lead_off_site(editor_client, next_url):
    response = editor_client.post(EXPIRE_URL, {"next": next_url})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/promo-codes/{WELCOME10}/"


def test_the_list_shows_the_code_as_expired_afterwards(editor_client):
    editor_client.post(EXPIRE_URL)

    body = editor_client.get("/promo-codes/", {"code": "WELCOME10"}).content.decode()
    row = body[body.index(f'<tr id="promo-code-{WELCOME10}">') :]
    row = row[: row.index("</tr>")]
    assert "Inactive" in row
    assert "Expire</button>" not in row


def test_get_is_not_allowed(editor_client, sandbox):
    response = editor_client.get(EXPIRE_URL)

    assert response.status_code == 405
    assert sandbox.requests == []


def test_csrf_is_enforced(editor, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    refused = client.post(EXPIRE_URL)

    assert refused.status_code == 403
    assert expires_sent(sandbox) == []
    # The same request with the token the page hands out goes through.
    page = client.get(f"/promo-codes/{WELCOME10}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    accepted = client.post(EXPIRE_URL, {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert len(expires_sent(sandbox)) == 1


def test_csrf_token_in_the_htmx_header_is_accepted(editor, sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(f"/promo-codes/{WELCOME10}/").content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)

    response = client.post(EXPIRE_URL, HTTP_X_CSRFTOKEN=token, **FROM_DETAIL)

    assert response.status_code == 200
    assert len(expires_sent(sandbox)) == 1


def test_expiring_an_inactive_code_changes_nothing_and_says_so(editor_client, sandbox):
    response = editor_client.post("/promo-codes/7000157/expire/", follow=True)

    assert response.status_code == 200
    assert "Promo code 7000157 was already expired" in response.content.decode()
    assert "(not through promoadmin). Nothing was sent." in response.content.decode()
    assert expires_sent(sandbox) == []
    assert state_upstream(editor_client, 7000157) == "INACTIVE"


def test_an_unknown_code_is_a_404(editor_client, sandbox):
    response = editor_client.post("/promo-codes/7999999/expire/")

    assert response.status_code == 404
    assert "impact.com has no promo code 7999999." in response.content.decode()
    assert expires_sent(sandbox) == []  # the read before it found no such code


def test_an_unknown_code_from_htmx_is_an_alert(editor_client):
    response = editor_client.post(
        "/promo-codes/7999999/expire/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="promo-code-7999999"
    )

    assert response.status_code == 404
    assert is_alert_swap(response)
    assert "impact.com has no promo code 7999999." in response.content.decode()


@pytest.mark.parametrize("promo_code_id", ["0", "1000000000001", "99999999999999999999"])
def test_an_impossible_id_is_a_404_without_asking_upstream(editor_client, sandbox, promo_code_id):
    response = editor_client.post(f"/promo-codes/{promo_code_id}/expire/")

    assert response.status_code == 404
    assert sandbox.requests == []
