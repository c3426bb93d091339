"""The hourly impact.com request budget: shared fairly between people, and asked before it is spent.

impact.com allows an account a fixed number of requests an hour for everybody (the X-RateLimit-*
headers, kept by the client as `rate_limit` in the shared store). Two guards keep one person from
locking the team out:

- Each signed-in person has a share: a token bucket in the shared store (so every worker and
  instance counts the same), IMPACT_USER_BUDGET requests an hour, IMPACT_ADMIN_BUDGET for
  administrators, refilling steadily. Every read that reaches impact.com takes one token
  (`spend_for_current_user`, which the client asks before each operation); cached pages cost
  nothing. Writes (create, expire) are not taken from the share: permissions and the bulk limits
  bound them, and the account's last IMPACT_WRITE_RESERVE requests are kept for them: reads stop there.
- Every fan-out (date views, CSV export, the CSV review, bulk expire) asks for its whole cost first
  (`ask_share`), so it is refused before it starts rather than stopped halfway.

Someone slowed down gets `SlowedDown` (429, with the time to try again and what still works).
Bulk expire, bulk create and the CSV export also say what they will cost of the account's budget
before they start (`check_budget`), keeping a small reserve for everybody else.

`scan_promo_codes` reads list pages of up to 1000 codes, counting each upstream call, so a page can
say exactly what it cost.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.errors import ImpactRateLimited
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCode, PromoCodeFilters
from promoadmin.shared_state import store

# Requests left for everybody else: a bulk job may not spend the last of these.
RESERVE = 20


def calls_for(total: int) -> int:
    """API calls needed to read `total` codes in impact.com's largest pages (an empty list still costs one)."""
    return max(1, math.ceil(total / settings.IMPACT_MAX_PAGE_SIZE))


@dataclass(frozen=True)
class Budget:
    """Whether `needed` requests fit in what impact.com last said was left this hour."""

    needed: int
    remaining: int | None  # None: impact.com has not said (no request made yet, or no headers)
    limit: int | None
    reset_seconds: int | None
    reserve: int = RESERVE

    @property
    def known(self) -> bool:
        return self.remaining is not None

    @property
    def usable(self) -> int | None:
        return None if self.remaining is None else max(self.remaining - self.reserve, 0)

    @property
    def ok(self) -> bool:
        return self.usable is None or self.needed <= self.usable

    @property
    def reset_minutes(self) -> int | None:
        return None if self.reset_seconds is None else max(1, math.ceil(self.reset_seconds / 60))


def check_budget(client: ImpactClient, needed: int) -> Budget:
    rate_limit = client.rate_limit
    if rate_limit is None:
        return Budget(needed=needed, remaining=None, limit=None, reset_seconds=None)
    return Budget(
        needed=needed,
        remaining=rate_limit.remaining,
        limit=rate_limit.limit,
        reset_seconds=rate_limit.reset_seconds,
    )


@dataclass
class Scan:
    """What a bounded scan of list pages found, and what it cost."""

    matches: list[PromoCode] = field(default_factory=list)
    scanned: int = 0  # codes read
    total: int = 0  # codes impact.com says match the upstream filter
    calls: int = 0  # upstream requests made
    truncated: bool = False  # stopped at max_pages with pages left unread
    stopped_early: bool = False  # `enough` said so before the last page


def scan_promo_codes(
    client: ImpactClient,
    filters: PromoCodeFilters,
    *,
    keep: Callable[[PromoCode], bool] = lambda promo: True,
    max_pages: int = 5,
    enough: Callable[[list[PromoCode]], bool] | None = None,
    cached: bool = False,
) -> Scan:
    """Read up to `max_pages` pages of 1000 codes matching `filters`, keeping those `keep` accepts.

    Asks impact.com afresh unless `cached`: then pages seen in the last IMPACT_CACHE_SECONDS come from
    promoadmin's cache like any list page (and cost nothing). Stops as soon as `enough(matches)` is
    true, without reading further pages.
    """
    scan = Scan()
    for page in client.iter_promo_code_pages(filters, page_size=settings.IMPACT_MAX_PAGE_SIZE, cached=cached):
        scan.calls += 1
        scan.total = page.total
        scan.scanned += len(page.items)
        scan.matches.extend(promo for promo in page.items if keep(promo))
        if not page.has_next or not page.items:
            return scan
        if enough is not None and enough(scan.matches):
            scan.stopped_early = True
            return scan
        if scan.calls == max_pages:
            scan.truncated = True
            return scan
    return scan


# --- each person's share ---------------------------------------------------------------------------

