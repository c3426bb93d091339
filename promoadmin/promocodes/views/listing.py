"""The dashboard's pages. Each view reads the request, calls the impact.com service, picks a template.

htmx requests get a fragment of the same template (`page.html#fragment`), except history
restores, which need the whole page. Every view that branches on htmx varies on HX-Request.
ImpactErrors a view cannot act on are turned into pages by ImpactErrorMiddleware.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from promoadmin.impact.errors import (
    ImpactError,
    ImpactNotFound,
    ImpactTimeout,
    ImpactUnavailable,
    ImpactUnreachable,
    ImpactValidationError,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCodeFilters
from promoadmin.web.htmx import wants_fragment, wants_fresh_data
from promoadmin.web.middleware import add_retry_after

from .. import audit, lookups, services
from ..forms import MAX_CODE_LENGTH, MAX_ID, PromoCodeFilterForm, PromoCodeForm
from ..models import CREATE_PERMISSION, EXPIRE_PERMISSION
from ..selectors import promo_code_date_view
from . import receipts

logger = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def promo_code_list(request: HttpRequest) -> HttpResponse:
    if "view" in request.GET:  # ?view=ending-soon etc.: computed from dates, see date_views.py
        return promo_code_date_view(request)
    form = PromoCodeFilterForm(request.GET)
    page_size = _page_size(request)
    canonical_url = _list_url(form, page_size)
    # A plain form submit leaves empty filters in the URL; bookmarks should not carry them.
    if not request.htmx and form.is_valid() and request.get_full_path() != canonical_url and _has_empty_params(request):
        return redirect(canonical_url)

    page = None
    if form.is_valid():
        try:
            page = get_impact_client().list_promo_codes(
                form.to_filters(),
                page=form.cleaned_data.get("page") or 1,
                page_size=page_size,
                fresh=wants_fresh_data(request),
            )
        except ImpactNotFound as err:
            raise _endpoint_missing(err) from err
    context = {
        "form": form,
        "page": page,
        "previous_page_url": _list_url(form, page_size, page.number - 1) if page and page.has_previous else "",
        "next_page_url": _list_url(form, page_size, page.number + 1) if page and page.has_next else "",
        "page_size": page_size,
        "filters_query": urlencode(form.active_filters()),
        "page_title": _list_title(form),
        "new_code_url": _new_code_url(form),
        "share_url": request.build_absolute_uri(canonical_url),
    }
    if wants_fragment(request):
        template = "promocodes/list.html#results"
    else:  # only the full page has the filter form, so only it needs the campaign names
        template = "promocodes/list.html"
        context["campaign_filter"] = _campaign_filter(form, fresh=wants_fresh_data(request))
    response = TemplateResponse(request, template, context, status=200 if form.is_valid() else 400)
    if request.htmx:
        push_url(response, canonical_url)
    return response


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def promo_code_detail(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    promo = lookups.with_names(_get_promo_code_or_404(promo_code_id, fresh=wants_fresh_data(request)))
    template = "promocodes/detail.html#summary" if wants_fragment(request) else "promocodes/detail.html"
    return TemplateResponse(request, template, {"promo": promo})


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
            new_code, sent, stopped = form.to_new_code(), False, None
            token = form.cleaned_data["form_token"]
            try:
                new_code = lookups.with_deal_name(new_code)
                stopped = _create_guards(request, form, new_code, token, found)
                if stopped is None:
                    sent = True  # from here on impact.com may have the code, whatever the answer
                    new_id = get_impact_client().create_promo_code(new_code)
            except ImpactValidationError as err:
                services.release_form_token(token)
                audit.log_write(request, "create", new_code, outcome="rejected", error=err)
                form.add_upstream_errors(err.field_errors)
                if not err.field_errors:
                    form.add_error(None, f"impact.com refused the code: {err.message}")
            except ImpactError as err:
                failure = err
                status = _create_failed(request, form, new_code, err, sent=sent)
                if sent and isinstance(err, ImpactTimeout):
                    services.remember_unknown(token)  # it may still be created: this form must not send it again
                else:  # not created, or created and now active, which the duplicate check will find
                    services.release_form_token(token)
            else:
                if stopped is None:
                    services.remember_created(request, token, new_id, new_code.code)
                    audit.log_write(request, "create", new_code, outcome="created", promo_code_id=new_id)
                    receipt = receipts.receipt_url(request, "create", new_id, code=new_code.code, new_code=new_code)
                    messages.success(request, format_html("Created promo code {}.{}", new_code.code, receipts.receipt_link(receipt)))
                    detail_url = reverse("promocodes:detail", args=[new_id])
                    return HttpResponseClientRedirect(detail_url) if request.htmx else redirect(detail_url)
                status = stopped  # nothing was sent: a preview, or a check said no
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
    if "preview" in found:
        context["preview_checks"] = services.preview_checks(
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


@require_GET
@vary_on_headers("HX-Request")
def promo_code_partner_search(request: HttpRequest) -> HttpResponse:
    """The partner type-ahead: the campaign's partners whose name (or id) matches `q`.

    A read of the cached partner list, so any signed-in user may ask; htmx gets the options for the
    create form, a plain request a page listing every match.
    """
    campaign_id = lookups.parse_id(request.GET.get("campaign_id"))
    query = request.GET.get("q", "").strip()[:100]
    partner_list = lookups.partners(campaign_id, fresh=wants_fresh_data(request)) if campaign_id else None
    matches = lookups.search_partners(partner_list.items, query) if partner_list else []
    fragment = wants_fragment(request)
    shown = matches[: lookups.PARTNER_RESULTS] if fragment else matches
    context = {
        "campaign_id": campaign_id,
        "query": query,
        "partner_list": partner_list,
        "partners": shown,
        "more": len(matches) - len(shown),
    }
    if fragment:
        template = "promocodes/partners.html#partner_options"
    else:
        template = "promocodes/partners.html"
        context["campaign"] = lookups.campaigns().get(campaign_id) if campaign_id else None
    return TemplateResponse(request, template, context)


@require_POST
@vary_on_headers("HX-Request", "HX-Target")
def promo_code_expire(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    if not request.user.has_perm(EXPIRE_PERMISSION):
        raise PermissionDenied("You may not expire promo codes. Ask an administrator for the editor role.")
    if not 1 <= promo_code_id <= MAX_ID:
        raise Http404("No such promo code.")
    client = get_impact_client()
    try:
        client.expire_promo_code(promo_code_id)
    except ImpactError as err:
        known = _expire_outcome(err, promo_code_id)
        outcome = "unknown" if isinstance(err, ImpactUnavailable) and not isinstance(err, ImpactUnreachable) else "failed"
        audit.log_write(request, "expire", None, promo_code_id=promo_code_id, outcome=outcome, error=err)
        if known is err:
            raise
        raise known from err
    # The code as impact.com now has it: for the page, and for the audit line's code and campaign.
    try:
        promo = client.get_promo_code(promo_code_id, fresh=True)
    except ImpactError:
        promo = None
    audit.log_write(request, "expire", promo, promo_code_id=promo_code_id, outcome="expired")
    if promo is None:
        # Expired, but the code could not be read back: say what is known rather than show an error.
        messages.success(request, f"Expired promo code {promo_code_id} (impact.com did not show it afterwards).")
        detail_url = reverse("promocodes:detail", args=[promo_code_id])
        return HttpResponseClientRedirect(detail_url) if request.htmx else redirect(detail_url)
    promo = lookups.with_names(promo)
    receipt = receipts.receipt_url(request, "expire", promo_code_id, code=promo.code)
    if wants_fragment(request):
        fragment = "summary" if request.htmx.target == "promo-code-summary" else "row"
        template = "promocodes/detail.html#summary" if fragment == "summary" else "promocodes/list.html#row"
        return TemplateResponse(request, template, {"promo": promo, "just_expired": True, "receipt_url": receipt})
    messages.success(request, format_html("Expired promo code {}.{}", promo.code, receipts.receipt_link(receipt)))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("promocodes:detail", args=[promo_code_id])
    return redirect(next_url)


# --- helpers -----------------------------------------------------------------------------


def _create_failed(request: HttpRequest, form: PromoCodeForm, new_code, err: ImpactError, *, sent: bool) -> int:
    """Audit a create impact.com did not confirm, tell the form what is known, and return the status."""
    # A 404 from the list call before the create, or from the create itself: the endpoint is missing.
    shown = _endpoint_missing(err) if isinstance(err, ImpactNotFound) else err
    if not sent or isinstance(err, ImpactUnreachable):
        audit.log_write(request, "create", new_code, outcome="failed", error=err)
        form.add_error(
            None, f"{shown.title}. {shown.message} Nothing was sent, so {new_code.code} was not created; submit again later."
        )
    elif isinstance(err, ImpactTimeout):
        # The request may still be on its way: a look-up now could not prove it was not created.
        audit.log_write(request, "create", new_code, outcome="unknown", error=err)
        form.add_error(
            None,
            f"{err.title}. {err.message} It may still create {new_code.code}: promoadmin cannot tell. "
            "Check the list for it in a minute before submitting again.",
        )
    elif isinstance(err, ImpactUnavailable):  # impact.com answered, but not with a success
        audit.log_write(request, "create", new_code, outcome="unknown", error=err)
        form.add_error(None, f"{err.title}. {_create_outcome_unknown(err, new_code)}")
    else:  # refused outright: rate limit, credentials, scope
        audit.log_write(request, "create", new_code, outcome="failed", error=err)
        form.add_error(None, f"{shown.title}. {shown.message}")
    return shown.status


def _endpoint_missing(err: ImpactError) -> ImpactError:
    """A 404 from an endpoint that always exists means a wrong base URL or account: a bad gateway, not a 404."""
    return ImpactError(
        "impact.com answered \"not found\" for an endpoint that always exists. An administrator should "
        "check IMPACT_API_BASE_URL and IMPACT_ACCOUNT_SID.",
        upstream_status=err.upstream_status,
    )


def _expire_outcome(err: ImpactError, promo_code_id: int) -> ImpactError:
    """The error to show after a failed expire, saying what is known about the code."""
    if isinstance(err, ImpactNotFound):
        return ImpactNotFound(f"impact.com has no promo code {promo_code_id}.", upstream_status=err.upstream_status)
    if isinstance(err, ImpactUnreachable):
        return ImpactUnreachable(
            f"{err.message} Nothing was sent, so promo code {promo_code_id} was not expired.",
            upstream_status=err.upstream_status,
        )
    if isinstance(err, ImpactUnavailable):  # a timeout or a 5xx: impact.com may have done it
        return type(err)(
            f"{err.message} promoadmin cannot tell whether impact.com expired promo code {promo_code_id}. "
            "Expiring it again is harmless, or open the code to see its state.",
            upstream_status=err.upstream_status,
        )
    return err


def _get_promo_code_or_404(promo_code_id: int, *, fresh: bool = False):
    if not 1 <= promo_code_id <= MAX_ID:
        raise Http404("No such promo code.")
    try:
        return get_impact_client().get_promo_code(promo_code_id, fresh=fresh)
    except ImpactNotFound:
        raise Http404(f"impact.com has no promo code {promo_code_id}.") from None


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _has_empty_params(request: HttpRequest) -> bool:
    return any(value == "" for values in request.GET.lists() for value in values[1])


def _list_url(form: PromoCodeFilterForm, page_size: int, page: int | None = None) -> str:
    """The shareable URL of a list view: only non-empty filters, in a stable order."""
    if form.is_valid():
        params = form.active_filters()
        page = page or form.cleaned_data.get("page")
        if page and page > 1:
            params["page"] = str(page)
    else:  # keep what was typed, so a reload shows the same message
        params = {name: value for name, value in form.data.items() if value and name in form.fields}
    if page_size != DEFAULT_PAGE_SIZE:
        params["page_size"] = str(page_size)
    query = urlencode(params)
    return reverse("promocodes:list") + (f"?{query}" if query else "")


def _list_title(form: PromoCodeFilterForm) -> str:
    parts = ["Promo codes"]
    if form.is_valid():
        data = form.cleaned_data
        if data.get("state"):
            parts.append(data["state"])
        if data.get("campaign_id"):
            parts.append(f"campaign {data['campaign_id']}")
        if data.get("code"):
            parts.append(f"code {data['code']}")
        if data.get("start_date") or data.get("end_date"):
            parts.append(f"{data.get('start_date') or '…'} to {data.get('end_date') or '…'}")
        if (data.get("page") or 1) > 1:
            parts.append(f"page {data['page']}")
    parts.append("promoadmin")
    return " · ".join(parts)


def _new_code_url(form: PromoCodeFilterForm) -> str:
    url = reverse("promocodes:create")
    if form.is_valid() and form.cleaned_data.get("campaign_id"):
        url += "?" + urlencode({"campaign_id": form.cleaned_data["campaign_id"]})
    return url


LIVE_CHECK_FIELDS = ("code", "type", "credit_policy", "start_date", "end_date", "regex_samples")


def _live_checks(values) -> dict:
    """The regex tester's results and the risk notes for the form's current values (local only)."""
    code = str(values.get("code") or "").strip()
    is_regex = values.get("type") == "RE"
    return {
        "trial": services.try_regex(code, str(values.get("regex_samples") or "")) if is_regex and code else None,
        "notes": services.risk_notes(values, timezone.localdate()),
    }


def _create_guards(request: HttpRequest, form: PromoCodeForm, new_code, token: str, found: dict) -> int | None:
    """The checks before a create (issue 7). None: send it now; else nothing is sent, answer with this status.

    One submission per form (its token), then one list call for duplicates and overlaps. A preview
    makes the same checks and stops, showing the request instead; it leaves the token unused.
    An ImpactError from the list call propagates: nothing was sent.
    """
    preview = request.POST.get("action") == "preview"
    earlier = None if preview else services.claim_form_token(request, token)
    if earlier:
        form.add_error(None, earlier.message(new_code))
        return 409
    try:
        conflicts = services.check_conflicts(new_code)
    except Exception:
        services.release_form_token(None if preview else token)  # nothing was sent
        raise
    found.update(conflicts=conflicts, new_code=new_code)
    if conflicts.duplicate:
        form.add_error("code", conflicts.duplicate_message())
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


def _campaign_filter(form: PromoCodeFilterForm, *, fresh: bool) -> dict:
    """The list's campaign filter: a select of names, or the plain id input when the names are unavailable."""
    campaigns = lookups.campaigns(fresh=fresh)
    selected = getattr(form, "cleaned_data", {}).get("campaign_id")
    return {
        "campaigns": campaigns,
        "selected": selected,
        "use_select": campaigns.ok and bool(campaigns.items) and "campaign_id" not in form.errors,
        "unknown": campaigns.ok and selected is not None and campaigns.get(selected) is None,
    }


def _create_outcome_unknown(err: ImpactError, new_code) -> str:
    """impact.com answered the create with a 5xx or garbage: the code may exist anyway, so look before
    inviting a retry (never retry blindly). Not after a timeout: the request may still land later."""
    try:
        page = get_impact_client().list_promo_codes(
            PromoCodeFilters(campaign_id=new_code.campaign_id, code=new_code.code), page_size=25, fresh=True
        )
    except ImpactError:
        return (
            f"{err.message} promoadmin cannot tell whether {new_code.code} was created: "
            "check the list for it before submitting again."
        )
    created = [promo for promo in page.items if promo.code.lower() == new_code.code.lower() and promo.is_active]
    if created:
        return (
            f"{err.message} It did create the code anyway: {new_code.code} is now active "
            f"(id {created[0].id}). Do not submit again."
        )
    return f"{err.message} The code was not created; it is safe to submit again."
