"""Django's ModelBackend, with the two reads every signed-in request makes written as SQL.

AuthenticationMiddleware loads the person (`get_user`) and every page asks for their permissions
(the nav's "New code", the list's Expire buttons). ModelBackend compiles an ORM query for the
person and two for the permissions, their own and their groups': about 0.9 ms of CPU per page
here, more than the rest of a detail page's database work. Manager.raw for the person and one
SELECT ... UNION for the permissions cost about 0.1 ms (bench/NOTES.md).

Nothing is kept beyond the request: like ModelBackend, the set is cached on the user object Django
loads for each request, so a revoked permission takes effect on the next request in every worker.
Superusers, inactive and anonymous users, and object permissions are left to ModelBackend unchanged.
"""

from __future__ import annotations

import functools

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@functools.cache
def _granted_sql() -> str:
    """The person's own permissions and their groups' permissions, as (app label, codename) rows."""
    user_model = get_user_model()
    own = user_model._meta.get_field("user_permissions")
    groups = user_model._meta.get_field("groups")
    group_permissions = Group._meta.get_field("permissions")

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def column(name: str) -> str:
        return connection.ops.quote_name(name)

    return (
        f"SELECT ct.{column('app_label')}, p.{column('codename')} FROM {table(Permission)} p"
        f" JOIN {table(ContentType)} ct ON ct.{column('id')} = p.{column('content_type_id')}"
        f" WHERE p.{column('id')} IN ("
        f"SELECT {column(own.m2m_reverse_name())} FROM {table(own.remote_field.through)}"
        f" WHERE {column(own.m2m_column_name())} = %s"
        f" UNION SELECT gp.{column(group_permissions.m2m_reverse_name())} FROM {table(group_permissions.remote_field.through)} gp"
        f" JOIN {table(groups.remote_field.through)} ug"
        f" ON ug.{column(groups.m2m_reverse_name())} = gp.{column(group_permissions.m2m_column_name())}"
        f" WHERE ug.{column(groups.m2m_column_name())} = %s)"
    )


@functools.cache
def _user_sql() -> str:
    user_model = get_user_model()
    table, pk = connection.ops.quote_name(user_model._meta.db_table), connection.ops.quote_name(user_model._meta.pk.column)
    return f"SELECT * FROM {table} WHERE {pk} = %s"


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        """The signed-in person, loaded for every request: as ModelBackend, through Manager.raw (0.07 ms
        of CPU here against 0.21 ms for the ORM's compiled query)."""
        user_model = get_user_model()
        found = user_model._default_manager.raw(_user_sql(), [user_model._meta.pk.to_python(user_id)])
        user = next(iter(found), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_granted_sql(), [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
        return user_obj._perm_cache


class RemoteUserBackend(backends.RemoteUserBackend, ModelBackend):
    """Django's RemoteUserBackend (single sign-on), with the same one-statement permissions."""
