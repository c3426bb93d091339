"""The README's "What each action costs in API calls" table against what the sandbox counts.

Each row's first number is the cost with nothing cached (and up to 1,000 codes); a row this test
does not measure must be named in NOT_MEASURED, so a new row is a decision, not a silent gap.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache

README = Path(__file__).resolve().parents[2] / "README.md"
WELCOME10 = 7000151
NEW_CODE = {"campaign_id": "1000", "assigned_partner_id": "2552842", "code": "COSTCHECK1", "type": "LI",
            "credit_policy": "INVOLVED"}
# Rows whose cost depends on a count or a period: their own tests cover them.
# Selection actions are measured in test_bulk_change.py (their run needs the dry run's signed batch).
NOT_MEASURED = {"pickers", "date views", "receipt", "bulk expire / bulk create", "selection actions"}


def cost_table() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("| action | impact.com requests |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:  # after the |---| line
        action, cost = (cell.strip() for cell in line.strip().strip("|").split("|", 1))
        rows[action] = cost
    return rows


def row(name: str) -> str:
    return next(cost for action, cost in cost_table().items() if action.startswith(name))


def stated(name: str) -> int:
    return int(re.match(r"\d+", row(name))[0])


def counted(sandbox, make_request, warm_up=None) -> int:
    cache.clear()
    if warm_up:
        warm_up()
    before = len(sandbox.requests)
    response = make_request()
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    assert response.status_code in (200, 302), response.status_code
    return len(sandbox.requests) - before


MEASURED = {
    "list page": lambda client: client.get("/promo-codes/?state=ACTIVE", HTTP_HX_REQUEST="true"),
    # The sandbox matches whole codes, so a part of a code costs the Code call and one scan page.
    "code search": lambda client: client.get("/promo-codes/?code=welc", HTTP_HX_REQUEST="true"),
    "detail page": lambda client: client.get(f"/promo-codes/{WELCOME10}/"),
    "create": lambda client: client.post("/promo-codes/new/", {**NEW_CODE, "action": "create"}),
    # The form shows its pickers again; their lists are the pickers row's cost, cached per period.
    "create preview": lambda client: client.post("/promo-codes/new/", {**NEW_CODE, "action": "preview"}),
    "expire": lambda client: client.post(f"/promo-codes/{WELCOME10}/expire/"),
    "change": lambda client: client.post("/promo-codes/new/", {
        "campaign_id": "1000", "assigned_partner_id": "2552842", "code": "WELCOME10", "type": "LI",
        "credit_policy": "WINNER", "end_date": "2099-01-31", "replaces": str(WELCOME10), "action": "create"}),
    "activity": lambda client: client.get("/activity/"),
    "CSV export": lambda client: client.get("/promo-codes/export.csv?campaign_id=1000"),
    "expire preview": lambda client: client.get(f"/promo-codes/bulk-expire/?id={WELCOME10}"),
}


def test_every_row_is_measured_or_named():
    actions = {action.split(" (")[0] for action in cost_table()}

    assert actions == set(MEASURED) | NOT_MEASURED


@pytest.mark.parametrize("action", MEASURED)
def test_the_table_states_what_the_sandbox_counts(editor_client, sandbox, settings, action):
    settings.IMPACT_CACHE_SECONDS = 30  # the default: the first number is the uncached cost

    warm_pickers = (lambda: editor_client.get("/promo-codes/new/?campaign_id=1000")) if action == "create preview" else None

    assert counted(sandbox, lambda: MEASURED[action](editor_client), warm_pickers) == stated(action), row(action)
