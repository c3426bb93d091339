"""Every request ends by its deadline, however many slow impact.com calls it would make, and says so.

gunicorn's gthread workers never stop a slow request: a page that makes call after call to a slow
impact.com (each within IMPACT_TIMEOUT) ran as long as they took.
"""

from __future__ import annotations

import re
import time
from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from helpers import page_text, upstream_requests

from promoadmin.web.deadline import RENDER_SECONDS

PAGE_SECONDS = 0.8  # what the tests leave a page for impact.com


def test_a_slow_call_is_cut_at_the_pages_deadline(viewer_client, sandbox, settings):
    settings.REQUEST_TIMEOUT = RENDER_SECONDS + PAGE_SECONDS
    sandbox.inject_fault(latency_ms=3000, count=5)  # answers within IMPACT_TIMEOUT (10 s), but late
    started = time.monotonic()

    response = viewer_client.get("/promo-codes/7000151/")

    assert time.monotonic() - started < PAGE_SECONDS + 1.0
    assert response.status_code == 504
    assert "took too long" in page_text(response)


def test_a_page_of_many_calls_stops_asking_at_its_deadline(editor_client, sandbox, settings):
    ids = [7000151, 7000152, 7000153, 7000154, 7000155, 7000157, 7000158, 7000159]
    dry_run = editor_client.get("/promo-codes/bulk-expire/", {"id": ids})
    batch = unescape(re.search(r'name="batch" value="([^"]+)"', dry_run.content.decode()).group(1))
    settings.REQUEST_TIMEOUT = RENDER_SECONDS + PAGE_SECONDS
    sandbox.latency_ms = 300  # each call is quick enough; together they are not
    started = time.monotonic()

    response = editor_client.post("/promo-codes/bulk-expire/", {"batch": batch})

    assert time.monotonic() - started < PAGE_SECONDS + 1.0
    assert 0 < len(upstream_requests(sandbox, "DELETE")) < len(ids)
    text = page_text(response)
    assert "This page took too long" in text
    assert "Not sent: the batch stopped at an earlier error." in text


def test_a_bulk_create_without_javascript_stops_at_its_deadline_and_says_the_rest_were_not_sent(editor_client, sandbox, settings):
    rows = "\n".join(f"1000,2552842,DEADLINE{n},LI,ALWAYS" for n in range(8))
    review = editor_client.post("/promo-codes/bulk-create/", {"file": SimpleUploadedFile(
        "codes.csv", f"campaign_id,assigned_partner_id,code,type,credit_policy\n{rows}\n".encode(), content_type="text/csv")})
    batch = unescape(re.search(r'name="batch" value="([^"]+)"', review.content.decode()).group(1))
    settings.REQUEST_TIMEOUT = RENDER_SECONDS + PAGE_SECONDS
    sandbox.latency_ms = 300  # each create is quick enough; together they are not

    response = editor_client.post("/promo-codes/bulk-create/", {"batch": batch})

    assert 0 < len(upstream_requests(sandbox, "POST")) < 8
    text = page_text(response)
    assert "Not sent: the batch stopped at an earlier error." in text
    assert text.count("this page used all its time") == 1  # the row that met the deadline; the rest were not tried
