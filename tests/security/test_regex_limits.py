"""User-written regexes cannot take the server from other users.

The attacks: 64 concurrent regex-tester requests with a catastrophic pattern took a viewer's
detail page from 5 ms to 2 s (p50); one bulk review of 500 regex rows ran 37.5 s.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from helpers import session_cookie

from promoadmin.promocodes import regex_check, regex_limits
from promoadmin.promocodes.models import CREATE_PERMISSION

CATASTROPHIC = {"code": "(a+)+$", "type": "RE", "regex_samples": "a" * 40 + "!"}
HX_REQUEST = {"HX-Request": "true"}  # an httpx header, not the test client's META key (helpers.HTMX)


@pytest.fixture
def attacker(transactional_db):
    user = get_user_model().objects.create_user("flooding-editor", password="editor-password-1")
    user.user_permissions.add(Permission.objects.get(codename=CREATE_PERMISSION.split(".")[1]))
    return user


@pytest.fixture
def bystander(transactional_db):
    return get_user_model().objects.create_user("bystander", password="viewer-password-1")


def test_a_regex_flood_leaves_other_users_pages_fast(live_server, attacker, bystander):
    flood_cookies = {"sessionid": session_cookie(attacker)}
    stop = threading.Event()

    def flood() -> None:
        with httpx.Client(base_url=live_server.url, cookies=flood_cookies, headers=HX_REQUEST, timeout=30) as client:
            while not stop.is_set():
                client.get("/promo-codes/new/check/", params=CATASTROPHIC)

    timings = []
    with httpx.Client(base_url=live_server.url, cookies={"sessionid": session_cookie(bystander)}, timeout=30) as reader:
        assert reader.get("/promo-codes/7000151/").status_code == 200  # warm: the code is in the cache now
        baseline = []
        for _ in range(10):
            started = time.perf_counter()
            reader.get("/promo-codes/7000151/")
            baseline.append(time.perf_counter() - started)
        with ThreadPoolExecutor(64) as pool:
            floods = [pool.submit(flood) for _ in range(64)]
            time.sleep(1.5)  # every flooding request is in flight
            try:
                for _ in range(20):
                    started = time.perf_counter()
                    response = reader.get("/promo-codes/7000151/")
                    timings.append(time.perf_counter() - started)
                    assert response.status_code == 200
                    time.sleep(0.05)
            finally:
                stop.set()
            for future in floods:
                future.result()

    assert statistics.median(timings) < 0.1, (statistics.median(baseline), [round(t, 3) for t in timings])


def test_a_user_runs_one_regex_at_a_time(editor_client, editor, settings):
    """A run while the same user's other run holds the slot waits, within the budget, then the tester says so."""
    settings.REGEX_SECONDS_PER_REQUEST = 0.3  # how long a run may wait for the slot, at most
    regex_limits._claim_slot(f"user:{editor.pk}", wait=0)  # a run in flight
    started = time.monotonic()

    response = editor_client.get("/promo-codes/new/check/", CATASTROPHIC, headers=HX_REQUEST)

    assert 0.2 < time.monotonic() - started < 1.0
    assert "previous test is still running" in response.content.decode()


def test_one_request_has_one_time_budget_for_all_its_regex_work(settings):
    settings.REGEX_SECONDS_PER_REQUEST = 0.6
    slow = ("(a|aa)+$", ["a" * 200 + "b"])
    started = time.monotonic()
    with regex_limits.allowance(lambda: "user:1", settings.REGEX_SECONDS_PER_REQUEST):
        with pytest.raises(regex_check.RegexTimeout):
            regex_limits.match([slow], timeout=2.0)
        with pytest.raises(regex_limits.RegexBudgetSpent):
            regex_limits.match([("a", ["a"])], timeout=2.0)

    assert time.monotonic() - started < 1.2


def test_a_bulk_review_of_slow_regex_rows_stays_within_the_budget(editor_client, settings, sandbox):
    settings.REGEX_SECONDS_PER_REQUEST = 1.0
    rows = "".join(f"1000,2552842,(a|aa)+$X{index},RE,,,,,\n" for index in range(60))
    exact = "".join(f"1000,2552842,{'a' * 60}{index},LI,,,,,\n" for index in range(60))
    header = "campaign_id,assigned_partner_id,code,type,credit_policy,start_date,end_date,deal_id,deal_name\n"
    upload = SimpleUploadedFile("slow.csv", (header + rows + exact).encode(), content_type="text/csv")
    started = time.monotonic()

    response = editor_client.post("/promo-codes/bulk-create/", {"file": upload})

    assert time.monotonic() - started < 3.0  # without the budget: 2 s for the batch, then 4 s of retries
    assert response.status_code in (200, 422)
    assert "could not be checked for overlaps" in response.content.decode()
