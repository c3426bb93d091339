"""The permissions backend: the same answers as Django's ModelBackend, in one statement, never kept."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from promoadmin.promocodes.models import CREATE_PERMISSION, EXPIRE_PERMISSION
from promoadmin.web.permissions import ModelBackend


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.mark.django_db
def test_every_mix_of_own_and_group_permissions_gives_what_django_gives():
    create, expire, add_user = permission(CREATE_PERMISSION), permission(EXPIRE_PERMISSION), permission("auth.add_user")
    creators, expirers, empty = (Group.objects.create(name=name) for name in ("creators", "expirers", "empty"))
    creators.permissions.add(create)
    expirers.permissions.add(expire, add_user)
    bystander = get_user_model().objects.create_user("bystander")  # others' grants must not leak in
    bystander.user_permissions.add(create, expire, add_user)
    bystander.groups.add(creators, expirers)
    User = get_user_model()
    for number, (own, groups) in enumerate(itertools.product(
        [[], [create], [expire, add_user]], [[], [empty], [creators], [creators, expirers]]
    )):
        user = User.objects.create_user(f"user{number}")
        user.user_permissions.add(*own)
        user.groups.add(*groups)
        expected = backends.ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
        assert ModelBackend().get_all_permissions(User.objects.get(pk=user.pk)) == expected, (own, groups)


@pytest.mark.django_db
def test_superusers_inactive_people_and_objects_are_left_to_django():
    User = get_user_model()
    superuser = User.objects.create_superuser("root", password="x" * 12)
    inactive = User.objects.create_user("gone", is_active=False)
    inactive.user_permissions.add(permission(CREATE_PERMISSION))
    assert ModelBackend().get_all_permissions(superuser) == backends.ModelBackend().get_all_permissions(superuser)
    assert CREATE_PERMISSION in ModelBackend().get_all_permissions(superuser)
    assert ModelBackend().get_all_permissions(User.objects.get(pk=inactive.pk)) == set()
    assert ModelBackend().get_all_permissions(User.objects.get(pk=inactive.pk), obj=object()) == set()


def test_a_page_reads_the_permissions_once_and_a_revoked_one_is_gone_on_the_next(editor_client, editor):
    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get("/promo-codes/")
    reads = [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]
    assert len(reads) == 1, reads
    assert 'href="/promo-codes/new/"' in page.content.decode()

    editor.groups.clear()
    assert 'href="/promo-codes/new/"' not in editor_client.get("/promo-codes/").content.decode()


@pytest.mark.django_db
def test_it_loads_the_same_people_as_django_and_no_one_else():
    User = get_user_model()
    active = User.objects.create_user("ana")
    inactive = User.objects.create_user("gone", is_active=False)
    for user_id in (active.pk, str(active.pk), inactive.pk, 987654):  # the session keeps the id as text
        ours, djangos = ModelBackend().get_user(user_id), backends.ModelBackend().get_user(user_id)
        assert (ours.pk if ours else None) == (djangos.pk if djangos else None), user_id
    assert ModelBackend().get_user(active.pk).username == "ana"


def test_a_person_made_inactive_is_signed_out_on_the_next_request(editor_client, editor):
    assert editor_client.get("/promo-codes/").status_code == 200
    editor.is_active = False
    editor.save()
    assert editor_client.get("/promo-codes/")["Location"].startswith("/accounts/login/")
