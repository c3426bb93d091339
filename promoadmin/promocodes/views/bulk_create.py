"""Bulk create from a CSV upload: check every row as the create form would, show what will be sent,
then create row by row with a result per row.

GET  /promo-codes/bulk-create/       the upload form
POST /promo-codes/bulk-create/       with `file`: the review (nothing is sent to impact.com yet)
POST /promo-codes/bulk-create/       with `batch`: create every row (the path without JavaScript)
POST /promo-codes/bulk-create/row/   with `row_token`: create one row (the review page's script)

The file is read in memory (at most settings.BULK_CREATE_MAX_BYTES, and BULK_CREATE_MAX_ROWS rows)
and never stored: uploads to this view are handled by `MemoryOnlyUploadHandler`, never written to a
temporary file. The checked rows travel to the next step signed (`django.core.signing`) in the page,
not on disk.

The review also warns, row by row, about overlaps (a regex and an exact code of the same campaign,
running at the same time, that accept the same code: overlaps.find_overlaps decides, for the file's
rows against the campaign's active codes and against each other). Overlaps do not make the file
invalid, but while any row has such a warning nothing is sent without `confirm_overlap`: the signed
batch and row tokens say so, and both create paths check it.

Each row is sent at most once: impact.com has no idempotency keys, so before sending, a row claims
its marker in the shared store (a row with a unique key in the database, so every worker and
instance agrees), and records there what came of it. A second attempt, say a batch re-sent after a
proxy time-out, finds the marker, sends nothing, and says what the first attempt did: "Created
earlier" with its link, still being sent, or unknown.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from promoadmin.impact.errors import (
    ImpactUnreachable,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCode
from promoadmin.web.request_limits import accepts_upload

from .. import lookups, presenters, selectors, services
from ..budget import SlowedDown, ask_share, check_budget
from ..checks import overlaps
from ..checks.csv_rows import COLUMNS, IMPACT_TEMPLATE, REQUIRED_COLUMNS, BadFile, Row, read_rows, with_moments
from ..forms import PromoCodeForm
from ..models import CREATE_PERMISSION
from . import receipts
from .access import requires
from .batches import (
    NOT_SENT,
    STOPPING_ERRORS,
    BadBatch,
    label_counts,
    load_signed,
    overlaps_confirmed,
    run_until_stopped,
)

SALT = "promoadmin.bulk-create"
MAX_CAMPAIGNS = 20  # distinct campaigns per file: the review reads each one's active codes (1 request each)
UNCONFIRMED = (
    "Not sent: rows of this review overlap other codes, and the box “Create them anyway” was not ticked. "
    "Nothing is sent until it is."
)


def defaults() -> dict[str, str]:
    """What an absent column or an empty cell means: the create form's own initial values."""
    return {name: str(PromoCodeForm.base_fields[name].initial) for name in COLUMNS
            if name in PromoCodeForm.base_fields and PromoCodeForm.base_fields[name].initial not in (None, "")}


# --- reading the file ---------------------------------------------------------------------------


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps an upload in memory, refusing anything past BULK_CREATE_MAX_BYTES; never touches the disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.BULK_CREATE_MAX_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset,
            self.content_type_extra,
        )


def validate(values: dict[str, str]) -> tuple[list[str], NewPromoCode | None]:
    """The create form's own checks, row by row (with the exact moments of an impact.com template row)."""
    form = PromoCodeForm(values)
    if not form.is_valid():
        errors = []
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors += [f"{name}: {message}" if label else message for message in messages]
        return errors, None
    return [], with_moments(form.to_new_code(), values)


# --- the views ----------------------------------------------------------------------------------


@accepts_upload(permission=CREATE_PERMISSION, max_file_bytes=lambda: settings.BULK_CREATE_MAX_BYTES)
@csrf_exempt  # only so the upload handlers can be set first; csrf_protect below checks the token
@require_http_methods(["GET", "POST"])
def promo_code_bulk_create(request: HttpRequest) -> HttpResponse:
    request.upload_handlers = [MemoryOnlyUploadHandler(request)]
    return _bulk_create(request)


