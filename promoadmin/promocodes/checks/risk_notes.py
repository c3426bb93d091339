"""Risk notes: the consequences of a new code's values that people tend to miss (no API call)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Note:
    text: str
    level: str = "warning"  # or "info"


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def risk_notes(values: Mapping, today: date) -> list[Note]:
    """The consequences of the form's current values that people tend to miss."""
    notes = []
    start, end = _day(values.get("start_date")), _day(values.get("end_date"))
    if values.get("credit_policy") == "ALWAYS":
        notes.append(Note(
            "Credit policy Always: the partner gets the credit for every sale with this code, even when "
            "another partner drove the sale."
        ))
    if start and start < today:
        notes.append(Note(f"The start date, {start:%b} {start.day}, {start.year}, is in the past: the code works as soon as it is created."))
    if end and end < today:
        notes.append(Note(
            f"The end date, {end:%b} {end.day}, {end.year}, has already passed: the code would be created "
            "already ended, so no shopper could use it."
        ))
    elif end == today:
        notes.append(Note("The code ends tonight, at the end of today.", "info"))
    if not end:
        notes.append(Note("No end date: the code never ends. It keeps working until someone expires it."))
    return notes
