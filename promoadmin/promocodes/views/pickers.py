"""The pickers: the partner type-ahead (the campaign and deal lists are rendered by the create form)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from promoadmin.web.htmx import wants_fragment, wants_fresh_data

from .. import lookups


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