@csrf_protect
@requires(CREATE_PERMISSION)
def _bulk_create(request: HttpRequest) -> HttpResponse:
    max_rows, max_kb = settings.BULK_CREATE_MAX_ROWS, settings.BULK_CREATE_MAX_BYTES // 1000
    context = {"columns": COLUMNS, "required": REQUIRED_COLUMNS, "defaults": defaults(), "max_rows": max_rows,
               "max_kb": max_kb, "impact_columns": IMPACT_TEMPLATE}
    if request.method == "GET":
        return TemplateResponse(request, "promocodes/bulk_create.html", context)
    if "batch" in request.POST:
        return _run(request)
    handler = request.upload_handlers[0]
    upload = request.FILES.get("file")
    if getattr(handler, "too_large", False):
        context["problem"] = f"The file is larger than {max_kb} kB. Split it into smaller files."
        return TemplateResponse(request, "promocodes/bulk_create.html", context, status=413)
    if upload is None:
        context["problem"] = "Choose a CSV file to upload."
        return TemplateResponse(request, "promocodes/bulk_create.html", context, status=400)
    try:
        upload_read = read_rows(upload.read(), validate=validate, defaults=defaults(), max_rows=max_rows, zone=settings.TIME_ZONE)
    except BadFile as err:
        context["problem"] = str(err)
        return TemplateResponse(request, "promocodes/bulk_create.html", context, status=400)
    finally:
        upload.close()
    rows = upload_read.rows
    context["read_as"] = presenters.upload_read_as(upload_read.file_format, upload_read.columns)
    campaigns = {row.new_code.campaign_id for row in rows if row.new_code}
    if len(campaigns) > MAX_CAMPAIGNS:
        context["problem"] = (
            f"The file names {len(campaigns)} campaigns; one file may name at most {MAX_CAMPAIGNS}, since checking "
            "each campaign's active codes costs an impact.com request. Split it by campaign."
        )
        return TemplateResponse(request, "promocodes/bulk_create.html", context, status=400)
    try:
        ask_share(request.user, len(campaigns))  # before the review's reads, one per campaign
    except SlowedDown as err:
        context["problem"] = err.message
        response = TemplateResponse(request, "promocodes/bulk_create.html", context, status=429)
        response["Retry-After"] = str(err.reset_seconds)
        return response
    return _review(request, context, rows, upload.name)


def _check_existing(rows: list[Row]) -> tuple[int, bool, dict[int, list[PromoCode]]]:
    """Stop rows whose code is already active in its campaign, as a single create does.

    One list call per campaign in the file (not per row), so a 500-row file costs what its campaigns
    cost. Returns (calls made, whether every row was checked: a campaign with more than 1000 active
    codes is checked against the first 1000, and impact.com's own refusal covers the rest; the active
    codes read, by campaign, which the overlap check reuses).
    """
    campaigns = sorted({row.new_code.campaign_id for row in rows if row.new_code})
    complete = True
    active_by_campaign = {}
    for campaign_id in campaigns:
        page = selectors.active_codes(campaign_id)
        complete = complete and not page.has_next
        active = active_by_campaign[campaign_id] = [promo for promo in page.items if promo.is_active]
        for row in rows:
            if row.new_code and row.new_code.campaign_id == campaign_id:
                existing = overlaps.find_duplicate(row.new_code, active)
                if existing:
                    row.errors.append(
                        f"code: {existing.code} (id {existing.id}) is already active in campaign {campaign_id}; "
                        "impact.com would refuse it."
                    )
                    row.new_code = None
    return len(campaigns), complete, active_by_campaign


def _check_overlaps(rows: list[Row], active_by_campaign: dict[int, list[PromoCode]]) -> None:
    """Warn on each row that overlaps an active code of its campaign or another row of the file.

    No API call: the active codes are the ones `_check_existing` read. Every pattern of the file and
    of the campaigns runs in one regex_check call for an ordinary file (see overlaps.find_overlaps).
    """
    checked = [(index, row) for index, row in enumerate(rows) if row.new_code]
    others: dict[int, list] = {campaign_id: list(active) for campaign_id, active in active_by_campaign.items()}
    for _, row in checked:
        others.setdefault(row.new_code.campaign_id, []).append(row.new_code)
    in_file = {id(row.new_code): (index, row) for index, row in checked}
    found = overlaps.find_overlaps(
        [row.new_code for _, row in checked],
        others,
        timeout=settings.OVERLAP_TIMEOUT,
        retry_seconds=settings.OVERLAP_RETRY_SECONDS,
    )
    for (_, row), result in zip(checked, found, strict=True):
        row.warnings.extend(presenters.bulk_overlap_warnings(result, in_file))
        row.overlaps = bool(result.overlaps)



