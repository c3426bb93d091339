"""Receipts: after a create or an expire, a page with a stable URL that shows what was sent, who sent
it and when, next to what impact.com says about the code now.

A receipt is a ledger entry: `/activity/<entry id>/` (`entry_url`). Older receipts carried their
facts in the link, `/promo-codes/<id>/receipt/?r=<token>`, signed with SECRET_KEY
(`django.core.signing`): those links were given out (tickets, the wiki), so they keep working,
though promoadmin makes no new ones. Opening a receipt reads the code live from impact.com (one API
call). Receipts do not expire (ledger entries last LEDGER_RETENTION_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.views.decorators.http import require_GET

from promoadmin.impact.errors import ImpactNotFound
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import CODE_TYPES, CREDIT_POLICIES, PromoCode

from ..formatting import full_datetime

SALT = "promoadmin.receipt"
ACTIONS = {"create": "Created", "expire": "Expired"}


def make_token(request: HttpRequest, action: str, promo_code_id: int, *, code: str = "", sent: dict | None = None) -> str:
    """Sign what a write sent, who sent it and when. `sent` is the form impact.com received."""
    user = request.user
    payload = {
        "v": 1,
        "a": action,
        "id": int(promo_code_id),
        "c": code,
        "u": user.get_username() if user.is_authenticated else "",
        "t": datetime.now(UTC).isoformat(timespec="seconds"),
        "s": sent or {},
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def entry_url(entry) -> str:
    """The stable receipt of one write: its ledger entry's page."""
    return reverse("activity:entry", args=[entry.pk])


@dataclass(frozen=True)
class Receipt:
    action: str
    promo_code_id: int
    code: str
    user: str
    at: datetime
    sent: dict[str, str]

    @property
    def verb(self) -> str:
        return ACTIONS[self.action]

    @property
    def request_line(self) -> str:
        if self.action == "create":
            return "POST /Advertisers/…/PromoCodes"
        return f"DELETE /Advertisers/…/PromoCodes/{self.promo_code_id}"


    @classmethod
    def from_entry(cls, entry) -> Receipt:
        return cls(entry.action, entry.promo_code_id, entry.code, entry.username, entry.at, dict(entry.sent or {}))


class InvalidReceipt(Exception):
    pass


def read_token(token: str, promo_code_id: int) -> Receipt:
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise InvalidReceipt("This receipt link was changed or cut short, so promoadmin cannot vouch for it.") from None
    try:
        if payload["a"] not in ACTIONS or int(payload["id"]) != promo_code_id:
            raise InvalidReceipt("This receipt belongs to another promo code.")
        at = datetime.fromisoformat(payload["t"])
        sent = {str(k): str(v) for k, v in dict(payload.get("s") or {}).items()}
        return Receipt(payload["a"], promo_code_id, str(payload.get("c") or ""), str(payload.get("u") or ""), at, sent)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidReceipt("This receipt link is not one promoadmin made.") from None


# --- comparing what was sent with what impact.com says now -----------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    sent: str
    now: str
    same: bool | None  # None: nothing to compare
    note: str = ""


def _sent_moment(raw: str) -> tuple[str, datetime | None]:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw, None
    return full_datetime(moment), moment


