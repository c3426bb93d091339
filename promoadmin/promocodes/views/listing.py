"""The list of promo codes, and the date views of it (`?view=`).

Each view reads the request, calls the impact.com service, picks a template.

htmx requests get a fragment of the same template (`page.html#fragment`), except history
restores, which need the whole page. Every view that branches on htmx varies on HX-Request.
ImpactErrors a view cannot act on are turned into pages by ImpactErrorMiddleware.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from promoadmin.impact.errors import (
    ImpactNotFound,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.web.htmx import wants_fragment, wants_fresh_data

from .. import lookups, presenters, selectors
from ..budget import ask_share, share_left
from ..forms import PromoCodeFilterForm
from ..services import endpoint_missing
from . import bulk_change

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request", "HX-Trigger")
def promo_code_list(request: HttpRequest) -> HttpResponse:
    if "view" in request.GET:  # ?view=ending-soon etc.: computed from dates, see selectors.py
        return promo_code_date_view(request)
    form = PromoCodeFilterForm(request.GET)
    page_size = _page_size(request.GET)
    canonical_url = _list_url(form, page_size)
    # A plain form submit leaves empty filters in the URL; bookmarks should not carry them.
    if not request.htmx and form.is_valid() and request.get_full_path() != canonical_url and _has_empty_params(request):
        return redirect(canonical_url)

    # Before this request spends any; only the full page's filter form says what a scan would cost.
    reads_left = None if wants_fragment(request) else share_left(request.user)
    page = search = None
    listed = None  # a scan, when filters impact.com lacks are set
    fresh = wants_fresh_data(request)
    if form.is_valid():
        filters, local = form.to_filters(), form.to_local_filters()
        number = form.cleaned_data.get("page") or 1
        client = get_impact_client()
        try:
            if local.is_set:  # a scan, which finds parts of codes too
                ask_share(request.user, selectors.scan_max_pages())  # priced before it runs; a 429 page when short
                listed = selectors.scan_list(client, filters, local, fresh=fresh)
                page = listed.page(number, page_size)
            elif filters.code:  # parts of codes too, whichever way impact.com matches
                search = selectors.promo_code_search(
                    client, filters, user=request.user, page=number, page_size=page_size, fresh=fresh
                )
                page = search.page
            else:
                page = client.list_promo_codes(filters, page=number, page_size=page_size, fresh=fresh)
        except ImpactNotFound as err:
            raise endpoint_missing(err) from err
    # Only the full page has the filter form, so only it needs the campaign names.
    campaign_filter = None if wants_fragment(request) else _campaign_filter(form, fresh=fresh)
    # The partner and deal names (one cached call each per campaign): for the full page, for an htmx
    # answer that picked another campaign, and for the words of a partner or deal filter.
    name_filters_oob = wants_fragment(request) and _campaign_changed(request)
    named_filter = listed is not None and (listed.local.partner_id or listed.local.deal_id)
    needs_names = not wants_fragment(request) or name_filters_oob or named_filter
    name_filters = _name_filters(form, fresh=fresh) if needs_names else None
    context = {
        "form": form,
        "page": page,
        "code_search": presenters.code_search_note(search, selectors.describe_upstream(search.upstream)) if search and search.scan else None,
        # Codes found as parts by a scan: the CSV export and "Expire all matching" select by impact.com's
        # own whole-code Code filter, so they would act on other codes than these; they are hidden.
        "parts_scanned": bool(search and search.scan) or bool(listed and form.cleaned_data.get("code")),
        "previous_page_url": _list_url(form, page_size, page.number - 1) if page and page.has_previous else "",
        "next_page_url": _list_url(form, page_size, page.number + 1) if page and page.has_next else "",
        "page_size": page_size,
        "filters_query": urlencode(form.active_filters()),
        "bulk_change_actions": list(bulk_change.ACTIONS.items()),
        "page_title": _list_title(form),
        "new_code_url": _new_code_url(form),
        "share_url": request.build_absolute_uri(canonical_url),
        "expire_all_title": presenters.expire_all_title(page.total) if page else "",
        # A filter change leaves focus where the user is typing, and the counts' refresh after an
        # expire leaves it on the row; pagination and Refresh move it to the new results (htmx
        # focuses the heading's autofocus).
        "focus_results": wants_fragment(request) and request.htmx.trigger != "filters" and request.htmx.target != "results-bar",
        "listed": listed,
        "name_filters": name_filters,
        "name_filters_oob": name_filters_oob,
        "scan_price": "" if wants_fragment(request) else presenters.scan_price(selectors.scan_max_pages(), reads_left),
    }
    if listed is not None:
        context["scan_words"] = {
            "upstream": selectors.describe_upstream(listed.upstream),
            "rule": presenters.local_filter_rule(
                listed.local, _picked_names(name_filters) if name_filters else {}, code=form.cleaned_data.get("code") or ""
            ),
        }
    if wants_fragment(request):
        template = "promocodes/list.html#results"
    else:
        template = "promocodes/list.html"
        context["campaign_filter"] = campaign_filter
    response = TemplateResponse(request, template, context, status=200 if form.is_valid() else 400)
    if request.htmx and request.htmx.target != "results-bar":  # the counts' refresh after an expire is no new view
        push_url(response, canonical_url)
    return response


# --- helpers -----------------------------------------------------------------------------



def _page_size(query: QueryDict) -> int:
    try:
        size = int(query.get("page_size", DEFAULT_PAGE_SIZE))
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


def _name_filters(form: PromoCodeFilterForm, *, fresh: bool) -> dict:
    """The partner and deal filters: selects of the campaign's names, or plain id inputs without a campaign
    (impact.com lists partners and deals per campaign) or when a list is unavailable."""
    data = getattr(form, "cleaned_data", {})
    campaign_id = data.get("campaign_id") if "campaign_id" not in form.errors else None
    filters = {}
    for name, fetch in (("partner_id", lookups.partners), ("deal_id", lookups.deals)):
        found = fetch(campaign_id, fresh=fresh) if campaign_id else None
        selected = data.get(name)
        usable = found is not None and found.ok and bool(found.items) and name not in form.errors
        filters[name] = {
            "campaign_id": campaign_id,
            "lookup": found,
            "selected": selected,
            "use_select": usable,
            "options": [(item.id, lookups.deal_label(item) if name == "deal_id" else item.name) for item in found.items] if usable else [],
            "unknown": usable and selected is not None and found.get(selected) is None,
        }
    return filters


def _picked_names(name_filters: dict) -> dict[str, str]:
    names = {}
    for name, key in (("partner_id", "partner"), ("deal_id", "deal")):
        lookup = name_filters[name]["lookup"]
        item = lookup.get(name_filters[name]["selected"]) if lookup is not None and lookup.ok else None
        if item is not None:
            names[key] = item.name
    return names


def _campaign_changed(request: HttpRequest) -> bool:
    """Whether an htmx filter change picked another campaign: the partner and deal pickers then follow
    it (out of band), while other changes leave them alone, focus included."""
    if request.htmx.current_url is None:  # htmx always says where it is; without that, leave them alone
        return False
    current = parse_qs(urlsplit(request.htmx.current_url).query).get("campaign_id", [""])[0]
    return request.GET.get("campaign_id", "") != current


def list_url_from_referer(request: HttpRequest) -> str:
    """The list, or a date view, with the filters the person came from (a detail page's breadcrumb keeps
    them as Back does). Only this site's list counts, rebuilt from the checked filters; else the plain list."""
    list_path = reverse("promocodes:list")
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc != request.get_host() or referer.path != list_path:
        return list_path
    query = QueryDict(referer.query)
    if query.get("view") in selectors.VIEWS:
        form = PromoCodeFilterForm({name: query.get(name, "") for name in selectors.COMBINABLE})
        return selectors.view_url(query["view"], form.active_filters() if form.is_valid() else {})
    form = PromoCodeFilterForm(query)
    if not form.is_valid():
        return list_path
    return _list_url(form, _page_size(query))


