"""Deterministic demo data for the impact.com sandbox.

`build_seed(today, account_sid)` lays everything out around `today`: the same `today` gives the same
data, byte for byte. Most dates carry a US/Pacific offset (-07:00 in daylight time, -08:00 otherwise),
like the examples in the upstream documentation. But impact.com sends a date-time with the offset it
was created with, so some promo codes use others (`OFFSETS`: +02:00, +05:30, +09:00, -03:00 and
`Z`): five fixed codes are written in their own offset's wall-clock time (`FIXED_CODE_OFFSETS`, some
starting or ending on another calendar day than in Pacific time), and generated codes take turns
through those offsets for the same instants they would have in Pacific time.

What is in it:
- 5 campaigns: 1000 "Acme Anvils" (USD), 1001 "Café Crème Rewards" (EUR), 1002 "Brightwater Books UK"
  (GBP), 1003 "Northwind Travel" (USD), all ACTIVE, and 1004 "Initech Cloud (retired)", CLOSED, with
  no deals and no codes.
- 35 partners, each joined to one or more campaigns; "Saver's Corner" (2559901) is DEACTIVATED.
- 22 deals: GENERAL_SALE (FIXED in USD, EUR, GBP; PERCENT, some with a minimum purchase and maximum
  savings), BOGO (FREE, PERCENT and AMOUNT "get" discounts), FREE_SHIPPING, GIFT_WITH_PURCHASE;
  ACTIVE, EXPIRED and PENDING.
- 160 promo codes: 150 generated (ids 7000001-7000150, ids follow CreatedDate) plus the 10 fixed
  codes below (ids 7000151-7000160). New codes created through the API get 7000161 onwards.

Fixed codes that tests and demos can rely on (offsets in days from `today`):

| Id      | Code           | Campaign | Partner                 | What it is for                                  |
|---------|----------------|----------|-------------------------|-------------------------------------------------|
| 7000151 | WELCOME10      | 1000     | Wile E. Coyote Facebook | LI, ALWAYS, ACTIVE, start -14, no end; deal 401 |
|         |                |          |                         | PERCENT 10 % off, minimum $50.00, max $20.00;   |
|         |                |          |                         | synchronised with ads                           |
| 7000152 | ANVILBOGO      | 1000     | Coupon Cabin            | LI, INVOLVED, ACTIVE, start -12, end +60;       |
|         |                |          |                         | deal 403 BOGO buy 2 get 1 "Acme Anvil 50 lb"    |
|         |                |          |                         | FREE, once per order                            |
| 7000153 | SHIPFREE       | 1000     | RetailMeNot             | LI, WINNER, ACTIVE; deal 404 FREE_SHIPPING      |
| 7000154 | CAFE5EUR       | 1001     | Zoë's Deals             | LI, ALWAYS, ACTIVE; deal 411 "€5.00 off",       |
|         |                |          |                         | FIXED 5.00 EUR                                  |
| 7000155 | PLAINCODE      | 1002     | Ångström Outdoors       | LI, INVOLVED, ACTIVE, no deal (Deal*/Discount*  |
|         |                |          |                         | null), no StartDate and no EndDate              |
| 7000156 | ^SUMMER\\d{2}$ | 1000     | Honey                   | RE, WINNER, ACTIVE, scheduled: start +30,       |
|         |                |          |                         | end +120; deal 402 FIXED $15.00 off $100        |
| 7000157 | SPRINGREADS    | 1002     | TopCashback             | INACTIVE, ended -2; deal 421 FIXED £10.00       |
| 7000158 | LASTCALL       | 1003     | The Points Guy          | ACTIVE by State but ended (end -1); deal 432    |
|         |                |          |                         | PERCENT 12.5, up to 3 times per order           |
| 7000159 | VIPPERKS       | 1003     | Wanderlust Weekly       | DealName "VIP partner perks" without a DealId;  |
|         |                |          |                         | ends +5 (the "Ending within 7 days" view)       |
| 7000160 | SAVERS20       | 1000     | Saver's Corner          | INACTIVE, ended -90, deactivated partner;       |
|         |                |          |                         | deal 405 (EXPIRED)                              |

The fixed code rows are one-line literals in `FIXED_PROMO_CODES`; read them there for the exact dates,
and `FIXED_CODE_OFFSETS` for the five written in another offset than Pacific (SHIPFREE, CAFE5EUR,
SPRINGREADS, LASTCALL, VIPPERKS).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

GENERATED_CODE_COUNT = 150
FIRST_PROMO_CODE_ID = 7_000_001


# --- Clock --------------------------------------------------------------------------------------
# zoneinfo needs the system tz database, which slim containers lack; the US rule is short enough to
# write down, and the sandbox only has to look like Pacific time, not be it to the hour.


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    first_sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + timedelta(weeks=n - 1)


def pacific_offset(day: date) -> timezone:
    """UTC-7 from the second Sunday of March to the first Sunday of November, else UTC-8."""
    if _nth_sunday(day.year, 3, 2) <= day < _nth_sunday(day.year, 11, 1):
        return timezone(timedelta(hours=-7))
    return timezone(timedelta(hours=-8))


def pacific(day: date, at: time = time(0, 0, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=pacific_offset(day))


def to_pacific(moment: datetime) -> datetime:
    guess = moment.astimezone(timezone(timedelta(hours=-8)))
    return moment.astimezone(pacific_offset(guess.date())).replace(microsecond=0)


# UTC written as `Z`, as impact.com may send it; a named zone so that `iso` can tell it from +00:00.
ZULU = timezone(timedelta(0), "Z")
OFFSETS = {
    "+02:00": timezone(timedelta(hours=2)),
    "+05:30": timezone(timedelta(hours=5, minutes=30)),
    "+09:00": timezone(timedelta(hours=9)),
    "-03:00": timezone(timedelta(hours=-3)),
    "Z": ZULU,
}


def iso(moment: datetime | None) -> str | None:
    if not moment:
        return None
    text = moment.isoformat(timespec="seconds")
    return text.removesuffix("+00:00") + "Z" if moment.tzinfo is ZULU else text


# --- Campaigns ----------------------------------------------------------------------------------

CAMPAIGNS = [
    # (Id, Name, State, tracking domain, shipping regions, short description)
    (1000, "Acme Anvils", "ACTIVE", "acme.sjv.io", ["US", "CA"], "Anvils, rockets and canyon gear."),
    (1001, "Café Crème Rewards", "ACTIVE", "cafecreme.pxf.io", ["FR", "DE", "ES"], "Coffee by subscription."),
    (1002, "Brightwater Books UK", "ACTIVE", "brightwater.sjv.io", ["GB"], "Books delivered across the UK."),
    (1003, "Northwind Travel", "ACTIVE", "northwind.pxf.io", ["US"], "Hotels, flights and weekend getaways."),
    (1004, "Initech Cloud (retired)", "CLOSED", "initech.sjv.io", ["US"], "Closed program, kept for history."),
]


def _campaign(account_sid: str, row: tuple) -> dict:
    campaign_id, name, state, domain, regions, short = row
    return {
        "Id": campaign_id,
        "Name": name,
        "State": state,
        "Type": "Performance",
        "ShortDescription": short,
        "LongDescription": f"{name}: {short}",
        "ListInMarketplace": state == "ACTIVE",
        "PromoCodeTracking": True,
        "TrackingDomain": domain,
        "ShippingRegions": regions,
        "Resources": {"CompanyHomepage": f"https://{domain.split('.')[0]}.example"},
        "Uri": f"/Advertisers/{account_sid}/Campaigns/{campaign_id}",
    }


# --- Partners -----------------------------------------------------------------------------------

PARTNERS = [
    # (Id, Name, joined campaign ids, country, promotional method)
    (2552842, "Wile E. Coyote Facebook", [1000], "US", "SOCIAL_MEDIA_INFLUENCER"),
    (2552907, "Coupon Cabin", [1000, 1001, 1002, 1003], "US", "COUPON"),
    (2553118, "RetailMeNot", [1000, 1002, 1003], "US", "COUPON"),
    (2553254, "Honey", [1000, 1001, 1003], "US", "CONSUMER_SOFTWARE"),
    (2553399, "Zoë's Deals", [1001, 1002], "FR", "COUPON"),
    (2553471, "Ångström Outdoors", [1000, 1002], "SE", "CONTENT"),
    (2553590, "Slickdeals", [1000, 1003], "US", "COUPON"),
    (2553702, "Rakuten Rewards", [1000, 1001, 1002, 1003], "US", "CASHBACK"),
    (2553845, "TopCashback", [1001, 1002], "GB", "CASHBACK"),
    (2553967, "Quidco", [1002], "GB", "CASHBACK"),
    (2554083, "Groupon Coupons", [1000, 1003], "US", "COUPON"),
    (2554196, "The Points Guy", [1003], "US", "CONTENT"),
    (2554310, "Brad's Deals", [1000], "US", "COUPON"),
    (2554428, "DealNews", [1000, 1003], "US", "EMAIL"),
    (2554551, "Savings.com", [1001, 1002], "US", "COUPON"),
    (2554679, "CouponFollow", [1000], "US", "COUPON"),
    (2554790, "Dealspotr", [1001], "US", "COUPON"),
    (2554812, "Capital One Shopping", [1000, 1003], "US", "CONSUMER_SOFTWARE"),
    (2554935, "BeFrugal", [1000, 1002], "US", "CASHBACK"),
    (2555047, "Swagbucks", [1003], "US", "INCENTIVIZED"),
    (2555163, "Ibotta", [1000], "US", "CASHBACK"),
    (2555288, "Karma", [1001], "IL", "CONSUMER_SOFTWARE"),
    (2555302, "Mighty Deals", [1000], "GB", "EMAIL"),
    (2555417, "Road Runner Running Club", [1000], "US", "CONTENT"),
    (2555539, "Müller Gutscheine", [1001, 1002], "DE", "COUPON"),
    (2555650, "Café Society Blog", [1001], "FR", "CONTENT"),
    (2555771, "Señor Ahorro", [1001, 1003], "ES", "COUPON"),
    (2555884, "Ølbutikken Tilbud", [1001], "DK", "EMAIL"),
    (2555996, "BookTok Picks", [1002], "GB", "SOCIAL_MEDIA_INFLUENCER"),
    (2556108, "Bibliothèque Bargains", [1002], "FR", "COUPON"),
    (2556221, "Wanderlust Weekly", [1003], "US", "EMAIL"),
    (2556345, "Nomad Nest", [1003], "PT", "CONTENT"),
    (2556467, "Camino Trekkers", [1000, 1003], "ES", "CONTENT"),
    (2556580, "Frugal Fox Newsletter", [1000, 1001, 1002], "GB", "EMAIL"),
    (2559901, "Saver's Corner", [1000], "US", "COUPON"),
]
DEACTIVATED_PARTNER_IDS = {2559901}


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum()) or "partner"


def _partner(account_sid: str, row: tuple, index: int, today: date, campaign_names: dict) -> dict:
    partner_id, name, campaign_ids, country, method = row
    created = pacific(today - timedelta(days=900 - 20 * index), time(9, 30))
    return {
        "Id": str(partner_id),  # a string here, as the partners spec says
        "Name": name,
        "Description": f"{name}: {method.replace('_', ' ').lower()} partner.",
        "Website": f"https://www.{_slug(name)}.example",
        "State": "DEACTIVATED" if partner_id in DEACTIVATED_PARTNER_IDS else "ACTIVE",
        "Address": {"Country": country},
        "Currency": {"GB": "GBP", "US": "USD"}.get(country, "EUR"),
        "PartnerType": "MARKETPLACE",
        "PromotionalMethods": [{"Type": method, "IsPrimary": True}],
        "PromotionalCountries": [country],
        "Programs": [
            {
                "Id": str(campaign_id),
                "Name": campaign_names[campaign_id],
                "ContractId": f"S-{partner_id}-{campaign_id}",
                "ContractName": f"{campaign_names[campaign_id]} Public Terms",
                "JoinDate": iso(created + timedelta(days=7)),
                "ExpirationDate": None,
            }
            for campaign_id in campaign_ids
        ],
        "DateCreated": iso(created),
        "DateLastUpdated": iso(created + timedelta(days=30)),
        "Uri": f"/Advertisers/{account_sid}/MediaPartners/{partner_id}",
    }


# --- Deals --------------------------------------------------------------------------------------
# (Id, CampaignId, Name, Type, Scope, start offset, end offset or None, discount fields)

DEALS = [
    (401, 1000, "10% off orders over $50", "GENERAL_SALE", "ENTIRE_STORE", -365, None,
     {"DiscountType": "PERCENT", "DiscountPercent": 10, "MinimumPurchaseAmount": 50.0,
      "MinimumPurchaseAmountCurrency": "USD", "MaximumSavingsAmount": 20.0, "MaximumSavingsCurrency": "USD",
      "DefaultPromoCode": "WELCOME10", "SynchAdsPromoCodes": True}),
    (402, 1000, "$15 off $100+", "GENERAL_SALE", "ENTIRE_STORE", -200, 150,
     {"DiscountType": "FIXED", "DiscountAmount": 15.0, "DiscountCurrency": "USD",
      "MinimumPurchaseAmount": 100.0, "MinimumPurchaseAmountCurrency": "USD"}),
    (403, 1000, "Buy 2 anvils, get 1 free", "BOGO", "PRODUCT", -90, 60,
     {"BogoBuyQuantity": 2, "BogoBuyScope": "PRODUCT", "BogoBuyName": "Acme Anvil 50 lb",
      "BogoGetQuantity": 1, "BogoGetScope": "PRODUCT", "BogoGetName": "Acme Anvil 50 lb",
      "BogoGetDiscountType": "FREE", "PurchaseLimitQuantity": 1}),
    (404, 1000, "Free shipping on everything", "FREE_SHIPPING", "ENTIRE_STORE", -300, None, {}),
    (405, 1000, "Summer sale: 25% off rockets", "GENERAL_SALE", "CATEGORY", -180, -90,
     {"DiscountType": "PERCENT", "DiscountPercent": 25, "Categories": "Rockets"}),
    (406, 1000, "Black Friday: 30% off, up to $100", "GENERAL_SALE", "ENTIRE_STORE", 2, 6,
     {"DiscountType": "PERCENT", "DiscountPercent": 30, "MaximumSavingsAmount": 100.0,
      "MaximumSavingsCurrency": "USD"}),
    (411, 1001, "€5.00 off", "GENERAL_SALE", "ENTIRE_STORE", -120, 240,
     {"DiscountType": "FIXED", "DiscountAmount": 5.0, "DiscountCurrency": "EUR"}),
    (412, 1001, "20 % de réduction sur les capsules", "GENERAL_SALE", "CATEGORY", -60, 30,
     {"DiscountType": "PERCENT", "DiscountPercent": 20, "Categories": "Capsules"}),
    (413, 1001, "Livraison offerte dès 30 €", "FREE_SHIPPING", "ENTIRE_STORE", -400, None,
     {"MinimumPurchaseAmount": 30.0, "MinimumPurchaseAmountCurrency": "EUR"}),
    (414, 1001, "2e paquet à -50 %", "BOGO", "PRODUCT", -30, 90,
     {"BogoBuyQuantity": 1, "BogoBuyScope": "PRODUCT", "BogoBuyName": "Café moulu 250 g",
      "BogoGetQuantity": 1, "BogoGetScope": "PRODUCT", "BogoGetName": "Café moulu 250 g",
      "BogoGetDiscountType": "PERCENT", "BogoGetDiscountPercent": 50, "PurchaseLimitQuantity": 2}),
    (415, 1001, "€10 off €75", "GENERAL_SALE", "ENTIRE_STORE", -300, -200,
     {"DiscountType": "FIXED", "DiscountAmount": 10.0, "DiscountCurrency": "EUR",
      "MinimumPurchaseAmount": 75.0, "MinimumPurchaseAmountCurrency": "EUR"}),
    (421, 1002, "£10 off £60", "GENERAL_SALE", "ENTIRE_STORE", -150, 200,
     {"DiscountType": "FIXED", "DiscountAmount": 10.0, "DiscountCurrency": "GBP",
      "MinimumPurchaseAmount": 60.0, "MinimumPurchaseAmountCurrency": "GBP"}),
    (422, 1002, "15% off bestsellers, up to £30", "GENERAL_SALE", "CATEGORY", -100, None,
     {"DiscountType": "PERCENT", "DiscountPercent": 15, "Categories": "Bestsellers",
      "MaximumSavingsAmount": 30.0, "MaximumSavingsCurrency": "GBP"}),
    (423, 1002, "Free UK delivery", "FREE_SHIPPING", "ENTIRE_STORE", -500, None, {}),
    (424, 1002, "Buy one paperback, get one half price", "BOGO", "CATEGORY", -45, 45,
     {"BogoBuyQuantity": 1, "BogoBuyScope": "CATEGORY", "BogoBuyName": "Paperbacks",
      "BogoGetQuantity": 1, "BogoGetScope": "CATEGORY", "BogoGetName": "Paperbacks",
      "BogoGetDiscountType": "PERCENT", "BogoGetDiscountPercent": 50, "Categories": "Paperbacks"}),
    (425, 1002, "£5 off spring reads", "GENERAL_SALE", "CATEGORY", -250, -180,
     {"DiscountType": "FIXED", "DiscountAmount": 5.0, "DiscountCurrency": "GBP", "Categories": "Spring reads"}),
    (431, 1003, "$25 off bookings over $250", "GENERAL_SALE", "ENTIRE_STORE", -90, 270,
     {"DiscountType": "FIXED", "DiscountAmount": 25.0, "DiscountCurrency": "USD",
      "MinimumPurchaseAmount": 250.0, "MinimumPurchaseAmountCurrency": "USD"}),
    (432, 1003, "12.5% off hotel stays", "GENERAL_SALE", "CATEGORY", -60, 120,
     {"DiscountType": "PERCENT", "DiscountPercent": 12.5, "Categories": "Hotels",
      "MaximumSavingsAmount": 150.0, "MaximumSavingsCurrency": "USD", "PurchaseLimitQuantity": 3}),
    (433, 1003, "Free travel pillow with any booking", "GIFT_WITH_PURCHASE", "ENTIRE_STORE", -30, 30,
     {"Gift": "Travel pillow"}),
    (434, 1003, "Weekend getaway: $40 off", "GENERAL_SALE", "ENTIRE_STORE", 10, 40,
     {"DiscountType": "FIXED", "DiscountAmount": 40.0, "DiscountCurrency": "USD"}),
    (435, 1003, "Book 3 nights, get the 4th $50 off", "BOGO", "CATEGORY", -20, 100,
     {"BogoBuyQuantity": 3, "BogoBuyScope": "CATEGORY", "BogoBuyName": "Hotel nights",
      "BogoGetQuantity": 1, "BogoGetScope": "CATEGORY", "BogoGetName": "Hotel night",
      "BogoGetDiscountType": "AMOUNT", "BogoGetDiscountAmount": 50.0, "BogoGetDiscountCurrency": "USD"}),
    (436, 1003, "Fly & stay: 10% off packages", "GENERAL_SALE", "CATEGORY", -400, -300,
     {"DiscountType": "PERCENT", "DiscountPercent": 10, "Categories": "Packages"}),
]


def _deal_state(start: date, end: date | None, today: date) -> str:
    if start > today:
        return "PENDING"
    if end is not None and end < today:
        return "EXPIRED"
    return "ACTIVE"


def _deal(account_sid: str, row: tuple, today: date) -> dict:
    deal_id, campaign_id, name, deal_type, scope, start_offset, end_offset, discount = row
    start = today + timedelta(days=start_offset)
    end = today + timedelta(days=end_offset) if end_offset is not None else None
    deal = {
        "Id": deal_id,
        "Name": name,
        "Description": f"{name}.",
        "CampaignId": campaign_id,
        "State": _deal_state(start, end, today),
        "Type": deal_type,
        "Scope": scope,
        "Products": [],
        "Categories": None,
        "DiscountType": None,
        "DiscountAmount": None,
        "DiscountCurrency": None,
        "DiscountPercent": None,
        "DiscountMaximumPercent": None,
        "DiscountPercentRangeStart": None,
        "DiscountPercentRangeEnd": None,
        "Gift": None,
        "RebateAmount": None,
        "RebateCurrency": None,
        "DefaultPromoCode": None,
        "StartDate": iso(pacific(start)),
        "EndDate": iso(pacific(end, time(23, 59, 59))) if end else None,
        "SynchAdsPromoCodes": False,
        "RestrictedMediaPartners": [],
        "RestrictedMediaPartnerGroups": [],
        "Uri": f"/Advertisers/{account_sid}/Deals/{deal_id}",
        "BogoBuyQuantity": 0,
        "BogoBuyScope": None,
        "BogoBuyName": None,
        "BogoGetQuantity": 0,
        "BogoGetScope": None,
        "BogoGetName": None,
        "BogoGetDiscountType": None,
        "BogoGetDiscountAmount": None,
        "BogoGetDiscountCurrency": None,
        "BogoGetDiscountPercent": None,
        "PurchaseLimitQuantity": 0,
    }
    # The spec declares MinimumPurchaseAmount, MaximumSavingsAmount and their currencies as
    # non-nullable numbers, so a deal without them leaves the keys out rather than sending null.
    deal.update(discount)
    # A promo code carries a single currency field, DiscountCurrency: fill it for every deal with a
    # money amount, so "10% off orders over $50" still says which currency the 50 is in.
    if deal["DiscountCurrency"] is None:
        deal["DiscountCurrency"] = discount.get("MinimumPurchaseAmountCurrency") or discount.get("MaximumSavingsCurrency")
    if scope == "PRODUCT":
        deal["Products"] = [{"ProductName": discount.get("BogoBuyName", name)}]
    return deal


# --- Promo codes --------------------------------------------------------------------------------

# (Id, Code, Type, CreditPolicy, CampaignId, AssignedPartnerId, DealId, DealName,
#  start offset or None, end offset or None, State)
FIXED_PROMO_CODES = [
    (7000151, "WELCOME10", "LI", "ALWAYS", 1000, 2552842, 401, None, -14, None, "ACTIVE"),
    (7000152, "ANVILBOGO", "LI", "INVOLVED", 1000, 2552907, 403, None, -12, 60, "ACTIVE"),
    (7000153, "SHIPFREE", "LI", "WINNER", 1000, 2553118, 404, None, -12, 90, "ACTIVE"),
    (7000154, "CAFE5EUR", "LI", "ALWAYS", 1001, 2553399, 411, None, -10, 60, "ACTIVE"),
    (7000155, "PLAINCODE", "LI", "INVOLVED", 1002, 2553471, None, None, None, None, "ACTIVE"),
    (7000156, r"^SUMMER\d{2}$", "RE", "WINNER", 1000, 2553254, 402, None, 30, 120, "ACTIVE"),
    (7000157, "SPRINGREADS", "LI", "ALWAYS", 1002, 2553845, 421, None, -30, -2, "INACTIVE"),
    (7000158, "LASTCALL", "LI", "WINNER", 1003, 2554196, 432, None, -20, -1, "ACTIVE"),
    (7000159, "VIPPERKS", "LI", "INVOLVED", 1003, 2556221, None, "VIP partner perks", -7, 5, "ACTIVE"),
    (7000160, "SAVERS20", "LI", "ALWAYS", 1000, 2559901, 405, None, -180, -90, "INACTIVE"),
]

# Fixed codes created in another offset than Pacific: (offset, wall-clock time the end falls at).
# Their dates are midnight (start) and the end time in that offset, so in Pacific time the start
# falls on the day before (every offset here is ahead of Pacific), and SHIPFREE's end, 05:00 in
# +09:00, falls on the day before too: it ends the day before its date says, for staff in California.
FIXED_CODE_OFFSETS = {
    7000153: ("+09:00", time(5, 0, 0)),  # SHIPFREE
    7000154: ("+02:00", time(23, 59, 59)),  # CAFE5EUR
    7000157: ("Z", time(23, 59, 59)),  # SPRINGREADS
    7000158: ("-03:00", time(23, 59, 59)),  # LASTCALL
    7000159: ("+05:30", time(23, 59, 59)),  # VIPPERKS
}
# Generated codes take turns: Pacific (None) for half of them, each other offset for one in ten.
GENERATED_CODE_OFFSETS = [None, "+02:00", None, "+05:30", None, "+09:00", None, "-03:00", None, "Z"]

CODE_WORDS = {
    1000: ["ANVIL", "ROCKET", "TNT", "BIRDSEED", "COYOTE", "CANYON", "MESA", "MAGNET"],
    1001: ["CAFE", "CREME", "LATTE", "ESPRESSO", "MOKA", "ARABICA", "CROISSANT"],
    1002: ["READ", "BOOK", "PAGE", "CHAPTER", "NOVEL", "SHELF", "POETRY"],
    1003: ["TRIP", "FLY", "STAY", "ROAM", "JET", "GETAWAY", "VOYAGE"],
}
REGEX_SHAPES = [r"^{word}\d{{2}}$", r"^{word}-[A-Z0-9]{{4}}$", r"(?i)^{word}{number}[A-Z]?$"]


def promo_code_object(
    account_sid: str,
    *,
    promo_code_id: int,
    code: str,
    code_type: str,
    credit_policy: str,
    campaign: dict,
    partner: dict,
    created: datetime,
    start: datetime | None,
    end: datetime | None,
    state: str,
    deal: dict | None,
    deal_name: str | None,
) -> dict:
    """The PromoCode object as the API sends it; also used by the app for newly created codes."""
    deal = deal or {}
    return {
        "Id": promo_code_id,
        "Code": code,
        "Type": code_type,
        "CreditPolicy": credit_policy,
        "CampaignId": campaign["Id"],
        "CampaignName": campaign["Name"],
        "AssignedPartnerId": int(partner["Id"]),
        "AssignedPartnerName": partner["Name"],
        "CreatedDate": iso(created),
        "StartDate": iso(start),
        "EndDate": iso(end),
        "State": state,
        "DealId": deal.get("Id"),
        "DealName": deal.get("Name", deal_name),
        "DealState": deal.get("State"),
        "DealType": deal.get("Type"),
        "DealScope": deal.get("Scope"),
        "DealStartDate": deal.get("StartDate"),
        "DealEndDate": deal.get("EndDate"),
        "DiscountType": deal.get("DiscountType"),
        "DiscountAmount": deal.get("DiscountAmount"),
        "DiscountCurrency": deal.get("DiscountCurrency"),
        "DiscountPercent": deal.get("DiscountPercent"),
        "MinimumPurchaseAmount": deal.get("MinimumPurchaseAmount"),
        "MaximumSavingsAmount": deal.get("MaximumSavingsAmount"),
        # Integers and booleans the spec does not allow to be null: 0 / false without a deal.
        "PurchaseLimitQuantity": deal.get("PurchaseLimitQuantity", 0),
        "BogoBuyQuantity": deal.get("BogoBuyQuantity", 0),
        "BogoBuyName": deal.get("BogoBuyName"),
        "BogoGetQuantity": deal.get("BogoGetQuantity", 0),
        "BogoGetName": deal.get("BogoGetName"),
        "BogoGetDiscountType": deal.get("BogoGetDiscountType"),
        "SynchAdsPromoCodes": deal.get("SynchAdsPromoCodes", False),
        "Uri": f"/Advertisers/{account_sid}/PromoCodes/{promo_code_id}",
    }


@dataclass
class Seed:
    campaigns: list[dict]
    partners: list[dict]
    deals: list[dict]
    promo_codes: list[dict]


def build_seed(today: date, account_sid: str) -> Seed:
    campaign_names = {row[0]: row[1] for row in CAMPAIGNS}
    campaigns = [_campaign(account_sid, row) for row in CAMPAIGNS]
    partners = [_partner(account_sid, row, i, today, campaign_names) for i, row in enumerate(PARTNERS)]
    deals = [_deal(account_sid, row, today) for row in DEALS]
    promo_codes = _promo_codes(account_sid, today, campaigns, partners, deals)
    return Seed(campaigns, partners, deals, promo_codes)


def _promo_codes(account_sid, today, campaigns, partners, deals) -> list[dict]:
    campaigns_by_id = {c["Id"]: c for c in campaigns}
    partners_by_id = {int(p["Id"]): p for p in partners}
    deals_by_id = {d["Id"]: d for d in deals}
    used_values = {(row[4], row[1].upper()) for row in FIXED_PROMO_CODES}

    def on(offset: int | None, at: time) -> datetime | None:
        return None if offset is None else pacific(today + timedelta(days=offset), at)

    # Generated codes: drawn in a fixed order from a fixed seed, so only `today` moves them.
    rng = random.Random(14)
    drafts = []
    for _ in range(GENERATED_CODE_COUNT):
        campaign_id = rng.choice([1000, 1000, 1001, 1002, 1003])
        joined = [p for pid, p in partners_by_id.items()
                  if pid not in DEACTIVATED_PARTNER_IDS and any(int(g["Id"]) == campaign_id for g in p["Programs"])]
        partner = rng.choice(joined)
        code_type = "RE" if rng.random() < 0.1 else "LI"
        while True:
            word, number = rng.choice(CODE_WORDS[campaign_id]), rng.randint(5, 60)
            if code_type == "RE":
                code = rng.choice(REGEX_SHAPES).format(word=word, number=number)
            else:
                code = f"{word}{number}" if rng.random() < 0.6 else f"{word}{_slug(partner['Name'])[:4].upper()}{number}"
            if (campaign_id, code.upper()) not in used_values:
                used_values.add((campaign_id, code.upper()))
                break
        window = rng.choice(["evergreen", "current", "current", "scheduled", "ended", "ended"])
        if window == "evergreen":
            start, end = (None if rng.random() < 0.25 else -rng.randint(20, 380)), None
        elif window == "current":
            start, end = (None if rng.random() < 0.15 else -rng.randint(10, 200)), rng.randint(5, 200)
        elif window == "scheduled":
            start = rng.randint(3, 90)
            end = None if rng.random() < 0.2 else start + rng.randint(14, 120)
        else:
            start = -rng.randint(60, 400)
            end = min(start + rng.randint(7, 120), -2)
        inactive_odds = 0.7 if window == "ended" else 0.15
        state = "INACTIVE" if rng.random() < inactive_odds else "ACTIVE"
        campaign_deals = [d for d in deals if d["CampaignId"] == campaign_id]
        roll = rng.random()
        deal, deal_name = None, None
        if roll < 0.72:
            deal = rng.choice(campaign_deals)
        elif roll < 0.76:
            deal_name = f"{word.title()} partner exclusive"
        created_offset = min((start if start is not None else -rng.randint(30, 400)) - rng.randint(0, 20), -15)
        created_at = time(rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59))
        drafts.append(dict(
            code=code, code_type=code_type, credit_policy=rng.choice(["ALWAYS", "INVOLVED", "WINNER"]),
            campaign=campaigns_by_id[campaign_id], partner=partner,
            created=on(created_offset, created_at), start=on(start, time(0, 0, 0)),
            end=on(end, time(23, 59, 59)), state=state, deal=deal, deal_name=deal_name,
        ))
    drafts.sort(key=lambda draft: draft["created"])
    codes = [
        promo_code_object(
            account_sid, promo_code_id=FIRST_PROMO_CODE_ID + i,
            **_in_offset(draft, GENERATED_CODE_OFFSETS[i % len(GENERATED_CODE_OFFSETS)]),
        )
        for i, draft in enumerate(drafts)
    ]

    for row in FIXED_PROMO_CODES:
        promo_code_id, code, code_type, policy, campaign_id, partner_id, deal_id, deal_name, start, end, state = row
        created_offset = min(start if start is not None else -14, -1) - 2
        created, starts, ends = on(created_offset, time(10, 0, 0)), on(start, time(0, 0, 0)), on(end, time(23, 59, 59))
        if promo_code_id in FIXED_CODE_OFFSETS:
            offset, ends_at = FIXED_CODE_OFFSETS[promo_code_id]
            zone = OFFSETS[offset]
            created = _wall_clock(today, created_offset, time(10, 0, 0), zone)
            starts, ends = _wall_clock(today, start, time(0, 0, 0), zone), _wall_clock(today, end, ends_at, zone)
        codes.append(promo_code_object(
            account_sid, promo_code_id=promo_code_id, code=code, code_type=code_type, credit_policy=policy,
            campaign=campaigns_by_id[campaign_id], partner=partners_by_id[partner_id],
            created=created, start=starts, end=ends, state=state,
            deal=deals_by_id.get(deal_id), deal_name=deal_name,
        ))
    return codes


def _wall_clock(today: date, day_offset: int | None, at: time, zone: timezone) -> datetime | None:
    return None if day_offset is None else datetime.combine(today + timedelta(days=day_offset), at, tzinfo=zone)


def _in_offset(draft: dict, offset: str | None) -> dict:
    """The same instants written in another offset, as if the code had been created there."""
    if offset is None:
        return draft
    zone = OFFSETS[offset]
    moved = {name: draft[name] and draft[name].astimezone(zone) for name in ("created", "start", "end")}
    return {**draft, **moved}
