"""Reading a bulk-create file: the file as a whole, then each row (no Django, no API call).

Two formats (CSV, or XLSX through spreadsheet_table.py) and two sets of columns: the create form's
field names (a public contract, see the README), or impact.com's own bulk upload template, whose
headers must match exactly (IMPACT_COLUMNS) and are mapped onto the form's fields. What a row's
values mean is decided by the caller's `validate` (the create form's own checks, so a row is
checked exactly like a single create) and `defaults` (what an empty cell means).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promoadmin.impact.records import NewPromoCode

from .spreadsheet_table import XLSX_MAGIC, BadFile, read_xlsx

Validate = Callable[[dict[str, str]], tuple[list[str], NewPromoCode | None]]

# The create form's field names (a public contract, see the README) are the CSV's columns.
COLUMNS = (
    "assigned_partner_id",
    "campaign_id",
    "credit_policy",
    "code",
    "type",
    "start_date",
    "end_date",
    "deal_id",
    "deal_name",
)


REQUIRED_COLUMNS = ("campaign_id", "assigned_partner_id", "code")

# impact.com's bulk upload template ("Bulk Upload Promo Codes"), header for header, and the create
# form's field each fills. Its example also uses Campaign Id and Deal Name. Type is always TRACKING;
# Timezone is not a field: it places dates given without an offset.
IMPACT_COLUMNS = {
    "Promo Code": "code",
    "Program Id": "campaign_id",
    "Campaign Id": "campaign_id",
    "Media Id": "assigned_partner_id",
    "Type": "",
    "Credit Rule": "credit_policy",
    "Match Mode": "type",
    "Deal Id": "deal_id",
    "Deal Name": "deal_name",
    "Active Start Date": "start_date",
    "Active End Date": "end_date",
    "Timezone": "",
}
IMPACT_TEMPLATE = ("Promo Code", "Program Id", "Media Id", "Type", "Credit Rule", "Match Mode", "Deal Id",
                   "Active Start Date", "Active End Date", "Timezone")
IMPACT_REQUIRED = ("Promo Code", "Media Id")  # and Program Id or Campaign Id
IMPACT_TYPE = "TRACKING"
# Row values beside the form's fields (never a column of a file: unknown columns are refused).
MOMENTS = {"start_date": "start_moment", "end_date": "end_moment"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


@dataclass
class Row:
    line: int  # the line in the file, for people fixing it
    values: dict[str, str]  # as used: the file's cells, with defaults for empty ones
    errors: list[str] = field(default_factory=list)
    new_code: NewPromoCode | None = None
    warnings: list[str] = field(default_factory=list)  # overlaps: safe HTML, the file stays valid
    overlaps: bool = False  # a warning is an overlap found (not only a regex that could not be checked)
    zone: str = ""  # impact.com's Timezone column, as given

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Upload:
    rows: list[Row]
    file_format: str  # "CSV" or "XLSX"
    columns: str  # "promoadmin" (the create form's fields) or "impact" (impact.com's template)


def read_rows(data: bytes, *, validate: Validate, defaults: Mapping[str, str], max_rows: int, zone: str = "UTC") -> Upload:
    """Parse and check an uploaded CSV or XLSX file. Raises BadFile for problems with the file as a whole.
    `zone`: where impact.com's template's dates without an offset or a Timezone are (TIME_ZONE)."""
    if not data.strip():
        raise BadFile("The file is empty.")
    if data.startswith(OLE_MAGIC):
        raise BadFile("This is an old Excel (.xls) file, which promoadmin does not read. Save it as .xlsx or as CSV UTF-8.")
    if data.startswith(XLSX_MAGIC):
        file_format, lines = "XLSX", read_xlsx(data, max_rows=max_rows)
    else:
        file_format, lines = "CSV", _csv_lines(data)
    header_line = next(lines, None)
    header = header_line[1] if header_line else []
    if not header or not any(cell.strip() for cell in header):
        raise BadFile("The first line must name the columns, e.g. " + ",".join(COLUMNS) + ".")
    if any(cell.strip() in IMPACT_COLUMNS for cell in header):
        columns, mapped = "impact", _impact_header(header)
    else:
        columns, mapped = "promoadmin", _own_header(header)
    rows: list[Row] = []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines
        if len(rows) >= max_rows:
            raise BadFile(f"The file has more than {max_rows} rows. Split it into files of at most {max_rows}.")
        if columns == "impact":
            rows.append(_impact_row(line, header, cells, validate, defaults, zone))
        else:
            rows.append(_row(line, mapped, cells, validate, defaults))
    if not rows:
        raise BadFile("The file names the columns but has no rows.")
    _check_duplicates(rows)
    return Upload(rows, file_format, columns)


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)” or as .xlsx.") from None
    # strict: a stray or unclosed quote is an error, not a cell that swallows the following lines.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as err:
        raise BadFile(f"The file is not valid CSV (line {reader.line_num}: {err}).") from None


def _own_header(header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    unknown = [name for name in columns if name not in COLUMNS]
    if unknown:
        raise BadFile(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(name[:40]) for name in unknown[:5])}. "
            f"The columns are the create form's fields: {', '.join(COLUMNS)}, separated by commas; or impact.com's "
            f"bulk upload template: {', '.join(IMPACT_TEMPLATE)}."
        )
    _refuse_repeats(columns)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BadFile(f"The file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
    return columns


def _impact_header(header: list[str]) -> list[str]:
    columns = [cell.strip() for cell in header]
    unknown = [name for name in columns if name not in IMPACT_COLUMNS]
    if unknown:
        raise BadFile(
            f"This looks like impact.com's bulk upload template, but its headers must match exactly: "
            f"{', '.join(repr(name[:40]) for name in unknown[:5])} {'is' if len(unknown) == 1 else 'are'} not among "
            f"{', '.join(IMPACT_COLUMNS)}."
        )
    _refuse_repeats(columns)
    if "Program Id" in columns and "Campaign Id" in columns:
        raise BadFile("The file has both Program Id and Campaign Id: they are the same thing; keep one.")
    missing = [name for name in IMPACT_REQUIRED if name not in columns]
    if "Program Id" not in columns and "Campaign Id" not in columns:
        missing.append("Program Id")
    if missing:
        raise BadFile(f"The file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
    return columns


def _refuse_repeats(columns: list[str]) -> None:
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise BadFile(f"The column{'s' if len(duplicated) > 1 else ''} {', '.join(duplicated)} appear{'' if len(duplicated) > 1 else 's'} twice.")


def _impact_row(line: int, header: list[str], cells: list[str], validate: Validate, defaults: Mapping[str, str], zone: str) -> Row:
    """A row of impact.com's template: its cells put under the form's field names, then checked the same way."""
    given = {name.strip(): cell.strip() for name, cell in zip(header, cells, strict=False)}
    values = dict(defaults)
    for name, cell in given.items():
        if IMPACT_COLUMNS[name] and cell:
            values[IMPACT_COLUMNS[name]] = cell.upper() if name in ("Credit Rule", "Match Mode") else cell
    row = Row(line, values, zone=given.get("Timezone", ""))
    if len(cells) > len(header):
        row.errors.append(f"This line has {len(cells)} cells, the header {len(header)}.")
        return row
    if given.get("Type", IMPACT_TYPE).upper() not in ("", IMPACT_TYPE):
        row.errors.append(f"Type: impact.com's template knows only {IMPACT_TYPE}, not {given['Type'][:40]!r}.")
    moments = {}
    for name in ("start_date", "end_date"):
        if values.get(name):
            try:
                moments[name] = _moment(values[name], row.zone or zone, end_of_day=name == "end_date")
            except ValueError as err:
                row.errors.append(f"{name}: {err}")
                continue
            # The form checks the day; the exact moment travels beside it (MOMENTS) to the request.
            values[name] = moments[name].date().isoformat()
            values[MOMENTS[name]] = moments[name].isoformat()
    if row.errors:
        return row
    row.errors, row.new_code = validate(values)
    return row


def with_moments(new_code: NewPromoCode, values: Mapping[str, str]) -> NewPromoCode:
    """The new code with the exact start and end moments an impact.com template row gave (its Timezone or
    offsets), where the create form alone would take whole days in the business time zone."""
    moments = {name: datetime.fromisoformat(values[key]) for name, key in MOMENTS.items() if values.get(key)}
    return dataclasses.replace(new_code, **moments) if moments else new_code


DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _moment(text: str, zone_name: str, *, end_of_day: bool) -> datetime:
    """A date of impact.com's template as an aware moment: an offset in the text wins; otherwise
    `zone_name` (the Timezone column, else the business time zone) places it. A bare day is its first
    second or, for an end date, its last."""
    text = text.strip()
    text = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{zone_name[:60]!r} is not an IANA time zone name, like America/New_York.") from None
    us = US_DATE.match(text)
    try:
        if us:
            month, day, year, hour, minute, second = us.groups()
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
            bare_day = hour is None
        else:
            parsed = datetime.fromisoformat(text)
            bare_day = bool(DATE_ONLY.match(text))
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a date: use YYYY-MM-DD, optionally with a time and an offset.") from None
    if bare_day and end_of_day:
        parsed = datetime.combine(parsed.date(), time(23, 59, 59))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _row(line: int, columns: list[str], cells: list[str], validate: Validate, defaults: Mapping[str, str]) -> Row:
    values = dict(defaults)
    for name, cell in zip(columns, cells, strict=False):
        if cell.strip():
            values[name] = cell
    row = Row(line, values)
    if len(cells) != len(columns):
        row.errors.append(f"This line has {len(cells)} cells, the header {len(columns)}.")
        return row
    row.errors, row.new_code = validate(values)
    return row


def _check_duplicates(rows: list[Row]) -> None:
    seen: dict[tuple, int] = {}
    for row in rows:
        if not row.new_code:
            continue
        code = row.new_code
        key = (code.campaign_id, code.type, code.code if code.type == "RE" else code.code.casefold())
        if key in seen:
            row.errors.append(f"code: {code.code} is already on line {seen[key]} for the same campaign.")
            row.new_code = None
        else:
            seen[key] = row.line
