"""Selection actions: change the dates of, apply a deal to, or reactivate selected codes, each by
replacement (services.promo_code_replace: the old code expired, its replacement created).

GET  /promo-codes/bulk-change/?action=dates|deal|reactivate&id=..&id=..      the new values
GET  the same with the values and preview=1                                  the priced dry run
POST /promo-codes/bulk-change/                                               run the confirmed batch

impact.com has no update or reactivate call, so each code costs what one Change… costs: a fresh
read of the old code, the duplicate check, and its two writes (one for a reactivation). The dry run reads each selected code
(one call each) and each campaign's active codes once; it signs what it showed, and the run
replaces exactly those codes, each at most once (a claim in the ledger per code and batch).
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from promoadmin.impact.errors import ImpactError, ImpactNotFound
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCode

from .. import lookups, presenters, selectors, services
from ..budget import ask_share, check_budget
from ..checks.overlaps import ConflictCheck, find_duplicate, find_overlaps
from ..forms import DayField, IdField, _check_date_order, end_of_day, selected_ids, start_of_day
from ..models import CREATE_PERMISSION, EXPIRE_PERMISSION
from . import receipts
from .access import requires
from .batches import (
    NOT_SENT,
    READ_AFRESH,
    STOPPING_ERRORS,
    BadBatch,
    load_signed,
    overlaps_confirmed,
    run_until_stopped,
)

SALT = "promoadmin.bulk-change"
ACTIONS = {"dates": "Change dates", "deal": "Apply deal", "reactivate": "Reactivate"}


def calls_per_code(action: str) -> int:
    """A fresh read of the old code, the duplicate check, the POST, and the DELETE of an active code
    (a reactivated code is INACTIVE already: services.promo_code_replace does not expire it)."""
    return 3 if action == "reactivate" else 4


UNCONFIRMED = ("Not sent: codes of this batch overlap other codes, and the box “Replace them anyway” was not ticked. "
               "Nothing is sent until it is.")


class BadRequest(Exception):
    pass


class ChangeValuesForm(forms.Form):
    """The new values, under the create form's field names."""

    start_date = DayField(required=False, label="Starts", help_text="Leave empty, or give a day already past, to start now.")
    end_date = DayField(required=False, label="Ends", help_text="Leave empty for a code that never ends.")
    deal_id = IdField(required=False, label="Deal")
    deal_name = forms.CharField(required=False, max_length=255, label="Deal name", help_text="Optional: empty sends the deal's own name.")

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action

    def clean(self):
        data = super().clean()
        _check_date_order(self, "start_date", "end_date")
        if self.action == "deal" and not data.get("deal_id"):
            self.add_error("deal_id", "Pick the deal to apply.")
        end = end_of_day(data.get("end_date"))
        if self.action != "deal" and end is not None and end <= timezone.now():
            self.add_error("end_date", "This day has passed: the new code would never be usable.")
        return data

    def new_fields(self, old: PromoCode, *, now) -> NewPromoCode:
        """The replacement of `old`: its own fields, with this action's new values."""
        base = services.remaining_window(old, now=now)
        data = self.cleaned_data
        if self.action == "deal":
            return dataclasses.replace(base, deal_id=data["deal_id"], deal_name=data.get("deal_name") or "")
        start = start_of_day(data.get("start_date"))
        return dataclasses.replace(base, start_date=start if start and start > now else None, end_date=end_of_day(data.get("end_date")))


# Changing a code expires it and creates its replacement.
may_change = requires(CREATE_PERMISSION, EXPIRE_PERMISSION,
                      refusal="Changing a code expires it and creates its replacement: you need both the create and the expire permission.")


def _action(query) -> str:
    action = query.get("action", "")
    if action not in ACTIONS:
        raise BadRequest("Choose what to do with the selected codes: change dates, apply a deal or reactivate.")
    return action


