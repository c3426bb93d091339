"""Reads that fan out: a campaign's active codes and what they say about a new code, and the date views.

Single reads (a page of the list, one code) are the client's; the picker lists are lookups.py's.

The list's Code box finds every code containing the text (`promo_code_search`): impact.com is asked
first; when its answer holds only whole-code matches, it may match whole codes only, so the rest are
found by the same bounded scan as the date views, which says what it cost and where it stopped.

The date views of the list answer staff questions about dates: `/promo-codes/?view=<key>`.

impact.com's list filter knows a state and a date window (codes whose dates overlap it), not "ends
within a week" or "has no end date". So each view narrows upstream as far as the filter allows
(State=ACTIVE and a window), reads up to IMPACT_SCAN_MAX_PAGES pages of 1000, and keeps the codes that answer
the question. The page says how, what it cost in API calls, and whether it stopped early.

The list's filters impact.com lacks (partner, deal, credit policy, match type, schedule) use the same
scan (`scan_list`), through the cache like any list page.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, Page, PromoCode, PromoCodeFilters

from .budget import Scan, ask_share, scan_promo_codes
from .checks.list_filters import LocalFilters
from .checks.overlaps import ConflictCheck, find_duplicate, find_overlaps
from .formatting import full_datetime
from .models import LedgerEntry

MAX_SHOWN = 500  # rows on the page; the count above the table is always complete
SOON = timedelta(days=7)
# The filters that combine with a view; the view sets the state and the dates itself.
COMBINABLE = ("campaign_id", "code", "partner_id", "deal_id", "credit_policy", "type")
NO_LOCAL_FILTERS = LocalFilters()


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
    # No `Code`: impact.com may match whole codes only, and the Code box finds parts (kept in `compute`).
    return PromoCodeFilters(campaign_id=base.campaign_id, state="ACTIVE", start=start, end=end)


@dataclass(frozen=True)
class DateViewResult:
    view: DateView
    now: datetime
    upstream: PromoCodeFilters
    scan: Scan
    matches: list[PromoCode]


def scan_max_pages() -> int:
    """The most list pages of 1000 one scan reads (a date view, the filters impact.com lacks)."""
    return settings.IMPACT_SCAN_MAX_PAGES


def compute(
    client, view: DateView, base: PromoCodeFilters, *, max_pages: int | None = None, enough=None, local: LocalFilters = NO_LOCAL_FILTERS
) -> DateViewResult:
    """A date view; `local` adds the filters impact.com lacks (partner, deal, credit policy, match)."""
    now = timezone.now().replace(microsecond=0)
    upstream = view.upstream(base, now)
    scan = scan_promo_codes(
        client,
        upstream,
        keep=lambda promo: view.keep(promo, now) and local.keep(promo, now) and contains_code(promo, base.code),
        max_pages=max_pages or scan_max_pages(),
        enough=enough,
    )
    return DateViewResult(view, now, upstream, scan, sorted(scan.matches, key=view.sort_key))


@dataclass(frozen=True)
class ListScan:
    """The list filtered by what impact.com cannot filter: the codes kept from a bounded scan."""

    upstream: PromoCodeFilters
    local: LocalFilters
    scan: Scan
    max_pages: int

    def page(self, number: int, page_size: int) -> Page[PromoCode]:
        """One page of the codes kept, as the list shows a page impact.com sends."""
        matches = self.scan.matches
        return Page(
            items=tuple(matches[(number - 1) * page_size : number * page_size]),
            number=number,
            num_pages=max(1, math.ceil(len(matches) / page_size)),
            page_size=page_size,
            total=len(matches),
        )


def scan_list(client, base: PromoCodeFilters, local: LocalFilters, *, fresh: bool = False) -> ListScan:
    """The list's codes matching `base` (impact.com's filters) and `local` (promoadmin's), in impact.com's order.

    Reads up to scan_max_pages() pages of 1000 through the cache, like any list page (`fresh` asks
    impact.com again). A pending or active schedule narrows upstream to State=ACTIVE; the dates are
    compared here, so the pages' cache keys do not change with the clock. A `Code` is not sent:
    impact.com may match whole codes only, and the Code box finds parts (`contains_code`).
    """
    now = timezone.now()
    upstream = dataclasses.replace(base, code="")
    if not base.state and local.upstream_state:
        upstream = dataclasses.replace(upstream, state=local.upstream_state)
    max_pages = scan_max_pages()

    def keep(promo: PromoCode) -> bool:
        return local.keep(promo, now) and contains_code(promo, base.code)

    scan = scan_promo_codes(client, upstream, keep=keep, max_pages=max_pages, cached=not fresh)
    return ListScan(upstream, local, scan, max_pages)


@dataclass(frozen=True)
class CodeSearch:
    """One page of the codes containing `text`, and how they were found."""

    text: str
    page: Page[PromoCode]
    upstream: PromoCodeFilters  # what impact.com was asked for in the scan
    scan: Scan | None = None  # None: impact.com's own answer held parts, so it is the answer


def contains_code(promo: PromoCode, text: str) -> bool:
    """The Code box's rule: the code contains the text, ignoring letter case."""
    return text.casefold() in promo.code.casefold()


def promo_code_search(
    client, filters: PromoCodeFilters, *, user, page: int, page_size: int, fresh: bool = False
) -> CodeSearch:
    """The codes matching `filters` whose code contains `filters.code`. Raises ImpactError, SlowedDown.

    One list call with `Code` first. If impact.com answers with a code that only contains the text,
    it matches parts: its answer (and its paging) is used as it is. Otherwise it may match whole
    codes only, so the same filters without `Code` are scanned (at most scan_max_pages() pages of 1000,
    asked of the person's share first, read through the cache like scan_list's) for codes containing
    the text, and paged here.
    """
    asked = client.list_promo_codes(filters, page=page, page_size=page_size, fresh=fresh)
    if any(promo.code.casefold() != filters.code.casefold() for promo in asked.items):
        return CodeSearch(filters.code, asked, filters)
    upstream = dataclasses.replace(filters, code="")
    ask_share(user, scan_max_pages())
    scan = scan_promo_codes(client, upstream, keep=lambda promo: contains_code(promo, filters.code), max_pages=scan_max_pages(),
                            cached=not fresh)
    found = scan.matches
    num_pages = max(1, -(-len(found) // page_size))
    items = tuple(found[(page - 1) * page_size : page * page_size])
    return CodeSearch(filters.code, Page(items, page, num_pages, page_size, len(found)), upstream, scan)


def describe_upstream(filters: PromoCodeFilters) -> str:
    """The upstream filter in words: 'ACTIVE codes in campaign 1000 whose dates overlap now to Jun 9'."""
    words = f"{filters.state} codes" if filters.state else "all codes"
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



def check_conflicts(new_code: NewPromoCode, *, replacing: int | None = None, overlaps: bool = True,
                    now: datetime | None = None) -> ConflictCheck:
    """Look for a duplicate and overlaps among the campaign's active codes. Raises ImpactError.

    One list call (CampaignId + State=ACTIVE, PageSize 1000), past the cache so a code created a
    moment ago counts. Only when the campaign has more active codes than one page holds does a
    second call (CampaignId + Code) make the duplicate check complete; overlaps are then checked
    on the first page only, and the warning says so. `replacing`: the id of the code a change
    replaces, which is neither a duplicate nor an overlap of its replacement (it is expired first).
    `overlaps=False`: the duplicate check alone, without the regex work.
    """
    client = get_impact_client()
    page = active_codes(new_code.campaign_id)

    def others(codes) -> list[PromoCode]:
        return [promo for promo in codes if promo.is_active and promo.id != replacing]

    active = others(page.items)
    calls = 1
    duplicate = find_duplicate(new_code, active)
    if duplicate is None and page.has_next:
        same_code = client.list_promo_codes(
            PromoCodeFilters(campaign_id=new_code.campaign_id, code=new_code.code, state="ACTIVE"), page_size=100, fresh=True
        )
        calls = 2
        duplicate = find_duplicate(new_code, others(same_code.items))
    check = ConflictCheck(new_code, duplicate, active_checked=len(page.items), active_total=page.total, calls=calls)
    if duplicate is not None or not overlaps:
        return check
    return _with_overlaps(check, active, now or datetime.now(UTC))


def active_codes(campaign_id: int):
    """The first page (up to 1000) of a campaign's ACTIVE codes, past the cache: one list call."""
    return get_impact_client().list_promo_codes(
        PromoCodeFilters(campaign_id=campaign_id, state="ACTIVE"), page_size=settings.IMPACT_MAX_PAGE_SIZE, fresh=True
    )


def _with_overlaps(check: ConflictCheck, active: list[PromoCode], now: datetime) -> ConflictCheck:
    [found] = find_overlaps([check.new_code], {check.new_code.campaign_id: active}, now=now, timeout=settings.OVERLAP_TIMEOUT)
    return dataclasses.replace(check, overlaps=found.overlaps, pattern_too_slow=found.pattern_too_slow, unchecked=found.unchecked)


# --- the ledger ------------------------------------------------------------------------------------


# Every detail page reads its code's entries: written as SQL (Manager.raw), this costs 0.08 ms of CPU
# against 0.34 ms for the same query compiled by the ORM on every request (bench/NOTES.md).
_CODE_ENTRIES = f"SELECT * FROM {LedgerEntry._meta.db_table} WHERE promo_code_id = %s ORDER BY at DESC, id DESC LIMIT 100"


def code_history(promo_code_id: int) -> list:
    """Every ledger entry about one code, and those of the same changes by replacement (old, new,
    compensation), newest first. Read from promoadmin's own ledger: no API call."""
    own = list(LedgerEntry.objects.raw(_CODE_ENTRIES, [promo_code_id]))
    operations = {entry.operation for entry in own if entry.operation}
    if not operations:  # most codes: never changed by replacement
        return own
    related = Q(promo_code_id=promo_code_id) | Q(operation__in=operations)
    return list(LedgerEntry.objects.filter(related).order_by("-at", "-id")[:100])
