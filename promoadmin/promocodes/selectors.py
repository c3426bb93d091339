"""Views of the list that answer staff questions about dates: `/promo-codes/?view=<key>`.

impact.com's list filter knows a state and a date window (codes whose dates overlap it), not "ends
within a week" or "has no end date". So each view narrows upstream as far as the filter allows
(State=ACTIVE and a window), reads up to MAX_PAGES pages of 1000, and keeps the codes that answer
the question. The page says how, what it cost in API calls, and whether it stopped early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from promoadmin.impact.records import PromoCode, PromoCodeFilters

from .budget import Scan, scan_promo_codes
from .templatetags.promocodes import full_datetime

MAX_PAGES = 5  # at most 5 requests, 5000 codes, per view
MAX_SHOWN = 500  # rows on the page; the count above the table is always complete
SOON = timedelta(days=7)
# The filters that combine with a view; the view sets the state and the dates itself.
COMBINABLE = ("campaign_id", "code")


@dataclass(frozen=True)
class DateView:
    key: str
    title: str
    rule: str  # the local rule, in words

    def upstream(self, base: PromoCodeFilters, now: datetime) -> PromoCodeFilters:
        """The narrowest list filter impact.com can apply for this view."""
        if self.key == "ending-soon":
            return _with(base, start=now, end=now + SOON)
        if self.key == "ended-active":
            return _with(base, end=now)  # drops codes that start later
        return _with(base, start=now)  # drops codes that have already ended

    def keep(self, promo: PromoCode, now: datetime) -> bool:
        if self.key == "ending-soon":
            return promo.end_date is not None and now <= promo.end_date <= now + SOON
        if self.key == "scheduled":
            return promo.start_date is not None and promo.start_date > now
        if self.key == "no-end-date":
            return promo.end_date is None
        if self.key == "ended-active":
            return promo.end_date is not None and promo.end_date < now
        raise AssertionError(self.key)

    def sort_key(self, promo: PromoCode):
        far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
        if self.key == "scheduled":
            return (promo.start_date or far, promo.id)
        if self.key in ("ending-soon", "ended-active"):
            return (promo.end_date or far, promo.id)
        return (-promo.id,)


VIEWS = {
    view.key: view
    for view in (
        DateView("ending-soon", "Ending within 7 days", "the end date falls between now and 7 days from now"),
        DateView("scheduled", "Scheduled, not started", "the start date is still in the future"),
        DateView("no-end-date", "No end date", "there is no end date (the code never ends)"),
        DateView("ended-active", "Ended but still ACTIVE", "the end date has passed, yet impact.com still says ACTIVE"),
    )
}


def _with(base: PromoCodeFilters, *, start: datetime | None = None, end: datetime | None = None) -> PromoCodeFilters:
    return PromoCodeFilters(campaign_id=base.campaign_id, code=base.code, state="ACTIVE", start=start, end=end)


@dataclass(frozen=True)
class DateViewResult:
    view: DateView
    now: datetime
    upstream: PromoCodeFilters
    scan: Scan
    matches: list[PromoCode]


def compute(client, view: DateView, base: PromoCodeFilters, *, max_pages: int | None = None, enough=None) -> DateViewResult:
    now = timezone.now().replace(microsecond=0)
    upstream = view.upstream(base, now)
    scan = scan_promo_codes(
        client, upstream, keep=lambda promo: view.keep(promo, now), max_pages=max_pages or MAX_PAGES, enough=enough
    )
    return DateViewResult(view, now, upstream, scan, sorted(scan.matches, key=view.sort_key))


def describe_upstream(filters: PromoCodeFilters) -> str:
    """The upstream filter in words: 'ACTIVE codes in campaign 1000 whose dates overlap now to Jun 9'."""
    words = f"{filters.state} codes" if filters.state else "codes"
    if filters.campaign_id:
        words += f" in campaign {filters.campaign_id}"
    if filters.code:
        words += f" with the code {filters.code}"
    if filters.start and filters.end:
        words += f" whose dates overlap {full_datetime(filters.start)} to {full_datetime(filters.end)}"
    elif filters.start:
        words += f" that have not ended by {full_datetime(filters.start)}"
    elif filters.end:
        words += f" that had started by {full_datetime(filters.end)}"
    return words


def view_url(key: str, params: dict[str, str] | None = None) -> str:
    query = urlencode({"view": key, **(params or {})})
    return f"{reverse('promocodes:list')}?{query}"


def view_links(params: dict[str, str] | None = None) -> list[dict]:
    """The four views as links, keeping `params` (campaign and code filters)."""
    return [{"key": key, "title": view.title, "url": view_url(key, params)} for key, view in VIEWS.items()]


