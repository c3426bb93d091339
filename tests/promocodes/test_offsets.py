"""Dates impact.com sends with any offset, shown as the right instant in TIME_ZONE, the zone named.

impact.com sends a date-time with the offset it was created with. Each test creates codes in the
embedded sandbox (which keeps the offset, over httpx's WSGI transport) with the offsets it may send,
then reads them through the list, the detail page, the date views and the CSV export. The dates
are chosen so that in California they fall on another calendar day than the text impact.com sent.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import httpx
import pytest
from django.utils import timezone

from promoadmin.impact.sandbox.seed import OFFSETS, ZULU

# (EndDate as impact.com sends it, the same instant in America/Los_Angeles as the detail page says it)
OFFSET_CASES = [
    ("2027-01-01T05:00:00+09:00", "Dec 31, 2026, 12:00 PST"),
    ("2027-01-01T05:00:00+05:30", "Dec 31, 2026, 15:30 PST"),
    ("2027-01-01T05:00:00+02:00", "Dec 31, 2026, 19:00 PST"),
    ("2027-01-01T02:00:00-03:00", "Dec 31, 2026, 21:00 PST"),
    ("2027-01-01T05:00:00Z", "Dec 31, 2026, 21:00 PST"),
    ("2027-01-01T05:00:00-08:00", "Jan 1, 2027, 05:00 PST"),  # Pacific itself: the same day
]
ZONE_NOTE = "Dates and times in America/Los_Angeles time (PST/PDT)"


@pytest.fixture(autouse=True)
def pacific_business_zone(settings):
    settings.TIME_ZONE = "America/Los_Angeles"


@pytest.fixture
def api(sandbox):
    """impact.com's API as the sandbox serves it, to create codes with dates written exactly as sent."""
    with httpx.Client(transport=httpx.WSGITransport(app=sandbox), base_url="http://impact",
                      auth=(sandbox.account_sid, sandbox.auth_token)) as client:
        yield client


def create(api, code: str, **dates: str) -> int:
    form = {"AssignedPartnerId": "2552842", "CampaignId": "1000", "CreditPolicy": "ALWAYS", "Code": code, "Type": "LI",
            **dates}
    response = api.post("/Advertisers/IRsandbox0000000001/PromoCodes", data=form)
    assert response.status_code == 200, response.text
    return int(response.json()["Uri"].rsplit("/", 1)[-1])


def in_offset(moment, offset: str) -> str:
    """`moment` written the way impact.com would send it in `offset`."""
    text = moment.astimezone(OFFSETS[offset]).isoformat(timespec="seconds")
    return text.removesuffix("+00:00") + "Z" if OFFSETS[offset] is ZULU else text


def row_of(response, promo_code_id: int) -> str:
    match = re.search(rf'<tr id="promo-code-{promo_code_id}">.*?</tr>', response.content.decode(), re.S)
    assert match, f"no row for {promo_code_id}"
    return match.group(0)