def _names_by_id(checked_campaigns: set[int]) -> dict[int, dict[str, dict]]:
    """The campaign, partner and deal names of the campaigns the review checked (at most MAX_CAMPAIGNS,
    so a file of bad rows cannot make it read hundreds of lists), each list read once per review from
    the picker lists (cached for IMPACT_LOOKUP_CACHE_SECONDS; a failed list leaves its names out)."""
    if not checked_campaigns:
        return {}
    campaigns = {campaign.id: campaign.name for campaign in lookups.campaigns().items}
    return {
        campaign_id: {
            "campaign": {campaign_id: campaigns[campaign_id]} if campaign_id in campaigns else {},
            "partner": {partner.id: partner.name for partner in lookups.partners(campaign_id).items},
            "deal": {deal.id: deal.name for deal in lookups.deals(campaign_id).items},
        }
        for campaign_id in checked_campaigns
    }


def _names(row: Row, names_by_id: dict[int, dict[str, dict]]) -> dict[str, str]:
    """A row's campaign, partner and deal names, where its campaign was checked and the names are known."""
    campaign_id = lookups.parse_id(row.values.get("campaign_id"))
    lists = names_by_id.get(campaign_id)
    if lists is None:
        return {}
    ids = {"campaign": campaign_id, "partner": lookups.parse_id(row.values.get("assigned_partner_id")),
           "deal": lookups.parse_id(row.values.get("deal_id"))}
    return {kind: lists[kind][ids[kind]] for kind in ids if ids[kind] in lists[kind]}


def _review(request: HttpRequest, context: dict, rows: list[Row], file_name: str) -> HttpResponse:
    client = get_impact_client()
    # Every check runs on the first review, also while other rows have problems: a duplicate of an
    # active code must not read "This row is fine" until the rest of the file is fixed.
    check_calls, check_complete, active = _check_existing(rows)
    _check_overlaps(rows, active)
    valid = all(row.ok for row in rows)
    warned = sum(1 for row in rows if row.ok and row.warnings)
    confirm = {"c": 1} if valid and warned else {}  # in the signed tokens: creating needs confirm_overlap
    budget = check_budget(client, len(rows))
    nonce = secrets.token_urlsafe(12)
    user = request.user.get_username()
    items = []
    names_by_id = _names_by_id(set(active))
    for index, row in enumerate(rows):
        item = {"index": index, "row": row, "form": row.new_code.to_form() if row.new_code else {},
                # an impact.com template row's exact moment (its Timezone), else the day as given
                "starts": row.values.get("start_moment") or row.values.get("start_date", ""),
                "ends": row.values.get("end_moment") or row.values.get("end_date", ""),
                "names": _names(row, names_by_id),
                "waiting": presenters.bulk_row_waiting(row_ok=row.ok, valid=valid)}
        if valid:
            item["token"] = signing.dumps(
                {"u": user, "n": nonce, "i": index, "l": row.line, "v": row.values, **confirm}, salt=SALT, compress=True
            )
        items.append(item)
    invalid_count = sum(1 for row in rows if not row.ok)
    context.update(
        review_title=presenters.bulk_review_title(len(rows)),
        results_title=presenters.bulk_results_title(len(rows)),
        review_problem=presenters.bulk_review_problem(invalid_count) if invalid_count else "",
        bulk_warning=presenters.bulk_warning(
            sum(1 for row in rows if row.ok and row.overlaps),
            sum(1 for row in rows if row.ok and row.warnings and not row.overlaps),
            can_run=valid and budget.ok,
        ),
        confirm_label=presenters.bulk_confirm_label(warned),
        costs=presenters.bulk_costs(check_calls, check_complete, len(rows), budget),
        request_heading=presenters.bulk_request_heading(valid=valid, warned=bool(warned)),
        file_name=file_name[:100],
        items=items,
        valid=valid,
        needs_confirmation=bool(confirm),
        budget=budget,
        can_run=valid and budget.ok,
        request_line=presenters.write_request_line("POST", client.account_sid),
        batch=signing.dumps({"u": user, "n": nonce, "rows": [[row.line, row.values] for row in rows], **confirm},
                            salt=SALT, compress=True)
        if valid else "",
    )
    return TemplateResponse(request, "promocodes/bulk_create.html", context, status=200 if valid else 422)


