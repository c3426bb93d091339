"""Bulk expire: pick codes on the list (or take all that match a filter or a date view), see exactly
what will be sent and what it costs, then expire them one request at a time with a result per code.

GET  /promo-codes/bulk-expire/?id=..&id=..[&filters]  the selected codes   } the confirmation page,
GET  /promo-codes/bulk-expire/?all=1[&filters|&view=]  every match          } which is the dry run
POST /promo-codes/bulk-expire/                          run the whole batch (without JavaScript)
POST /promo-codes/bulk-expire/<id>/                     expire one code of a confirmed batch (htmx)

The confirmation reads the codes fresh from impact.com (list pages of 1000, usually one call; named
codes beyond IMPACT_SCAN_MAX_PAGES pages are read one call each) and
signs the list of ids it showed; the run expires exactly those. Each expire first reads the code
(one call: it may have been expired outside promoadmin since the confirmation, and then nothing is
sent), then sends one DELETE; it is not read back afterwards: a receipt link per code reads it on demand.
A batch holds at most BULK_EXPIRE_MAX_CODES codes; a confirmation may be sent for BULK_TOKEN_MAX_AGE
seconds (settings).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from promoadmin.impact.client import ImpactClient
from promoadmin.impact.errors import (
    ImpactNotFound,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCode, PromoCodeFilters

from .. import presenters, selectors, services
from ..budget import ask_share, check_budget, scan_promo_codes
from ..forms import PromoCodeFilterForm, selected_ids
from ..models import EXPIRE_PERMISSION
from . import receipts
from .access import requires
from .batches import NOT_SENT, READ_AFRESH, STOPPING_ERRORS, BadBatch, label_counts, load_signed, run_until_stopped

SALT = "promoadmin.bulk-expire"
MAX_DIRECT_READS = 20  # named codes past the pages a scan reads, read one call each
CALLS_PER_CODE = 2  # a fresh read of the code, then its DELETE


def expire_calls(count: int) -> int:
    """What expiring `count` codes of a batch costs at most, as the confirmation says and the budget checks."""
    return CALLS_PER_CODE * count


def request_line(client: ImpactClient, promo_code_id: int) -> str:
    """The request an expire sends (credentials travel in a header and are never shown), as HTML
    that may wrap after the account part."""
    return presenters.write_request_line("DELETE", client.account_sid, promo_code_id)


@dataclass
class Outcome:
    promo_code_id: int
    code: str
    status: str  # expired | already | failed | unknown | not-found | not-sent
    message: str = ""
    receipt_url: str = ""
    stop: bool = False

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """The result cell's links (_outcome_cell.html): (label, url, class)."""
        return [("Receipt", self.receipt_url, "")] if self.receipt_url else []

    @property
    def label(self) -> str:
        return {
            "expired": "Expired",
            "already": "Already expired",
            "failed": "Failed",
            "unknown": "Outcome unknown",
            "not-found": "Not found",
            "not-sent": "Not sent",
        }[self.status]


def expire_one(request: HttpRequest, promo_code_id: int, code: str) -> Outcome:
    """One read and one DELETE (services.promo_code_expire: one audit line), one outcome. Never raises ImpactError."""
    result = services.promo_code_expire(user=request.user, promo_code_id=promo_code_id, code=code, check_first=True,
                                        screen="bulk-expire")
    err = result.error
    if result.already_expired:  # INACTIVE before: nothing sent, no second entry
        message = presenters.already_expired(promo_code_id, result.promo, result.earlier)
        receipt = receipts.entry_url(result.earlier) if result.earlier else ""
        return Outcome(promo_code_id, code, "already", message, receipt_url=receipt)
    if result.done:
        return Outcome(promo_code_id, code, "expired", receipt_url=receipts.entry_url(result.entry))
    if isinstance(err, ImpactNotFound):
        return Outcome(promo_code_id, code, "not-found", f"impact.com has no promo code {promo_code_id}.")
    if result.outcome == services.UNKNOWN:
        return Outcome(promo_code_id, code, "unknown", f"{err.title}. {err.message} {presenters.expire_unknown(promo_code_id)}")
    message = f"{err.title}. {err.message}"
    if not result.sent:
        message += f" {presenters.expire_not_sent(promo_code_id)}"
    return Outcome(promo_code_id, code, "failed", message, stop=isinstance(err, STOPPING_ERRORS))


# --- the confirmation (dry run) -----------------------------------------------------------------


class BadSelection(Exception):
    pass