def row_times(row: str) -> list[tuple[str, str, str]]:
    """(datetime attribute, title, text) of each date in a row: start, then end."""
    return re.findall(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', row)


def fact(response, label: str) -> str:
    match = re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", response.content.decode(), re.S)
    assert match, f"no {label!r} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.parametrize(("sent", "shown"), OFFSET_CASES)
def test_the_detail_page_shows_the_instant_in_the_business_zone(editor_client, api, sent, shown):
    promo_code_id = create(api, "OFFSETEND", EndDate=sent)

    response = editor_client.get(f"/promo-codes/{promo_code_id}/")

    assert fact(response, "Ends").startswith(shown)
    assert ZONE_NOTE in response.content.decode()


@pytest.mark.parametrize(("sent", "shown"), OFFSET_CASES)
def test_a_list_row_shows_the_day_in_the_business_zone(editor_client, api, sent, shown):
    promo_code_id = create(api, "OFFSETEND", EndDate=sent)

    response = editor_client.get("/promo-codes/", {"code": "OFFSETEND"})

    [(_, end_title, end_day)] = row_times(row_of(response, promo_code_id))
    assert end_title == shown
    assert end_day == shown.rsplit(",", 1)[0]  # 'Dec 31, 2026': the date without the time
    assert ZONE_NOTE in response.content.decode()


@pytest.mark.parametrize(("sent", "shown"), OFFSET_CASES)
def test_the_list_filters_by_the_day_in_the_business_zone(editor_client, api, sent, shown):
    # The code starts when `sent` says, which is the day `shown` says for someone in California.
    promo_code_id = create(api, "OFFSETSTART", StartDate=sent)
    local_day = datetime.strptime(shown.rsplit(",", 1)[0], "%b %d, %Y").date()

    started_that_day = editor_client.get("/promo-codes/", {"code": "OFFSETSTART", "end_date": local_day.isoformat()})
    day_before = (local_day - timedelta(days=1)).isoformat()
    not_started_the_day_before = editor_client.get("/promo-codes/", {"code": "OFFSETSTART", "end_date": day_before})

    assert f'id="promo-code-{promo_code_id}"' in started_that_day.content.decode()
    assert f'id="promo-code-{promo_code_id}"' not in not_started_the_day_before.content.decode()


@pytest.mark.parametrize(("sent", "shown"), OFFSET_CASES)
def test_the_csv_export_writes_the_instant_in_the_business_zone(editor_client, api, sent, shown):
    promo_code_id = create(api, "OFFSETEND", EndDate=sent)

    response = editor_client.get("/promo-codes/export.csv", {"code": "OFFSETEND"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    [row] = [row for row in rows if row["id"] == str(promo_code_id)]
    local = timezone.localtime(datetime.fromisoformat(sent))
    assert row["end_date"] == local.isoformat()
    assert row["end_date"].endswith("-08:00")  # the offset says which zone
    assert f"{local:%b} {local.day}, {local.year}, {local:%H:%M} PST" == shown


@pytest.mark.parametrize("offset", ["+09:00", "+05:30", "+02:00", "-03:00", "Z"])
def test_ending_soon_compares_instants_whatever_the_offset(editor_client, api, offset):
    now = timezone.now()
    # Written in `offset`, these read (as wall-clock text) hours later than they are in California.
    inside = create(api, "INSIDE7", EndDate=in_offset(now + timedelta(days=7, minutes=-30), offset))
    outside = create(api, "OUTSIDE7", EndDate=in_offset(now + timedelta(days=7, minutes=30), offset))

    response = editor_client.get("/promo-codes/", {"view": "ending-soon"})

    body = response.content.decode()
    assert f'id="promo-code-{inside}"' in body
    assert f'id="promo-code-{outside}"' not in body
    [(_, _, end_day)] = row_times(row_of(response, inside))
    local_end = timezone.localtime(now + timedelta(days=7, minutes=-30))
    assert end_day == f"{local_end:%b} {local_end.day}, {local_end.year}"
    assert ZONE_NOTE in body


@pytest.mark.parametrize("offset", ["+09:00", "+05:30", "+02:00", "-03:00", "Z"])
def test_ended_but_active_and_the_badges_compare_instants_whatever_the_offset(editor_client, api, offset):
    now = timezone.now()
    ended = create(api, "ENDEDHOUR", EndDate=in_offset(now - timedelta(hours=1), offset))
    running = create(api, "RUNNINGHOURS", EndDate=in_offset(now + timedelta(hours=3), offset))

    view = editor_client.get("/promo-codes/", {"view": "ended-active"}).content.decode()
    assert f'id="promo-code-{ended}"' in view
    assert f'id="promo-code-{running}"' not in view

    ended_page = editor_client.get(f"/promo-codes/{ended}/").content.decode()
    running_page = editor_client.get(f"/promo-codes/{running}/").content.decode()
    assert '<span class="badge badge-ended">Ended</span> <small class="hint">ended 1 hour ago</small>' in ended_page
    assert re.search(r'<span class="badge badge-active">Active</span> <small class="hint">ends in (2|3) hours</small>',
                     running_page)


@pytest.mark.parametrize(("sent", "shown"), OFFSET_CASES)
def test_the_bulk_expire_dry_run_shows_the_day_in_the_business_zone(editor_client, api, sent, shown):
    promo_code_id = create(api, "OFFSETEND", EndDate=sent)

    response = editor_client.get("/promo-codes/bulk-expire/", {"id": promo_code_id})

    row = re.search(rf'<tr id="bulk-row-{promo_code_id}".*?</tr>', response.content.decode(), re.S).group(0)
    assert re.search(r"<time [^>]*>([^<]+)</time>", row).group(1) == shown.rsplit(",", 1)[0]
    assert ZONE_NOTE in response.content.decode()


def test_another_business_zone_shows_the_same_instant_in_its_own_time(editor_client, api, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    promo_code_id = create(api, "OFFSETEND", EndDate="2026-12-31T12:00:00-08:00")

    response = editor_client.get(f"/promo-codes/{promo_code_id}/")

    assert fact(response, "Ends").startswith("Jan 1, 2027, 05:00 JST")
    assert "Dates and times in Asia/Tokyo time (JST)" in response.content.decode()
