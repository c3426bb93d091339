"""The CSV export never writes a cell a spreadsheet would run as a formula, whatever impact.com sends."""

from __future__ import annotations

import csv
import io

import pytest

from promoadmin.promocodes.views import export as exports

URL = "/promo-codes/export.csv"
PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", " =1", "\n=1", "  \n@x", " \t+1"]
PROMO_CODE_ID = 7000151


def exported_row(client, promo_code_id: int) -> dict[str, str]:
    body = b"".join(client.get(URL).streaming_content).decode("utf-8")[1:]
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    return next(row for row in rows if row["id"] == str(promo_code_id))


def is_formula(cell: str) -> bool:
    """What Excel, LibreOffice or Sheets may evaluate: a formula character after any leading blanks."""
    return cell[:1] in ("\t", "\r", "\n") or cell.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@")


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", ["Code", "Type", "State", "CreditPolicy", "CampaignName", "AssignedPartnerName", "DealName"])
def test_no_text_cell_of_the_export_is_a_formula(viewer_client, sandbox, field, payload):
    sandbox._promo_codes[PROMO_CODE_ID][field] = payload

    row = exported_row(viewer_client, PROMO_CODE_ID)

    assert not [name for name, cell in row.items() if is_formula(cell)], row
    assert payload in row.values() or "'" + payload in row.values()


@pytest.mark.parametrize("value", ["WELCOME10", "ACTIVE", "2026-01-01T00:00:00-08:00", "", "a=b", "50% off"])
def test_ordinary_cells_are_left_alone(value):
    assert exports.neutralise(value) == value
