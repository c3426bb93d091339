"""Names for ids: the campaign, partner and deal lists behind the pickers.

Each list comes from ImpactClient, which keeps it in Django's cache for
IMPACT_LOOKUP_CACHE_SECONDS: one upstream call per list per cache period, whoever asks, and
`fresh=True` asks again (the "Reload lists" link, a hard reload). A list that cannot be had never
breaks a page: the caller gets an empty `Lookup` carrying the error, says so, and falls back to
typed ids.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from promoadmin.impact.errors import (
    ImpactError,
    ImpactRateLimited,
    ImpactTimeout,
    ImpactUnauthorized,
    ImpactUnavailable,
    ImpactUnreachable,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import Campaign, DealChoice, NewPromoCode, Partner, PromoCode

logger = logging.getLogger(__name__)

T = TypeVar("T", Campaign, Partner, DealChoice)

PARTNER_RESULTS = 12
UPSTREAM_DOWN = (ImpactUnavailable, ImpactRateLimited, ImpactUnauthorized)
DEAL_TYPES = {
    "GENERAL_SALE": "General sale",
    "FREE_SHIPPING": "Free shipping",
    "GIFT_WITH_PURCHASE": "Gift with purchase",
    "REBATE": "Rebate",
    "BOGO": "BOGO",
}


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """One look-up list, or why there is none (`error`)."""

    items: tuple[T, ...] = ()
    error: ImpactError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def get(self, item_id: int | None) -> T | None:
        return next((item for item in self.items if item.id == item_id), None)

    def active(self) -> tuple[T, ...]:
        return tuple(item for item in self.items if item.state == "ACTIVE")

    def inactive(self) -> tuple[T, ...]:
        return tuple(item for item in self.items if item.state != "ACTIVE")


def _lookup(what: str, fetch) -> Lookup:
    try:
        return Lookup(tuple(fetch()))
    except ImpactError as err:
        logger.warning("impact.com %s list unavailable: %s", what, type(err).__name__)
        return Lookup(error=err)


def campaigns(*, fresh: bool = False) -> Lookup[Campaign]:
    return _lookup("campaign", lambda: get_impact_client().list_campaigns(fresh=fresh))


def partners(campaign_id: int, *, fresh: bool = False) -> Lookup[Partner]:
    """The partners joined to the campaign (any state: names are wanted for deactivated ones too)."""
    return _lookup("partner", lambda: get_impact_client().list_partners(campaign_id, fresh=fresh))


def deals(campaign_id: int, *, fresh: bool = False) -> Lookup[DealChoice]:
    return _lookup("deal", lambda: get_impact_client().list_deals(campaign_id, fresh=fresh))


# --- searching and labelling ---------------------------------------------------------------


def _folded(text: str) -> str:
    """Case- and accent-blind text, so "zoe" finds "Zoë's Deals" and "angstrom" "Ångström"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_partners(items: Iterable[Partner], query: str, limit: int | None = None) -> list[Partner]:
    """Partners whose name contains the query (names starting with it first), or whose id starts with it."""
    query = query.strip()
    if not query:
        return sorted(items, key=lambda partner: _folded(partner.name))[:limit]
    wanted = _folded(query)

    def rank(partner: Partner) -> int | None:
        name = _folded(partner.name)
        if query.isdigit() and str(partner.id).startswith(query):
            return 0
        if name.startswith(wanted):
            return 1
        if any(word.startswith(wanted) for word in name.split()):
            return 2
        if wanted in name:
            return 3
        return None

    ranked = [(rank(partner), _folded(partner.name), partner) for partner in items]
    return [partner for position, _, partner in sorted((r for r in ranked if r[0] is not None), key=lambda r: r[:2])][:limit]


def deal_label(deal: DealChoice) -> str:
    """One line for a deal picker: name, kind and what it gives (unless the name says it), and any state but active."""
    kind = DEAL_TYPES.get(deal.type, deal.type.replace("_", " ").capitalize())
    summary = deal.discount.summary
    label = deal.name or f"Deal {deal.id}"
    if kind:
        label += f" · {kind}"
    if summary and summary.casefold() not in (deal.name.casefold(), kind.casefold()) and summary.casefold() not in deal.name.casefold():
        label += f": {summary}"
    return label if deal.state in ("", "ACTIVE") else f"{label} ({deal.state.lower()})"


# --- filling in what a record or a new code lacks --------------------------------------------


def with_names(promo: PromoCode) -> PromoCode:
    """The promo code with its campaign, partner and deal names filled from the cached lists.

    Only a missing name costs a look-up (and a cached one at that), so most codes cost nothing.
    """
    changes = {}
    if not promo.campaign_name and promo.campaign_id:
        campaign = campaigns().get(promo.campaign_id)
        if campaign and campaign.name:
            changes["campaign_name"] = campaign.name
    if not promo.assigned_partner_name and promo.assigned_partner_id and promo.campaign_id:
        partner = partners(promo.campaign_id).get(promo.assigned_partner_id)
        if partner and partner.name:
            changes["assigned_partner_name"] = partner.name
    if promo.deal and promo.deal.id and not promo.deal.name and promo.campaign_id:
        deal = deals(promo.campaign_id).get(promo.deal.id)
        if deal and deal.name:
            changes["deal"] = dataclasses.replace(promo.deal, name=deal.name)
    return dataclasses.replace(promo, **changes) if changes else promo