@dataclass
class Selection:
    """What the user asked to expire, from the query string."""

    form: PromoCodeFilterForm
    view: selectors.DateView | None
    ids: list[int]
    all_matching: bool

    @classmethod
    def from_query(cls, query) -> Selection:
        form = PromoCodeFilterForm(query)
        if not form.is_valid():
            raise BadSelection("The filters in this link cannot be used: " + "; ".join(
                f"{name.replace('_', ' ')}: {' '.join(errors)}" for name, errors in form.errors.items()
            ))
        view_key = query.get("view", "")
        view = selectors.VIEWS.get(view_key) if view_key else None
        if view_key and view is None:
            raise BadSelection(f"There is no view called {view_key!r}.")
        try:
            ids = selected_ids(query.getlist("id"))
        except ValueError as err:
            raise BadSelection(str(err)) from None
        all_matching = query.get("all") == "1"
        if not ids and not all_matching:
            raise BadSelection("No promo codes were selected. Tick the codes to expire on the list first.")
        max_batch = settings.BULK_EXPIRE_MAX_CODES
        if len(ids) > max_batch:
            raise BadSelection(f"{len(ids)} codes are selected; one batch expires at most {max_batch}.")
        return cls(form, view, ids, all_matching and not ids)

    @property
    def filters(self) -> dict[str, str]:
        params = {name: value for name, value in self.form.active_filters().items()}
        if self.view:
            params = {name: params[name] for name in selectors.COMBINABLE if name in params}
            params["view"] = self.view.key
        return params

    @property
    def back_url(self) -> str:
        params = self.filters
        return reverse("promocodes:list") + (f"?{urlencode(params)}" if params else "")

    def describe(self, count: int) -> str:
        where = ""
        if self.view:
            where = f" in the view “{self.view.title}”"
        elif self.form.active_filters():
            where = " matching the list's filters"
        if self.ids:
            return f"the {len(self.ids)} code{'s' if len(self.ids) != 1 else ''} you selected"
        return f"all {count} active code{'s' if count != 1 else ''}{where}"


def find_codes(client: ImpactClient, selection: Selection):
    """The ACTIVE codes the selection names, read fresh: (codes, the scan that found them or None)."""
    wanted = set(selection.ids)
    max_pages = selectors.scan_max_pages()  # the same bound as the list's scans

    def enough(matches: list[PromoCode]) -> bool:
        if wanted:
            return wanted <= {promo.id for promo in matches}
        return len(matches) > settings.BULK_EXPIRE_MAX_CODES

    # The list's filters impact.com lacks (partner, deal, credit policy, match, schedule) narrow "all"
    # exactly as they narrowed the list; a date view sets the schedule itself.
    local = selection.form.to_local_filters()
    if selection.view:
        local = replace(local, schedule="")
    now = timezone.now()

    def keep(promo: PromoCode) -> bool:
        return promo.is_active and (not wanted or promo.id in wanted) and local.keep(promo, now)

    base = selection.form.to_filters()
    if selection.view:
        base = PromoCodeFilters(campaign_id=base.campaign_id, code=base.code)
        result = selectors.compute(client, selection.view, base, max_pages=max_pages, enough=enough, local=local)
        scan = result.scan
        codes = [promo for promo in result.matches if keep(promo)]
    elif selection.form.cleaned_data.get("state") == "INACTIVE":
        return [], None  # an inactive code cannot be expired again
    else:
        scan = scan_promo_codes(client, replace(base, state="ACTIVE"), keep=keep, max_pages=max_pages, enough=enough)
        codes = scan.matches
        if wanted and scan.truncated:
            codes += _read_the_rest(client, selection.ids, codes, scan)
    return codes, scan


def _read_the_rest(client: ImpactClient, ids: list[int], found: list[PromoCode], scan) -> list[PromoCode]:
    """Named codes a big account's scan stopped short of (more than IMPACT_SCAN_MAX_PAGES pages of
    ACTIVE codes): read each one directly rather than call it missing, at most MAX_DIRECT_READS calls,
    counted in the scan's cost. The one-code dry run behind a detail page's "Preview request" relies
    on this."""
    seen = {promo.id for promo in found}
    rest = [promo_code_id for promo_code_id in ids if promo_code_id not in seen][:MAX_DIRECT_READS]
    codes = []
    for promo_code_id in rest:
        scan.calls += 1
        try:
            promo = client.get_promo_code(promo_code_id, fresh=True)
        except ImpactNotFound:
            continue
        scan.scanned += 1
        if promo.is_active:
            codes.append(promo)
    return codes