def _ids(query) -> list[int]:
    try:
        ids = selected_ids(query.getlist("id"))
    except ValueError as err:
        raise BadRequest(str(err)) from None
    if not ids:
        raise BadRequest("No promo codes were selected. Tick the codes on the list first.")
    max_batch = settings.BULK_CHANGE_MAX_CODES
    if len(ids) > max_batch:
        raise BadRequest(f"{len(ids)} codes are selected; one batch changes at most {max_batch}.")
    return ids


def refusal(action: str, promo: PromoCode) -> str:
    """Why this code cannot take this action, or ""."""
    if action == "reactivate" and promo.is_active:
        return "It is ACTIVE already: reactivate is for INACTIVE codes (to change its dates, use Change dates)."
    if action != "reactivate" and not promo.is_active:
        return "It is INACTIVE: use Reactivate to give it a new window."
    return ""


@dataclass
class Planned:
    """One selected code in the dry run: its replacement and the requests, or why it is left out."""

    promo: PromoCode
    new_code: NewPromoCode | None = None
    requests: list = dataclasses.field(default_factory=list)
    refused: str = ""
    warnings: list = dataclasses.field(default_factory=list)  # overlaps the replacement would have


def _read(client, ids: list[int]) -> tuple[list[PromoCode], list[int]]:
    found, missing = [], []
    for promo_code_id in ids:
        try:
            found.append(lookups.with_names(client.get_promo_code(promo_code_id, fresh=True)))
        except ImpactNotFound:
            missing.append(promo_code_id)
    return found, missing


def _plan(action: str, form: ChangeValuesForm, codes: list[PromoCode]) -> tuple[list[Planned], int]:
    """Each code's replacement, checked against its campaign's active codes (one read per campaign): a
    duplicate leaves it out; an overlap (new dates can meet a regex's) is a warning, as on the create form."""
    now = timezone.now()
    active: dict[int, list[PromoCode]] = {}
    planned = []
    for promo in codes:
        item = Planned(promo, refused=refusal(action, promo))
        if not item.refused:
            item.new_code = lookups.with_deal_name(form.new_fields(promo, now=now))
            if promo.campaign_id not in active:
                active[promo.campaign_id] = [p for p in selectors.active_codes(promo.campaign_id).items if p.is_active]
            others = [p for p in active[promo.campaign_id] if p.id != promo.id]
            duplicate = find_duplicate(item.new_code, others)
            if duplicate is not None:
                item.refused = presenters.duplicate_message(ConflictCheck(new_code=item.new_code, duplicate=duplicate))
            else:
                item.requests = presenters.replace_plan(promo, item.new_code, services.same_code_text(promo, item.new_code))
        planned.append(item)
    runnable = [item for item in planned if not item.refused]
    # A code's own old version never counts: it has the same type, and exact-exact or regex-regex pairs
    # are duplicates or not compared (find_overlaps). All patterns run in one regex_check call.
    found = find_overlaps([item.new_code for item in runnable], active, now=now, timeout=settings.OVERLAP_TIMEOUT,
                          retry_seconds=settings.OVERLAP_RETRY_SECONDS)
    for item, result in zip(runnable, found, strict=True):
        item.warnings = presenters.bulk_overlap_warnings(result, {})
    return planned, len(active)


