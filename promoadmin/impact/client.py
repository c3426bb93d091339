"""The one way promoadmin talks to impact.com's Brand API.

`ImpactClient` knows HTTP and impact.com, and nothing about views. It returns typed records
(records.py) and raises the exceptions in errors.py. Reads may be served from a cache shared
by every process (Django's cache API); writes are never cached and never retried.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx

from .errors import (
    ImpactError,
    ImpactForbidden,
    ImpactNotFound,
    ImpactPageDeadline,
    ImpactRateLimited,
    ImpactTimeout,
    ImpactUnauthorized,
    ImpactUnavailable,
    ImpactUnreachable,
    ImpactValidationError,
)
from .parsed_answers import ParsedAnswers
from .records import (
    Campaign,
    DealChoice,
    NewPromoCode,
    Page,
    Partner,
    PromoCode,
    PromoCodeFilters,
    RateLimit,
)

logger = logging.getLogger(__name__)

# Connection failures and these statuses are worth another try, for safe methods only.
RETRYABLE_STATUSES = {500, 502, 503, 504}
SAFE_METHODS = {"GET", "DELETE"}  # DELETE expires: doing it twice is harmless.
MAX_LOOKUP_PAGES = 20
# The moment (time.monotonic()) by which every operation of the current page must end, set by the
# app per request: a page of many calls is bounded as a whole, not only call by call. None: no bound.
page_deadline: ContextVar[float | None] = ContextVar("impact_page_deadline", default=None)

T = TypeVar("T")


class Cache(Protocol):
    """The part of Django's cache API the client uses (any backend: locmem, Redis, ...)."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any, timeout: float | None = None) -> None: ...
    def delete(self, key: str) -> Any: ...


