"""Reading a bulk-create CSV: the file as a whole, then each row (no Django, no API call).

The columns are the create form's field names (a public contract, see the README). What a row's
values mean is decided by the caller's `validate` (the create form's own checks, so a row is
checked exactly like a single create) and `defaults` (what an empty cell means).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from promoadmin.impact.records import NewPromoCode

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


class BadFile(Exception):
    pass


@dataclass
class Row:
    line: int  # the line in the file, for people fixing it
    values: dict[str, str]  # as used: the file's cells, with defaults for empty ones
    errors: list[str] = field(default_factory=list)
    new_code: NewPromoCode | None = None
    warnings: list[str] = field(default_factory=list)  # overlaps: safe HTML, the file stays valid
    overlaps: bool = False  # a warning is an overlap found (not only a regex that could not be checked)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(data: bytes, *, validate: Validate, defaults: Mapping[str, str], max_rows: int) -> list[Row]:
    """Parse and check an uploaded CSV. Raises BadFile for problems with the file as a whole."""
    if not data.strip():
        raise BadFile("The file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”.") from None
    # strict: a stray or unclosed quote is an error, not a cell that swallows the following lines.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise BadFile("The first line must name the columns, e.g. " + ",".join(COLUMNS) + ".")
        columns = [cell.strip().lower() for cell in header]
        unknown = [name for name in columns if name not in COLUMNS]
        if unknown:
            raise BadFile(
                f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(name[:40]) for name in unknown[:5])}. "
                f"The columns are the create form's fields: {', '.join(COLUMNS)}; they must be separated by commas."
            )
        duplicated = sorted({name for name in columns if columns.count(name) > 1})
        if duplicated:
            raise BadFile(f"The column{'s' if len(duplicated) > 1 else ''} {', '.join(duplicated)} appear{'' if len(duplicated) > 1 else 's'} twice.")
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise BadFile(f"The file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
        rows: list[Row] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines
            if len(rows) >= max_rows:
                raise BadFile(f"The file has more than {max_rows} rows. Split it into files of at most {max_rows}.")
            rows.append(_row(reader.line_num, columns, cells, validate, defaults))
    except csv.Error as err:
        raise BadFile(f"The file is not valid CSV (line {reader.line_num}: {err}).") from None
    if not rows:
        raise BadFile("The file names the columns but has no rows.")
    _check_duplicates(rows)
    return rows


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