def promo_code_date_view(request: HttpRequest) -> HttpResponse:
    """`/promo-codes/?view=<key>`: called by promo_code_list when the `view` parameter is present."""
    key = request.GET.get("view", "")
    view = selectors.VIEWS.get(key)
    form = PromoCodeFilterForm({name: request.GET.get(name, "") for name in selectors.COMBINABLE})
    ignored = [name for name in ("state", "schedule", "start_date", "end_date", "page") if request.GET.get(name)]
    filters = form.active_filters() if form.is_valid() else {}
    context = {
        "view": view,
        "view_key": key,
        "form": form,
        # Campaign names for the full page's filter (cached lookups), as on the list; not for a bad view or filter.
        "campaign_filter": _campaign_filter(form, fresh=wants_fresh_data(request))
        if view and form.is_valid() and not wants_fragment(request)
        else None,
        "list_url": reverse("promocodes:list") + (f"?{urlencode(filters)}" if filters else ""),
        "ignored": ignored,
        "result": None,
        "filters": filters,
        "max_pages": selectors.scan_max_pages(),
        "page_size": settings.IMPACT_MAX_PAGE_SIZE,
        "max_shown": selectors.MAX_SHOWN,
        "bulk_change_actions": list(bulk_change.ACTIONS.items()),
        # Refresh swaps the results: focus the new ones; the counts' refresh after an expire leaves focus on the row.
        "focus_results": wants_fragment(request) and request.htmx.target != "results-bar",
    }
    status = 400 if view is None or not form.is_valid() else 200
    if status == 200:
        ask_share(request.user, selectors.scan_max_pages())  # the most a view may read; a slowed-down person gets a 429 page
        local = dataclasses.replace(form.to_local_filters(), schedule="")  # the view sets the schedule itself
        result = selectors.compute(get_impact_client(), view, form.to_filters(), local=local)
        context.update(
            result=result,
            shown=result.matches[:selectors.MAX_SHOWN],
            results_heading=presenters.date_view_heading(len(result.matches), filters),
            upstream_words=selectors.describe_upstream(result.upstream),
            local_rule=presenters.local_filter_rule(local, {}, code=filters.get("code", "")),
            filters=filters,
            self_url=selectors.view_url(key, filters),
            bulk_expire_all_url=reverse("promocodes:bulk_expire") + "?" + urlencode({"view": key, **filters, "all": "1"}),
            page_title=f"{view.title} · Promo codes · promoadmin",
        )
    template = "promocodes/date_view.html#results" if wants_fragment(request) and view else "promocodes/date_view.html"
    return TemplateResponse(request, template, context, status=status)
