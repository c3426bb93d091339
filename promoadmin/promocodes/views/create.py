"""The create form: its page, its POST (with the safe-write checks), and its live checks (htmx)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from promoadmin.impact.errors import (
    ImpactError,
    ImpactNotFound,
    ImpactTimeout,
    ImpactUnreachable,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.web.htmx import wants_fragment, wants_fresh_data
from promoadmin.web.middleware import add_retry_after
from promoadmin.web.redirects import go_to

from .. import budget, lookups, presenters, selectors, services
from ..checks.regex import try_regex
from ..checks.risk_notes import risk_notes
from ..forms import MAX_CODE_LENGTH, PromoCodeFilterForm, PromoCodeForm
from ..models import CREATE_PERMISSION
from ..services import endpoint_missing
from . import receipts
from .access import requires


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
@requires(CREATE_PERMISSION)
def promo_code_create(request: HttpRequest) -> HttpResponse:
    status = 200
    failure = None  # why impact.com did not create the code; the pickers do not ask it again
    found = {}  # what the safe-write checks found: conflicts, and for a preview the request
    if request.method == "POST":
        form = PromoCodeForm(request.POST)
        status = 422
        if form.is_valid():
            new_code, token = form.to_new_code(), form.cleaned_data["form_token"]
            try:
                with budget.for_write():  # the checks' reads belong to a write: they may use the reserve
                    new_code = lookups.with_deal_name(new_code)
                    old = _code_to_replace(form)
                    found["old"] = old
                    entry, guard_status = _create_guards(request, form, new_code, token, found, old)
            except ImpactError as err:  # from a read before the create: nothing was sent
                result = services.promo_code_create_not_sent(user=request.user, new_code=new_code, error=err)
                failure, status = err, _create_failed(form, new_code, result, sent=False)
            else:
                if guard_status is not None:
                    status = guard_status  # nothing was sent: a preview, or a check said no
                elif old is not None:
                    replaced = services.promo_code_replace(user=request.user, old=old, new_fields=new_code, entry=entry)
                    if replaced.new and replaced.new.done:
                        return _changed(request, old, new_code, replaced)
                    failure, status = _change_failed(form, old, new_code, replaced)
                else:
                    result = services.promo_code_create(user=request.user, new_code=new_code, entry=entry)
                    if result.done:
                        return _created(request, new_code, result)
                    if result.outcome == services.REJECTED:
                        _add_refusal(form, result.error)
                    else:
                        failure, status = result.error, _create_failed(form, new_code, result, sent=True)
    else:
        form = PromoCodeForm(initial={**_create_initial(request), "form_token": services.new_form_token()})
    context = {
        "form": form,
        "pickers": lookups.pickers(
            form["campaign_id"].value(),
            form["assigned_partner_id"].value(),
            form["deal_id"].value(),
            fresh=request.method == "GET" and wants_fresh_data(request),
            known_failure=failure,
        ),
        "partner_query": (request.POST if request.method == "POST" else request.GET).get("q", ""),
        **found,
        **_live_checks({name: form[name].value() for name in LIVE_CHECK_FIELDS}),
    }
    context["campaign_hint"] = presenters.campaign_hint(context["pickers"], form.fields["campaign_id"].help_text)
    context["partner_hint"] = presenters.partner_hint(context["pickers"], form.fields["assigned_partner_id"].help_text)
    context["form_words"] = presenters.form_words(form["replaces"].value())
    context["names_unavailable"] = presenters.names_unavailable(context["pickers"])
    context["deal_hint"] = presenters.deal_hint(context["pickers"], form.fields["deal_id"].help_text)
    context["overlap_warning"] = presenters.overlap_warning(found.get("conflicts"), unconfirmed=form.has_error("confirm_overlap"))
    if request.method == "POST":
        context["focus"] = _focus_after_post(form, preview="preview" in found)
    if "preview" in found:
        context["preview_checks"] = presenters.preview_checks(
            found["new_code"], found["conflicts"], context["pickers"], context["notes"],
            deal_name_filled=bool(found["new_code"].deal_name and not form.cleaned_data.get("deal_name")),
        )
    if wants_fragment(request):
        # A campaign change or "Reload lists" re-renders only the picker fields; anything else the whole form.
        fragment = "lookup_fields" if request.htmx.target == "lookup-fields" else "form"
        template = f"promocodes/form.html#{fragment}"
    else:
        template = "promocodes/form.html"
    return add_retry_after(TemplateResponse(request, template, context, status=status), failure)


@require_GET
@vary_on_headers("HX-Request")
@requires(CREATE_PERMISSION)
def promo_code_create_check(request: HttpRequest) -> HttpResponse:
    """The create form's live checks while it is filled in: the regex tester and the risk notes.

    Both are worked out here, from the values sent, without any API call.
    """
    if not wants_fragment(request):  # the form itself renders the same checks
        return redirect(reverse("promocodes:create") + "?" + urlencode(_create_initial(request)))
    return TemplateResponse(request, "promocodes/form.html#live_checks", _live_checks(request.GET))


def _created(request: HttpRequest, new_code, result: services.WriteResult) -> HttpResponse:
    """After a create: say so with a receipt (its ledger entry), open the new code."""
    receipt = receipts.entry_url(result.entry)
    messages.success(request, presenters.write_done("Created", new_code.code, receipt))
    detail_url = reverse("promocodes:detail", args=[result.promo_code_id])
    return go_to(request, detail_url)


def _changed(request: HttpRequest, old, new_code, replaced: services.ReplaceResult) -> HttpResponse:
    """After a change by replacement whose new code exists: say what each step did, open the new code."""
    text, warning = presenters.change_done(old, new_code, replaced, receipts.entry_url(replaced.new.entry))
    (messages.warning if warning else messages.success)(request, text)
    detail_url = reverse("promocodes:detail", args=[replaced.new.promo_code_id])
    return go_to(request, detail_url)


def _change_failed(form: PromoCodeForm, old, new_code, replaced: services.ReplaceResult):
    """The new code was not created: say exactly what happened to the old one. (failure, status)"""
    new = replaced.new
    if new is not None and new.outcome == services.REJECTED:
        form.add_upstream_errors(new.error.field_errors)
    form.add_error(None, presenters.change_failed(old, new_code, replaced))
    err = (new or replaced.old).error
    return err, (err.status if err is not None else 502)


def _add_refusal(form: PromoCodeForm, err: ImpactError) -> None:
    form.add_upstream_errors(err.field_errors)
    if not err.field_errors:
        form.add_error(None, f"impact.com refused the code: {err.message}")


def _create_failed(form: PromoCodeForm, new_code, result: services.WriteResult, *, sent: bool) -> int:
    """Tell the form what is known about a create impact.com did not confirm, and return the status."""
    err = result.error
    # A 404 from the list call before the create, or from the create itself: the endpoint is missing.
    shown = endpoint_missing(err) if isinstance(err, ImpactNotFound) else err
    if not sent or isinstance(err, ImpactUnreachable):  # nothing reached impact.com
        form.add_error(
            None, f"{shown.title}. {shown.message} Nothing was sent, so {new_code.code} was not created; submit again later."
        )
    elif result.outcome == services.FAILED:  # refused outright: rate limit, credentials, scope
        form.add_error(None, f"{shown.title}. {shown.message}")
    elif isinstance(err, ImpactTimeout):
        # The request may still be on its way: a look-up now could not prove it was not created.
        form.add_error(
            None,
            f"{err.title}. {err.message} It may still create {new_code.code}: promoadmin cannot tell. "
            "Check the list for it in a minute before submitting again.",
        )
    else:  # impact.com answered, but not with a success: the code may exist anyway, so look (one read)
        form.add_error(None, f"{err.title}. {_settle_now(err, new_code, result.entry)}")
    return shown.status


# The form's fields in the order the page shows them (not the order the form declares them).
FIELDS_IN_PAGE_ORDER = (
    "campaign_id", "assigned_partner_id", "deal_id", "deal_name", "code", "type", "credit_policy",
    "regex_samples", "start_date", "end_date", "confirm_overlap",
)


def _focus_after_post(form: PromoCodeForm, *, preview: bool) -> str:
    """Where focus lands in the form a POST re-renders (htmx focuses what has autofocus): the first
    field to fix, else the summary of errors, else the preview. The field's own widget carries
    autofocus; the template marks the pickers' selects and the summary and preview by name."""
    for name in FIELDS_IN_PAGE_ORDER:
        if form.has_error(name):
            form.fields[name].widget.attrs["autofocus"] = True
            return name
    if form.errors:
        return "form-errors"
    return "request-preview" if preview else ""


