"""Build the process's one ImpactClient from settings: the only code here that reads them.

With no credentials configured, the client talks to the embedded sandbox in-process.
The client is built lazily on first use (after gunicorn forks) and then reused, so every
request in a worker shares one pool of connections.
"""

from __future__ import annotations

import threading

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from promoadmin.shared_state.store import SharedValues

from .client import ImpactClient
from .sandbox.transport import SandboxTransport

_lock = threading.RLock()  # get_impact_client() -> get_sandbox() takes it twice
_client: ImpactClient | None = None
_sandbox = None


def get_sandbox():
    """The process's embedded sandbox (its state lives as long as the process)."""
    global _sandbox
    from .sandbox import SandboxApp

    with _lock:
        if _sandbox is None:
            _sandbox = SandboxApp()
        return _sandbox


def build_impact_client(**overrides) -> ImpactClient:
    options = dict(
        timeout=settings.IMPACT_TIMEOUT,
        cache=cache,
        cache_seconds=settings.IMPACT_CACHE_SECONDS,
        lookup_cache_seconds=settings.IMPACT_LOOKUP_CACHE_SECONDS,
        # The rate-limit headers drive the budget, so every worker must see the same ones.
        shared=SharedValues(),
        before_request=import_string(settings.IMPACT_REQUEST_BUDGET) if settings.IMPACT_REQUEST_BUDGET else None,
    )
    if settings.IMPACT_USE_SANDBOX:
        sandbox = get_sandbox()
        options.update(
            account_sid=sandbox.account_sid,
            auth_token=sandbox.auth_token,
            base_url="http://sandbox.invalid",
            transport=SandboxTransport(app=sandbox),
        )
    else:
        options.update(
            account_sid=settings.IMPACT_ACCOUNT_SID,
            auth_token=settings.IMPACT_AUTH_TOKEN,
            base_url=settings.IMPACT_API_BASE_URL,
            # Retries of connection failures happen in ImpactClient, bounded by its deadline.
            transport=httpx.HTTPTransport(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)),
        )
    options.update(overrides)
    return ImpactClient(**options)


def get_impact_client() -> ImpactClient:
    global _client
    with _lock:
        if _client is None:
            _client = build_impact_client()
        return _client


def reset_impact_client() -> None:
    """Forget the client (tests change settings between cases)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
