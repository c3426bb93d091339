"""CSV export of the list's current filter: `/promo-codes/export.csv?<the list's query parameters>`.

The file is streamed: one upstream call per page of 1000 codes (`ImpactClient.iter_promo_codes`),
each page written out before the next is read, so memory stays flat however many codes match.
Before streaming, the view learns how many codes match from the list's first page (normally still
in promoadmin's 30-second cache from the list just shown) and refuses when the export would need
more requests than the hourly budget has left.

Every text cell goes through `neutralise`: one that a spreadsheet could run as a formula (= + - @
after any leading spaces or line breaks, or starting with a tab, carriage return or line feed) gets a
leading apostrophe (OWASP's advice on CSV injection). Every column, since impact.com's answers are
data we do not control, even the ones that are usually a fixed word (type, state, credit policy).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.errors import ImpactError
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCode, PromoCodeFilters

from .. import selectors
from ..budget import ask_share, calls_for, check_budget, take_share
from ..forms import PromoCodeFilterForm

logger = logging.getLogger(__name__)

# The list's default page size: the page the list just showed is then reused from the cache.
PREFLIGHT_PAGE_SIZE = 50
COLUMNS = (
    "id", "code", "type", "state", "status", "campaign_id", "campaign_name", "assigned_partner_id",
    "assigned_partner_name", "credit_policy", "start_date", "end_date", "created_date", "deal_id", "deal_name",
    "discount",
)
FORMULA_CHARACTERS = ("=", "+", "-", "@")
# Spreadsheets skip these before looking for a formula character, and a tab or line break first is
# itself treated as the start of a formula by some of them.
LEADING_BLANKS = " \t\r\n"


class _Echo:
    """csv.writer writes into this and gets the line back, so rows can be yielded one by one."""

    def write(self, value: str) -> str:
        return value


def neutralise(value: str) -> str:
    """The cell as text a spreadsheet shows as written, never runs."""
    if value[:1] in ("\t", "\r", "\n") or value.lstrip(LEADING_BLANKS).startswith(FORMULA_CHARACTERS):
        return "'" + value
    return value


def _moment(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def cells(promo: PromoCode) -> list:
    deal = promo.deal
    row = [
        promo.id,
        promo.code,
        promo.type,
        promo.state,
        promo.lifecycle(),
        promo.campaign_id or "",
        promo.campaign_name,
        promo.assigned_partner_id or "",
        promo.assigned_partner_name,
        promo.credit_policy,
        _moment(promo.start_date),
        _moment(promo.end_date),
        _moment(promo.created_date),
        (deal.id or "") if deal else "",
        deal.name if deal else "",
        deal.discount.summary if deal else "",
    ]
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in row]


def stream_rows(client: ImpactClient, filters: PromoCodeFilters) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # the BOM tells Excel the file is UTF-8
    written = 0
    chunk: list[str] = []
    try:
        for promo in client.iter_promo_codes(filters, page_size=settings.IMPACT_MAX_PAGE_SIZE):
            chunk.append(writer.writerow(cells(promo)))
            written += 1
            if len(chunk) >= settings.EXPORT_ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
    except ImpactError as err:
        # The status line is long gone: say so in the file itself, where whoever opens it will see it.
        logger.warning("CSV export stopped after %d rows: %s", written, type(err).__name__)
        chunk.append(writer.writerow([f"EXPORT INCOMPLETE: stopped after {written} rows. {err.title}. {err.message}"]))
    yield "".join(chunk)


def file_name(form: PromoCodeFilterForm) -> str:
    parts = ["promo-codes"]
    for name, value in form.active_filters().items():
        parts.append(f"{name.replace('_id', '').replace('_date', '')}-{value}")
    parts.append(timezone.localdate().isoformat())
    return re.sub(r"[^A-Za-z0-9.-]+", "-", "_".join(parts))[:150].strip("-") + ".csv"


@require_GET
def promo_code_export(request: HttpRequest) -> HttpResponse:
    form = PromoCodeFilterForm(request.GET)
    if not form.is_valid():
        context = {"problem": "Some filter values cannot be used, so there is nothing to export.", "list_url": reverse("promocodes:list")}
        return TemplateResponse(request, "promocodes/export_refused.html", context, status=400)
    client = get_impact_client()
    filters = form.to_filters()
    local = form.to_local_filters()
    if local.is_set:
        return _export_scanned(request, client, form)
    first = client.list_promo_codes(filters, page=1, page_size=PREFLIGHT_PAGE_SIZE)
    needed = calls_for(first.total)
    budget = check_budget(client, needed)
    params = form.active_filters()
    list_url = reverse("promocodes:list") + (f"?{urlencode(params)}" if params else "")
    if not budget.ok:
        context = {"budget": budget, "total": first.total, "list_url": list_url}
        response = TemplateResponse(request, "promocodes/export_refused.html", context, status=429)
        if budget.reset_seconds is not None:
            response["Retry-After"] = str(budget.reset_seconds)
        return response
    # The file streams after this view returns, so its reads are taken from the person's share now.
    take_share(request.user, needed)
    response = StreamingHttpResponse(stream_rows(client, filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(form)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _export_scanned(request: HttpRequest, client: ImpactClient, form: PromoCodeFilterForm) -> HttpResponse:
    """The list filtered by what impact.com lacks: the same bounded scan as the list (and its cached
    pages), read before the file starts; a scan that stopped early says so in the file's last line."""
    ask_share(request.user, selectors.scan_max_pages())
    listed = selectors.scan_list(client, form.to_filters(), form.to_local_filters())

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(COLUMNS)
        yield "".join(writer.writerow(cells(promo)) for promo in listed.scan.matches)
        if listed.scan.truncated:
            scan = listed.scan
            yield writer.writerow([
                f"EXPORT INCOMPLETE: promoadmin read only the first {scan.scanned} of {scan.total} codes "
                f"(at most {listed.max_pages} pages of 1000). Narrow the filters to a campaign, a state or dates."
            ])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(form)}"'
    response["Cache-Control"] = "private, no-store"
    return response
