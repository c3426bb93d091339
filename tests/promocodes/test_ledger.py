"""The write ledger (services, /activity/, the detail page's history, change by replacement, the
commands) through Django's test client on the embedded sandbox, faults injected at the transport."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from helpers import page_text as text
from helpers import upstream_requests

from promoadmin.impact import factory
from promoadmin.impact.factory import get_impact_client
from promoadmin.promocodes import services
from promoadmin.promocodes.models import LedgerEntry

WELCOME10 = 7000151  # ACTIVE, campaign 1000, partner 2552842, no end date
SHIPFREE = 7000153
NOT_JOINED = "2553399"  # a partner impact.com refuses for campaign 1000
NEW_CODE = {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "LEDGER1", "type": "LI",
            "credit_policy": "WINNER", "action": "create"}


class AfterSend(httpx.BaseTransport):
    """The sandbox receives (and carries out) the first POST or DELETE, then the answer is lost: a
    time-out after sending, or a dropped connection."""

    def __init__(self, sandbox, error: type[httpx.TransportError], method: str = "POST", times: int = 1):
        self.inner, self.error, self.method, self.times = factory.SandboxTransport(app=sandbox), error, method, times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == self.method and self.times:  # an expire is retried: lose every answer
            self.times -= 1
            raise self.error("the answer never came", request=request)
        return response


class BeforeSend(httpx.BaseTransport):
    """The sandbox, until the first POST: that one is answered 503 by impact.com, or never connects."""

    def __init__(self, sandbox, fault: str):
        self.sandbox, self.inner, self.fault, self.armed = sandbox, factory.SandboxTransport(app=sandbox), fault, True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.armed:
            self.armed = False
            if self.fault == "connection-refused":
                raise httpx.ConnectError("connection refused", request=request)
            self.sandbox.inject_fault(503, count=1)
        return self.inner.handle_request(request)


def use(transport) -> None:
    factory._client = factory.build_impact_client(transport=transport)


def only_entry(**filters) -> LedgerEntry:
    [entry] = LedgerEntry.objects.filter(**filters)
    return entry


def active_ids(sandbox, code: str) -> list[int]:
    page = get_impact_client().list_promo_codes(factory_filters(code), page_size=25, fresh=True)
    return [promo.id for promo in page.items if promo.is_active]


def factory_filters(code: str):
    from promoadmin.impact.records import PromoCodeFilters

    return PromoCodeFilters(campaign_id=1000, code=code)


# --- what an entry records -------------------------------------------------------------------------


def test_it_records_who_created_what_from_where(editor_client, editor):
    response = editor_client.post("/promo-codes/new/", {**NEW_CODE, "form_token": "tok-1"})

    entry = only_entry(action="create")
    assert response.status_code == 302 and response["Location"] == f"/promo-codes/{entry.promo_code_id}/"
    assert (entry.user, entry.username, entry.screen, entry.outcome) == (editor, "editor", "create", "created")
    assert (entry.code, entry.campaign_id, entry.upstream_status) == ("LEDGER1", 1000, 200)
    assert entry.sent == {"AssignedPartnerId": "2552842", "CampaignId": "1000", "CreditPolicy": "WINNER", "Code": "LEDGER1", "Type": "LI"}
    assert entry.key == services.form_key("tok-1")  # the claim of that form: a second copy finds this entry


def test_a_second_copy_of_a_submission_answers_with_what_the_first_did(editor_client, sandbox):
    first = editor_client.post("/promo-codes/new/", {**NEW_CODE, "form_token": "tok-2"})
    posts = len([r for r in sandbox.requests if r.method == "POST"])

    again = editor_client.post("/promo-codes/new/", {**NEW_CODE, "form_token": "tok-2"})

    assert again.status_code == 409
    assert f"it created LEDGER1 (id {first['Location'].split('/')[2]})" in text(again)
    assert len([r for r in sandbox.requests if r.method == "POST"]) == posts
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "fault, outcome, key_kept",
    [
        ("time-out after send", "unknown", True),  # it may still land: settled later (Check now)
        ("dropped connection", "created", True),  # unknown, then settled at once by one read: it was created
        ("http-503", "failed", False),  # unknown, then settled at once by one read: not created
        ("connection-refused", "failed", False),
        ("4xx", "rejected", False),
    ],
)
def test_every_create_outcome_is_recorded(editor_client, sandbox, settings, fault, outcome, key_kept):
    settings.IMPACT_TIMEOUT = 1.0
    form = {**NEW_CODE, "form_token": "tok-3"}
    if fault == "time-out after send":
        use(AfterSend(sandbox, httpx.ReadTimeout))
    elif fault == "dropped connection":
        use(AfterSend(sandbox, httpx.RemoteProtocolError))
    elif fault == "4xx":
        form["assigned_partner_id"] = NOT_JOINED
    else:
        use(BeforeSend(sandbox, fault))

    response = editor_client.post("/promo-codes/new/", form)

    entry = only_entry(action="create")
    assert response.status_code >= 400
    assert entry.outcome == outcome
    assert (entry.key is not None) == key_kept  # only an unknown outcome keeps the form from being sent again
    if fault in ("http-503", "dropped connection"):
        assert entry.settled_at is not None


def test_check_now_settles_an_unknown_create_with_its_id(editor_client, sandbox, settings):
    settings.IMPACT_TIMEOUT = 1.0
    use(AfterSend(sandbox, httpx.ReadTimeout))  # impact.com created it; the answer never came
    editor_client.post("/promo-codes/new/", {**NEW_CODE, "form_token": "tok-4"})
    entry = only_entry(action="create", outcome="unknown")
    listing = text(editor_client.get("/activity/"))
    assert "Check now" in listing

    editor_client.post(f"/activity/{entry.pk}/check/")

    entry.refresh_from_db()
    assert entry.outcome == "created" and entry.promo_code_id == active_ids(sandbox, "LEDGER1")[0]


@pytest.mark.parametrize("next_url, lands_on", [("/activity/?outcome=unknown", "/activity/?outcome=unknown"),
                                                ("https://evil.example/", "/activity/"), ("//evil.example/", "/activity/")])
def test_check_now_goes_back_to_the_activity_view_it_came_from_never_elsewhere(editor_client, sandbox, next_url, lands_on):
    entry = LedgerEntry.objects.create(action="create", outcome="unknown", code="LEDGER9", campaign_id=1000, at=timezone.now(),
                                       screen="create")

    response = editor_client.post(f"/activity/{entry.pk}/check/", {"next": next_url})

    assert response.status_code == 302 and response["Location"] == lands_on


def test_the_settle_command_settles_every_unknown_write(sandbox, editor):
    use(AfterSend(sandbox, httpx.ReadTimeout, method="DELETE", times=10))
    result = services.promo_code_expire(user=editor, promo_code_id=SHIPFREE)
    lost = LedgerEntry.objects.create(at=timezone.now(), username="editor", screen="create", action="create",
                                      campaign_id=1000, code="NEVERMADE", sent={"Type": "LI"}, outcome="unknown")
    assert result.outcome == "unknown"

    call_command("settle_unknown", stdout=open(os.devnull, "w"))

    assert result.entry.__class__.objects.get(pk=result.entry.pk).outcome == "expired"
    lost.refresh_from_db()
    assert lost.outcome == "failed" and "not created" in lost.message


def test_the_audit_line_is_written_from_the_entry(editor_client, caplog):
    with caplog.at_level("INFO", logger="promoadmin.audit"):
        import logging

        logging.getLogger("promoadmin.audit").addHandler(caplog.handler)
        editor_client.post(f"/promo-codes/{WELCOME10}/expire/")
        logging.getLogger("promoadmin.audit").removeHandler(caplog.handler)

    entry = only_entry(action="expire")
    assert [r.getMessage() for r in caplog.records if r.name == "promoadmin.audit"][0].count(f'"promo_code_id": {entry.promo_code_id}') == 1


# --- two processes, one submission -------------------------------------------------------------

CLAIM_SCRIPT = """
import sys, time
import django
django.setup()
from promoadmin.promocodes import services
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
entry, claimed = services.ledger_claim(key="create-form:two-processes", user=None, action="create", screen="create")
print("claimed" if claimed else f"found {entry.pk}")
"""


def database_url_for_other_processes() -> str:
    """The test database (SQLite's file, or PostgreSQL's test_<name>) as a URL another process can use."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.mark.django_db(transaction=True)  # the other processes read what this one's database holds