class ImpactClient:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = "https://api.impact.com",
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        cache: Cache | None = None,
        cache_seconds: int = 0,
        lookup_cache_seconds: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        shared: Cache | None = None,
        before_request: Callable[[str], None] | None = None,
    ):
        """`shared`: where the last rate-limit headers are kept for every process (JSON values; the
        cache when not given). `before_request(method)` is asked before each API operation and may
        refuse it by raising an ImpactError (promoadmin's per-user budget)."""
        self.account_sid = account_sid
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.cache = cache if (cache_seconds or lookup_cache_seconds) else None
        self.cache_seconds = cache_seconds
        self.lookup_cache_seconds = lookup_cache_seconds
        self._rate_limit: RateLimit | None = None
        self._sleep = sleep
        self._shared = shared if shared is not None else self.cache
        self._before_request = before_request
        self._answers = ParsedAnswers()
        self._http = httpx.Client(
            base_url=f"{base_url.rstrip('/')}/Advertisers/{account_sid}/",
            auth=httpx.BasicAuth(account_sid, auth_token),
            headers={"Accept": "application/json", "User-Agent": "promoadmin"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    def __repr__(self) -> str:  # never show the token, even in a debugger or a log line
        return f"<ImpactClient account={self.account_sid} base_url={self._http.base_url}>"

    def close(self) -> None:
        self._http.close()

    # --- promo codes ----------------------------------------------------------------------

    def list_promo_codes(
        self, filters: PromoCodeFilters = PromoCodeFilters(), page: int = 1, page_size: int = 50, *, fresh: bool = False
    ) -> Page[PromoCode]:
        return self._promo_code_page(filters, page, page_size, self.cache_seconds, fresh=fresh)

    def iter_promo_code_pages(
        self, filters: PromoCodeFilters = PromoCodeFilters(), page_size: int = 1000, *, cached: bool = False
    ) -> Iterator[Page[PromoCode]]:
        """Every page matching `filters`, one upstream call each, lazily: read fresh, or, when `cached`, as
        list pages are read (a page seen in the last `cache_seconds` comes from the cache and costs nothing)."""
        page_number = 1
        while True:
            # Read fresh, an uncached page is not kept either (an export's pages would fill the cache).
            page = self._promo_code_page(filters, page_number, page_size, self.cache_seconds if cached else 0, fresh=not cached)
            yield page
            if not page.has_next or not page.items:
                return
            page_number += 1

    def _promo_code_page(self, filters: PromoCodeFilters, page: int, page_size: int, ttl: int, *, fresh: bool) -> Page[PromoCode]:
        params = {**filters.to_params(), "Page": str(page), "PageSize": str(page_size)}
        return self._cached_read(
            "PromoCodes", params, ttl, fresh=fresh, generational=True, parse=lambda data: Page.from_api(data, "PromoCodes", PromoCode.from_api)
        )

    def iter_promo_codes(self, filters: PromoCodeFilters = PromoCodeFilters(), page_size: int = 1000) -> Iterator[PromoCode]:
        """Every code matching `filters`, one upstream page at a time (nothing held but the current page)."""
        for page in self.iter_promo_code_pages(filters, page_size):
            yield from page.items

    def get_promo_code(self, promo_code_id: int, *, fresh: bool = False) -> PromoCode:
        return self._cached_read(
            f"PromoCodes/{int(promo_code_id)}", {}, self.cache_seconds, fresh=fresh, generational=True, parse=PromoCode.from_api
        )

    def create_promo_code(self, new_code: NewPromoCode) -> int:
        """Create a code and return its id. Sent exactly once: impact.com has no idempotency keys."""
        data = self._request("POST", "PromoCodes", data=new_code.to_form())
        self._invalidate()
        return _id_from_uri(data)

    def expire_promo_code(self, promo_code_id: int) -> None:
        self._request("DELETE", f"PromoCodes/{int(promo_code_id)}")
        self._invalidate()

    # --- look-ups for the pickers ---------------------------------------------------------

    def list_campaigns(self, *, fresh: bool = False) -> list[Campaign]:
        return self._list_all("Campaigns", {}, "Campaigns", Campaign.from_api, fresh)

    def list_partners(self, campaign_id: int, *, fresh: bool = False) -> list[Partner]:
        return self._list_all("MediaPartners", {"CampaignId": str(int(campaign_id))}, "Partners", Partner.from_api, fresh)

    def list_deals(self, campaign_id: int, *, fresh: bool = False) -> list[DealChoice]:
        return self._list_all("Deals", {"CampaignId": str(int(campaign_id))}, "Deals", DealChoice.from_api, fresh)

    def _list_all(self, path: str, params: dict, key: str, parse, fresh: bool) -> list:
        items: list = []
        for page_number in range(1, MAX_LOOKUP_PAGES + 1):
            page = self._cached_read(
                path, {**params, "Page": str(page_number), "PageSize": "1000"}, self.lookup_cache_seconds, fresh=fresh,
                parse=lambda data: Page.from_api(data, key, parse),
            )
            items.extend(page.items)
            if not page.has_next or not page.items:
                break
        return items

    # --- cache ------------------------------------------------------------------------------

    def _cached_read(self, path: str, params: dict, ttl: int, *, fresh: bool, parse: Callable[[Any], T], generational: bool = False) -> T:
        """A GET's answer as records: its bytes from the cache or from impact.com, parsed once per process
        (ParsedAnswers). The cache keeps the bytes, which it loads faster than the JSON's objects."""
        key = self._cache_key(path, params, generational) if self.cache and ttl else None
        body = self.cache.get(key) if key and not fresh else None
        from_cache = body is not None
        if not from_cache:
            body = self._read_body(path, params)
        records = self._answers.get(path, body, lambda body: parse(_json(body)))
        if key and not from_cache:  # only an answer that parsed is kept
            self.cache.set(key, body, ttl)
        return records

    def _cache_key(self, path: str, params: dict, generational: bool) -> str:
        query = json.dumps(sorted(params.items()))
        generation = self._generation() if generational else 0
        digest = hashlib.sha256(f"{path}?{query}".encode()).hexdigest()[:32]
        return f"impact:{self.account_sid}:{generation}:body:{digest}"

    def _generation(self) -> int:
        # Writes bump the account's generation, so every cached promo code page is dropped at once,
        # in every process sharing the cache. Look-ups (campaigns, partners, deals) are not affected.
        key = f"impact:{self.account_sid}:generation"
        generation = self.cache.get(key)
        if generation is None:
            generation = time.time_ns()
            self.cache.set(key, generation, None)
        return generation

    def _invalidate(self) -> None:
        if self.cache:
            self.cache.set(f"impact:{self.account_sid}:generation", time.time_ns(), None)

    # --- HTTP -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict | None = None, data: dict | None = None) -> Any:
        """One API operation's JSON answer; an error status raises (errors.py)."""
        return _parse_response(self._send(method, path, params=params, data=data))

    def _read_body(self, path: str, params: dict) -> bytes:
        """One GET's answer as bytes, JSON not yet decoded; an error status raises (errors.py)."""
        response = self._send("GET", path, params=params)
        _raise_for_status(response)
        return response.content

    def _send(self, method: str, path: str, *, params: dict | None = None, data: dict | None = None) -> httpx.Response:
        """One API operation, bounded by `self.timeout` in total, retries included, and by `page_deadline`."""
        if self._before_request is not None:
            self._before_request(method)
        deadline = time.monotonic() + self.timeout
        shared = page_deadline.get()
        if shared is not None:
            if shared <= time.monotonic():
                raise ImpactPageDeadline(
                    "promoadmin stopped asking impact.com: this page used all its time. Nothing more was sent."
                )
            deadline = min(deadline, shared)
        attempts = self.max_attempts if method in SAFE_METHODS else 1
        reached = False  # whether any attempt may have got to impact.com
        for attempt in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ImpactTimeout(f"impact.com did not answer within {_seconds(self.timeout)}.")
            try:
                response = self._http.request(
                    method, path, params=params, data=data, timeout=httpx.Timeout(remaining)
                )
            except httpx.TimeoutException as err:
                reached = True
                if attempt < attempts and self._backoff(attempt, deadline):
                    continue
                raise ImpactTimeout(f"impact.com did not answer within {_seconds(self.timeout)}.") from err
            except httpx.ConnectError as err:
                if attempt < attempts and self._backoff(attempt, deadline):
                    continue
                # No attempt got a connection, so nothing was sent: a write certainly did not happen.
                error_class = ImpactUnavailable if reached else ImpactUnreachable
                raise error_class(f"promoadmin could not reach impact.com ({type(err).__name__}).") from err
            except httpx.TransportError as err:
                reached = True
                if attempt < attempts and self._backoff(attempt, deadline):
                    continue
                raise ImpactUnavailable(
                    f"promoadmin could not reach impact.com ({type(err).__name__})."
                ) from err
            reached = True
            logger.info("impact %s /%s -> %s", method, path, response.status_code)
            self._remember_rate_limit(response)
            if response.status_code in RETRYABLE_STATUSES and attempt < attempts and self._backoff(attempt, deadline):
                continue
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def probe(self, path: str, params: dict | None = None) -> httpx.Response:
        """One GET as impact.com answers it: no retry, no cache, no parsing, errors not raised.
        For `manage.py check_impact`, which reports each endpoint's status and headers itself."""
        response = self._http.get(path, params=params)
        self._remember_rate_limit(response)
        return response

    def _backoff(self, attempt: int, deadline: float) -> bool:
        """Sleep before the next try (exponential, with jitter); False if that would pass the deadline."""
        delay = self.backoff_seconds * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
        if time.monotonic() + delay >= deadline:
            return False
        self._sleep(delay)
        return True

    @property
    def rate_limit(self) -> RateLimit | None:
        """The account's hourly budget as last seen by any process sharing the store (else this one)."""
        if self._shared:
            # Kept until impact.com's reset: after it, unknown until the next answer says.
            seen = self._shared.get(self._rate_limit_key)
            return RateLimit.from_json(seen) if seen else None
        return self._rate_limit

    @property
    def _rate_limit_key(self) -> str:
        return f"impact:{self.account_sid}:ratelimit"

    def _remember_rate_limit(self, response: httpx.Response) -> None:
        limit = _header_int(response, "X-RateLimit-Limit")
        remaining = _header_int(response, "X-RateLimit-Remaining")
        if limit is None or remaining is None:
            return
        reset_seconds = _header_int(response, "X-RateLimit-Reset")
        self._rate_limit = RateLimit(
            limit=limit, remaining=remaining, reset_seconds=reset_seconds, seen_at=datetime.now(UTC)
        )
        if self._shared:
            # Shared so every instance shows (and budgets against) the same number; it is stale after the reset.
            self._shared.set(self._rate_limit_key, self._rate_limit.to_json(), reset_seconds or 3600)


def _header_int(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _parse_response(response: httpx.Response) -> Any:
    _raise_for_status(response)
    return _json(response.content, response.status_code)


def _raise_for_status(response: httpx.Response) -> None:
    """An error status raises the exception a view can act on (_error_for); any other returns."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    raise _error_for(response.status_code, body, response)


def _json(body: bytes, status: int = 200) -> Any:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if data is None:  # `null` tells as little as a garbled answer
        raise ImpactUnavailable("impact.com sent a response promoadmin could not read (not JSON).", upstream_status=status)
    return data


def _error_for(status: int, body: Any, response: httpx.Response) -> ImpactError:
    """One place that turns an upstream failure status into the exception a view can act on."""
    body = body if isinstance(body, dict) else {}
    upstream_message = str(body.get("Message") or "").strip()
    if status in (400, 402):
        field_errors: dict[str, list[str]] = {}
        errors = body.get("Errors")
        for item in errors if isinstance(errors, list) else []:
            if isinstance(item, dict):
                field_errors.setdefault(str(item.get("Field") or ""), []).append(str(item.get("Message") or "is invalid"))
        return ImpactValidationError(
            upstream_message or "impact.com refused the request.", field_errors, upstream_status=status
        )
    if status == 401:
        return ImpactUnauthorized(
            "impact.com rejected promoadmin's credentials. An administrator should check "
            "IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN.",
            upstream_status=status,
        )
    if status == 403:
        return ImpactForbidden(
            "impact.com says the API token may not do this. Ask an administrator to grant the "
            "token this endpoint's scope (read-only tokens cannot create or expire).",
            upstream_status=status,
        )
    if status == 404:
        return ImpactNotFound(upstream_message or "impact.com has no such record.", upstream_status=status)
    if status == 429:
        reset = _header_int(response, "X-RateLimit-Reset")
        when = f" Try again in {_minutes(reset)}." if reset is not None else " Try again later."
        return ImpactRateLimited(
            "The account has used its hourly impact.com request budget." + when,
            reset_seconds=reset,
            upstream_status=status,
        )
    if status >= 500:
        return ImpactUnavailable(
            f"impact.com is having trouble (HTTP {status}). Try again in a minute.", upstream_status=status
        )
    return ImpactError(upstream_message or f"impact.com answered HTTP {status}.", upstream_status=status)


def _seconds(seconds: float) -> str:
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{max(seconds, 1)} seconds"
    return f"{round(seconds / 60)} minutes"


def _id_from_uri(data: Any) -> int:
    uri = data.get("Uri") if isinstance(data, dict) else None
    try:
        return int(str(uri).rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        raise ImpactUnavailable(
            "impact.com accepted the code but did not say its id. Search for the code before trying again."
        ) from None
