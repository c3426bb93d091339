"""The create form: its page, its POST (with the safe-write checks), and its live checks (htmx)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from promoadmin.impact.errors import (
    ImpactError,
    ImpactNotFound,
    ImpactTimeout,
    ImpactUnreachable,
)
from promoadmin.web.htmx import wants_fragment, wants_fresh_data
from promoadmin.web.middleware import add_retry_after

from .. import budget, lookups, presenters, selectors, services
from ..checks.regex import try_regex
from ..checks.risk_notes import risk_notes
from ..forms import MAX_CODE_LENGTH, PromoCodeFilterForm, PromoCodeForm
from ..models import CREATE_PERMISSION
from ..services import endpoint_missing
from . import receipts


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def promo_code_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(CREATE_PERMISSION):
        raise PermissionDenied("You may not create promo codes. Ask an administrator for the editor role.")
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
                    guard_status = _create_guards(request, form, new_code, token, found)
            except ImpactError as err:  # from a read before the create: nothing was sent
                result = services.promo_code_create_not_sent(user=request.user, new_code=new_code, error=err)
                services.release_form_token(token)
                failure, status = err, _create_failed(form, new_code, result, sent=False)
            else:
                if guard_status is not None:
                    status = guard_status  # nothing was sent: a preview, or a check said no
                else:
                    result = services.promo_code_create(user=request.user, new_code=new_code)
                    if result.done:
                        return _created(request, token, new_code, result.promo_code_id)
                    if result.outcome == services.UNKNOWN and isinstance(result.error, ImpactTimeout):
                        services.remember_unknown(token)  # it may still be created: this form must not send it again
                    else:  # not created, or created and now active, which the duplicate check will find
                        services.release_form_token(token)
                    if result.outcome == services.REJECTED:
                        form.add_upstream_errors(result.error.field_errors)
                        if not result.error.field_errors:
                            form.add_error(None, f"impact.com refused the code: {result.error.message}")
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
def promo_code_create_check(request: HttpRequest) -> HttpResponse:
    """The create form's live checks while it is filled in: the regex tester and the risk notes.

    Both are worked out here, from the values sent, without any API call.
    """
    if not request.user.has_perm(CREATE_PERMISSION):
        raise PermissionDenied("You may not create promo codes. Ask an administrator for the editor role.")
    if not wants_fragment(request):  # the form itself renders the same checks
        return redirect(reverse("promocodes:create") + "?" + urlencode(_create_initial(request)))
    return TemplateResponse(request, "promocodes/form.html#live_checks", _live_checks(request.GET))


def _created(request: HttpRequest, token: str, new_code, promo_code_id: int) -> HttpResponse:
    """After a create: remember it for the form's token, say so with a receipt, open the new code."""
    services.remember_created(request, token, promo_code_id, new_code.code)
    receipt = receipts.receipt_url(request, "create", promo_code_id, code=new_code.code, new_code=new_code)
    messages.success(request, presenters.write_done("Created", new_code.code, receipt))
    detail_url = reverse("promocodes:detail", args=[promo_code_id])
    return HttpResponseClientRedirect(detail_url) if request.htmx else redirect(detail_url)


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
    else:  # impact.com answered, but not with a success: the code may exist anyway, so look before
        # inviting a retry (never retry blindly). Not after a timeout: the request may still land later.
        try:
            created = selectors.created_anyway(new_code)
        except ImpactError:
            form.add_error(None, f"{err.title}. {presenters.create_outcome_unknown(err, new_code)}")
        else:
            form.add_error(None, f"{err.title}. {presenters.create_outcome_found(err, new_code, created)}")
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
    return {
        "trial": try_regex(code, str(values.get("regex_samples") or "")) if is_regex and code else None,
        "notes": risk_notes(values, timezone.localdate()),
    }


def _create_guards(request: HttpRequest, form: PromoCodeForm, new_code, token: str, found: dict) -> int | None:
    """The checks before a create. None: send it now; else nothing is sent, answer with this status.

    One submission per form (its token), then one list call for duplicates and overlaps. A preview
    makes the same checks and stops, showing the request instead; it leaves the token unused.
    An ImpactError from the list call propagates: nothing was sent.
    """
    preview = request.POST.get("action") == "preview"
    earlier = None if preview else services.claim_form_token(request, token)
    if earlier:
        form.add_error(None, presenters.earlier_submission_message(earlier, new_code))
        return 409
    try:
        conflicts = selectors.check_conflicts(new_code)
    except Exception:
        services.release_form_token(None if preview else token)  # nothing was sent
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
        return 200
    if form.errors:
        services.release_form_token(token)
        return 422
    return None


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
    return initial