TEMPLATES = {
    "promoadmin": (COLUMNS, ("2552842", "1000", "INVOLVED", "SPRING25", "LI", "2030-03-01", "2030-03-31", "", "")),
    "impact": (IMPACT_TEMPLATE, ("SPRING25", "1000", "2552842", "TRACKING", "INVOLVED", "LI", "", "2030-03-01", "2030-03-31",
                                 "America/New_York")),
}


@require_GET
def promo_code_bulk_create_template(request: HttpRequest, columns: str) -> HttpResponse:
    """A file to fill in: promoadmin's columns or impact.com's bulk upload template, with one example row."""
    if columns not in TEMPLATES:
        raise Http404("There are two templates: promoadmin and impact.")
    header, example = TEMPLATES[columns]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(example)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="promo-codes-{columns}-template.csv"'
    return response


# --- creating -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    index: int
    line: int
    code: str
    status: str  # created | created-earlier | refused | unknown | failed | not-sent | already-sent
    message: str = ""
    promo_code_id: int | None = None
    receipt_url: str = ""
    search_url: str = ""
    stop: bool = False

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """The result cell's links (_outcome_cell.html): (label, url, class)."""
        found = [(f"id {self.promo_code_id}", reverse("promocodes:detail", args=[self.promo_code_id]), "")] if self.promo_code_id else []
        return found + ([("Receipt", self.receipt_url, "")] if self.receipt_url else [])

    @property
    def label(self) -> str:
        return {
            "created": "Created",
            "created-earlier": "Created earlier",
            "refused": "Refused",
            "unknown": "Outcome unknown",
            "failed": "Failed",
            "not-sent": "Not sent",
            "already-sent": "Already sent",
        }[self.status]


def create_one(request: HttpRequest, nonce: str, index: int, line: int, values: dict) -> Outcome:
    """Check the row again, claim it (its ledger entry), send it once (services.promo_code_create). Never raises ImpactError."""
    code = str(values.get("code", ""))
    errors, new_code = validate(values)
    if new_code is None:
        return Outcome(index, line, code, "not-sent", "No longer valid: " + " ".join(errors))
    search_url = reverse("promocodes:list") + "?" + urlencode({"campaign_id": new_code.campaign_id, "code": new_code.code})
    entry, claimed = services.claim_batch_item(user=request.user, screen="bulk-create", nonce=nonce, item=index, new_code=new_code)
    if not claimed:
        return _sent_before(index, line, new_code, entry, search_url)
    result = services.promo_code_create(user=request.user, new_code=new_code, entry=entry, screen="bulk-create")
    err = result.error
    if result.done:
        return Outcome(index, line, new_code.code, "created", promo_code_id=result.promo_code_id,
                       receipt_url=receipts.entry_url(result.entry))
    if result.outcome == services.REJECTED:
        details = [f"{name or 'request'}: {message}" for name, messages in err.field_errors.items() for message in messages]
        return Outcome(index, line, new_code.code, "refused", " ".join([err.message, *details]))
    if isinstance(err, ImpactUnreachable):
        # No connection was ever made, so nothing was created: the row may be sent again (its claim is freed).
        return Outcome(index, line, new_code.code, "failed", f"{err.message} Nothing was sent for this row.", stop=True)
    if result.outcome == services.UNKNOWN:
        # The request may have reached impact.com: never resend blindly (the claim stays until it is settled).
        return Outcome(index, line, new_code.code, "unknown",
                       f"{err.message} The code may or may not exist: look for it before uploading this row again.",
                       search_url=search_url)
    return Outcome(index, line, new_code.code, "failed", f"{err.title}. {err.message}", stop=isinstance(err, STOPPING_ERRORS))


