"""The detail page of one promo code."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from promoadmin.impact.errors import (
    ImpactNotFound,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.web.htmx import wants_fragment, wants_fresh_data

from .. import lookups, presenters, selectors
from .listing import list_url_from_referer


@require_GET
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
def promo_code_detail(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    promo = lookups.with_names(_get_promo_code_or_404(promo_code_id, fresh=wants_fresh_data(request)))
    if wants_fragment(request):
        return TemplateResponse(request, "promocodes/detail.html#summary", {"promo": promo})
    context = {
        "promo": promo,
        "list_url": list_url_from_referer(request),
        "deal_runs": presenters.deal_runs(promo.deal) if promo.deal else "",
        **history_context(promo_code_id),
    }
    return TemplateResponse(request, "promocodes/detail.html", context)


def history_context(promo_code_id: int) -> dict:
    """The code's ledger history for detail.html's `history` partial (the page, and an expire's answer)."""
    history = selectors.code_history(promo_code_id)
    return {
        "history": [(entry, presenters.ledger_line(entry)) for entry in history],
        # impact.com has the code, and no entry of ours says we created it: someone made it elsewhere.
        "created_elsewhere": not any(e.promo_code_id == promo_code_id and e.action == "create" and e.outcome == "created" for e in history),
    }


def _get_promo_code_or_404(promo_code_id: int, *, fresh: bool = False):
    try:
        return get_impact_client().get_promo_code(promo_code_id, fresh=fresh)
    except ImpactNotFound:
        raise Http404(f"impact.com has no promo code {promo_code_id}.") from None
