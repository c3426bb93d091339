"""Shared fixtures: every test gets a fresh embedded sandbox, a fresh client and empty caches."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from promoadmin.impact import factory
from promoadmin.impact.sandbox import SandboxApp
from promoadmin.promocodes import row_cache
from promoadmin.promocodes.models import CREATE_PERMISSION, EDITORS_GROUP, EXPIRE_PERMISSION


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """On SQLite, test in a file rather than in memory: threads (several workers' worth of requests)
    then wait for each other's writes as gunicorn workers do, instead of failing with "table is locked"."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _shared_store(db):
    """Every test may reach impact.com, and every call reads and writes the shared store (the
    person's budget, the account's rate-limit headers): a database, rolled back after each test."""


@pytest.fixture(autouse=True)
def sandbox(settings) -> SandboxApp:
    """The process's sandbox, reseeded for each test; faults and request log start empty."""
    settings.IMPACT_ACCOUNT_SID = ""
    settings.IMPACT_AUTH_TOKEN = ""
    settings.IMPACT_USE_SANDBOX = True
    app = factory.get_sandbox()
    app.reset()
    app.latency_ms = 0
    app.rate_limit = 1000  # the published hourly limit; a test may have raised it
    factory.reset_impact_client()
    cache.clear()
    # The sandbox reseeds the same records, so rows another test rendered would be found again and
    # stop being true at moments set by that test: a page kept here could expire between two requests.
    row_cache.rows.clear()
    row_cache.pages.clear()
    yield app
    app.clear_faults()
    factory.reset_impact_client()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating and signing in users: the production hasher's many rounds would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    user = get_user_model().objects.create_user("editor", password="editor-password-1")
    user.groups.add(editors_group())
    return user


def editors_group() -> Group:
    """The group a migration makes. A transactional test's flush (live servers, threads) empties every
    table and Django then re-creates permissions, not the group: make it again when it is gone."""
    group, created = Group.objects.get_or_create(name=EDITORS_GROUP)
    if created:
        codenames = [name.split(".")[1] for name in (CREATE_PERMISSION, EXPIRE_PERMISSION)]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="promocodes", codename__in=codenames))
    return group


@pytest.fixture
def viewer(db):
    return get_user_model().objects.create_user("viewer", password="viewer-password-1")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client
