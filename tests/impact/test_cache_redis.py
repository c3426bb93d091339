"""The shared cache against a real Redis server: what several promoadmin instances behind a load
balancer would see. The fixture starts its own redis-server (Debian's package; .ci/run installs it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.records import PromoCodeFilters
from promoadmin.impact.sandbox.transport import SandboxTransport

pytestmark = pytest.mark.redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: run `sudo apt-get install redis-server` (.ci/run does).")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def shared_cache(redis_url):
    cache = RedisCache(redis_url, {})
    cache.clear()
    return cache


def instance(sandbox, cache) -> ImpactClient:
    """One promoadmin instance: its own client and connection pool, the shared Redis cache."""
    return ImpactClient(
        sandbox.account_sid,
        sandbox.auth_token,
        base_url="http://sandbox.invalid",
        transport=SandboxTransport(app=sandbox),
        cache=cache,
        cache_seconds=30,
        lookup_cache_seconds=600,
    )


def test_a_page_fetched_by_one_instance_is_served_to_another_from_redis(sandbox, shared_cache):
    first, second = instance(sandbox, shared_cache), instance(sandbox, shared_cache)
    filters = PromoCodeFilters(campaign_id=1000, state="ACTIVE")
    page = first.list_promo_codes(filters, page_size=25)
    before = len(sandbox.requests)
    assert second.list_promo_codes(filters, page_size=25) == page
    assert len(sandbox.requests) == before  # no upstream call for the second instance


def test_an_expire_on_one_instance_invalidates_the_other_instances_cache(sandbox, shared_cache):
    first, second = instance(sandbox, shared_cache), instance(sandbox, shared_cache)
    [welcome] = second.list_promo_codes(PromoCodeFilters(code="WELCOME10")).items
    assert second.get_promo_code(welcome.id).state == "ACTIVE"
    first.expire_promo_code(welcome.id)
    assert second.get_promo_code(welcome.id).state == "INACTIVE"
    assert second.list_promo_codes(PromoCodeFilters(code="WELCOME10")).items[0].state == "INACTIVE"


def test_the_rate_limit_budget_is_shared(sandbox, shared_cache):
    first, second = instance(sandbox, shared_cache), instance(sandbox, shared_cache)
    first.list_promo_codes(page=3)
    assert second.rate_limit is not None
    assert second.rate_limit.remaining == first.rate_limit.remaining


def test_the_lookup_lists_cost_one_call_per_cache_period_across_instances(sandbox, shared_cache):
    first, second = instance(sandbox, shared_cache), instance(sandbox, shared_cache)
    campaigns = first.list_campaigns()
    before = len(sandbox.requests)
    assert second.list_campaigns() == campaigns
    assert second.list_partners(1000) == first.list_partners(1000)
    assert len(sandbox.requests) == before + 1  # only the partners list, fetched once
    second.list_campaigns(fresh=True)
    assert len(sandbox.requests) == before + 2


def test_cache_url_selects_djangos_redis_backend(redis_url):
    import environ

    config = environ.Env.cache_url_config(redis_url)
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == redis_url
