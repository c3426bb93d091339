"""Small presentation helpers for promo codes: status words, relative date hints, labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
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


@register.inclusion_tag("promocodes/_status.html")
def status_badge(promo: PromoCode):
    status = promo.lifecycle(timezone.now())
    return {"status": status, "label": STATUS_LABELS[status], "state": promo.state, "hint": date_hint(promo)}


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
