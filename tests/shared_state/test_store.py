"""The shared store: claims and token buckets in the database, so every worker agrees."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from promoadmin.shared_state import store
from promoadmin.shared_state.models import Claim, TokenBucket

pytestmark = pytest.mark.django_db


def test_it_lets_one_caller_claim_a_key():
    assert store.claim("form:a", 60) is True
    assert store.claim("form:a", 60) is False
    assert store.read_claim("form:a") == "pending"


def test_it_lets_a_key_be_claimed_again_after_release_or_expiry():
    store.claim("form:b", 60)
    store.release("form:b")
    assert store.claim("form:b", 60) is True
    Claim.objects.filter(key="form:b").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert store.read_claim("form:b") is None
    assert store.claim("form:b", 60) is True


def test_it_remembers_what_became_of_a_claim():
    store.claim("form:c", 60)
    store.remember("form:c", 1234, 60)
    assert store.read_claim("form:c") == 1234
    assert store.claim("form:c", 60) is False
    store.remember("value:new", {"remaining": 5}, 60)
    assert store.SharedValues().get("value:new") == {"remaining": 5}


def test_it_takes_tokens_until_the_bucket_is_empty_and_says_how_long_to_wait():
    assert store.take("user:1", 3, capacity=5, per_second=0.5) == 0.0
    assert store.take("user:1", 2, capacity=5, per_second=0.5) == 0.0
    wait = store.take("user:1", 1, capacity=5, per_second=0.5)
    assert 1.5 < wait <= 2.0  # one token comes back every 2 seconds
    assert store.level("user:1", capacity=5, per_second=0.5) < 1


def test_it_refills_a_bucket_with_time_up_to_its_capacity():
    store.take("user:2", 5, capacity=5, per_second=1)
    TokenBucket.objects.filter(key="user:2").update(updated_at=TokenBucket.objects.get(key="user:2").updated_at - 3)
    assert 2.9 < store.level("user:2", capacity=5, per_second=1) < 3.5
    TokenBucket.objects.filter(key="user:2").update(updated_at=0)
    assert store.level("user:2", capacity=5, per_second=1) == 5
    assert store.take("user:2", 5, capacity=5, per_second=1) == 0.0


def test_it_never_takes_more_than_a_bucket_holds():
    assert store.take("user:3", 6, capacity=5, per_second=1) > 0
    assert store.level("user:3", capacity=5, per_second=1) == 5


def test_prune_deletes_only_what_has_expired():
    store.claim("live", 60)
    store.claim("dead", 60)
    Claim.objects.filter(key="dead").update(expires_at=timezone.now() - timedelta(seconds=1))
    store.take("idle", 1, capacity=5, per_second=1)
    TokenBucket.objects.filter(key="idle").update(updated_at=0)
    call_command("prune_shared_state", stdout=io.StringIO())
    assert list(Claim.objects.values_list("key", flat=True)) == ["live"]
    assert not TokenBucket.objects.exists()
