"""Bulk create accepts impact.com's own bulk upload template (CSV and XLSX) and offers both templates
(checks/csv_rows.py, checks/spreadsheet_table.py, views/bulk_create.py), on the embedded sandbox."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from helpers import page_text as text
from helpers import upstream_requests
from openpyxl import Workbook

from promoadmin.promocodes.checks.csv_rows import BadFile, read_rows

URL = "/promo-codes/bulk-create/"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPACT_HEADER = ["Promo Code", "Campaign Id", "Media Id", "Type", "Credit Rule", "Match Mode", "Deal Id", "Deal Name",
                 "Active Start Date", "Active End Date", "Timezone"]
# Non-ASCII names and a Timezone that differs from TIME_ZONE (America/Los_Angeles).
ROWS = [
    ["ÉTÉ2030", "1000", "2552842", "TRACKING", "involved", "LI", "", "Zoë's Été −20 %", "2030-03-01", "2030-03-31", "Europe/Berlin"],
    ["ÅNGSTRÖM9", "1000", "2553471", "TRACKING", "WINNER", "LI", "", "Ångström Outdoors", "2030-03-01 09:30", "", "Asia/Tokyo"],
    ["PLAINDAY", "1000", "2553254", "TRACKING", "ALWAYS", "LI", "", "", "2030-03-01", "", ""],
]
# What each row's StartDate and EndDate must be sent as.
SENT = {
    "ÉTÉ2030": ("2030-03-01T00:00:00+01:00", "2030-03-31T23:59:59+02:00"),
    "ÅNGSTRÖM9": ("2030-03-01T09:30:00+09:00", None),
    "PLAINDAY": ("2030-03-01T00:00:00-08:00", None),  # no Timezone: the business time zone
}


def csv_upload(rows, header=IMPACT_HEADER, name="impact.csv") -> SimpleUploadedFile:
    lines = [",".join(f'"{cell}"' for cell in line) for line in [header, *rows]]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8-sig"), content_type="text/csv")


def workbook_bytes(rows, header=IMPACT_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_upload(data: bytes, name="impact.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE)


def batch_of(response) -> str:
    match = re.search(r'name="batch" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form on the page"
    return unescape(match.group(1))


def round_trip(editor_client, sandbox, upload) -> tuple[str, dict]:
    review = editor_client.post(URL, {"file": upload})
    assert review.status_code == 200, text(review)
    assert upstream_requests(sandbox, "POST") == []  # the review sends nothing
    done = editor_client.post(URL, {"batch": batch_of(review)})
    assert done.status_code == 200
    sent = {r.form["Code"][0]: r.form for r in upstream_requests(sandbox, "POST")}
    return text(review), sent


def assert_sent_as_the_file_says(sent: dict) -> None:
    assert set(sent) == set(SENT)
    for code, (start, end) in SENT.items():
        assert datetime.fromisoformat(sent[code]["StartDate"][0]) == datetime.fromisoformat(start)
        assert sent[code]["StartDate"][0].endswith(start[-6:])  # the file's offset, not only the same instant
        if end:
            assert sent[code]["EndDate"][0] == end
        else:
            assert "EndDate" not in sent[code]
    assert sent["ÉTÉ2030"]["DealName"] == ["Zoë's Été −20 %"]
    assert sent["ÉTÉ2030"]["AssignedPartnerId"] == ["2552842"]  # Media Id is the partner
    assert sent["ÉTÉ2030"]["CreditPolicy"] == ["INVOLVED"]
    assert sent["ÅNGSTRÖM9"]["Type"] == ["LI"]


def test_a_csv_of_impacts_template_round_trips_through_the_review(editor_client, sandbox):
    review, sent = round_trip(editor_client, sandbox, csv_upload(ROWS))

    assert "Read as CSV in impact.com's bulk upload template" in review
    assert "2030-03-01T00:00:00+01:00" in review  # the review shows the moment the Timezone gave
    assert_sent_as_the_file_says(sent)


def test_an_xlsx_of_impacts_template_round_trips_through_the_review(editor_client, sandbox):
    rows = [list(row) for row in ROWS]
    rows[0][1], rows[0][2] = 1000, 2552842  # numbers, as Excel keeps them
    rows[1][8] = datetime(2030, 3, 1, 9, 30)  # a date cell
    review, sent = round_trip(editor_client, sandbox, xlsx_upload(workbook_bytes(rows)))

    assert "Read as XLSX in impact.com's bulk upload template" in review
    assert_sent_as_the_file_says(sent)


def test_an_xlsx_with_promoadmins_columns_is_read_too(editor_client):
    data = workbook_bytes([[1000, 2552842, "XLSXOWN", "LI", "ALWAYS"]],
                          header=["campaign_id", "assigned_partner_id", "code", "type", "credit_policy"])

    response = editor_client.post(URL, {"file": xlsx_upload(data)})

    assert response.status_code == 200
    assert "Read as XLSX with promoadmin's columns" in text(response)


def test_a_formula_is_refused_never_evaluated(editor_client, sandbox):
    data = workbook_bytes([["FORMULA1", "=999+1", "2552842", "TRACKING", "ALWAYS", "LI", "", "", "", "", ""]])

    response = editor_client.post(URL, {"file": xlsx_upload(data)})

    assert response.status_code == 400
    assert "Cell B2 holds a formula" in text(response)
    assert upstream_requests(sandbox) == []


def test_a_workbook_with_macros_is_refused(editor_client):
    buffer = io.BytesIO(workbook_bytes(ROWS))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 16)

    response = editor_client.post(URL, {"file": xlsx_upload(buffer.getvalue(), name="impact.xlsm")})

    assert response.status_code == 400
    assert "contains macros" in text(response)


def test_a_workbook_that_unpacks_too_far_is_refused(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 25_000_000)  # a few kB packed

    response = editor_client.post(URL, {"file": xlsx_upload(buffer.getvalue())})

    assert response.status_code == 400
    assert "unpacks to more than 20 MB" in text(response)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel (.xls) file"),
        (b"PK\x03\x04 not really a zip", "neither CSV text nor a readable .xlsx"),
    ],
)
def test_unreadable_spreadsheets_get_a_clear_message(editor_client, raw, message):
    response = editor_client.post(URL, {"file": SimpleUploadedFile("f.xls", raw)})

    assert response.status_code == 400
    assert message in text(response)


def test_impacts_headers_must_match_exactly(editor_client):
    header = [*IMPACT_HEADER[:-1], "TimeZone"]

    response = editor_client.post(URL, {"file": csv_upload(ROWS, header=header)})

    assert response.status_code == 400
    assert "headers must match exactly: 'TimeZone' is not among" in text(response)


def test_a_bad_timezone_or_type_is_that_rows_error(editor_client, sandbox):
    rows = [list(ROWS[0]), list(ROWS[2])]
    rows[0][10] = "Mars/Olympus"
    rows[1][3] = "ONLINE"

    response = editor_client.post(URL, {"file": csv_upload(rows)})

    assert response.status_code == 422
    page = text(response)
    assert "'Mars/Olympus' is not an IANA time zone name" in page
    assert "Type: impact.com's template knows only TRACKING, not 'ONLINE'" in page
    assert upstream_requests(sandbox) == []


@pytest.mark.parametrize(("columns", "first"), [("promoadmin", "assigned_partner_id,campaign_id"), ("impact", "Promo Code,Program Id,Media Id")])
def test_both_templates_download_and_upload_as_they_are(editor_client, columns, first):
    response = editor_client.get(f"{URL}template-{columns}.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="promo-codes-{columns}-template.csv"'
    content = response.content
    assert content.decode("utf-8-sig").startswith(first)
    review = editor_client.post(URL, {"file": SimpleUploadedFile(f"{columns}.csv", content, content_type="text/csv")})
    assert review.status_code == 200, text(review)


def test_the_upload_page_links_both_templates(editor_client):
    body = editor_client.get(URL).content.decode()

    assert f'href="{URL}template-promoadmin.csv"' in body
    assert f'href="{URL}template-impact.csv"' in body
    assert editor_client.get(f"{URL}template-other.csv").status_code == 404


def test_an_xlsx_row_with_its_last_cells_empty_is_read_like_the_csv_line(editor_client):
    # promoadmin's optional deal_id and deal_name last: a spreadsheet does not store a row's empty cells on its right.
    header = ["campaign_id", "assigned_partner_id", "code", "type", "credit_policy", "deal_id", "deal_name"]
    row = [1000, 2552842, "XLSXSHORT", "LI", "ALWAYS"]
    upload = read_rows(workbook_bytes([row], header=header), validate=lambda values: ([], None), defaults={}, max_rows=5)

    assert upload.rows[0].errors == []
    assert upload.rows[0].values["code"] == "XLSXSHORT"


def test_empty_lines_in_an_xlsx_never_hide_rows_past_the_limit(settings):
    codes = ["ROWONE", None, None, "ROWTWO", "ROWTHREE", "ROWFOUR"]
    rows = [[1000, 2552842, code, "LI", "ALWAYS"] if code else [] for code in codes]
    data = workbook_bytes(rows, header=["campaign_id", "assigned_partner_id", "code", "type", "credit_policy"])

    with pytest.raises(BadFile, match="more than 3 rows"):
        read_rows(data, validate=lambda values: ([], None), defaults={}, max_rows=3)
    assert [row.values["code"] for row in read_rows(data, validate=lambda values: ([], None), defaults={}, max_rows=4).rows] == [
        "ROWONE", "ROWTWO", "ROWTHREE", "ROWFOUR"]


def test_formatted_empty_lines_far_below_the_rows_are_not_a_reason_to_refuse_the_sheet():
    from openpyxl.styles import PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["campaign_id", "assigned_partner_id", "code", "type", "credit_policy"])
    sheet.append([1000, 2552842, "ROWONE", "LI", "ALWAYS"])
    sheet.cell(row=900, column=1).fill = PatternFill("solid", fgColor="FFFF00")  # a yellow, empty cell
    out = io.BytesIO()
    workbook.save(out)

    upload = read_rows(out.getvalue(), validate=lambda values: ([], None), defaults={}, max_rows=5)

    assert [row.values["code"] for row in upload.rows] == ["ROWONE"]
    sheet.cell(row=900, column=1).value = "late"  # but a line that holds something, that far down, is refused
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(BadFile, match="more than 20 lines"):
        read_rows(out.getvalue(), validate=lambda values: ([], None), defaults={}, max_rows=5)
