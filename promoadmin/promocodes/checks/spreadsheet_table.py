"""Reading the first sheet of an XLSX file as lines of text cells, safely (no Django, no API call).

openpyxl in read-only mode, values only: nothing in the file runs. Before openpyxl opens it, the
zip itself is checked, so a small upload cannot expand without bound (a "zip bomb") and a workbook
with macros (.xlsm content) is refused rather than quietly read. Formulas are refused, not
evaluated and not taken from the values Excel cached: a cached value may be stale, and the person
should see exactly what will be sent. Dates become YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS), whole
numbers lose their ".0".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

XLSX_MAGIC = b"PK\x03\x04"  # a zip archive, which every .xlsx is
MAX_UNZIPPED_BYTES = 20_000_000
MAX_COLUMNS = 40
LINES_PER_ROW = 4  # empty lines a sheet may hold between its rows
# Past them, only empty lines may follow (Excel writes formatted empty rows, a fill or a height), and
# only this many in all: they are read to be sure no row hides there.
MAX_LINES = 20_000  # about 1 s of reading for 10 formatted columns


class BadFile(Exception):
    """A problem with an uploaded file as a whole (CSV or XLSX): the message says what to do."""


def read_xlsx(data: bytes, *, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for the first sheet; raises BadFile (csv_rows) for an unusable file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise BadFile("The file is neither CSV text nor a readable .xlsx workbook.") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BadFile(f"The workbook unpacks to more than {MAX_UNZIPPED_BYTES // 1_000_000} MB. Save the rows alone, or as CSV.")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise BadFile("The workbook contains macros, which promoadmin never opens. Save it as a plain .xlsx (or CSV) without macros.")
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_vba=False, keep_links=False)
    except Exception as err:  # openpyxl raises many kinds for a malformed workbook
        raise BadFile(f"The .xlsx workbook cannot be read ({type(err).__name__}). Save it again from Excel, or as CSV UTF-8.") from None
    width = None  # the header's cells: a row's empty cells on its right are empty values, not missing ones
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > max_rows * LINES_PER_ROW + 1:
                # read_rows counts rows that hold something; this bounds the empty lines around them.
                if number <= MAX_LINES and all(getattr(cell, "value", None) is None for cell in row):
                    continue
                raise BadFile(f"The sheet has more than {max_rows * LINES_PER_ROW} lines, counting empty ones. Delete the empty lines, "
                              f"or split it into files of at most {max_rows} rows.")
            cells = [_text(cell, number) for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if width is None:
                width = len(cells)
            cells += [""] * (width - len(cells))
            yield number, cells
    finally:
        workbook.close()


def _text(cell, row_number: int) -> str:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", "") == "f" or (isinstance(value, str) and value.startswith("=")):
        where = f"{cell.coordinate}" if hasattr(cell, "coordinate") else f"row {row_number}"
        raise BadFile(
            f"Cell {where} holds a formula. promoadmin reads values only and never evaluates formulas: copy the "
            "cells and paste them as values (Paste Special › Values), then upload again."
        )
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