@require_http_methods(["GET", "POST"])
@may_change
def promo_code_bulk_change(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _run(request)
    template = "promocodes/bulk_change.html"
    back_url = reverse("promocodes:list")
    try:
        action, ids = _action(request.GET), _ids(request.GET)
    except BadRequest as err:
        return TemplateResponse(request, template, {"problem": str(err), "back_url": back_url}, status=400)
    previewing = request.GET.get("preview") == "1"
    form = ChangeValuesForm(request.GET if previewing else None, action=action)
    client = get_impact_client()
    ask_share(request.user, 2 * len(ids))  # each code, and at most one campaign's active codes per code
    codes, missing = _read(client, ids)
    context = {"action": action, "title": ACTIONS[action], "ids": ids, "codes": codes, "missing": missing,
               "form": form, "back_url": back_url, "max_batch": settings.BULK_CHANGE_MAX_CODES}
    campaign_ids = {promo.campaign_id for promo in codes}
    if action == "deal" and len(campaign_ids) == 1:
        context["deals"] = lookups.deals(campaign_ids.pop())  # picked by name: one list per campaign, cached
    if not previewing or not form.is_valid():
        context["refusals"] = [(promo, refusal(action, promo)) for promo in codes if refusal(action, promo)]
        return TemplateResponse(request, template, context, status=400 if previewing else 200)
    planned, campaign_reads = _plan(action, form, codes)
    runnable = [item for item in planned if not item.refused]
    budget = check_budget(client, calls_per_code(action) * len(runnable))
    context.update(planned=planned, runnable=runnable, read_calls=len(codes) + len(missing) + campaign_reads,
                   budget=budget, calls_per_code=calls_per_code(action),
                   can_run=bool(runnable) and budget.ok)
    warned = sum(1 for item in runnable if item.warnings)
    if context["can_run"]:
        # As on the create form and bulk create: overlaps are sent only once the user confirms them.
        context.update(batch=_sign(request, action, runnable, confirm=bool(warned)), needs_confirmation=bool(warned),
                       confirm_label=presenters.bulk_confirm_label(warned, "Replace", ("code", "codes")))
    return TemplateResponse(request, template, context)


def _sign(request: HttpRequest, action: str, runnable: list[Planned], *, confirm: bool) -> str:
    values = {name: request.GET.get(name, "") for name in ("start_date", "end_date", "deal_id", "deal_name")}
    confirmation = {"c": 1} if confirm else {}  # batches.overlaps_confirmed
    return signing.dumps({"u": request.user.get_username(), "action": action, "values": values, "nonce": secrets.token_urlsafe(12),
                          "ids": [item.promo.id for item in runnable], **confirmation}, salt=SALT, compress=True)


def _load(request: HttpRequest) -> dict:
    return load_signed(request, request.POST.get("batch", ""), salt=SALT, name="confirmation", start_again=READ_AFRESH)


@dataclass
class Outcome:
    promo_code_id: int
    code: str
    status: str  # changed | partly | refused | failed | unknown | already-sent | not-sent
    message: str = ""
    receipt_links: list = dataclasses.field(default_factory=list)  # (label, receipt url) of each step
    new_id: int | None = None
    stop: bool = False

    @property
    def links(self) -> list[tuple[str, str, str]]:
        """The result cell's links (_outcome_cell.html), (label, url, class): the replacement, then each step's receipt."""
        new = [(f"replacement, id {self.new_id}", reverse("promocodes:detail", args=[self.new_id]), "new-code")] if self.new_id else []
        return new + [(label, url, "receipt-link") for label, url in self.receipt_links]

    @property
    def label(self) -> str:
        return {"changed": "Changed", "partly": "Created (old code still active)", "refused": "Refused", "failed": "Failed",
                "unknown": "Outcome unknown", "already-sent": "Already sent", "not-sent": "Not sent"}[self.status]


def _receipts(replaced: services.ReplaceResult) -> list[tuple[str, str]]:
    steps = (("Old code expired", replaced.old), ("New code", replaced.new), ("Old code re-created", replaced.compensation))
    return [(label, receipts.entry_url(step.entry)) for label, step in steps if step is not None and step.entry is not None]


def change_one(request: HttpRequest, action: str, form: ChangeValuesForm, promo_code_id: int, nonce: str) -> Outcome:
    """Replace one code of a confirmed batch, at most once. Never raises ImpactError."""
    client = get_impact_client()
    try:
        old = client.get_promo_code(promo_code_id, fresh=True)
    except ImpactError as err:
        return Outcome(promo_code_id, "", "failed", f"{err.title}. {err.message} Nothing was sent.", stop=isinstance(err, STOPPING_ERRORS))
    new_code = form.new_fields(old, now=timezone.now())
    entry, claimed = services.claim_batch_item(user=request.user, screen="bulk-change", nonce=nonce, item=promo_code_id,
                                               new_code=new_code)
    if not claimed:
        return Outcome(promo_code_id, old.code, "already-sent", "This batch sent this code's change before; nothing was sent again.",
                       receipt_links=[("First send", receipts.entry_url(entry))])
    try:
        new_code = lookups.with_deal_name(new_code)
        reason = refusal(action, old)
        if not reason:
            conflicts = selectors.check_conflicts(new_code, replacing=old.id, overlaps=False)  # the preview showed them
            if conflicts.duplicate is not None:
                reason = presenters.duplicate_message(conflicts)
    except ImpactError as err:
        services.ledger_release(entry)
        return Outcome(promo_code_id, old.code, "failed", f"{err.title}. {err.message} Nothing was sent.", stop=isinstance(err, STOPPING_ERRORS))
    if reason:
        services.ledger_release(entry)
        return Outcome(promo_code_id, old.code, "refused", f"{reason} Nothing was sent.")
    replaced = services.promo_code_replace(user=request.user, old=old, new_fields=new_code, entry=entry, screen="bulk-change")
    links = _receipts(replaced)
    if replaced.new is not None and replaced.new.done:
        text, warning = presenters.change_done(old, new_code, replaced, receipts.entry_url(replaced.new.entry))
        return Outcome(promo_code_id, old.code, "partly" if warning else "changed", text, links, new_id=replaced.new.promo_code_id)
    failed = replaced.new or replaced.old
    status = "unknown" if failed.outcome == services.UNKNOWN else "failed"
    return Outcome(promo_code_id, old.code, status, presenters.change_failed(old, new_code, replaced), links,
                   stop=isinstance(failed.error, STOPPING_ERRORS))


def _run(request: HttpRequest) -> HttpResponse:
    template = "promocodes/bulk_change.html"
    back_url = reverse("promocodes:list")
    try:
        payload = _load(request)
    except BadBatch as err:
        return TemplateResponse(request, template, {"problem": str(err), "back_url": back_url}, status=400)
    action, ids = payload["action"], payload["ids"]
    form = ChangeValuesForm(payload["values"], action=action)
    if not form.is_valid():  # a signed batch was valid when signed; a day may have passed since
        return TemplateResponse(request, template, {"problem": "These values are no longer valid. Start again.", "back_url": back_url}, status=400)
    if not overlaps_confirmed(request, payload):
        return TemplateResponse(request, template, {"problem": UNCONFIRMED, "back_url": back_url}, status=422)
    client = get_impact_client()
    budget = check_budget(client, calls_per_code(action) * len(ids))
    if not budget.ok:
        return TemplateResponse(request, template, {"budget_short": True, "budget": budget, "back_url": back_url}, status=429)
    outcomes = run_until_stopped(
        ids,
        send=lambda promo_code_id: change_one(request, action, form, promo_code_id, payload["nonce"]),
        not_sent=lambda promo_code_id: Outcome(promo_code_id, "", "not-sent", NOT_SENT),
    )
    context = {"done": True, "action": action, "title": ACTIONS[action], "outcomes": outcomes, "back_url": back_url}
    return TemplateResponse(request, template, context)


@require_POST
@may_change
def promo_code_bulk_change_one(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    """One code of a confirmed batch: the preview page's script calls this row by row (app.js)."""
    template = "promocodes/bulk_change.html#outcome"
    try:
        payload = _load(request)
    except BadBatch as err:
        return TemplateResponse(request, template, {"outcome": Outcome(promo_code_id, "", "not-sent", str(err), stop=True)}, status=400)
    form = ChangeValuesForm(payload["values"], action=payload["action"])
    if promo_code_id not in payload["ids"] or not form.is_valid():
        outcome = Outcome(promo_code_id, "", "not-sent", "This code is not part of a valid confirmed batch, so it was not sent.", stop=True)
        return TemplateResponse(request, template, {"outcome": outcome}, status=400)
    if not overlaps_confirmed(request, payload):
        return TemplateResponse(request, template, {"outcome": Outcome(promo_code_id, "", "not-sent", UNCONFIRMED, stop=True)}, status=422)
    outcome = change_one(request, payload["action"], form, promo_code_id, payload["nonce"])
    return TemplateResponse(request, template, {"outcome": outcome})