def with_deal_name(new_code: NewPromoCode) -> NewPromoCode:
    """A code linking a deal by id gets the deal's name when the form left the name empty."""
    if new_code.deal_id is None or new_code.deal_name:
        return new_code
    deal_list = deals(new_code.campaign_id)
    if isinstance(deal_list.error, (ImpactTimeout, ImpactUnreachable)):
        raise deal_list.error  # impact.com hangs or cannot be reached: the caller should not try a write now
    deal = deal_list.get(new_code.deal_id)
    if deal is None or not deal.name:
        return new_code
    return dataclasses.replace(new_code, deal_name=deal.name)


# --- the create form's pickers ---------------------------------------------------------------


# impact.com ids are positive integers; one of more than 12 digits is a typo. The one rule for an id
# typed, sent or in a path: parse_id, the forms' IdField and the URLs' promo_code_id converter.
MAX_ID_DIGITS = 12
MAX_ID = 10**MAX_ID_DIGITS - 1


def parse_id(raw) -> int | None:
    """An id as typed or sent (str or int), or None when it is not a plausible impact.com id."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if value > 0 else None


@dataclass(frozen=True)
class Pickers:
    """What the create form's campaign, partner and deal fields show, from the values they hold.

    A field is a picker (select or search) when its list is at hand and its value is empty or an id;
    otherwise it stays a plain id input, so a typed id always works.
    """

    campaigns: Lookup[Campaign]
    partners: Lookup[Partner] | None  # None: no campaign chosen yet
    deals: Lookup[DealChoice] | None
    raw_campaign_id: str = ""
    raw_partner_id: str = ""
    raw_deal_id: str = ""
    cache_seconds: int = 0

    @property
    def cache_minutes(self) -> int:
        return max(1, round(self.cache_seconds / 60)) if self.cache_seconds else 0

    @property
    def campaign_id(self) -> int | None:
        return parse_id(self.raw_campaign_id)

    @property
    def partner_id(self) -> int | None:
        return parse_id(self.raw_partner_id)

    @property
    def deal_id(self) -> int | None:
        return parse_id(self.raw_deal_id)

    @property
    def campaign(self) -> Campaign | None:
        return self.campaigns.get(self.campaign_id)

    @property
    def partner(self) -> Partner | None:
        return self.partners.get(self.partner_id) if self.partners else None

    @property
    def deal(self) -> DealChoice | None:
        return self.deals.get(self.deal_id) if self.deals else None

    @property
    def campaign_select(self) -> bool:
        return self.campaigns.ok and bool(self.campaigns.items) and (not self.raw_campaign_id or self.campaign_id is not None)

    @property
    def campaign_unknown(self) -> bool:
        return self.campaigns.ok and self.campaign_id is not None and self.campaign is None

    @property
    def partner_search(self) -> bool:
        return bool(self.partners and self.partners.ok)

    @property
    def waiting_for_campaign(self) -> bool:
        """The lists could be had, but no campaign is chosen yet."""
        return self.campaigns.ok and self.partners is None

    @property
    def partner_unknown(self) -> bool:
        """A partner id that is not among the campaign's partners (not joined, or no such partner)."""
        return self.partner_search and self.partner_id is not None and self.partner is None

    @property
    def deal_select(self) -> bool:
        return bool(self.deals and self.deals.ok) and (not self.raw_deal_id or self.deal_id is not None)

    @property
    def deal_unknown(self) -> bool:
        return bool(self.deals and self.deals.ok) and self.deal_id is not None and self.deal is None

    @property
    def deal_options(self) -> list[tuple[DealChoice, str]]:
        return [(deal, deal_label(deal)) for deal in (self.deals.items if self.deals else ())]


def pickers(
    raw_campaign_id, raw_partner_id, raw_deal_id, *, fresh: bool = False, known_failure: ImpactError | None = None
) -> Pickers:
    """Load the lists the create form needs: campaigns always, partners and deals once a campaign is set.

    `known_failure`: impact.com just failed this request (a create that timed out, say); when it is down,
    asking again would only make the page later than IMPACT_TIMEOUT, so the form falls back to typed ids.
    """
    raw = [str(value if value is not None else "").strip() for value in (raw_campaign_id, raw_partner_id, raw_deal_id)]
    campaign_id = parse_id(raw[0])
    if isinstance(known_failure, UPSTREAM_DOWN):
        campaign_list = Lookup(error=known_failure)
    else:
        campaign_list = campaigns(fresh=fresh)
    partner_list = deal_list = None
    if campaign_id and isinstance(campaign_list.error, UPSTREAM_DOWN):
        # The other lists would fail the same way: do not spend time and budget finding out.
        partner_list = deal_list = Lookup(error=campaign_list.error)
    elif campaign_id:
        partner_list, deal_list = partners(campaign_id, fresh=fresh), deals(campaign_id, fresh=fresh)
    return Pickers(
        campaigns=campaign_list,
        partners=partner_list,
        deals=deal_list,
        raw_campaign_id=raw[0],
        raw_partner_id=raw[1],
        raw_deal_id=raw[2],
        cache_seconds=get_impact_client().lookup_cache_seconds,
    )
