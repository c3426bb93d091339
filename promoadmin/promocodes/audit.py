"""One structured (JSON) log line per write, to stdout, written from its ledger entry: the same facts
for log collectors that /activity/ shows, with no local promo data."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

logger = logging.getLogger("promoadmin.audit")


def log_entry(entry) -> None:
    """The audit line of one ledger entry (a `LedgerEntry`, saved or not), once its outcome is known."""
    at = entry.at or datetime.now(UTC)
    record = {
        "event": "promo_code_write",
        "at": at.astimezone(UTC).isoformat(timespec="seconds"),
        "user": entry.username or None,
        "action": entry.action,
        "promo_code_id": entry.promo_code_id,
        "code": entry.code or None,
        "campaign_id": entry.campaign_id,
        "outcome": entry.outcome,
        "upstream_status": entry.upstream_status,
        "error": entry.error_name or None,
    }
    logger.info(json.dumps(record, ensure_ascii=False))
