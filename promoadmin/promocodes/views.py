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
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from promoadmin.impact.errors import ImpactError, ImpactTimeout, ImpactUnavailable, ImpactValidationError
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import PromoCodeFilters

from . import audit
from .forms import MAX_ID, PromoCodeFilterForm, PromoCodeForm
from .models import CREATE_PERMISSION, EXPIRE_PERMISSION

logger = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


def wants_fragment(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def wants_fresh_data(request: HttpRequest) -> bool:
    """A hard reload, or the Refresh button, asks past the cache."""
    return "no-cache" in request.headers.get("Cache-Control", "")


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def promo_code_list(request: HttpRequest) -> HttpResponse:
    form = PromoCodeFilterForm(request.GET)
    page_size = _page_size(request)
    canonical_url = _list_url(form, page_size)
    # A plain form submit leaves empty filters in the URL; bookmarks should not carry them.
    if not request.htmx and form.is_valid() and request.get_full_path() != canonical_url and _has_empty_params(request):
        return redirect(canonical_url)

    page = None
    if form.is_valid():
        page = get_impact_client().list_promo_codes(
            form.to_filters(),
            page=form.cleaned_data.get("page") or 1,
            page_size=page_size,
            fresh=wants_fresh_data(request),
        )
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
    template = "promocodes/list.html#results" if wants_fragment(request) else "promocodes/list.html"
    response = TemplateResponse(request, template, context, status=200 if form.is_valid() else 400)
    if request.htmx:
        push_url(response, canonical_url)
    return response


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def promo_code_detail(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    promo = _get_promo_code_or_404(promo_code_id, fresh=wants_fresh_data(request))
    template = "promocodes/detail.html#summary" if wants_fragment(request) else "promocodes/detail.html"
    return TemplateResponse(request, template, {"promo": promo})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def promo_code_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(CREATE_PERMISSION):
        raise PermissionDenied("You may not create promo codes. Ask an administrator for the editor role.")
    status = 200
    if request.method == "POST":
        form = PromoCodeForm(request.POST)
        status = 422
        if form.is_valid():
            new_code = form.to_new_code()
            try:
                new_id = get_impact_client().create_promo_code(new_code)
            except ImpactValidationError as err:
                audit.log_write(request, "create", new_code, outcome="rejected", error=err)
                form.add_upstream_errors(err.field_errors)
                if not err.field_errors:
                    form.add_error(None, f"impact.com refused the code: {err.message}")
            except (ImpactTimeout, ImpactUnavailable) as err:
                audit.log_write(request, "create", new_code, outcome="unknown", error=err)
                form.add_error(None, _create_outcome_unknown(err, new_code))
                status = err.status
            except ImpactError as err:
                audit.log_write(request, "create", new_code, outcome="failed", error=err)
                form.add_error(None, f"{err.title}. {err.message}")
                status = err.status
            else:
                audit.log_write(request, "create", new_code, outcome="created", promo_code_id=new_id)
                messages.success(request, f"Created promo code {new_code.code}.")
                detail_url = reverse("promocodes:detail", args=[new_id])
                return HttpResponseClientRedirect(detail_url) if request.htmx else redirect(detail_url)
    else:
        form = PromoCodeForm(initial=_create_initial(request))
    template = "promocodes/form.html#form" if wants_fragment(request) else "promocodes/form.html"
    return TemplateResponse(request, template, {"form": form}, status=status)


@require_POST
@vary_on_headers("HX-Request", "HX-Target")
def promo_code_expire(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    if not request.user.has_perm(EXPIRE_PERMISSION):
        raise PermissionDenied("You may not expire promo codes. Ask an administrator for the editor role.")
    if promo_code_id > MAX_ID:
        raise Http404("No such promo code.")
    client = get_impact_client()
    try:
        client.expire_promo_code(promo_code_id)
    except ImpactError as err:
        audit.log_write(request, "expire", None, promo_code_id=promo_code_id, outcome="failed", error=err)
        raise
    audit.log_write(request, "expire", None, promo_code_id=promo_code_id, outcome="expired")
    promo = _get_promo_code_or_404(promo_code_id, fresh=True)
    if wants_fragment(request):
        fragment = "summary" if request.htmx.target == "promo-code-summary" else "row"
        template = "promocodes/detail.html#summary" if fragment == "summary" else "promocodes/list.html#row"
        return TemplateResponse(request, template, {"promo": promo, "just_expired": True})
    messages.success(request, f"Expired promo code {promo.code}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("promocodes:detail", args=[promo_code_id])
    return redirect(next_url)


# --- helpers -----------------------------------------------------------------------------


def _get_promo_code_or_404(promo_code_id: int, *, fresh: bool = False):
    from promoadmin.impact.errors import ImpactNotFound

    if promo_code_id > MAX_ID:
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


def _create_initial(request: HttpRequest) -> dict:
    """Prefill the campaign when the user came from a list filtered by one."""
    filters = PromoCodeFilterForm({"campaign_id": request.GET.get("campaign_id", "")})
    if filters.is_valid() and filters.cleaned_data.get("campaign_id"):
        return {"campaign_id": filters.cleaned_data["campaign_id"]}
    return {}


def _create_outcome_unknown(err: ImpactError, new_code) -> str:
    """After a timeout the code may exist; look before inviting a retry (never retry blindly)."""
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