@require_http_methods(["GET", "POST"])
@requires(EXPIRE_PERMISSION)
def promo_code_bulk_expire(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _run(request)
    try:
        selection = Selection.from_query(request.GET)
    except BadSelection as err:
        return TemplateResponse(request, "promocodes/bulk_expire.html", {"problem": str(err), "back_url": reverse("promocodes:list")}, status=400)

    client = get_impact_client()
    max_batch, max_pages = settings.BULK_EXPIRE_MAX_CODES, selectors.scan_max_pages()
    ask_share(request.user, max_pages)  # the dry run reads up to max_pages list pages
    codes, scan = find_codes(client, selection)
    wanted = set(selection.ids)
    found = {promo.id for promo in codes}
    missing = [promo_code_id for promo_code_id in selection.ids if promo_code_id not in found]
    too_many = len(codes) > max_batch
    incomplete = bool(scan and scan.truncated and not wanted)
    codes = codes[:max_batch]
    budget = check_budget(client, expire_calls(len(codes)))
    can_run = bool(codes) and budget.ok and not too_many and not incomplete
    context = {
        "selection": selection,
        "description": selection.describe(len(codes)),
        "codes": [{"promo": promo, "request_line": request_line(client, promo.id)} for promo in codes],
        "expire_calls": expire_calls(len(codes)),
        "missing": missing,
        "scan": scan,
        "too_many": too_many,
        "incomplete": incomplete,
        "max_batch": max_batch,
        "max_pages": max_pages,
        "budget": budget,
        "can_run": can_run,
        "back_url": selection.back_url,
        "batch": _sign(request, codes) if can_run else "",
    }
    return TemplateResponse(request, "promocodes/bulk_expire.html", context)


def _sign(request: HttpRequest, codes: list[PromoCode]) -> str:
    return signing.dumps(
        {"u": request.user.get_username(), "codes": [[promo.id, promo.code] for promo in codes]},
        salt=SALT,
        compress=True,
    )


def _load(request: HttpRequest) -> list[tuple[int, str]]:
    """The codes of a confirmed batch, if the token is genuine, fresh and the user's own."""
    payload = load_signed(request, request.POST.get("batch", ""), salt=SALT, name="confirmation", start_again=READ_AFRESH)
    try:
        return [(int(promo_code_id), str(code)) for promo_code_id, code in payload["codes"]]
    except (KeyError, TypeError, ValueError):
        raise BadBatch("This confirmation is not one promoadmin made, so nothing was sent.") from None


def _run(request: HttpRequest) -> HttpResponse:
    """The whole batch in one request (the path without JavaScript), stopping when the budget runs out."""
    try:
        items = _load(request)
    except BadBatch as err:
        return TemplateResponse(request, "promocodes/bulk_expire.html", {"problem": str(err), "back_url": reverse("promocodes:list")}, status=400)
    client = get_impact_client()
    budget = check_budget(client, expire_calls(len(items)))
    if not budget.ok:
        context = {"problem": "", "budget": budget, "budget_short": True, "back_url": reverse("promocodes:list")}
        return TemplateResponse(request, "promocodes/bulk_expire.html", context, status=429)
    outcomes = run_until_stopped(
        items,
        send=lambda item: expire_one(request, *item),
        not_sent=lambda item: Outcome(*item, "not-sent", NOT_SENT),
    )
    context = {
        "outcomes": outcomes,
        "counts": label_counts(outcomes),
        "back_url": reverse("promocodes:list"),
    }
    return TemplateResponse(request, "promocodes/bulk_expire_done.html", context)


@require_POST
@requires(EXPIRE_PERMISSION)
def promo_code_bulk_expire_one(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    """One code of a confirmed batch: the confirmation page's script calls this row by row."""
    try:
        items = dict(_load(request))
    except BadBatch as err:
        outcome = Outcome(promo_code_id, "", "not-sent", str(err), stop=True)
        return TemplateResponse(request, "promocodes/bulk_expire.html#outcome", {"outcome": outcome}, status=400)
    if promo_code_id not in items:
        outcome = Outcome(promo_code_id, "", "not-sent", "This code is not part of the confirmed batch, so it was not sent.")
        return TemplateResponse(request, "promocodes/bulk_expire.html#outcome", {"outcome": outcome}, status=400)
    outcome = expire_one(request, promo_code_id, items[promo_code_id])
    return TemplateResponse(request, "promocodes/bulk_expire.html#outcome", {"outcome": outcome})
