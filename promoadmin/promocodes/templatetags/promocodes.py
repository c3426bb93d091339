"""Small presentation helpers for promo codes: status words, relative date hints, labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil

from promoadmin.impact.records import CREDIT_POLICIES, PromoCode

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


# Django's `date` filter parses its format string on every call; on a 100-row list that was a fifth
# of the page's time (bench/NOTES.md). These two format in TIME_ZONE with plain strftime.


@register.filter
def short_date(value: datetime | None) -> str:
    """'Nov 5, 2026' in the business time zone."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}"


@register.filter
def full_datetime(value: datetime | None) -> str:
    """'Nov 5, 2026, 09:30 PST' in the business time zone, the zone named."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}, {local:%H:%M} {local.tzname()}"
