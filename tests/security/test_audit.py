"""The audit trail: one JSON line on stdout per create and per expire, whatever the outcome."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client
from security_helpers import FaultAtThePost, closed_port

from promoadmin.impact import factory

FIELDS = {"event", "at", "user", "action", "promo_code_id", "code", "campaign_id", "outcome", "upstream_status", "error"}
NEW_CODE = {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "AUDIT1", "type": "LI",
            "credit_policy": "WINNER"}


@pytest.fixture
def audit_lines(caplog):
    """The audit logger does not propagate (its lines go straight to stdout): listen to it directly."""
    logger = logging.getLogger("promoadmin.audit")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="promoadmin.audit")

    def lines() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "promoadmin.audit"]

    yield lines
    logger.removeHandler(caplog.handler)


def only_line(lines) -> dict:
    found = lines()
    assert len(found) == 1, found
    line = found[0]
    assert set(line) == FIELDS
    assert line["event"] == "promo_code_write"
    assert datetime.fromisoformat(line["at"]).utcoffset() is not None
    return line


def test_it_audits_a_create(editor_client, audit_lines):
    response = editor_client.post("/promo-codes/new/", NEW_CODE)

    line = only_line(audit_lines)
    assert response.status_code == 302
    assert line | {"at": None} == {
        "event": "promo_code_write", "at": None, "user": "editor", "action": "create",
        "promo_code_id": int(response["Location"].strip("/").rsplit("/", 1)[-1]), "code": "AUDIT1",
        "campaign_id": 1000, "outcome": "created", "upstream_status": 200, "error": None,
    }


def test_it_audits_a_create_impact_com_refuses(editor_client, audit_lines):
    # Zoë's Deals (2553399) is not joined to campaign 1000: only impact.com knows, and says so.
    editor_client.post("/promo-codes/new/", {**NEW_CODE, "assigned_partner_id": "2553399"})

    line = only_line(audit_lines)
    assert (line["action"], line["code"], line["campaign_id"]) == ("create", "AUDIT1", 1000)
    assert (line["outcome"], line["upstream_status"], line["error"]) == ("rejected", 400, "ImpactValidationError")
    assert line["promo_code_id"] is None


def test_it_audits_a_create_whose_outcome_is_unknown(editor_client, sandbox, audit_lines):
    factory._client = factory.build_impact_client(transport=FaultAtThePost(sandbox, "http-503"))

    editor_client.post("/promo-codes/new/", NEW_CODE)

    line = only_line(audit_lines)
    assert (line["outcome"], line["upstream_status"], line["error"]) == ("unknown", 503, "ImpactUnavailable")
    assert (line["user"], line["code"]) == ("editor", "AUDIT1")


def test_it_audits_a_create_not_sent_because_impact_com_is_down(editor_client, sandbox, audit_lines):
    sandbox.inject_fault(503, count=10)  # the duplicate check before the create fails: nothing is sent

    editor_client.post("/promo-codes/new/", NEW_CODE)

    line = only_line(audit_lines)
    assert (line["outcome"], line["upstream_status"], line["error"]) == ("failed", 503, "ImpactUnavailable")
    assert not [r for r in sandbox.requests if r.method == "POST"]


def test_it_audits_a_create_that_never_left(editor_client, settings, audit_lines):
    settings.IMPACT_ACCOUNT_SID, settings.IMPACT_AUTH_TOKEN, settings.IMPACT_USE_SANDBOX = "IRaudit", "t", False
    settings.IMPACT_API_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    factory.reset_impact_client()

    editor_client.post("/promo-codes/new/", {**NEW_CODE, "deal_name": "no look-up needed"})

    line = only_line(audit_lines)
    assert (line["outcome"], line["upstream_status"], line["error"]) == ("failed", None, "ImpactUnreachable")


def test_it_audits_an_expire_with_the_code_it_expired(editor_client, audit_lines):
    editor_client.post("/promo-codes/7000151/expire/")

    line = only_line(audit_lines)
    assert line | {"at": None} == {
        "event": "promo_code_write", "at": None, "user": "editor", "action": "expire", "promo_code_id": 7000151,
        "code": "WELCOME10", "campaign_id": 1000, "outcome": "expired", "upstream_status": 200, "error": None,
    }


@pytest.mark.parametrize(
    "fault, outcome, error",
    [(404, "failed", "ImpactNotFound"), (403, "failed", "ImpactForbidden"), (503, "unknown", "ImpactUnavailable")],
)
def test_it_audits_a_failed_expire(editor_client, sandbox, audit_lines, fault, outcome, error):
    sandbox.inject_fault(fault, count=10, method="DELETE")  # the read before it finds the code ACTIVE

    editor_client.post("/promo-codes/7000151/expire/")

    line = only_line(audit_lines)
    assert (line["action"], line["promo_code_id"], line["user"]) == ("expire", 7000151, "editor")
    assert (line["outcome"], line["upstream_status"], line["error"]) == (outcome, fault, error)


def test_it_does_not_audit_refused_or_read_only_requests(editor_client, viewer, audit_lines):
    editor_client.get("/promo-codes/")
    editor_client.get("/promo-codes/7000151/")
    editor_client.post("/promo-codes/new/", {**NEW_CODE, "code": ""})  # invalid: nothing sent
    viewer_client = Client()
    viewer_client.force_login(viewer)
    viewer_client.post("/promo-codes/7000151/expire/")  # not allowed: nothing sent

    assert audit_lines() == []


def test_it_writes_the_audit_line_to_stdout_as_json():
    """With the real logging configuration, in a fresh process: one JSON object per line on stdout."""
    script = """
import django
django.setup()
from promoadmin.promocodes import audit
from promoadmin.promocodes.models import LedgerEntry
audit.log_entry(LedgerEntry(username="alice", action="expire", promo_code_id=7000151, outcome="expired", upstream_status=200))
"""
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG")}
    env["DJANGO_SETTINGS_MODULE"] = "promoadmin.settings"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip())
    assert (line["user"], line["action"], line["promo_code_id"], line["outcome"]) == ("alice", "expire", 7000151, "expired")
    assert "promo_code_write" not in result.stderr
