"""One structured (JSON) log line per write, to stdout: the audit trail, with no local promo data."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from promoadmin.impact.errors import ImpactError
from promoadmin.impact.records import NewPromoCode, PromoCode

logger = logging.getLogger("promoadmin.audit")


def log_write(
    user,
    action: str,
    promo: NewPromoCode | PromoCode | None,
    *,
    outcome: str,
    promo_code_id: int | None = None,
    error: ImpactError | None = None,
) -> None:
    record = {
        "event": "promo_code_write",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": user.get_username() if user.is_authenticated else None,
        "action": action,
        "promo_code_id": promo_code_id,
        "code": promo.code if promo else None,
        "campaign_id": promo.campaign_id if promo else None,
        "outcome": outcome,
        "upstream_status": error.upstream_status if error else 200,
        "error": type(error).__name__ if error else None,
    }
    logger.info(json.dumps(record, ensure_ascii=False))