LIVE_CHECK_FIELDS = ("code", "type", "credit_policy", "start_date", "end_date", "regex_samples")


def _live_checks(values) -> dict:
    """The regex tester's results and the risk notes for the form's current values (local only)."""
    code = str(values.get("code") or "").strip()
    is_regex = values.get("type") == "RE"
    trial = try_regex(code, str(values.get("regex_samples") or "")) if is_regex and code else None
    return {
        "regex_results": presenters.regex_results(trial),
        "notes": risk_notes(values, timezone.localdate()),
    }


def _create_guards(request: HttpRequest, form: PromoCodeForm, new_code, token: str, found: dict, old):
    """The checks before a create. (the claimed ledger entry, None): send it now; else nothing is
    sent, answer with the status.

    One submission per form (its token, claimed as a ledger entry), then one list call for
    duplicates and overlaps (the code being changed is no duplicate of its replacement). A preview
    makes the same checks and stops, showing the request(s) instead; it claims nothing.
    An ImpactError from the list call propagates: nothing was sent.
    """
    preview = request.POST.get("action") == "preview"
    entry, earlier = (None, None) if preview else services.claim_form_token(user=request.user, token=token, new_code=new_code)
    if earlier:
        form.add_error(None, presenters.earlier_submission_message(earlier, new_code))
        return None, 409
    try:
        conflicts = selectors.check_conflicts(new_code, replacing=old.id if old is not None else None)
    except Exception:
        services.ledger_release(entry)  # nothing was sent
        raise
    found.update(conflicts=conflicts, new_code=new_code)
    if conflicts.duplicate:
        form.add_error("code", presenters.duplicate_message(conflicts))
    elif conflicts.pattern_too_slow:
        form.add_error("code", "This pattern takes too long to match some codes (it backtracks badly, as (a+)+ does). Simplify it.")
    elif conflicts.needs_confirmation() and not form.cleaned_data["confirm_overlap"] and not preview:
        form.add_error("confirm_overlap", "Tick this box to create the code anyway, or change the code.")
    if preview:
        found["preview"] = services.preview_request(new_code)
        if old is not None:
            found["replace_plan"] = presenters.replace_plan(old, new_code, services.same_code_text(old, new_code))
        return None, 200
    if form.errors:
        services.ledger_release(entry)
        return None, 422
    return entry, None


