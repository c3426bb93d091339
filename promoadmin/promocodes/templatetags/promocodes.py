"""Small presentation helpers for promo codes: status words, relative date hints, labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil

from promoadmin.impact.records import CREDIT_POLICIES, PromoCode

from .. import formatting
from ..formatting import full_datetime, short_date
from ..models import EXPIRE_PERMISSION

register = template.Library()

STATUS_LABELS = {
    "active": "Active",
    "scheduled": "Scheduled",
    "ended": "Ended",
    "inactive": "Inactive",
}
SOON = timedelta(days=30)


@register.simple_tag
def status_badge(promo: PromoCode) -> str:
    """The state in words (never colour alone), with a relative hint. A simple tag, not an
    inclusion tag: it renders on every row of a 100-row list, and a sub-template per row showed
    up in the benchmark's profile."""
    status = promo.lifecycle(timezone.now())
    hint = date_hint(promo)
    badge = format_html('<span class="badge badge-{}">{}</span>', status, STATUS_LABELS[status])
    return format_html('{} <small class="hint">{}</small>', badge, hint) if hint else badge


@register.simple_tag
def date_hint(promo: PromoCode) -> str:
    """A relative hint where it helps: 'starts in 3 days', 'ends in 5 hours', 'ended 2 days ago'."""
    now = timezone.now()
    status = promo.lifecycle(now)
    if status == "scheduled":
        return f"starts in {_short(timeuntil(promo.start_date, now))}"
    if status == "active" and promo.end_date and promo.end_date - now < SOON:
        return f"ends in {_short(timeuntil(promo.end_date, now))}"
    if status == "ended":
        return f"ended {_short(timesince(promo.end_date, now))} ago"
    return ""


def _short(text: str) -> str:
    return text.split(",")[0].replace("\xa0", " ")


@register.filter
def credit_policy_label(value: str) -> str:
    return CREDIT_POLICIES.get(value, value or "—").split(":")[0]


@register.filter
def credit_policy_help(value: str) -> str:
    return CREDIT_POLICIES.get(value, "")


@register.filter
def in_business_zone(value: datetime | None):
    return timezone.localtime(value) if value else None


@register.simple_tag
def time_zone_note() -> str:
    """Which zone the dates on a page are shown in, whatever offset impact.com sent them with."""
    return formatting.time_zone_note()


# Formatting lives in formatting.py (receipts, date views and presenters use it too); here it is
# only registered for templates.
register.filter(short_date)
register.filter(full_datetime)


# One row of the list, built in Python the way Django's admin builds its change-list rows
# (`items_for_result` in django/contrib/admin/templatetags/admin_list.py). The template version
# resolved about 40 variables per row and was 90% of a 100-row page's server time; see
# bench/NOTES.md. `list.html` keeps the table around it and the `row` partial that calls this, so
# an htmx expire still returns `list.html#row`. Every value goes through `format_html`, escaped.


ROW_HTML = (
    '<tr id="promo-code-{id}">{select_cell}'
    '<td class="code-cell"><a href="{detail_url}" class="code truncate" title="{code}">{code}</a> '
    '<button type="button" class="copy js-copy" data-copy="{code}" data-copied="Copied" '
    'aria-label="Copy code {code}" title="Copy code">Copy</button>'
    '<br><small class="match match-{type}">{type_label}</small></td>'
    '<td><span class="truncate" title="{campaign_title}">{campaign}</span></td>'
    '<td><span class="truncate" title="{partner_title}">{partner}</span></td>'
    "<td>{status}</td>{start_cell}{end_cell}"
    '<td><span title="{credit_help}">{credit_label}</span></td>{deal_cell}'
    '<td class="row-actions">{expired_note}{expire_form}</td></tr>'
)


@register.simple_tag(takes_context=True)
def promo_code_row(context, promo: PromoCode) -> str:
    """The list's `<tr>` for one promo code; `just_expired` and `receipt_url` come from an expire."""
    can_expire = context["request"].user.has_perm(EXPIRE_PERMISSION)
    return format_html(
        ROW_HTML,
        id=promo.id,
        select_cell=_select_cell(promo) if can_expire else "",
        detail_url=reverse("promocodes:detail", args=[promo.id]),
        code=promo.code,
        type=promo.type.lower(),
        type_label=promo.type_label,
        campaign_title=_name_and_id(promo.campaign_name, promo.campaign_id),
        campaign=promo.campaign_name or promo.campaign_id or "",
        partner_title=_name_and_id(promo.assigned_partner_name, promo.assigned_partner_id),
        partner=promo.assigned_partner_name or promo.assigned_partner_id or "",
        status=status_badge(promo),
        start_cell=_date_cell(promo.start_date, "—"),
        end_cell=_date_cell(promo.end_date, "never"),
        credit_help=credit_policy_help(promo.credit_policy),
        credit_label=credit_policy_label(promo.credit_policy),
        deal_cell=_deal_cell(promo.deal),
        expired_note=_expired_note(context),
        expire_form=_expire_form(promo) if promo.is_active and can_expire else "",
    )


def _select_cell(promo: PromoCode) -> str:
    if not promo.is_active:
        return mark_safe('<td class="select"></td>')
    return format_html(
        '<td class="select"><input type="checkbox" name="id" value="{}" form="bulk-expire-form" '
        'aria-label="Select {}"></td>', promo.id, promo.code,
    )


def _name_and_id(name: str, number: int | None) -> str:
    return f"{name} ({number})" if number is not None else name


def _date_cell(moment: datetime | None, missing: str) -> str:
    if not moment:
        return format_html('<td><span class="muted">{}</span></td>', missing)
    return format_html(
        '<td><time datetime="{}" title="{}">{}</time></td>',
        moment.isoformat(), full_datetime(moment), short_date(moment),
    )


def _deal_cell(deal) -> str:
    if deal is None:
        return mark_safe('<td><span class="muted">No deal</span></td>')
    summary = deal.discount.summary if deal.discount else ""
    title = f"{deal.name}: {summary}" if summary else deal.name
    return format_html('<td><span class="truncate" title="{}">{}</span></td>', title, summary or deal.name)


def _expired_note(context) -> str:
    already = context.get("already_expired")
    if not context.get("just_expired") and not already:
        return ""
    receipt_url = context.get("receipt_url")
    receipt = format_html('<a href="{}" class="receipt-link">Receipt</a>', receipt_url) if receipt_url else ""
    if already:  # nothing was sent: the row shows the real state, the note says since when
        return format_html('<span class="done" role="status" title="{}">Already expired</span>{}', already, receipt)
    return format_html('<span class="done" role="status">Expired</span>{}', receipt)


def _expire_form(promo: PromoCode) -> str:
    # With htmx: a confirm dialog, then the POST (CSRF from <body hx-headers>); the answer replaces
    # the row (hx-target and hx-swap are set once, on the table's <tbody>). Without JavaScript the
    # form is a GET to the bulk-expire dry run for this one code, which shows the request and its
    # cost before anything is sent.
    return format_html(
        '<form method="get" action="{}" class="inline" hx-post="{}" hx-confirm="{}" hx-disabled-elt="find button">'
        '<input type="hidden" name="id" value="{}">'
        '<button type="submit" class="secondary small">Expire</button></form>',
        reverse("promocodes:bulk_expire"), reverse("promocodes:expire", args=[promo.id]), expire_question(promo.code),
        promo.id,
    )


@register.simple_tag
def expire_question(code: str) -> str:
    """The confirm dialog before an expire, on the list's rows and on the detail page."""
    return f"Expire {code}? Shoppers will no longer be able to use it, and this cannot be undone."
