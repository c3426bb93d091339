"""Dates as people read them, in the business time zone (TIME_ZONE): one place for templates,
presenters, receipts and the date views, so none of them imports from templatetags/."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

# Django's `date` filter parses its format string on every call; on a 100-row list that was a fifth
# of the page's time (bench/NOTES.md). These two format in TIME_ZONE with plain strftime.


def short_date(value: datetime | None) -> str:
    """'Nov 5, 2026' in the business time zone."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}"


def full_datetime(value: datetime | None) -> str:
    """'Nov 5, 2026, 09:30 PST' in the business time zone, the zone named."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%b} {local.day}, {local.year}, {local:%H:%M} {local.tzname()}"


def _zone_abbreviations() -> str:
    """The business zone's abbreviations in January and July this year: 'PST/PDT', or one ('JST')."""
    zone = timezone.get_current_timezone()
    year = timezone.localdate().year
    names = dict.fromkeys(datetime(year, month, 1, 12, tzinfo=zone).tzname() for month in (1, 7))
    return "/".join(name for name in names if name)


def time_zone_note() -> str:
    """Which zone the dates on a page are shown in, whatever offset impact.com sent them with."""
    return f"Dates and times in {timezone.get_current_timezone_name()} time ({_zone_abbreviations()})"