def _code_to_replace(form: PromoCodeForm):
    """The code a change replaces, read fresh (one call), or None for a plain create. Raises ImpactError."""
    promo_code_id = form.cleaned_data.get("replaces")
    if not promo_code_id:
        return None
    return get_impact_client().get_promo_code(promo_code_id, fresh=True)


def _create_initial(request: HttpRequest) -> dict:
    """Prefill the campaign when the user came from a list filtered by one, and the picker fields as
    they were when a campaign change or "Reload lists" re-renders them (so nothing typed is lost)."""
    initial = {}
    filters = PromoCodeFilterForm({"campaign_id": request.GET.get("campaign_id", "")})
    if filters.is_valid() and filters.cleaned_data.get("campaign_id"):
        initial["campaign_id"] = filters.cleaned_data["campaign_id"]
    for name in ("assigned_partner_id", "deal_id", "deal_name"):
        value = request.GET.get(name, "").strip()
        if value:
            initial[name] = value[:MAX_CODE_LENGTH]
    return {**initial, **_copied_code(request)}


def _copied_code(request: HttpRequest) -> dict:
    """The detail page's Change… (`?replace=<id>`) and Duplicate (`?from=<id>`): the form prefilled
    from that code, read from impact.com (one call). Duplicate leaves the code empty; Change keeps
    it and names the code it replaces. A start already past is left empty: the new code starts now."""
    kind = "replace" if "replace" in request.GET else "from" if "from" in request.GET else None
    if kind is None:
        return {}
    promo_code_id = lookups.parse_id(request.GET[kind])
    if promo_code_id is None:
        raise Http404("That is not an impact.com promo code id.")
    try:
        promo = get_impact_client().get_promo_code(promo_code_id)
    except ImpactNotFound:
        raise Http404(f"impact.com has no promo code {promo_code_id}.") from None
    now = timezone.now()
    initial = {
        "campaign_id": promo.campaign_id,
        "assigned_partner_id": promo.assigned_partner_id,
        "credit_policy": promo.credit_policy,
        "type": promo.type,
        "start_date": timezone.localdate(promo.start_date) if promo.start_date and promo.start_date > now else None,
        "end_date": timezone.localdate(promo.end_date) if promo.end_date else None,
        "deal_id": promo.deal.id if promo.deal else None,
        "deal_name": promo.deal.name if promo.deal else "",
    }
    if kind == "replace":
        initial.update(code=promo.code, replaces=promo.id)
    return initial


def _settle_now(err: ImpactError, new_code, entry) -> str:
    """impact.com answered the create with a 5xx or garbage: the code may exist anyway, so settle the
    ledger entry now (one read) before inviting a retry (never retry blindly). Not after a timeout:
    the request may still land later; /activity/ settles that one ("Check now")."""
    try:
        entry = services.ledger_settle(entry=entry)
    except ImpactError:
        services.ledger_free_key(entry)
        return presenters.create_outcome_unknown(err, new_code)
    return presenters.create_outcome_found(err, new_code, entry.promo_code_id if entry.outcome == services.CREATED else None)
