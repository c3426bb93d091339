"""The list filters impact.com's API lacks: partner, deal, credit policy, match type and schedule.

impact.com's `GET /PromoCodes` filters by campaign, code, state and a date window only. For the
rest promoadmin reads pages itself (a bounded scan, see selectors.py) and keeps the codes these
rules accept. Plain functions over records: no Django, no client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promoadmin.impact.records import PromoCode

# The schedule in impact.com's screen's words; each is a set of `PromoCode.lifecycle()` values.
SCHEDULES = {
    "pending": ("Pending (not started)", ("scheduled",)),
    "active": ("Active", ("active",)),
    "expired": ("Expired", ("ended", "inactive")),
    "all": ("All", ()),
}


@dataclass(frozen=True)
class LocalFilters:
    partner_id: int | None = None
    deal_id: int | None = None
    credit_policy: str = ""
    type: str = ""
    schedule: str = ""  # "" and "all" keep every code

    @property
    def is_set(self) -> bool:
        return any((self.partner_id, self.deal_id, self.credit_policy, self.type, self.narrows_schedule))

    @property
    def narrows_schedule(self) -> bool:
        return self.schedule not in ("", "all")

    @property
    def upstream_state(self) -> str:
        """The State impact.com can filter by for this schedule: pending and active codes are ACTIVE."""
        return "ACTIVE" if self.schedule in ("pending", "active") else ""

    def keep(self, promo: PromoCode, now: datetime) -> bool:
        if self.partner_id is not None and promo.assigned_partner_id != self.partner_id:
            return False
        if self.deal_id is not None and (promo.deal is None or promo.deal.id != self.deal_id):
            return False
        if self.credit_policy and promo.credit_policy != self.credit_policy:
            return False
        if self.type and promo.type != self.type:
            return False
        if self.narrows_schedule and promo.lifecycle(now) not in SCHEDULES[self.schedule][1]:
            return False
        return True