# Who the current request is for: set by UserBudgetMiddleware, read when the client asks to spend.
_current_user = contextvars.ContextVar("promoadmin_budget_user", default=None)
# Set by `for_write`: the reads a create or an expire makes (its duplicate check, the fresh row after).
_writing = contextvars.ContextVar("promoadmin_budget_writing", default=False)
READ_METHODS = {"GET"}
CACHED_PAGES = (
    "Pages already seen in the last few seconds, and the campaign, partner and deal lists, still "
    "load from promoadmin's cache; creating and expiring codes still works."
)


class SlowedDown(ImpactRateLimited):
    """This person's share of the hourly budget (or the reads' part of the account's) is spent for now."""

    title = "Slow down: your share of this hour's impact.com requests is used up"


def hourly_share(user) -> int:
    """Requests an hour this person may spend on reads: administrators get the larger share."""
    if user.is_superuser or user.is_staff:
        return settings.IMPACT_ADMIN_BUDGET
    return settings.IMPACT_USER_BUDGET


def _bucket(user) -> dict:
    share = hourly_share(user)
    return {"capacity": share, "per_second": share / 3600}


def _bucket_key(user) -> str:
    return f"budget:user:{user.pk}"


def _try_again_at(wait_seconds: float) -> str:
    at = timezone.localtime(timezone.now() + timedelta(seconds=wait_seconds))
    if wait_seconds < 90:
        return f"Try again in {max(1, math.ceil(wait_seconds))} seconds (at {at:%H:%M})."
    return f"Try again at {at:%H:%M}."


def _slowed_down(user, calls: int, wait_seconds: float) -> SlowedDown:
    share = hourly_share(user)
    return SlowedDown(
        f"This needs {calls} impact.com request{'s' if calls != 1 else ''}, and you have used your share for "
        f"now ({share} an hour per person, so that one person's reading never locks the team out). "
        f"{_try_again_at(wait_seconds)} {CACHED_PAGES}",
        reset_seconds=max(1, math.ceil(wait_seconds)),
    )


def _reads_reserve_check(calls: int) -> None:
    """Reads may not spend the account's last IMPACT_WRITE_RESERVE requests: those are kept for writes."""
    rate_limit = get_impact_client().rate_limit
    reserve = settings.IMPACT_WRITE_RESERVE
    if rate_limit is None or rate_limit.remaining - reserve >= calls:
        return
    # impact.com said how long until its reset when it answered; part of that has passed since.
    wait = (rate_limit.reset_seconds or 3600) - (timezone.now() - rate_limit.seen_at).total_seconds()
    wait = max(1, math.ceil(wait))
    raise SlowedDown(
        f"impact.com has {rate_limit.remaining} requests left this hour for the whole team, and the last "
        f"{reserve} are kept for creating and expiring codes. {_try_again_at(wait)} {CACHED_PAGES}",
        reset_seconds=wait,
    )


def ask_share(user, calls: int) -> None:
    """Before a fan-out: raise SlowedDown unless `user` may spend `calls` reads now (nothing is taken:
    each request then takes its own token as it goes)."""
    if calls <= 0:
        return
    _reads_reserve_check(calls)
    if user is None or not user.is_authenticated:
        return
    bucket = _bucket(user)
    tokens = store.level(_bucket_key(user), **bucket)
    if tokens < calls:
        raise _slowed_down(user, calls, (calls - tokens) / bucket["per_second"])


def share_left(user) -> int | None:
    """Reads `user` may make now (whole tokens of their share); None for no signed-in person."""
    if user is None or not user.is_authenticated:
        return None
    return int(store.level(_bucket_key(user), **_bucket(user)))


def take_share(user, calls: int) -> None:
    """Take `calls` reads from `user`'s share at once (work that runs after the request, a streamed export)."""
    _reads_reserve_check(calls)
    if user is None or not user.is_authenticated or calls <= 0:
        return
    wait = store.take(_bucket_key(user), calls, **_bucket(user))
    if wait:
        raise _slowed_down(user, calls, wait)


@contextlib.contextmanager
def for_write():
    """The reads inside belong to a write: they may use the account's write reserve, and they are taken
    from the person's share while it lasts but never refused by it, so a slowed-down editor can still
    create and expire (writes are bounded by permission, not by the read share)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def spend_for_current_user(method: str) -> None:
    """The client asks this before every operation: a read takes one token of the current person's share."""
    if method not in READ_METHODS:
        return
    user = _current_user.get()
    if not _writing.get():
        take_share(user, 1)
    elif user is not None:
        store.take(_bucket_key(user), 1, **_bucket(user))  # nothing is taken from an empty share


class UserBudgetMiddleware:
    """Tell the budget whose request this is, for as long as the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = _current_user.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _current_user.reset(token)
