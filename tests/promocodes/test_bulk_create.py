"""Bulk create from a CSV upload (views/bulk_create.py) through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from helpers import page_text as text
from helpers import upstream_requests

from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode
from promoadmin.promocodes import regex_check
from promoadmin.promocodes.views import bulk_create

URL = "/promo-codes/bulk-create/"
ROW_URL = "/promo-codes/bulk-create/row/"
HEADER = "campaign_id,assigned_partner_id,code,type,credit_policy,start_date,end_date,deal_id,deal_name"
WELCOME10, SUMMER_RE = 7000151, 7000156  # seeded: exact WELCOME10 (no end), regex ^SUMMER\d{2}$ (+30 to +120 days)
GOOD = [
    "1000,2552842,BULK1,LI,ALWAYS,2030-03-01,2030-03-31,,",
    "1000,2552907,BULK2,LI,INVOLVED,,,401,",
    "1002,2553471,^BULK\\d+$,RE,WINNER,,,,",
]


def csv_file(*lines: str, name: str = "codes.csv", raw: bytes | None = None) -> SimpleUploadedFile:
    content = raw if raw is not None else ("\n".join(lines) + "\n").encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(client, *lines, **kwargs):
    return client.post(URL, {"file": csv_file(*lines, **kwargs)})


def batch_of(response) -> str:
    match = re.search(r'name="batch" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form on the page"
    return unescape(match.group(1))


def row_tokens(response) -> list[str]:
    return [unescape(t) for t in re.findall(r'data-bulk-token="([^"]+)"', response.content.decode())]


def posts(sandbox) -> list[str]:
    return [r.form["Code"][0] for r in upstream_requests(sandbox, "POST")]


# --- review -----------------------------------------------------------------------------------


def test_the_upload_page_explains_the_columns(editor_client):
    response = editor_client.get(URL)

    assert response.status_code == 200
    page = text(response)
    for column in bulk_create.COLUMNS:
        assert column in page
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_a_good_file_is_reviewed_without_sending_anything(editor_client, sandbox):
    response = upload(editor_client, HEADER, *GOOD)

    assert response.status_code == 200
    page = text(response)
    assert "Review 3 new promo codes" in page
    assert "Nothing has been sent yet." in page
    assert "Creating: 3 API calls" in page
    assert f"POST /Advertisers/{sandbox.account_sid}/PromoCodes" in page
    assert "Create 3 codes" in page
    assert len(row_tokens(response)) == 3
    assert sandbox.auth_token not in response.content.decode()
    assert upstream_requests(sandbox, "POST") == []
    # The check for codes already active: one read per campaign in the file, not one per row.
    reads = upstream_requests(sandbox, "GET", "/PromoCodes")
    assert sorted(r.query["CampaignId"][0] for r in reads) == ["1000", "1002"]
    assert all(r.query["State"] == ["ACTIVE"] for r in reads)
    assert "Checking for codes already active: 2 API calls" in page


def test_a_code_already_active_in_its_campaign_stops_its_row_before_anything_is_sent(editor_client, sandbox):
    response = upload(
        editor_client,
        HEADER,
        "1000,2552842,welcome10,LI,ALWAYS,,,,",  # WELCOME10 is active in 1000; exact codes ignore case
        "1000,2552907,BRANDNEW1,LI,INVOLVED,,,,",
    )

    assert response.status_code == 422
    page = text(response)
    assert "WELCOME10 (id 7000151) is already active in campaign 1000" in page
    assert "1 row has a problem" in page
    assert 'name="batch"' not in response.content.decode()
    assert upstream_requests(sandbox, "POST") == []
    assert len(upstream_requests(sandbox, "GET", "/PromoCodes")) == 1


def test_a_file_with_local_errors_gets_every_check_on_the_first_review(editor_client, sandbox):
    # A duplicate of an active code used to read "This row is fine" until the file's other errors were fixed.
    response = upload(editor_client, HEADER, "1000,2552842,HAS SPACE,LI,ALWAYS,,,,", "1000,2552842,welcome10,LI,ALWAYS,,,,")

    assert response.status_code == 422
    page = text(response)
    assert "Exact codes cannot contain spaces." in page
    assert "WELCOME10 (id 7000151) is already active in campaign 1000" in page
    assert "2 rows have problems" in page
    assert "This row is fine" not in page
    assert upstream_requests(sandbox, "POST") == []


def test_the_review_shows_names_beside_ids(editor_client, sandbox):
    response = upload(editor_client, HEADER, "1000,2552842,NAMED1,LI,ALWAYS,,,401,")

    row = text(response).split("NAMED1", 1)[1]
    assert "1000 Acme Anvils" in row
    assert "2552842 Wile E. Coyote Facebook" in row
    assert "10% off orders over $50" in row


def test_each_row_gets_the_create_forms_checks(editor_client, sandbox):
    response = upload(
        editor_client,
        HEADER,
        "1000,2552842,HAS SPACE,LI,ALWAYS,,,,",
        "1001,2553399,CAFE,LI,ALWAYS,2030-02-01,2030-01-01,,",
        "1000,abc,OK1,LI,ALWAYS,,,,",
        "1000,2552842,BAD[,RE,ALWAYS,,,,",
        "1000,2552842,FINE,LI,SOMETIMES,,,,",
        "1000,2552842,GOODONE,LI,ALWAYS,,,,",
    )

    assert response.status_code == 422
    page = text(response)
    assert "5 rows have problems" in page
    assert "Exact codes cannot contain spaces." in page
    assert "The end date is before the start date." in page
    assert "Enter a number, like 1000." in page
    assert "This is not a valid regular expression" in page
    assert "Select a valid choice." in page
    assert 'name="batch"' not in response.content.decode()
    assert row_tokens(response) == []
    assert upstream_requests(sandbox, "POST") == []


def test_empty_type_and_credit_policy_take_the_forms_defaults(editor_client):
    response = upload(editor_client, "campaign_id,assigned_partner_id,code", "1000,2552842,DEFAULTS1")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<dt>Type</dt><dd>LI</dd>" in body
    assert "<dt>CreditPolicy</dt><dd>INVOLVED</dd>" in body


def test_duplicates_within_the_file_are_caught(editor_client):
    response = upload(editor_client, HEADER, "1000,2552842,TWICE,LI,,,,,", "1000,2552907,twice,LI,,,,,", "1001,2553399,TWICE,LI,,,,,")

    assert response.status_code == 422
    assert "TWICE is already on line 2 for the same campaign." in text(response).replace("twice", "TWICE")
    assert "1 row has a problem" in text(response)


def test_a_utf8_bom_and_windows_line_ends_are_fine(editor_client):
    raw = ("\ufeff" + HEADER + "\r\n" + GOOD[0] + "\r\n").encode()

    assert upload(editor_client, raw=raw).status_code == 200


# --- hostile or broken files never reach impact.com and never fail with a 500 ------------------


@pytest.mark.parametrize(
    "raw, status, message",
    [
        (b"", 400, "The file is empty."),
        (b"   \n\n", 400, "The file is empty."),
        (b"\xff\xfe" + HEADER.encode("utf-16-le"), 400, "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 400, "not UTF-8"),
        ((HEADER + "\n1000,2552842,NUL\x00CODE,LI,,,,,\n").encode(), 422, "Null characters are not allowed."),
        (b",,,\n1,2,3\n", 400, "The first line must name the columns"),
        (b"campaign_id;assigned_partner_id;code\n1000;2552842;SEMI\n", 400, "Unknown column"),
        (b"campaign_id,assigned_partner_id,code,password\n1000,2552842,X,y\n", 400, "Unknown column 'password'"),
        (b"campaign_id,code,code\n1000,A,B\n", 400, "appears twice"),
        (b"campaign_id,code\n1000,ONLYTWO\n", 400, "needs the column assigned_partner_id"),
        (HEADER.encode() + b"\n", 400, "has no rows"),
        (b'campaign_id,assigned_partner_id,code\n1000,2552842,"unterminated\n1000,2552842,HIDDEN\n', 400, "not valid CSV"),
        (b'campaign_id,assigned_partner_id,code\n1000,2552842,"stray"quote\n', 400, "not valid CSV"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason(editor_client, sandbox, raw, status, message):
    response = upload(editor_client, raw=raw)

    assert response.status_code == status
    assert message in text(response)
    assert upstream_requests(sandbox) == []


def test_too_many_rows(editor_client, sandbox, settings):
    settings.BULK_CREATE_MAX_ROWS = 3

    response = upload(editor_client, HEADER, *GOOD, "1000,2552842,FOURTH,LI,,,,,")

    assert response.status_code == 400
    assert "more than 3 rows" in text(response)
    assert upstream_requests(sandbox) == []


def test_a_file_over_the_size_limit_is_refused_without_being_stored(editor_client, sandbox, settings):
    settings.BULK_CREATE_MAX_BYTES = 2_000
    big = (HEADER + "\n" + "1000,2552842,X,LI,,,,,\n" * 200).encode()

    response = upload(editor_client, raw=big)

    assert response.status_code == 413
    assert "larger than 2 kB" in text(response)
    assert upstream_requests(sandbox) == []


def test_an_upload_is_never_written_to_a_temporary_file(editor_client, monkeypatch, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django's own handlers would spill anything bigger to disk

    def no_disk(*args, **kwargs):
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr("django.core.files.uploadhandler.TemporaryUploadedFile", no_disk)

    assert upload(editor_client, HEADER, *GOOD).status_code == 200


def test_markup_in_a_cell_is_shown_as_text(editor_client):
    response = upload(editor_client, HEADER, '1000,2552842,XSS1,LI,,,,,"<script>alert(1)</script>"')

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_row_with_more_cells_than_the_header(editor_client, sandbox):
    response = upload(editor_client, "campaign_id,assigned_partner_id,code", "1000,2552842,EXTRA,surprise")

    assert response.status_code == 422
    assert "This line has 4 cells, the header 3." in text(response)


# --- creating ---------------------------------------------------------------------------------


def test_the_plain_post_creates_each_row_exactly_once(editor_client, sandbox, caplog):
    batch = batch_of(upload(editor_client, HEADER, *GOOD))

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 200
    assert posts(sandbox) == ["BULK1", "BULK2", "^BULK\\d+$"]
    page = text(response)
    assert "Finished: 3 created." in page
    assert page.count("Receipt") == 3
    audit = [json.loads(r.getMessage()) for r in caplog.records if r.name == "promoadmin.audit"]
    assert [(line["action"], line["code"], line["outcome"]) for line in audit] == [
        ("create", "BULK1", "created"), ("create", "BULK2", "created"), ("create", "^BULK\\d+$", "created"),
    ]

    again = editor_client.post(URL, {"batch": batch})  # a resubmitted form, a double click

    assert posts(sandbox) == ["BULK1", "BULK2", "^BULK\\d+$"]
    assert "Finished: 3 created earlier." in text(again)
    assert again.content.decode().count('/promo-codes/7000161/">id 7000161</a>') == 1  # each row links its code


def test_one_row_at_a_time_and_never_twice(editor_client, sandbox):
    tokens = row_tokens(upload(editor_client, HEADER, *GOOD))

    first = editor_client.post(ROW_URL, {"row_token": tokens[1]}, HTTP_HX_REQUEST="true")
    body = first.content.decode()
    assert body.startswith("<td") and 'data-outcome="created"' in body
    assert re.search(r"/activity/\d+/", body)  # the receipt: its ledger entry
    second = editor_client.post(ROW_URL, {"row_token": tokens[1]}, HTTP_HX_REQUEST="true")
    assert 'data-outcome="created-earlier"' in second.content.decode()
    assert re.search(r"/activity/\d+/", second.content.decode())
    assert posts(sandbox) == ["BULK2"]


def test_impact_refusing_a_row_is_shown_on_that_row_and_the_rest_go_on(editor_client, sandbox):
    batch = batch_of(upload(editor_client, HEADER, "1000,2552842,LATECOMER,LI,,,,,", GOOD[0]))
    # Someone creates the same code between the review (which checked) and the run.
    get_impact_client().create_promo_code(
        NewPromoCode(assigned_partner_id=2552907, campaign_id=1000, credit_policy="ALWAYS", code="LATECOMER", type="LI")
    )

    page = text(editor_client.post(URL, {"batch": batch}))

    assert "1 refused, 1 created" in page
    assert "already exists in this campaign" in page
    assert posts(sandbox) == ["LATECOMER", "LATECOMER", "BULK1"]  # the other person's, then ours


def test_no_answer_means_the_outcome_is_unknown_and_it_is_not_resent(editor_client, sandbox):
    batch = batch_of(upload(editor_client, HEADER, *GOOD))
    sandbox.inject_fault(503)

    page = text(editor_client.post(URL, {"batch": batch}))

    assert "Outcome unknown" in page
    assert "look for it before uploading this row again" in page
    assert posts(sandbox) == ["BULK1", "BULK2", "^BULK\\d+$"]  # the 503 was not retried


def test_it_stops_at_the_rate_limit(editor_client, sandbox):
    batch = batch_of(upload(editor_client, HEADER, *GOOD))
    sandbox.inject_fault(429)

    page = text(editor_client.post(URL, {"batch": batch}))

    assert len(posts(sandbox)) == 1
    assert "1 failed, 2 not sent" in page


def test_it_refuses_when_the_budget_is_short(editor_client, sandbox, monkeypatch, settings):
    settings.IMPACT_WRITE_RESERVE = 0  # the reads before it may spend the account's last requests here
    monkeypatch.setattr(sandbox, "rate_limit", 24)
    get_impact_client().get_promo_code(7000151)  # impact.com now says 23 are left; 20 are kept for others
    # the review's active-code check then reads campaigns 1000 and 1002, leaving 21: 1 can be spent

    response = upload(editor_client, HEADER, *GOOD)

    page = text(response)
    assert "needs 3 requests, and only 1 can be spent now" in page
    assert 'name="batch"' not in response.content.decode()
    assert upstream_requests(sandbox, "POST") == []


@pytest.mark.parametrize("mangle", [lambda t: t[:-4] + "AAAA", lambda t: t[:30], lambda t: ""])
def test_an_altered_review_sends_nothing(editor_client, sandbox, mangle):
    response = upload(editor_client, HEADER, *GOOD)
    batch, token = batch_of(response), row_tokens(response)[0]

    assert editor_client.post(URL, {"batch": mangle(batch)}).status_code == 400
    assert editor_client.post(ROW_URL, {"row_token": mangle(token)}).status_code == 400
    assert upstream_requests(sandbox, "POST") == []


def test_an_old_review_sends_nothing(editor_client, sandbox, settings):
    batch = batch_of(upload(editor_client, HEADER, *GOOD))
    settings.BULK_TOKEN_MAX_AGE = -1

    response = editor_client.post(URL, {"batch": batch})

    assert response.status_code == 400
    assert "more than an hour old" in text(response)
    assert upstream_requests(sandbox, "POST") == []


# --- overlaps: warnings from the same read, confirmed before anything is sent -------------------


def day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def warnings_of(response) -> list[str]:
    """Every row warning on the page, in order, as text."""
    lists = re.findall(r'<ul class="row-warnings"[^>]*>(.*?)</ul>', response.content.decode())
    return [unescape(re.sub(r"<[^>]+>", "", item)) for items in lists for item in re.findall(r"<li>(.*?)</li>", items)]


def count_regex_runs(monkeypatch) -> list:
    """regex_check.match, spied on: the list grows by one per call (each call forks a process)."""
    runs = []
    real = regex_check.match

    def spy(jobs, *args, **kwargs):
        runs.append(jobs)
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(regex_check, "match", spy)
    return runs


def test_an_exact_code_an_active_regex_accepts_is_a_warning_on_its_row(editor_client, sandbox):
    response = upload(editor_client, HEADER, f"1000,2552842,summer42,LI,,{day(40)},{day(50)},,", GOOD[1])

    assert response.status_code == 200  # a warning, not an error: the file stays valid
    body = unescape(response.content.decode())
    assert rf'Overlaps the active regex code <a href="/promo-codes/{SUMMER_RE}/" class="code">^SUMMER\d{{2}}$</a> (id {SUMMER_RE}): both accept <span class="code">SUMMER42</span>.' in body
    assert warnings_of(response) == [rf"Overlaps the active regex code ^SUMMER\d{{2}}$ (id {SUMMER_RE}): both accept SUMMER42."]
    assert re.search(r'<tr id="bulk-row-0"[^>]* class="warned">', body)
    assert not re.search(r'<tr id="bulk-row-1"[^>]* class="warned">', body)
    page = text(response)
    assert "1 row overlaps other codes of its campaign, marked below." in page
    assert "Create them anyway: I have checked the 1 row marked with a warning" in page
    assert len(upstream_requests(sandbox, "GET", "/PromoCodes")) == 1  # the duplicate check's read, nothing more
    assert upstream_requests(sandbox, "POST") == []


def test_a_regex_row_that_accepts_an_active_exact_code_names_it(editor_client, sandbox):
    response = upload(editor_client, HEADER, "1000,2553254,^welcome\\d+$,RE,,,,,")

    assert response.status_code == 200
    assert f'<a href="/promo-codes/{WELCOME10}/" class="code">WELCOME10</a> (id {WELCOME10})' in response.content.decode()
    # Exact codes ignore case at checkout: the lower-case pattern still takes a shopper's "welcome10".
    assert warnings_of(response) == [f"Overlaps the active exact code WELCOME10 (id {WELCOME10}): both accept welcome10."]


def test_rows_of_the_same_file_that_overlap_warn_each_other(editor_client, sandbox):
    response = upload(
        editor_client,
        HEADER,
        "1001,2553399,FILE7,LI,,,,,",
        "1001,2553399,^FILE\\d$,RE,,,,,",
        "1002,2553471,FILE8,LI,,,,,",  # another campaign: no overlap with the pattern
    )

    assert response.status_code == 200
    assert warnings_of(response) == [
        "Overlaps the regex code ^FILE\\d$ on line 3 of this file: both accept FILE7.",
        "Overlaps the exact code FILE7 on line 2 of this file: both accept FILE7.",
    ]
    body = response.content.decode()
    assert '<a href="#bulk-row-1">line 3</a>' in body and '<a href="#bulk-row-0">line 2</a>' in body
    assert "2 rows overlap other codes of their campaign" in text(response)


def test_codes_that_never_run_at_the_same_time_do_not_overlap(editor_client, sandbox):
    # ^SUMMER\d{2}$ starts in 30 days; these rows end before it starts, or start after the other row ends.
    response = upload(
        editor_client,
        HEADER,
        f"1000,2552842,SUMMER42,LI,,,{day(10)},,",
        f"1001,2553399,LATER7,LI,,{day(20)},{day(30)},,",
        f"1001,2553399,^LATER\\d$,RE,,{day(5)},{day(10)},,",
    )

    assert response.status_code == 200
    assert warnings_of(response) == []
    assert "confirm_overlap" not in response.content.decode()


def test_the_overlap_check_costs_no_api_call_and_one_regex_run(editor_client, sandbox, monkeypatch, settings):
    runs = count_regex_runs(monkeypatch)
    rows = [f"{1000 + i % 4},2552907,CODE{i}X,LI,,,,," if i % 10 else f"{1000 + i % 4},2552907,^CODE{i}-[A-Z]{{2}}$,RE,,,,,"
            for i in range(settings.BULK_CREATE_MAX_ROWS - 2)]
    rows += ["1000,2552842,summer42,LI,,,,,", "1001,2553399,^CODE1\\dX$,RE,,,,,"]  # CODE13X, CODE17X: campaign 1001

    started = time.monotonic()
    response = upload(editor_client, HEADER, *rows)

    assert response.status_code == 200
    assert time.monotonic() - started < 10  # about half a second here; generous for slow CI machines
    assert len(runs) == 1  # every pattern of the file and of its campaigns, in one time-limited process
    reads = upstream_requests(sandbox, "GET", "/PromoCodes")
    assert sorted(r.query["CampaignId"][0] for r in reads) == ["1000", "1001", "1002", "1003"]
    assert len(reads) == 4  # besides the picker lists the names come from
    assert warnings_of(response) == [  # lines are 2 + the row's index
        "Overlaps the regex code ^CODE1\\dX$ on line 501 of this file: both accept CODE13X.",
        "Overlaps the regex code ^CODE1\\dX$ on line 501 of this file: both accept CODE17X.",
        rf"Overlaps the active regex code ^SUMMER\d{{2}}$ (id {SUMMER_RE}): both accept SUMMER42.",
        "Overlaps the exact code CODE13X on line 15 of this file: both accept CODE13X.",
        "Overlaps the exact code CODE17X on line 19 of this file: both accept CODE17X.",
    ]


def test_a_regex_too_slow_to_test_is_a_warning_naming_it(editor_client, sandbox, settings):
    settings.OVERLAP_TIMEOUT = 0.5
    settings.OVERLAP_RETRY_SECONDS = 5.0  # room for a busy machine; about 0.6 s are used
    started = time.monotonic()

    response = upload(
        editor_client,
        HEADER,
        "1000,2552842," + "A" * 40 + "B,LI,,,,,",
        "1000,2552842,^(A+)+$,RE,,,,,",  # exponential on AAAA…AB
        "1000,2552842,summer42,LI,,,,,",
    )

    assert time.monotonic() - started < 10  # the batch (0.5 s), then each pattern alone: the slow one 0.5 s
    assert response.status_code == 200
    assert warnings_of(response) == [
        "Could not be checked against the regex code ^(A+)+$ on line 3 of this file: it took too long to test.",
        "This pattern could not be checked for overlaps: it took too long to test (it may backtrack badly, as (a+)+ does).",
        rf"Overlaps the active regex code ^SUMMER\d{{2}}$ (id {SUMMER_RE}): both accept SUMMER42.",  # still found
        "Could not be checked against the regex code ^(A+)+$ on line 3 of this file: it took too long to test.",
    ]
    page = text(response)
    assert "1 row overlaps other codes of its campaign, and 2 rows were not fully checked, marked below." in page
    assert "Create them anyway: I have checked the 3 rows marked with a warning" in page


def test_with_overlaps_the_plain_post_sends_nothing_until_confirmed(editor_client, sandbox):
    review = upload(editor_client, HEADER, GOOD[0], "1000,2553254,^WELCOME\\d+$,RE,,,,,")
    assert 'name="confirm_overlap"' in review.content.decode()
    batch = batch_of(review)

    refused = editor_client.post(URL, {"batch": batch})

    assert refused.status_code == 422
    page = text(refused)
    assert "Nothing was created" in page and "the box “Create them anyway” was not ticked" in page
    assert upstream_requests(sandbox, "POST") == []

    confirmed = editor_client.post(URL, {"batch": batch, "confirm_overlap": "on"})

    assert confirmed.status_code == 200
    assert "Finished: 2 created." in text(confirmed)
    assert posts(sandbox) == ["BULK1", "^WELCOME\\d+$"]


def test_with_overlaps_a_row_is_not_sent_until_confirmed(editor_client, sandbox):
    tokens = row_tokens(upload(editor_client, HEADER, GOOD[0], "1000,2553254,^WELCOME\\d+$,RE,,,,,"))

    refused = editor_client.post(ROW_URL, {"row_token": tokens[0]}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'data-outcome="not-sent"' in body and 'data-stop="1"' in body  # the page's script stops the run
    assert upstream_requests(sandbox, "POST") == []

    sent = editor_client.post(ROW_URL, {"row_token": tokens[0], "confirm_overlap": "on"}, HTTP_HX_REQUEST="true")

    assert 'data-outcome="created"' in sent.content.decode()
    assert posts(sandbox) == ["BULK1"]  # a row without an overlap waits for the confirmation too


def test_a_file_without_overlaps_needs_no_confirmation(editor_client, sandbox, monkeypatch):
    runs = count_regex_runs(monkeypatch)
    review = upload(editor_client, HEADER, *GOOD)

    body = review.content.decode()
    assert "row-warnings" not in body and "overlap-warning" not in body and "confirm_overlap" not in body
    assert "and warnings" not in body
    assert len(runs) == 1  # ^BULK\d+$ against campaign 1002's exact codes

    response = editor_client.post(URL, {"batch": batch_of(review)})

    assert "Finished: 3 created." in text(response)
    assert posts(sandbox) == ["BULK1", "BULK2", "^BULK\\d+$"]


# --- permissions ------------------------------------------------------------------------------


def test_a_viewer_may_neither_upload_nor_create(viewer_client, sandbox):
    assert viewer_client.get(URL).status_code == 403
    assert viewer_client.post(URL, {"file": csv_file(HEADER, *GOOD)}).status_code == 403
    assert viewer_client.post(URL, {"batch": "x"}).status_code == 403
    assert viewer_client.post(ROW_URL, {"row_token": "x"}).status_code == 403
    assert upstream_requests(sandbox) == []


def test_the_list_links_to_bulk_create_for_editors_only(editor_client, viewer, client):
    assert 'href="/promo-codes/bulk-create/"' in editor_client.get("/promo-codes/").content.decode()
    client.force_login(viewer)
    assert "/promo-codes/bulk-create/" not in client.get("/promo-codes/").content.decode()


def test_a_request_body_far_over_the_limit_is_refused_before_it_is_read(editor_client, sandbox, settings):
    settings.BULK_CREATE_MAX_BYTES = 10
    big = (HEADER + "\n" + "1000,2552842,X,LI,,,,,\n" * 4000).encode()  # ~90 kB: past 10 bytes + 64 kB of slack

    response = upload(editor_client, raw=big)

    assert response.status_code == 413
    assert upstream_requests(sandbox) == []
