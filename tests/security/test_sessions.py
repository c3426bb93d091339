"""Sessions (web/sessions.py): Django's database sessions, read with one SQL statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db as django_db_sessions
from django.contrib.sessions.models import Session
from django.utils import timezone

from promoadmin.web.sessions import SessionStore


@pytest.mark.django_db
def test_it_reads_what_djangos_store_reads_and_nothing_expired():
    saved = SessionStore()
    saved["answer"] = 42
    saved.create()
    assert SessionStore(saved.session_key).load() == django_db_sessions.SessionStore(saved.session_key).load() == {"answer": 42}

    Session.objects.filter(session_key=saved.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(saved.session_key)
    assert expired.load() == {} and expired.session_key is None  # as Django's: a new key when saved


def test_an_expired_session_asks_to_sign_in_again(editor_client):
    assert editor_client.get("/promo-codes/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert editor_client.get("/promo-codes/")["Location"].startswith("/accounts/login/")
