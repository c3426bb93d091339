"""/activity/: the write ledger. Every create and expire promoadmin sent, newest first (those whose
outcome is still unknown on top), filterable in the URL, paginated, exportable as CSV; each entry
has a stable page (its receipt). Viewers may read it; "Check now" needs a write permission.

GET  /activity/?user=&action=&outcome=&campaign_id=&code=&start_date=&end_date=&page=
GET  /activity/export.csv?<the same filters>
GET  /activity/<id>/            one entry: its receipt (what was sent next to what impact.com says now)
POST /activity/<id>/check/      settle an unknown outcome by reading impact.com (1 API call)
"""

from __future__ import annotations

import csv
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from promoadmin.impact.errors import ImpactError
from promoadmin.web.redirects import next_url

from .. import services
from ..forms import DayField, IdField
from ..models import CREATE_PERMISSION, EXPIRE_PERMISSION, LedgerEntry
from .export import _Echo, neutralise
from .receipts import render_entry_receipt

PAGE_SIZE = 50
CSV_COLUMNS = ("id", "at", "user", "screen", "action", "outcome", "campaign_id", "code", "promo_code_id",
               "upstream_status", "error", "message", "operation", "role", "sent")


class ActivityFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *LedgerEntry.ACTIONS], label="Action")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *LedgerEntry.OUTCOMES], label="Outcome")
    campaign_id = IdField(required=False, label="Campaign id")
    code = forms.CharField(required=False, max_length=255, label="Code")
    start_date = DayField(required=False, label="From")
    end_date = DayField(required=False, label="To")

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["start_date"] > data["end_date"]:
            self.add_error("end_date", "The end date is before the start date.")
        return data

    def active_filters(self) -> dict[str, str]:
        return {name: str(self.data[name]).strip() for name in self.fields if str(self.data.get(name, "")).strip()}

    def entries(self):
        """The matching entries: unknown outcomes first (they wait to be settled), then newest first."""
        data = self.cleaned_data
        entries = LedgerEntry.objects.all()
        if data.get("user"):
            entries = entries.filter(username__iexact=data["user"].strip())
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("outcome"):
            entries = entries.filter(outcome=data["outcome"])
        if data.get("campaign_id"):
            entries = entries.filter(campaign_id=data["campaign_id"])
        if data.get("code"):
            entries = entries.filter(code__icontains=data["code"].strip())
        if data.get("start_date"):
            entries = entries.filter(at__date__gte=data["start_date"])
        if data.get("end_date"):
            entries = entries.filter(at__date__lte=data["end_date"])
        unknown_first = Case(When(outcome=LedgerEntry.UNKNOWN, then=Value(0)), default=Value(1), output_field=IntegerField())
        return entries.annotate(unknown_first=unknown_first).order_by("unknown_first", "-at", "-id")


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET)
    context = {"form": form, "page": None, "filters": form.active_filters()}
    if not form.is_valid():
        return TemplateResponse(request, "activity/list.html", context, status=400)
    page = Paginator(form.entries(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(context["filters"])
    context.update(page=page, query=query, export_url=reverse("activity:export") + (f"?{query}" if query else ""),
                   may_check=_may_write(request))
    return TemplateResponse(request, "activity/list.html", context)


@require_GET
def activity_export(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET)
    if not form.is_valid():
        return TemplateResponse(request, "activity/list.html", {"form": form, "page": None, "filters": {}}, status=400)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for entry in form.entries().iterator(chunk_size=500):
            yield writer.writerow([neutralise(str(value)) for value in (
                entry.pk, timezone.localtime(entry.at).isoformat(timespec="seconds"), entry.username, entry.screen,
                entry.action, entry.outcome, entry.campaign_id or "", entry.code, entry.promo_code_id or "",
                entry.upstream_status or "", entry.error_name, entry.message, entry.operation or "", entry.role,
                json.dumps(entry.sent, ensure_ascii=False) if entry.sent else "",
            )])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="promoadmin-activity-{timezone.localdate().isoformat()}.csv"'
    return response


def _entry_or_404(entry_id: int) -> LedgerEntry:
    try:
        return LedgerEntry.objects.get(pk=entry_id)
    except LedgerEntry.DoesNotExist:
        raise Http404(f"The activity has no entry {entry_id}.") from None


@require_GET
def activity_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    return render_entry_receipt(request, _entry_or_404(entry_id))


@require_POST
def activity_check(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Check now: settle an unknown outcome by reading impact.com (one call)."""
    if not _may_write(request):
        raise PermissionDenied("You may not settle writes. Ask an administrator for the editor role.")
    entry = _entry_or_404(entry_id)
    if entry.outcome != LedgerEntry.UNKNOWN:
        messages.info(request, f"Entry {entry.pk} was already settled: {entry.outcome}.")
    else:
        try:
            entry = services.ledger_settle(entry=entry)
        except ImpactError as err:
            messages.error(request, f"{err.title}. {err.message} Entry {entry.pk} stays unknown; try again later.")
        else:
            messages.success(request, f"Entry {entry.pk} settled: {entry.outcome}. {entry.message}")
    return redirect(next_url(request, default=reverse("activity:list")))


def _may_write(request: HttpRequest) -> bool:
    return request.user.has_perm(CREATE_PERMISSION) or request.user.has_perm(EXPIRE_PERMISSION)