def compare_create(sent: dict[str, str], promo: PromoCode | None) -> list[Line]:
    """One line per field sent: the value sent, impact.com's value now, and whether they agree."""
    live = promo is not None

    def agree(same: bool) -> bool | None:
        return same if live else None

    lines = []
    sent_code = sent.get("Code", "")
    now_code = promo.code if promo else ""
    # Exact codes match without regard to letter case; patterns only when identical.
    same_code = sent_code == now_code if sent.get("Type") == "RE" else sent_code.casefold() == now_code.casefold()
    lines.append(Line("Code", sent_code, now_code, agree(same_code)))

    sent_type, now_type = sent.get("Type", ""), promo.type if promo else ""
    lines.append(Line("Match", sent_type, now_type, agree(sent_type == now_type), note=CODE_TYPES.get(sent_type, "")))
    sent_policy, now_policy = sent.get("CreditPolicy", ""), promo.credit_policy if promo else ""
    lines.append(Line("Credit policy", sent_policy, now_policy, agree(sent_policy == now_policy),
                      note=CREDIT_POLICIES.get(sent_policy, "").split(":")[0]))

    for label, key, now_id, now_name in (
        ("Campaign", "CampaignId", promo and promo.campaign_id, promo and promo.campaign_name),
        ("Partner", "AssignedPartnerId", promo and promo.assigned_partner_id, promo and promo.assigned_partner_name),
    ):
        sent_id = sent.get(key, "")
        now_text = "" if now_id in (None, "") else str(now_id)
        lines.append(Line(label, sent_id, now_text, agree(sent_id == now_text), note=now_name or ""))

    for label, key, now_moment, empty in (
        ("Starts", "StartDate", promo and promo.start_date, "not sent: starts at once"),
        ("Ends", "EndDate", promo and promo.end_date, "not sent: never ends"),
    ):
        raw = sent.get(key, "")
        if raw:
            shown, sent_moment = _sent_moment(raw)
            same = agree(now_moment is not None and sent_moment is not None and now_moment == sent_moment)
        else:
            # Without a StartDate impact.com picks the start itself; without an EndDate there is none.
            shown, same = empty, (agree(now_moment is None) if key == "EndDate" else None)
        lines.append(Line(label, shown, full_datetime(now_moment or None) or ("—" if live else ""), same))

    deal = promo.deal if promo else None
    sent_deal = sent.get("DealId", "")
    now_deal = str(deal.id) if deal and deal.id else ""
    lines.append(Line("Deal", sent_deal or "not sent", now_deal or ("none" if live else ""), agree(sent_deal == now_deal)))
    sent_name, now_name = sent.get("DealName", ""), deal.name if deal else ""
    if sent_name or now_name:
        if sent_deal and sent_name != now_name:
            # impact.com names a code's deal after the deal itself when a DealId is sent.
            lines.append(Line("Deal name", sent_name or "not sent", now_name, None, note="the deal's own name"))
        else:
            lines.append(Line("Deal name", sent_name or "not sent", now_name, agree(sent_name == now_name)))
    return lines


def compare_state(receipt: Receipt, promo: PromoCode | None) -> Line:
    expected = "INACTIVE" if receipt.action == "expire" else "ACTIVE"
    return Line("State", f"{expected} (expected)", promo.state if promo else "", None if promo is None else promo.state == expected)


@require_GET
def promo_code_receipt(request: HttpRequest, promo_code_id: int) -> HttpResponse:
    context: dict[str, Any] = {"promo_code_id": promo_code_id}
    try:
        receipt = read_token(request.GET.get("r", ""), promo_code_id)
    except InvalidReceipt as err:
        context["invalid"] = str(err)
        return TemplateResponse(request, "promocodes/receipt.html", context, status=400)
    return _render(request, receipt, context)


def render_entry_receipt(request: HttpRequest, entry) -> HttpResponse:
    """A ledger entry's page: the receipt of what it sent, or, when no code came of it, the entry alone."""
    context: dict[str, Any] = {"promo_code_id": entry.promo_code_id, "entry": entry}
    if entry.promo_code_id is None:
        return TemplateResponse(request, "promocodes/receipt.html", {**context, "receipt": Receipt.from_entry(entry), "lines": []})
    return _render(request, Receipt.from_entry(entry), context)


def _render(request: HttpRequest, receipt: Receipt, context: dict) -> HttpResponse:
    promo_code_id = receipt.promo_code_id
    try:
        promo = get_impact_client().get_promo_code(promo_code_id, fresh=True)
    except ImpactNotFound:
        promo = None
    lines = [compare_state(receipt, promo)]
    if receipt.action == "create":
        lines += compare_create(receipt.sent, promo)
    elif promo is not None:
        lines.append(Line("Ends", "not sent: impact.com sets it", full_datetime(promo.end_date) or "never", None))
    context.update(
        receipt=receipt,
        promo=promo,
        lines=lines,
        differences=sum(1 for line in lines if line.same is False),
        share_url=request.build_absolute_uri(),
        read_at=dj_timezone.now(),
    )
    return TemplateResponse(request, "promocodes/receipt.html", context)
