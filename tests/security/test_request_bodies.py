"""A body is refused by its size and the sender's permission before anything reads it.

The attack: a viewer's multipart POST of 99 files of 990 kB to the bulk-create URL was read whole
before the 403. "Before it is read" needs a real socket: the body is announced but only its first
bytes are sent, so a server that reads it first never answers.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from helpers import session_cookie, upstream_requests

from promoadmin.promocodes.models import CREATE_PERMISSION

URL = "/promo-codes/bulk-create/"
BOUNDARY = "----promoadmin-test"
ANNOUNCED = 99 * 990_000  # 99 files of 990 kB
SENT = 64_000
# A CSRF cookie, so that the CSRF check gets as far as reading the token from the body.
CSRF_COOKIE = "a" * 32


@pytest.fixture
def live_viewer(transactional_db):
    return get_user_model().objects.create_user("live-viewer", password="viewer-password-1")


@pytest.fixture
def live_editor(transactional_db):
    user = get_user_model().objects.create_user("live-editor", password="editor-password-1")
    # The permission itself: a transactional test's flush drops the editors group its migration made.
    user.user_permissions.add(Permission.objects.get(codename=CREATE_PERMISSION.split(".")[1]))
    return user


def announce_a_big_upload(server_url: str, cookie: str, path: str = URL, content_length: int = ANNOUNCED) -> bytes:
    """Send the headers and the first SENT bytes of the body; return what the server says within 5 s."""
    host, port = urlsplit(server_url).hostname, urlsplit(server_url).port
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: sessionid={cookie}; csrftoken={CSRF_COOKIE}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {content_length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    part = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(head + part + b"x" * (SENT - len(part)))
        answer = b""
        try:
            while b"\r\n\r\n" not in answer and (chunk := sock.recv(4096)):
                answer += chunk
        except TimeoutError:
            pass  # still reading the body, or waiting for the rest of it
        return answer


def test_a_viewers_upload_is_refused_before_its_body_is_read(live_server, live_viewer, sandbox):
    answer = announce_a_big_upload(live_server.url, session_cookie(live_viewer))

    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
    assert upstream_requests(sandbox) == []


def test_an_editors_oversized_upload_is_refused_before_its_body_is_read(live_server, live_editor, sandbox):
    answer = announce_a_big_upload(live_server.url, session_cookie(live_editor))

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_big_body_anywhere_else_is_refused_before_it_is_read(live_server, live_editor):
    answer = announce_a_big_upload(live_server.url, session_cookie(live_editor), path="/promo-codes/new/")

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_an_anonymous_upload_is_sent_to_sign_in_before_its_body_is_read(live_server, transactional_db):
    answer = announce_a_big_upload(live_server.url, "no-session")

    assert answer.startswith(b"HTTP/1.1 302"), answer[:200]
    assert b"/accounts/login/" in answer


def test_only_one_file_is_accepted(editor_client, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(f"{index}.csv", b"campaign_id,assigned_partner_id,code\n") for index in range(3)]

    response = editor_client.post(URL, {"file": files})

    assert response.status_code == 400
    assert upstream_requests(sandbox) == []
