"""Typed, immutable records of what impact.com returns, parsed once and defensively.

impact.com sends nulls freely, numbers sometimes as strings, and paging fields as
`@`-prefixed strings. The `from_api()` constructors absorb all of that so views and
templates only ever see Python values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from .errors import ImpactUnavailable

STATES = ("ACTIVE", "INACTIVE")
CODE_TYPES = {"LI": "Exact", "RE": "Regex"}
CREDIT_POLICIES = {
    "ALWAYS": "Always: the partner is credited whenever the code is used, even if another partner drove the sale",
    "INVOLVED": "Involved: the partner is credited when they took part in the sale's journey",
    "WINNER": "Winner: the partner is credited only when they win the sale's attribution",
}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


# --- defensive field parsers -------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    if type(value) is int:  # the usual case, 15 times a record: skip the Decimal round trip
        return value
    if value is None or value == "":
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _bool(value: Any) -> bool | None:
    """JSON true/false, or the strings and 0/1 some endpoints send instead; anything else is unknown."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _datetime(value: Any) -> datetime | None:
    """ISO 8601 date-time with offset to an aware datetime; one without an offset is taken as UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _require_mapping(data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise ImpactUnavailable(f"impact.com sent a {what} that is not a JSON object.")
    return data


def format_money(amount: Decimal, currency: str | None) -> str:
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    text = f"{amount:,.2f}"
    if symbol:
        return f"{symbol}{text}"
    return f"{text} {currency}".strip()


def _format_percent(percent: Decimal) -> str:
    return f"{percent.normalize():f}%"


# --- records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Discount:
    """The discount of a deal, described in plain words by `summary`."""

    deal_type: str = ""
    discount_type: str = ""
    amount: Decimal | None = None
    currency: str = ""
    percent: Decimal | None = None
    minimum_purchase: Decimal | None = None
    maximum_savings: Decimal | None = None
    bogo_buy_quantity: int | None = None
    bogo_buy_name: str = ""
    bogo_get_quantity: int | None = None
    bogo_get_name: str = ""
    bogo_get_discount_type: str = ""

    @property
    def summary(self) -> str:
        if self.deal_type == "FREE_SHIPPING":
            base = "Free shipping"
        elif self.deal_type == "BOGO" or self.bogo_get_quantity:
            base = self._bogo_summary()
        elif self.discount_type == "PERCENT" and self.percent is not None:
            base = f"{_format_percent(self.percent)} off"
        elif self.discount_type == "FIXED" and self.amount is not None:
            base = f"{format_money(self.amount, self.currency)} off"
        else:
            return ""
        if self.minimum_purchase:
            joiner = " orders over" if base.endswith(" off") else " on orders over"
            base += f"{joiner} {format_money(self.minimum_purchase, self.currency)}"
        if self.maximum_savings:
            base += f", up to {format_money(self.maximum_savings, self.currency)} saved"
        return base

    def _bogo_summary(self) -> str:
        buy = f"Buy {self.bogo_buy_quantity or 1} {self.bogo_buy_name or 'item'}".rstrip()
        get = f"get {self.bogo_get_quantity or 1} {self.bogo_get_name or 'item'}".rstrip()
        if self.bogo_get_discount_type in ("", "FREE"):
            return f"{buy}, {get} free"
        if self.bogo_get_discount_type == "PERCENT" and self.percent is not None:
            return f"{buy}, {get} at {_format_percent(self.percent)} off"
        if self.bogo_get_discount_type == "AMOUNT" and self.amount is not None:
            return f"{buy}, {get} at {format_money(self.amount, self.currency)} off"
        return f"{buy}, {get} discounted"


# Deal types and scopes in words; one not listed is shown as impact.com spells it, in lower case.
DEAL_TYPES = {
    "GENERAL_SALE": "General sale",
    "BOGO": "Buy one, get one (BOGO)",
    "FREE_SHIPPING": "Free shipping",
    "GIFT_WITH_PURCHASE": "Gift with purchase",
    "REBATE": "Rebate",
}
DEAL_SCOPES = {"ENTIRE_STORE": "Entire store", "CATEGORY": "Some categories", "PRODUCT": "Some products"}


def _in_words(value: str, known: dict[str, str]) -> str:
    return known.get(value) or value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Deal:
    id: int | None
    name: str
    state: str = ""
    type: str = ""
    scope: str = ""
    start_date: datetime | None = None
    end_date: datetime | None = None
    discount: Discount = field(default_factory=Discount)
    purchase_limit: int | None = None  # PurchaseLimitQuantity: times the deal applies per order; 0 is no limit

    @property
    def type_label(self) -> str:
        return _in_words(self.type, DEAL_TYPES)

    @property
    def scope_label(self) -> str:
        return _in_words(self.scope, DEAL_SCOPES)

    @property
    def purchase_limit_summary(self) -> str:
        if self.purchase_limit is None:
            return "Not sent by impact.com"
        if self.purchase_limit <= 0:
            return "No limit per order (impact.com sends 0)"
        if self.purchase_limit == 1:
            return "Once per order"
        return f"Up to {self.purchase_limit} times per order"


def _first_present(data: dict, *names: str) -> Any:
    return next((data[name] for name in names if data.get(name) not in (None, "")), None)


def _discount_from_api(data: dict, deal_type: str) -> Discount:
    return Discount(
        deal_type=deal_type,
        discount_type=_text(data.get("DiscountType")),
        # A BOGO deal puts its "get" discount in BogoGetDiscount* (the Deals list sends them).
        amount=_decimal(_first_present(data, "DiscountAmount", "BogoGetDiscountAmount")),
        # Promo codes carry one currency; deals may name one per amount.
        currency=_text(
            data.get("DiscountCurrency") or data.get("MinimumPurchaseAmountCurrency") or data.get("MaximumSavingsCurrency")
            or data.get("BogoGetDiscountCurrency")
        ),
        percent=_decimal(_first_present(data, "DiscountPercent", "BogoGetDiscountPercent")),
        minimum_purchase=_decimal(data.get("MinimumPurchaseAmount")),
        maximum_savings=_decimal(data.get("MaximumSavingsAmount")),
        bogo_buy_quantity=_int(data.get("BogoBuyQuantity")),
        bogo_buy_name=_text(data.get("BogoBuyName")),
        bogo_get_quantity=_int(data.get("BogoGetQuantity")),
        bogo_get_name=_text(data.get("BogoGetName")),
        bogo_get_discount_type=_text(data.get("BogoGetDiscountType")),
    )


@dataclass(frozen=True)
class PromoCode:
    """A promo code as `GET /PromoCodes/{Id}` returns it; the detail page shows every field.

    Where each field of the reference's PromoCode object goes (the detail page, unless said):
    - Id, Code, Type (in words: Exact / Regex), CreditPolicy (in words), State, Uri: as named.
    - CampaignId/CampaignName, AssignedPartnerId/AssignedPartnerName: the name, with the id beside it.
    - CreatedDate, StartDate, EndDate: in TIME_ZONE, the zone named; a missing start or end in words.
    - SynchAdsPromoCodes: `synch_ads`, "Synchronised with ads: yes / no".
    - DealId, DealName, DealState, DealType, DealScope, DealStartDate, DealEndDate: `deal`, the
      Deal section (type and scope in words).
    - DiscountType, DiscountAmount, DiscountCurrency, DiscountPercent, MinimumPurchaseAmount,
      MaximumSavingsAmount, BogoBuyQuantity, BogoBuyName, BogoGetQuantity, BogoGetName,
      BogoGetDiscountType: `deal.discount`, shown as one sentence (`Discount.summary`), not field
      by field: the sentence is what a shopper gets.
    - PurchaseLimitQuantity: `deal.purchase_limit`, "Once per order", "Up to 3 times per order".
    Nothing is left out; the list and the export show the subset that fits a row.
    """

    id: int
    code: str
    type: str
    credit_policy: str
    state: str
    campaign_id: int | None
    campaign_name: str
    assigned_partner_id: int | None
    assigned_partner_name: str
    created_date: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    deal: Deal | None
    uri: str = ""
    synch_ads: bool | None = None  # SynchAdsPromoCodes; None when impact.com left it out

    @property
    def synch_ads_summary(self) -> str:
        return {True: "yes", False: "no"}.get(self.synch_ads, "not sent by impact.com")

    @classmethod
    def from_api(cls, data: Any) -> PromoCode:
        data = _require_mapping(data, "promo code")
        promo_id = _int(data.get("Id"))
        if promo_id is None:
            raise ImpactUnavailable("impact.com sent a promo code without an Id.")
        deal = None
        if data.get("DealId") not in (None, "", 0, "0") or data.get("DealName"):
            deal_type = _text(data.get("DealType"))
            deal = Deal(
                id=_int(data.get("DealId")),
                name=_text(data.get("DealName")),
                state=_text(data.get("DealState")),
                type=deal_type,
                scope=_text(data.get("DealScope")),
                start_date=_datetime(data.get("DealStartDate")),
                end_date=_datetime(data.get("DealEndDate")),
                discount=_discount_from_api(data, deal_type),
                purchase_limit=_int(data.get("PurchaseLimitQuantity")),
            )
        return cls(
            id=promo_id,
            code=_text(data.get("Code")),
            type=_text(data.get("Type")),
            credit_policy=_text(data.get("CreditPolicy")),
            state=_text(data.get("State")),
            campaign_id=_int(data.get("CampaignId")),
            campaign_name=_text(data.get("CampaignName")),
            assigned_partner_id=_int(data.get("AssignedPartnerId")),
            assigned_partner_name=_text(data.get("AssignedPartnerName")),
            created_date=_datetime(data.get("CreatedDate")),
            start_date=_datetime(data.get("StartDate")),
            end_date=_datetime(data.get("EndDate")),
            deal=deal,
            uri=_text(data.get("Uri")),
            synch_ads=_bool(data.get("SynchAdsPromoCodes")),
        )

    @property
    def is_regex(self) -> bool:
        return self.type == "RE"

    @property
    def type_label(self) -> str:
        return CODE_TYPES.get(self.type, self.type or "Unknown")

    @property
    def is_active(self) -> bool:
        return self.state == "ACTIVE"

    def lifecycle(self, now: datetime | None = None) -> str:
        """Where the code is in its life at `now`: State (impact.com's ACTIVE or INACTIVE, as sent) read
        with the dates, so "active", "scheduled", "ended" or "inactive". The export's status column."""
        now = now or datetime.now(UTC)
        if self.state != "ACTIVE":
            return "inactive"
        if self.start_date and self.start_date > now:
            return "scheduled"
        if self.end_date and self.end_date < now:
            return "ended"
        return "active"


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int
    num_pages: int
    page_size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @classmethod
    def from_api(cls, data: Any, items_key: str, parse_item) -> Page:
        data = _require_mapping(data, "list")
        raw_items = data.get(items_key)
        if raw_items is None:
            raw_items = []
        if not isinstance(raw_items, list):
            raise ImpactUnavailable(f"impact.com sent a list whose {items_key} is not an array.")
        items = tuple(parse_item(item) for item in raw_items)
        page_size = _int(data.get("@pagesize")) or max(len(items), 1)
        total = _int(data.get("@total"))
        if total is None:
            total = len(items)
        num_pages = _int(data.get("@numpages"))
        if num_pages is None:
            num_pages = math.ceil(total / page_size) if page_size else 1
        return cls(
            items=items,
            number=_int(data.get("@page")) or 1,
            num_pages=max(num_pages, 1),
            page_size=page_size,
            total=total,
        )


@dataclass(frozen=True)
class PromoCodeFilters:
    """List filters in API terms. Dates are aware datetimes; the view decides the time zone."""

    campaign_id: int | None = None
    code: str = ""
    state: str = ""
    start: datetime | None = None
    end: datetime | None = None

    def to_params(self) -> dict[str, str]:
        params = {
            "CampaignId": "" if self.campaign_id is None else str(self.campaign_id),
            "Code": self.code,
            "State": self.state,
            "StartDate": self.start.isoformat() if self.start else "",
            "EndDate": self.end.isoformat() if self.end else "",
        }
        return {name: value for name, value in params.items() if value}


@dataclass(frozen=True)
class NewPromoCode:
    """What a create sends; `to_form()` uses impact.com's exact field names."""

    assigned_partner_id: int
    campaign_id: int
    credit_policy: str
    code: str
    type: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    deal_id: int | None = None
    deal_name: str = ""

    def to_form(self) -> dict[str, str]:
        form = {
            "AssignedPartnerId": str(self.assigned_partner_id),
            "CampaignId": str(self.campaign_id),
            "CreditPolicy": self.credit_policy,
            "Code": self.code,
            "Type": self.type,
        }
        if self.start_date:
            form["StartDate"] = self.start_date.isoformat()
        if self.end_date:
            form["EndDate"] = self.end_date.isoformat()
        if self.deal_id is not None:
            form["DealId"] = str(self.deal_id)
        if self.deal_name:
            form["DealName"] = self.deal_name
        return form


@dataclass(frozen=True)
class RateLimit:
    """The last X-RateLimit-* headers seen: the account's hourly budget."""

    limit: int
    remaining: int
    reset_seconds: int | None
    seen_at: datetime

    def to_json(self) -> dict:
        return {"limit": self.limit, "remaining": self.remaining, "reset_seconds": self.reset_seconds,
                "seen_at": self.seen_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> RateLimit:
        return cls(limit=data["limit"], remaining=data["remaining"], reset_seconds=data["reset_seconds"],
                   seen_at=datetime.fromisoformat(data["seen_at"]))


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    state: str = ""

    @classmethod
    def from_api(cls, data: Any) -> Campaign:
        data = _require_mapping(data, "campaign")
        return cls(id=_int(data.get("Id")) or 0, name=_text(data.get("Name")), state=_text(data.get("State")))


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    state: str = ""

    @classmethod
    def from_api(cls, data: Any) -> Partner:
        data = _require_mapping(data, "partner")
        return cls(id=_int(data.get("Id")) or 0, name=_text(data.get("Name")), state=_text(data.get("State")))


@dataclass(frozen=True)
class DealChoice:
    """A deal as the Deals list gives it, for the create form's picker."""

    id: int
    name: str
    state: str
    type: str
    campaign_id: int | None
    discount: Discount

    @classmethod
    def from_api(cls, data: Any) -> DealChoice:
        data = _require_mapping(data, "deal")
        deal_type = _text(data.get("Type"))
        return cls(
            id=_int(data.get("Id")) or 0,
            name=_text(data.get("Name")),
            state=_text(data.get("State")),
            type=deal_type,
            campaign_id=_int(data.get("CampaignId")),
            discount=_discount_from_api(data, deal_type),
        )
