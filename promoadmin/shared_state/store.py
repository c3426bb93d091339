"""The one place for state every gunicorn worker and every instance must agree on.

Backed by the database (SQLite or PostgreSQL), whatever CACHE_URL says: a per-process cache may
only hold what is safe to lose or to hold twice (cached upstream pages), never a claim or a budget.

- Claims: `claim(key, ttl)` is True for exactly one caller until the claim expires or is released,
  because the key is unique in the table. `remember(key, value, ttl)` records what became of it
  (also usable for small shared values), `read_claim(key)` reads it back, `release(key)` frees it.
- Token buckets: `take(key, cost, capacity=, per_second=)` takes tokens with one conditional UPDATE,
  so two workers can never spend the same token; `level(...)` reads what is there without taking.

Expired rows are pruned now and then by `claim` itself, and by `manage.py prune_shared_state`.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Claim, TokenBucket

PRUNE_CHANCE = 0.01  # of claims that prune expired rows first: cheap, and the table stays small
IDLE_BUCKET_SECONDS = 24 * 3600  # a bucket idle this long is full again: its row can go


# --- claims ---------------------------------------------------------------------------------------


def claim(key: str, ttl: float, value: Any = "pending") -> bool:
    """Take `key` for `ttl` seconds: True for exactly one caller, in every process, until it expires."""
    if random.random() < PRUNE_CHANCE:
        prune()
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():  # a savepoint, so a clash leaves an outer transaction usable
                Claim.objects.create(key=key, value=value, expires_at=now + timedelta(seconds=ttl))
            return True
        except IntegrityError:
            # Taken. If only by an expired claim, whoever deletes that row may try once more;
            # a live claim is never deleted here (its expires_at is in the future).
            if not Claim.objects.filter(key=key, expires_at__lte=now).delete()[0]:
                return False
    return False


# The reads and writes every upstream call makes (the account's rate limit, read before the call and
# written after it) are SQL, the same in SQLite and PostgreSQL: through the ORM they cost 0.14-0.29 ms
# of CPU each, as SQL 0.025 ms (bench/NOTES.md). Values and times go through the fields' own adapters.
_VALUE = Claim._meta.get_field("value")
_READ_CLAIM = f"SELECT value FROM {Claim._meta.db_table} WHERE key = %s AND expires_at > %s"
_UPDATE_CLAIM = f"UPDATE {Claim._meta.db_table} SET value = %s, expires_at = %s WHERE key = %s"


def read_claim(key: str) -> Any | None:
    """What the live claim on `key` says (its value), or None when nobody holds it."""
    with connection.cursor() as cursor:
        cursor.execute(_READ_CLAIM, [key, connection.ops.adapt_datetimefield_value(timezone.now())])
        row = cursor.fetchone()
    return _VALUE.from_db_value(row[0], None, connection) if row else None


def remember(key: str, value: Any, ttl: float) -> None:
    """Set the value of `key` (claimed or not) for `ttl` seconds from now."""
    expires_at = timezone.now() + timedelta(seconds=ttl)
    params = [_VALUE.get_db_prep_save(value, connection), connection.ops.adapt_datetimefield_value(expires_at), key]
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE_CLAIM, params)
            if cursor.rowcount:
                return
        try:
            with transaction.atomic():
                Claim.objects.create(key=key, value=value, expires_at=expires_at)
            return
        except IntegrityError:
            continue  # created by someone else a moment ago: update it


def release(key: str) -> None:
    Claim.objects.filter(key=key).delete()


class SharedValues:
    """Django's cache API (get/set/delete) over claims, for small JSON values every process must see."""

    def get(self, key: str, default: Any = None) -> Any:
        value = read_claim(key)
        return default if value is None else value

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        remember(key, value, timeout if timeout is not None else 365 * 24 * 3600)

    def delete(self, key: str) -> None:
        release(key)


# --- token buckets --------------------------------------------------------------------------------


# The bucket's tokens now: what it held, plus the refill since, up to capacity. Written as SQL (the
# same in SQLite and PostgreSQL) because every read that reaches impact.com takes a token: built from
# the ORM's expressions, this one statement cost about 0.65 ms of CPU per page, as SQL 0.02 ms.
_REFILLED = "tokens + CASE WHEN updated_at < %(now)s THEN (%(now)s - updated_at) * %(per_second)s ELSE 0 END"
_LEVEL = f"CASE WHEN {_REFILLED} > %(capacity)s THEN %(capacity)s ELSE {_REFILLED} END"
# One conditional UPDATE: two workers can never spend the same token.
_TAKE = (
    f"UPDATE {TokenBucket._meta.db_table} SET tokens = {_LEVEL} - %(cost)s, updated_at = %(now)s"
    f" WHERE key = %(key)s AND {_LEVEL} >= %(cost)s"
)


def take(key: str, cost: float, *, capacity: float, per_second: float) -> float:
    """Take `cost` tokens from the bucket `key` (full when new). 0.0 when taken; else nothing is
    taken and the answer is how many seconds until `cost` tokens will be there."""
    for _ in range(2):
        now = time.time()
        params = {"key": key, "cost": float(cost), "capacity": float(capacity), "per_second": float(per_second), "now": now}
        with connection.cursor() as cursor:
            cursor.execute(_TAKE, params)
            if cursor.rowcount:
                return 0.0
        if TokenBucket.objects.filter(key=key).exists():
            return _seconds_until(key, cost, capacity, per_second)
        if cost > capacity:
            return _seconds_until(key, cost, capacity, per_second)
        try:
            with transaction.atomic():
                TokenBucket.objects.create(key=key, tokens=capacity - cost, updated_at=now)
            return 0.0
        except IntegrityError:
            continue  # another worker made it first: take from that one
    return _seconds_until(key, cost, capacity, per_second)


_LEVEL_ROW = f"SELECT tokens, updated_at FROM {TokenBucket._meta.db_table} WHERE key = %s"


def level(key: str, *, capacity: float, per_second: float) -> float:
    """How many tokens the bucket `key` holds now (a new bucket is full)."""
    with connection.cursor() as cursor:
        cursor.execute(_LEVEL_ROW, [key])
        row = cursor.fetchone()
    if row is None:
        return float(capacity)
    tokens, updated_at = row
    return min(float(capacity), tokens + max(0.0, time.time() - updated_at) * per_second)


def _seconds_until(key: str, cost: float, capacity: float, per_second: float) -> float:
    missing = cost - level(key, capacity=capacity, per_second=per_second)
    return max(missing, 0.0) / per_second if per_second > 0 else float("inf")


# --- housekeeping ---------------------------------------------------------------------------------


def prune() -> int:
    """Delete expired claims and long-idle (hence full) buckets. Returns how many rows went."""
    claims, _ = Claim.objects.filter(expires_at__lte=timezone.now()).delete()
    buckets, _ = TokenBucket.objects.filter(updated_at__lt=time.time() - IDLE_BUCKET_SECONDS).delete()
    return claims + buckets
