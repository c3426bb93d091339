"""Expire one promo code, from its row on the list or from its detail page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from promoadmin.impact.errors import (
    ImpactError,
    ImpactNotFound,
    ImpactUnavailable,
    ImpactUnreachable,
)
from promoadmin.web.htmx import wants_fragment
from promoadmin.web.redirects import go_to, next_url

from .. import lookups, presenters, services
from ..models import EXPIRE_PERMISSION
from . import receipts
from .access import requires
from .detail import history_context


@require_POST
@vary_on_headers("HX-Request", "HX-Target")
@requires(EXPIRE_PERMISSION)
def promo_code_expire(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    on_detail = request.htmx and request.htmx.target == "promo-code-summary"
    screen = "list" if request.htmx and not on_detail else "detail"
    result = services.promo_code_expire(user=request.user, promo_code_id=promo_code_id, read_back=True, check_first=True,
                                        screen=screen)
    if not result.done:
        known = _expire_outcome(result.error, promo_code_id, sent=result.sent)
        if known is result.error:
            raise known
        raise known from result.error
    promo = result.promo
    if promo is None and result.already_expired:
        messages.info(request, presenters.already_expired(promo_code_id, None, result.earlier))
        detail_url = reverse("promocodes:detail", args=[promo_code_id])
        return go_to(request, detail_url)
    if promo is None:
        # Expired, but the code could not be read back: say what is known rather than show an error.
        messages.success(request, f"Expired promo code {promo_code_id} (impact.com did not show it afterwards).")
        detail_url = reverse("promocodes:detail", args=[promo_code_id])
        return go_to(request, detail_url)
    promo = lookups.with_names(promo)
    already = presenters.already_expired(promo_code_id, promo, result.earlier) if result.already_expired else ""
    entry = result.earlier if result.already_expired else result.entry
    receipt = receipts.entry_url(entry) if entry else ""
    if wants_fragment(request):
        template = "promocodes/detail.html#summary" if on_detail else "promocodes/list.html#row"
        context = {"promo": promo, "just_expired": not already, "already_expired": already, "receipt_url": receipt}
        if on_detail:  # the page's history gains this expire too (out of band, beside the summary)
            context.update(history_context(promo_code_id), history_oob=True)
        response = TemplateResponse(request, template, context)
        return trigger_client_event(response, "promo-code-expired")  # the list's counts are asked again
    if already:
        messages.info(request, already)
    else:
        messages.success(request, presenters.write_done("Expired", promo.code, receipt))
    return redirect(next_url(request, default=reverse("promocodes:detail", args=[promo_code_id])))


def _expire_outcome(err: ImpactError, promo_code_id: int, *, sent: bool) -> ImpactError:
    """The error to show after a failed expire, saying what is known about the code. `sent` is False
    when the read before the DELETE failed, so the DELETE was never sent."""
    if isinstance(err, ImpactNotFound):
        return ImpactNotFound(f"impact.com has no promo code {promo_code_id}.", upstream_status=err.upstream_status)
    if isinstance(err, ImpactUnreachable) or (not sent and isinstance(err, ImpactUnavailable)):
        return type(err)(f"{err.message} {presenters.expire_not_sent(promo_code_id)}", upstream_status=err.upstream_status)
    if isinstance(err, ImpactUnavailable):  # a timeout or a 5xx: impact.com may have done it
        return type(err)(f"{err.message} {presenters.expire_unknown(promo_code_id)}", upstream_status=err.upstream_status)
    return err