def _sent_before(index: int, line: int, new_code: NewPromoCode, earlier, search_url: str) -> Outcome:
    """A row this review already sent (a double click, a batch re-sent): what that first attempt did (its ledger entry)."""
    if earlier.outcome == services.CREATED:
        return Outcome(index, line, new_code.code, "created-earlier",
                       "Created earlier from this review (it is never sent twice); nothing was sent now.",
                       promo_code_id=earlier.promo_code_id, receipt_url=receipts.entry_url(earlier))
    if earlier.outcome == services.UNKNOWN:
        return Outcome(index, line, new_code.code, "unknown",
                       "Sent earlier from this review, and impact.com never confirmed it; nothing was sent now. "
                       "Look for the code before uploading this row again.", search_url=search_url)
    return Outcome(index, line, new_code.code, "already-sent",
                   "This row is being sent from this review right now (another tab, or a request sent twice); "
                   "nothing was sent again. Check the list for it in a moment.", search_url=search_url)


def _load(request: HttpRequest, field: str) -> dict:
    return load_signed(request, request.POST.get(field, ""), salt=SALT, name="review", start_again="Upload the file again.")


def _run(request: HttpRequest) -> HttpResponse:
    """Every row in one request (the path without JavaScript), stopping when the budget runs out."""
    try:
        payload = _load(request, "batch")
        nonce, rows = str(payload["n"]), [(int(line), dict(values)) for line, values in payload["rows"]]
    except BadBatch as err:
        return TemplateResponse(request, "promocodes/bulk_create_done.html", {"problem": str(err)}, status=400)
    except (KeyError, TypeError, ValueError):
        return TemplateResponse(request, "promocodes/bulk_create_done.html", {"problem": "This review is not one promoadmin made."}, status=400)
    if not overlaps_confirmed(request, payload):
        return TemplateResponse(request, "promocodes/bulk_create_done.html", {"problem": UNCONFIRMED, "unconfirmed": True}, status=422)
    client = get_impact_client()
    budget = check_budget(client, len(rows))
    if not budget.ok:
        return TemplateResponse(request, "promocodes/bulk_create_done.html", {"budget": budget, "budget_short": True}, status=429)
    outcomes = run_until_stopped(
        enumerate(rows),
        send=lambda item: create_one(request, nonce, item[0], *item[1]),
        not_sent=lambda item: Outcome(item[0], item[1][0], str(item[1][1].get("code", "")), "not-sent", NOT_SENT),
    )
    return TemplateResponse(request, "promocodes/bulk_create_done.html", {"outcomes": outcomes, "counts": label_counts(outcomes)})


@require_POST
@requires(CREATE_PERMISSION)
def promo_code_bulk_create_row(request: HttpRequest) -> HttpResponse:
    """One row of a reviewed file: the review page's script calls this row by row."""
    try:
        payload = _load(request, "row_token")
        nonce, index, line, values = str(payload["n"]), int(payload["i"]), int(payload["l"]), dict(payload["v"])
    except BadBatch as err:
        outcome = Outcome(0, 0, "", "not-sent", str(err), stop=True)
        return TemplateResponse(request, "promocodes/bulk_create.html#outcome", {"outcome": outcome}, status=400)
    except (KeyError, TypeError, ValueError):
        outcome = Outcome(0, 0, "", "not-sent", "This row is not one promoadmin checked.", stop=True)
        return TemplateResponse(request, "promocodes/bulk_create.html#outcome", {"outcome": outcome}, status=400)
    if not overlaps_confirmed(request, payload):
        outcome = Outcome(index, line, str(values.get("code", "")), "not-sent", UNCONFIRMED, stop=True)
        return TemplateResponse(request, "promocodes/bulk_create.html#outcome", {"outcome": outcome}, status=422)
    outcome = create_one(request, nonce, index, line, values)
    return TemplateResponse(request, "promocodes/bulk_create.html#outcome", {"outcome": outcome})