def test_two_processes_claiming_one_submission_one_wins():
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG")}
    env.update(DJANGO_SETTINGS_MODULE="promoadmin.settings", DATABASE_URL=database_url_for_other_processes())
    start = str(time.time() + 3)
    workers = [subprocess.Popen([sys.executable, "-c", CLAIM_SCRIPT, start], cwd=Path(__file__).resolve().parents[2],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    answers = sorted(worker.communicate(timeout=60)[0].strip() for worker in workers)

    entry = LedgerEntry.objects.get(key="create-form:two-processes")
    assert answers == ["claimed", f"found {entry.pk}"]
    connection.close()


# --- expiring twice --------------------------------------------------------------------------------


def test_expiring_twice_says_when_and_by_whom_and_records_one_expire(editor_client, sandbox):
    editor_client.post(f"/promo-codes/{WELCOME10}/expire/")

    again = editor_client.post(f"/promo-codes/{WELCOME10}/expire/", follow=True)

    assert f"Promo code {WELCOME10} was already expired on" in text(again)
    assert "(by editor via promoadmin)" in text(again)
    assert LedgerEntry.objects.filter(action="expire", outcome="expired").count() == 1
    assert len([r for r in sandbox.requests if r.method == "DELETE"]) == 1


def test_a_bulk_row_already_expired_by_promoadmin_sends_nothing(editor_client, sandbox):
    batch_page = editor_client.get(f"/promo-codes/bulk-expire/?id={WELCOME10}").content.decode()
    import re

    batch = re.search(r'name="batch" value="([^"]+)"', batch_page).group(1)
    editor_client.post(f"/promo-codes/{WELCOME10}/expire/")

    row = editor_client.post(f"/promo-codes/bulk-expire/{WELCOME10}/", {"batch": batch})

    assert 'data-outcome="already"' in row.content.decode()
    assert len([r for r in sandbox.requests if r.method == "DELETE"]) == 1


def test_a_code_the_ledger_saw_expired_but_active_again_is_expired(editor_client, sandbox):
    # impact.com's state decides: the sandbox reuses ids after a restart, so an id can be ACTIVE again.
    editor_client.post(f"/promo-codes/{WELCOME10}/expire/")
    sandbox._promo_codes[WELCOME10]["State"] = "ACTIVE"

    again = editor_client.post(f"/promo-codes/{WELCOME10}/expire/", follow=True)

    assert "already expired" not in text(again)
    assert len(deletes(sandbox)) == 2
    assert LedgerEntry.objects.filter(action="expire", outcome="expired").count() == 2


def deletes(sandbox) -> list:
    return [r for r in sandbox.requests if r.method == "DELETE"]


def expire_outside_promoadmin(promo_code_id: int) -> None:
    """Someone expires the code in impact.com's own UI (or another tool): straight to the API, no ledger."""
    get_impact_client().expire_promo_code(promo_code_id)


@pytest.mark.parametrize("where", ["list", "detail", "page"])
def test_a_code_expired_outside_promoadmin_is_already_expired_and_nothing_is_sent(editor_client, sandbox, where):
    expire_outside_promoadmin(WELCOME10)  # after the page with the Expire button was opened
    sent_before = len(deletes(sandbox))
    headers = {
        "list": {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"promo-code-{WELCOME10}"},
        "detail": {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "promo-code-summary"},
        "page": {},
    }[where]

    response = editor_client.post(f"/promo-codes/{WELCOME10}/expire/", follow=where == "page", **headers)

    assert response.status_code == 200
    assert f"Promo code {WELCOME10} was already expired" in response.content.decode()
    assert "(not through promoadmin)" in response.content.decode()
    assert "inactive" in text(response).lower()  # the code as impact.com has it
    assert len(deletes(sandbox)) == sent_before  # no DELETE
    assert not LedgerEntry.objects.filter(action="expire").exists()  # no "expired" of ours


def test_a_bulk_row_expired_outside_promoadmin_since_the_confirmation_sends_nothing(editor_client, sandbox):
    import re

    batch_page = editor_client.get(f"/promo-codes/bulk-expire/?id={WELCOME10}").content.decode()
    batch = re.search(r'name="batch" value="([^"]+)"', batch_page).group(1)
    expire_outside_promoadmin(WELCOME10)
    sent_before = len(deletes(sandbox))

    row = editor_client.post(f"/promo-codes/bulk-expire/{WELCOME10}/", {"batch": batch}, HTTP_HX_REQUEST="true")

    assert 'data-outcome="already"' in row.content.decode()
    assert f"Promo code {WELCOME10} was already expired" in text(row)
    assert len(deletes(sandbox)) == sent_before
    assert not LedgerEntry.objects.filter(action="expire").exists()


@pytest.mark.parametrize("fault", [{"status": 503}, {"latency_ms": 1500}])
def test_a_read_that_fails_before_the_delete_sends_nothing_and_says_so(editor_client, sandbox, settings, fault):
    settings.IMPACT_TIMEOUT = 1.0
    factory.reset_impact_client()
    sandbox.inject_fault(count=10, method="GET", **fault)

    response = editor_client.post(f"/promo-codes/{WELCOME10}/expire/")

    assert response.status_code == (503 if "status" in fault else 504)
    assert f"Nothing was sent, so promo code {WELCOME10} was not expired." in text(response)
    assert "cannot tell" not in text(response)
    assert deletes(sandbox) == []
    (entry,) = LedgerEntry.objects.filter(action="expire")
    assert entry.outcome == "failed"  # nothing was done: not "unknown", and not "expired"
    sandbox.clear_faults()
    assert get_impact_client().get_promo_code(WELCOME10, fresh=True).state == "ACTIVE"


def test_a_bulk_row_whose_read_fails_is_not_sent(editor_client, sandbox):
    import re

    batch_page = editor_client.get(f"/promo-codes/bulk-expire/?id={WELCOME10}").content.decode()
    batch = re.search(r'name="batch" value="([^"]+)"', batch_page).group(1)
    sandbox.inject_fault(503, count=10, method="GET")

    row = editor_client.post(f"/promo-codes/bulk-expire/{WELCOME10}/", {"batch": batch}, HTTP_HX_REQUEST="true")

    assert 'data-outcome="failed"' in row.content.decode()
    assert f"Nothing was sent, so promo code {WELCOME10} was not expired." in text(row)
    assert deletes(sandbox) == []


# --- /activity/ ------------------------------------------------------------------------------------


def entry(**fields) -> LedgerEntry:
    defaults = {"at": timezone.now(), "username": "ana", "screen": "create", "action": "create", "campaign_id": 1000,
                "code": "X", "outcome": "created"}
    return LedgerEntry.objects.create(**{**defaults, **fields})


def test_activity_filters_live_in_the_url(viewer_client):
    now = timezone.now()
    entry(code="ANA-OLD", at=now - timedelta(days=20))
    entry(code="ANA-NEW", campaign_id=1001)
    entry(code="BOB-EXP", username="bob", action="expire", outcome="expired")
    entry(code="BOB-UNK", username="bob", outcome="unknown", at=now - timedelta(days=3))

    def codes(query: str) -> list[str]:
        response = viewer_client.get(f"/activity/?{query}")
        assert response.status_code == 200
        return [e.code for e in response.context["page"].object_list]

    assert codes("") == ["BOB-UNK", "BOB-EXP", "ANA-NEW", "ANA-OLD"]  # unknown first, then newest first
    assert codes("user=bob") == ["BOB-UNK", "BOB-EXP"]
    assert codes("action=expire") == ["BOB-EXP"]
    assert codes("outcome=created") == ["ANA-NEW", "ANA-OLD"]
    assert codes("campaign_id=1001") == ["ANA-NEW"]
    assert codes("code=ana") == ["ANA-NEW", "ANA-OLD"]
    today = timezone.localdate()
    assert codes(f"start_date={today - timedelta(days=5)}&end_date={today - timedelta(days=1)}") == ["BOB-UNK"]


@pytest.mark.parametrize("query", ["outcome=nope", "campaign_id=abc", "start_date=2026-13-01", "start_date=2026-02-01&end_date=2026-01-01"])
def test_bad_activity_filters_are_a_clear_400(viewer_client, query):
    response = viewer_client.get(f"/activity/?{query}")

    assert response.status_code == 400
    assert "Fix the filters" in text(response)


def test_a_bad_activity_filter_is_described_by_its_message(viewer_client):
    body = viewer_client.get("/activity/?outcome=nope&campaign_id=abc").content.decode()
    for field in ("outcome", "campaign_id"):
        assert f'aria-describedby="id_{field}_error"' in body  # Django's widget names the message's id
        assert re.search(rf'id="id_{field}_error">[^<]+</small>', body)


def test_activity_exports_the_filtered_entries_as_csv(viewer_client):
    entry(code="=cmd()", username="bob")
    entry(code="KEEP", username="ana")

    response = viewer_client.get("/activity/export.csv?user=bob")

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].startswith("id,at,user,screen,action,outcome")
    assert "'=cmd()" in body and "KEEP" not in body  # neutralised, and filtered


def test_a_viewer_reads_activity_but_may_not_check_now(viewer_client, sandbox):
    unknown = entry(outcome="unknown")

    assert "Check now" not in text(viewer_client.get("/activity/"))
    assert viewer_client.post(f"/activity/{unknown.pk}/check/").status_code == 403
    assert sandbox.requests == []


@pytest.mark.parametrize("entry_id", ["12345", "9" * 30])  # 30 digits: beyond every database's integers
def test_an_entry_that_does_not_exist_is_a_404_that_says_so(editor_client, entry_id):
    for response in (editor_client.get(f"/activity/{entry_id}/"), editor_client.post(f"/activity/{entry_id}/check/")):
        assert response.status_code == 404
        assert f"The activity has no entry {entry_id}." in text(response)


def test_activity_paginates(viewer_client):
    for number in range(55):
        entry(code=f"C{number}")

    assert len(viewer_client.get("/activity/").context["page"].object_list) == 50
    assert len(viewer_client.get("/activity/?page=2").context["page"].object_list) == 5


# --- the detail page's history -------------------------------------------------------------------


def test_the_detail_page_shows_who_created_and_expired_the_code(editor_client):
    created = editor_client.post("/promo-codes/new/", NEW_CODE)
    detail = created["Location"]
    editor_client.post(detail + "expire/")

    page = text(editor_client.get(detail))

    assert "expired by editor via promoadmin" in page
    assert "created by editor via promoadmin" in page
    assert "created elsewhere" not in page


def test_the_detail_page_says_when_no_entry_explains_a_code(viewer_client):
    assert "it was created elsewhere" in text(viewer_client.get(f"/promo-codes/{WELCOME10}/"))


# --- retention -------------------------------------------------------------------------------------


def test_prune_deletes_entries_past_the_retention(settings):
    settings.LEDGER_RETENTION_DAYS = 30
    old = entry(at=timezone.now() - timedelta(days=31))
    recent = entry(at=timezone.now() - timedelta(days=29))

    call_command("prune_ledger", stdout=open(os.devnull, "w"))

    assert list(LedgerEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LedgerEntry.objects.filter(pk=old.pk).exists()


# --- change by replacement -----------------------------------------------------------------------

CHANGE = {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "WELCOME10", "type": "LI",
          "credit_policy": "ALWAYS", "deal_id": "401", "end_date": "2099-01-31", "replaces": str(WELCOME10)}


def writes(sandbox) -> list[str]:
    return [r.method for r in sandbox.requests if r.method in ("POST", "DELETE")]


def test_change_and_duplicate_prefill_the_create_form(editor_client):
    change = editor_client.get(f"/promo-codes/new/?replace={WELCOME10}")
    duplicate = editor_client.get(f"/promo-codes/new/?from={WELCOME10}")

    assert change.context["form"]["code"].value() == "WELCOME10"
    assert change.context["form"]["replaces"].value() == WELCOME10
    assert "shoppers may see the code refused for the second" in text(change)
    assert duplicate.context["form"]["code"].value() in (None, "")
    assert duplicate.context["form"]["assigned_partner_id"].value() == 2552842
    assert editor_client.get("/promo-codes/new/?from=abc").status_code == 404


@pytest.mark.parametrize("kind", ["from", "replace"])
@pytest.mark.parametrize("raw", ["\u00b2", "+7000151", "7_000_151", "0", "9" * 13])
def test_a_copy_of_a_code_that_is_not_an_id_is_a_404_without_asking_impact(editor_client, sandbox, kind, raw):
    response = editor_client.get("/promo-codes/new/", {kind: raw})

    assert response.status_code == 404  # "\u00b2" (a superscript two) is a digit to str.isdigit(), not to int()
    assert upstream_requests(sandbox) == []


def test_a_change_preview_shows_both_requests_in_order_and_sends_nothing(editor_client, sandbox):
    response = editor_client.post("/promo-codes/new/", {**CHANGE, "action": "preview"})

    page = text(response)
    assert page.index(f"DELETE /Advertisers/…/PromoCodes/{WELCOME10} : expire the old") < page.index("POST /Advertisers/…/PromoCodes : create the new")
    assert writes(sandbox) == []


def test_a_change_with_the_same_text_expires_then_creates_as_one_operation(editor_client, sandbox):
    response = editor_client.post("/promo-codes/new/", {**CHANGE, "action": "create"})

    old, new = LedgerEntry.objects.get(role="old"), LedgerEntry.objects.get(role="new")
    assert writes(sandbox) == ["DELETE", "POST"]
    assert (old.outcome, new.outcome, old.operation) == ("expired", "created", new.operation)
    assert response["Location"] == f"/promo-codes/{new.promo_code_id}/"
    assert get_impact_client().get_promo_code(new.promo_code_id, fresh=True).end_date.year == 2099
    old_page = text(editor_client.get(f"/promo-codes/{WELCOME10}/"))
    assert "expired by editor via promoadmin" in old_page and "(changed: the new code)" in old_page


def test_a_change_reads_the_old_code_once_even_when_the_ledger_saw_that_id_expired(editor_client, sandbox):
    # An id the ledger saw expired can be ACTIVE again (the sandbox reuses ids after a restart).
    LedgerEntry.objects.create(action="expire", outcome="expired", promo_code_id=WELCOME10, code="WELCOME10", at=timezone.now(),
                               screen="detail")

    editor_client.post("/promo-codes/new/", {**CHANGE, "action": "create"})

    assert len(upstream_requests(sandbox, "GET", f"/PromoCodes/{WELCOME10}")) == 1  # the change's own fresh read
    assert writes(sandbox) == ["DELETE", "POST"]
    assert LedgerEntry.objects.get(role="old").outcome == "expired"


def test_a_refused_change_recreates_the_old_code_and_says_so(editor_client, sandbox):
    response = editor_client.post("/promo-codes/new/", {**CHANGE, "assigned_partner_id": NOT_JOINED, "action": "create"})

    page = text(response)
    assert response.status_code == 400
    assert writes(sandbox) == ["DELETE", "POST", "POST"]
    compensation = LedgerEntry.objects.get(role="compensation")
    assert [e.outcome for e in LedgerEntry.objects.order_by("id")] == ["expired", "rejected", "created"]
    assert f"re-created what was left of it as id {compensation.promo_code_id}" in page
    assert response.context["form"]["assigned_partner_id"].value() == NOT_JOINED  # typed input kept
    assert active_ids(sandbox, "WELCOME10") == [compensation.promo_code_id]


def test_a_change_to_new_text_creates_first_and_keeps_the_old_code_when_refused(editor_client, sandbox):
    response = editor_client.post("/promo-codes/new/", {**CHANGE, "code": "WELCOME11", "assigned_partner_id": NOT_JOINED,
                                                        "action": "create"})

    assert writes(sandbox) == ["POST"]
    assert "was left as it is" in text(response)
    assert active_ids(sandbox, "WELCOME10") == [WELCOME10]


def test_a_change_to_new_text_expires_the_old_code_once_the_new_one_exists(editor_client, sandbox):
    editor_client.post("/promo-codes/new/", {**CHANGE, "code": "WELCOME11", "action": "create"})

    assert writes(sandbox) == ["POST", "DELETE"]
    assert active_ids(sandbox, "WELCOME10") == []
    assert {e.role: e.outcome for e in LedgerEntry.objects.all()} == {"new": "created", "old": "expired"}


def test_changing_an_inactive_code_creates_its_replacement_and_expires_nothing(editor_client, sandbox):
    springreads = 7000157  # INACTIVE in campaign 1002
    change = {"campaign_id": "1002", "assigned_partner_id": "2553845", "code": "SPRINGREADS", "type": "LI",
              "credit_policy": "ALWAYS", "deal_id": "421", "end_date": "2099-01-31", "replaces": str(springreads)}

    preview = text(editor_client.post("/promo-codes/new/", {**change, "action": "preview"}))
    response = editor_client.post("/promo-codes/new/", {**change, "action": "create"}, follow=True)

    assert "DELETE" not in preview and "is INACTIVE already and stays so" in preview and "Cost: 1 write," in preview
    assert writes(sandbox) == ["POST"]
    assert {e.role: e.outcome for e in LedgerEntry.objects.all()} == {"new": "created"}
    assert f"in place of the INACTIVE code SPRINGREADS (id {springreads}), which stays as it was" in text(response)


def test_replace_is_usable_per_code_by_a_batch(editor, sandbox):
    old = get_impact_client().get_promo_code(SHIPFREE, fresh=True)
    from dataclasses import replace as with_fields

    result = services.promo_code_replace(user=editor, old=old, new_fields=with_fields(services.remaining_window(old), code="SHIPFREE2"))

    assert result.done and result.new.promo_code_id and result.old.entry.role == "old"
