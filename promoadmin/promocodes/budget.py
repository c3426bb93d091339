"""The hourly impact.com request budget, for features that spend many requests at once.

impact.com allows an account a fixed number of requests an hour (the X-RateLimit-* headers, kept by
the client as `rate_limit`). Bulk expire, bulk create and the CSV export say what they will cost
before they start, and refuse when the budget left is short, keeping a small reserve so one person's
bulk job never locks everybody else out of the dashboard for the rest of the hour.

`scan_promo_codes` reads list pages of up to 1000 codes, counting each upstream call, so a page can
say exactly what it cost.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.records import PromoCode, PromoCodeFilters

# Requests left for everybody else: a bulk job may not spend the last of these.
RESERVE = 20
SCAN_PAGE_SIZE = 1000  # impact.com's largest page


def calls_for(total: int, page_size: int = SCAN_PAGE_SIZE) -> int:
    """API calls needed to read `total` codes in pages of `page_size` (an empty list still costs one)."""
    return max(1, math.ceil(total / page_size))


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
) -> Scan:
    """Read up to `max_pages` pages of 1000 codes matching `filters`, keeping those `keep` accepts.

    Always asks impact.com (never promoadmin's cache), so what it shows is current and its cost is
    exact. Stops as soon as `enough(matches)` is true, without reading further pages.
    """
    scan = Scan()
    for page in client.iter_promo_code_pages(filters, page_size=SCAN_PAGE_SIZE):
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
