"""A WSGI simulator of the impact.com Brand API (v14): promo codes, and the lists that feed pickers.

impact.com has no sandbox, so this app stands in for https://api.impact.com in tests (through
`httpx.WSGITransport`), in local development (`manage.py sandbox`) and in benchmarks. It is pure
stdlib on purpose: no Django, nothing clever, one lock around all state.

Each request goes through the same steps, in this order:
1. it is recorded in `app.requests`;
2. an injected fault, if one is queued, answers instead (after its latency);
3. credentials: HTTP Basic with the account SID and auth token, else 401;
4. the hourly rate limit: only authenticated requests count, past the limit 429;
5. routing: unknown path 404, a path naming another account SID 403 (the credentials are valid but
   not for that account), a resource in `denied_resources` 403 (a token scoped to other endpoints),
   a method the path does not have 405;
6. the handler.

Where the upstream documentation is silent, the sandbox decides (and the tests pin it down):
- a non-integer id in `/PromoCodes/{Id}` is a 400 naming the field `PromoCodeId`;
- expiring sets State INACTIVE and, when EndDate is empty or in the future, EndDate to now (a past
  EndDate is kept); expiring an INACTIVE code changes nothing and still answers 200;
- a blank query or form value counts as absent;
- creating a code needs an ACTIVE campaign and an ACTIVE partner joined to it; with a DealId the
  deal's own name wins over a DealName sent alongside it;
- an empty list still has one (empty) page: `@numpages` "1", `@start` and `@end` "0";
- promo codes are listed newest first (Id descending), campaigns, partners and deals by Id;
- `/MediaPartners` sends partner `Id` as a string (the partners spec says so) while promo codes send
  `AssignedPartnerId` as an integer (the promo codes spec says so);
- money is a JSON number rounded to cents (so 5.00 is written `5.0`);
- a date-time sent in a create is stored, and sent back, in the offset it was sent with (to the
  second; `Z` stays `Z`), as impact.com keeps the offset a date was created with; the dates the
  sandbox sets itself (a new code's CreatedDate, EndDate on expire) are in Pacific time.
"""

import base64
import binascii
import hmac
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode

from .seed import ZULU, Seed, build_seed, iso, promo_code_object, to_pacific

DEFAULT_ACCOUNT_SID = "IRsandbox0000000001"
DEFAULT_AUTH_TOKEN = "sandbox-auth-token"

RATE_LIMIT_WINDOW_SECONDS = 3600
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_CODE_LENGTH = 255

PROMO_CODE_STATES = ("ACTIVE", "INACTIVE")
CODE_TYPES = ("LI", "RE")
CREDIT_POLICIES = ("ALWAYS", "INVOLVED", "WINNER")
CAMPAIGN_STATES = ("ACTIVE", "AWAITING_REVIEW", "CANCELLED", "CLOSED", "DEACTIVATED", "DELINQUENT",
                   "REJECTED", "SETUP", "SETUP_COMPLETE")
PARTNER_STATES = ("ACTIVE", "EXPIRED", "PENDING", "DECLINED", "SUSPENDED", "DEACTIVATED", "CLOSING",
                  "CLOSED", "NOT_APPLICABLE")
DEAL_STATES = ("ACTIVE", "EXPIRED", "PENDING")
DEAL_TYPES = ("GENERAL_SALE", "FREE_SHIPPING", "GIFT_WITH_PURCHASE", "REBATE", "BOGO")
DEAL_SCOPES = ("PRODUCT", "CATEGORY", "ENTIRE_STORE")

PATH_PATTERN = re.compile(r"^/Advertisers/(?P<sid>[^/]+)/(?P<resource>[A-Za-z]+)(?:/(?P<item>[^/]+))?$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    content_type: str
    # Carries the credentials: kept for tests to inspect, out of repr so it never lands in a log.
    authorization: str | None = field(repr=False)


@dataclass(frozen=True)
class _Fault:
    status: int | None
    latency_ms: int
    body: str | None
    method: str | None = None  # only requests with this method meet it; None: every request


@dataclass
class _Response:
    status: int
    payload: object = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw_body: str | None = None


class _ApiError(Exception):
    """Raised by handlers; turned into the upstream error envelope in one place."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or []


class _FieldErrors:
    """Collects every field error of a request so the 400 reports them all at once."""

    def __init__(self):
        self.errors: list[dict] = []

    def add(self, name: str, message: str) -> None:
        self.errors.append({"Field": name, "Message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise _ApiError(400, "Validation Failed", self.errors)


# --- Value parsing (shared by query strings and form bodies) -------------------------------------


def _first(values: dict[str, list[str]], name: str) -> str | None:
    """The first value sent for `name`; a blank value counts as absent."""
    value = values.get(name, [""])[0]
    return value if value.strip() else None


def _parse_int(raw: str | None, name: str, errors: _FieldErrors) -> int | None:
    if raw is None:
        return None
    # ASCII digits only: int() would also take "+5", "1_000" and "٣".
    if not re.fullmatch(r"[0-9]{1,18}", raw.strip()):
        errors.add(name, "Not a numeric value")
        return None
    return int(raw)


def _parse_enum(raw: str | None, name: str, allowed: tuple[str, ...], errors: _FieldErrors) -> str | None:
    if raw is not None and raw not in allowed:
        errors.add(name, f"Must be one of {', '.join(allowed)}")
        return None
    return raw


def _parse_datetime(raw: str | None, name: str, errors: _FieldErrors) -> datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        errors.add(name, "Not a valid ISO 8601 date-time, e.g. 2026-06-01T00:00:00-07:00")
        return None
    if moment.tzinfo is None:
        errors.add(name, "Must include a UTC offset, e.g. 2026-06-01T00:00:00-07:00")
        return None
    # Kept in the offset it was sent with, `Z` included, so that it is sent back the same way.
    return moment.replace(tzinfo=ZULU) if raw.endswith("Z") else moment


def _code_matches(stored: str, wanted: str, *, parts: bool) -> bool:
    if parts:
        return wanted.casefold() in stored.casefold()
    return stored.casefold() == wanted.casefold()


def _as_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SandboxApp:
    """The simulator. See the module docstring for the rules it follows."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        today: date | None = None,
        latency_ms: int = 0,
        rate_limit: int = 1000,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency_ms = latency_ms
        self.rate_limit = rate_limit
        # Seeded dates are Pacific, so "today" is the Pacific date: between 00:00 and 08:00 UTC
        # the UTC date is already tomorrow there, and a code "ended yesterday" would still be running.
        real_today = to_pacific(datetime.now(UTC)).date()
        self.today = today or real_today
        # The sandbox clock runs at real speed but on `today`'s date, so codes created or expired
        # through the API land among the seeded ones even when tests pin `today`.
        self._clock_shift = self.today - real_today
        self._lock = threading.Lock()
        self.reset()

    # --- Test controls --------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded state: data reseeded, request log emptied, faults and quota cleared."""
        seed = build_seed(self.today, self.account_sid)
        with self._lock:
            self._load(seed)
            self._requests: list[RecordedRequest] = []
            self._faults: deque[_Fault] = deque()
            self._window_started: float | None = None
            self._window_used = 0
            # Resources this token may not use, e.g. {"Deals"}: a token scoped to the others (403).
            self.denied_resources: set[str] = set()
            # The API description is silent on whether `Code` matches whole codes or parts. The sandbox
            # matches whole codes (ignoring case); a test sets this to play an impact.com that matches parts.
            self.code_filter_matches_parts = False

    def add_promo_codes(self, count: int, like: int, **fields) -> list[int]:
        """Make the account bigger (tests of bounded scans): `count` copies of code `like` with new ids
        and codes (`FILLER1`, ...), `fields` (impact.com's names) overriding. Returns the new ids."""
        with self._lock:
            template = self._promo_codes[like]
            ids = []
            for _ in range(count):
                promo_code_id = self._next_promo_code_id
                self._next_promo_code_id += 1
                self._promo_codes[promo_code_id] = {
                    **template, "Code": f"FILLER{promo_code_id}", "Type": "LI", **fields,
                    "Id": promo_code_id, "Uri": f"{self._base_path()}/PromoCodes/{promo_code_id}",
                }
                ids.append(promo_code_id)
            return ids

    def inject_fault(self, status: int | None = None, *, count: int = 1, latency_ms: int = 0,
                     body: str | None = None, method: str | None = None) -> None:
        """Make the next `count` requests, whatever their endpoint, misbehave.

        `status` answers that status with the error envelope (429 with exhausted rate-limit
        headers); `body` sends that raw text instead (status 200 unless `status` is given);
        `latency_ms` delays the answer, and on its own delays an otherwise normal answer. `method`
        (e.g. "DELETE") makes only the next `count` requests with that method misbehave, so a fault
        can meet a write whatever reads come before it.
        """
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        with self._lock:
            self._faults.extend([_Fault(status, latency_ms, body, method)] * count)

    def _next_fault(self, method: str) -> _Fault | None:
        """The first queued fault meant for this request, taken off the queue (call with the lock held)."""
        for fault in self._faults:
            if fault.method in (None, method):
                self._faults.remove(fault)
                return fault
        return None

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    # --- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = self._record(environ)
        with self._lock:
            fault = self._next_fault(request.method)
        delay_ms = self.latency_ms + (fault.latency_ms if fault else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000)  # outside the lock: slow answers must not serialise others

        if fault and (fault.status is not None or fault.body is not None):
            response = self._fault_response(fault)
        else:
            try:
                response = self._handle(request)
            except _ApiError as err:
                response = _error_response(err)

        if response.raw_body is not None:
            body = response.raw_body.encode("utf-8")
            looks_like_html = response.raw_body.lstrip().startswith("<")
            content_type = "text/html; charset=utf-8" if looks_like_html else "application/json; charset=utf-8"
        else:
            body = json.dumps(response.payload, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        # Date, as every real server sends it (manage.py check_impact measures the clock offset by it).
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("Date", formatdate(usegmt=True))]
        headers += response.headers
        if not any(name == "X-RateLimit-Limit" for name, _ in headers):
            headers += self._rate_limit_headers()
        status_line = f"{response.status} {_reason(response.status)}"
        start_response(status_line, headers)
        return [body]

    def _record(self, environ) -> RecordedRequest:
        content_type = environ.get("CONTENT_TYPE", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw_body = environ["wsgi.input"].read(length) if length > 0 else b""
        form = {}
        # A body without a Content-Type is read as a form too: a JSON one then fails validation.
        if _media_type(content_type) in ("", "application/x-www-form-urlencoded"):
            form = parse_qs(raw_body.decode("utf-8", errors="replace"), keep_blank_values=True)
        # PEP 3333 hands over the path as latin-1-decoded bytes; undo that to get the UTF-8 text.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", errors="replace")
        request = RecordedRequest(
            method=environ["REQUEST_METHOD"].upper(),
            path=path,
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            form=form,
            content_type=content_type,
            authorization=environ.get("HTTP_AUTHORIZATION"),
        )
        with self._lock:
            self._requests.append(request)
        return request

    def _fault_response(self, fault: _Fault) -> _Response:
        status = fault.status or 200
        if fault.body is not None:
            return _Response(status, raw_body=fault.body)
        headers = []
        if status == 401:
            headers.append(("WWW-Authenticate", 'Basic realm="impact.com"'))
        if status == 429:
            headers += self._rate_limit_headers(remaining=0)
        return _Response(status, _envelope(f"Simulated {_reason(status)}"), headers)

    # --- The pipeline ---------------------------------------------------------------------------

    def _handle(self, request: RecordedRequest) -> _Response:
        if not self._is_authenticated(request.authorization):
            raise _ApiError(401, "Authentication failed: send HTTP Basic auth with your Account SID and Auth Token",
                            headers=[("WWW-Authenticate", 'Basic realm="impact.com"')])
        self._count_against_rate_limit()

        match = PATH_PATTERN.match(request.path)
        if not match:
            raise _ApiError(404, f"No such resource: {request.path}")
        if match["sid"] != self.account_sid:
            raise _ApiError(403, "These credentials are not permitted for that account")
        if match["resource"] in self.denied_resources:
            raise _ApiError(403, f"This API token is not permitted to use {match['resource']}")
        routes = self._routes(match["resource"], has_item=match["item"] is not None)
        if routes is None:
            raise _ApiError(404, f"No such resource: {request.path}")
        handler = routes.get(request.method)
        if handler is None:
            raise _ApiError(405, f"Method {request.method} is not allowed on this resource",
                            headers=[("Allow", ", ".join(routes))])
        if match["item"] is not None:
            return handler(request, match["item"])
        return handler(request)

    def _routes(self, resource: str, *, has_item: bool) -> dict | None:
        table = {
            ("PromoCodes", False): {"GET": self._promo_code_list, "POST": self._promo_code_create},
            ("PromoCodes", True): {"GET": self._promo_code_detail, "DELETE": self._promo_code_expire},
            ("Campaigns", False): {"GET": self._campaign_list},
            ("MediaPartners", False): {"GET": self._partner_list},
            ("Deals", False): {"GET": self._deal_list},
        }
        return table.get((resource, has_item))

    def _is_authenticated(self, authorization: str | None) -> bool:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # compare_digest on both so a wrong guess takes as long as a nearly right one.
        user_ok = hmac.compare_digest(user.encode(), self.account_sid.encode())
        password_ok = hmac.compare_digest(password.encode(), self.auth_token.encode())
        return user_ok and password_ok

    def _count_against_rate_limit(self) -> None:
        with self._lock:
            now = time.monotonic()
            if self._window_started is None or now - self._window_started >= RATE_LIMIT_WINDOW_SECONDS:
                self._window_started, self._window_used = now, 0
            if self._window_used >= self.rate_limit:
                exhausted = True
            else:
                self._window_used += 1
                exhausted = False
        if exhausted:
            raise _ApiError(429, "Rate limit exceeded: too many requests this hour",
                            headers=self._rate_limit_headers(remaining=0))

    def _rate_limit_headers(self, remaining: int | None = None) -> list[tuple[str, str]]:
        with self._lock:
            now = time.monotonic()
            started = self._window_started
            if started is None or now - started >= RATE_LIMIT_WINDOW_SECONDS:
                used, reset = 0, RATE_LIMIT_WINDOW_SECONDS
            else:
                used, reset = self._window_used, math.ceil(started + RATE_LIMIT_WINDOW_SECONDS - now)
        if remaining is None:
            remaining = max(self.rate_limit - used, 0)
        return [
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(reset)),
        ]

    # --- State ----------------------------------------------------------------------------------

    def _load(self, seed: Seed) -> None:
        self._campaigns = {c["Id"]: c for c in seed.campaigns}
        self._partners = {int(p["Id"]): p for p in seed.partners}
        self._deals = {d["Id"]: d for d in seed.deals}
        self._promo_codes = {c["Id"]: c for c in seed.promo_codes}
        self._next_promo_code_id = max(self._promo_codes) + 1

    def _now(self) -> datetime:
        return to_pacific(datetime.now(UTC) + self._clock_shift)

    def _base_path(self) -> str:
        return f"/Advertisers/{self.account_sid}"

    # --- Promo codes ----------------------------------------------------------------------------

    def _promo_code_list(self, request: RecordedRequest) -> _Response:
        query, errors = request.query, _FieldErrors()
        campaign_id = _parse_int(_first(query, "CampaignId"), "CampaignId", errors)
        code = _first(query, "Code")
        state = _parse_enum(_first(query, "State"), "State", PROMO_CODE_STATES, errors)
        start = _parse_datetime(_first(query, "StartDate"), "StartDate", errors)
        end = _parse_datetime(_first(query, "EndDate"), "EndDate", errors)
        if start and end and end < start:
            errors.add("EndDate", "Must not be before StartDate")
        page, page_size = _parse_paging(query, errors)
        errors.raise_if_any()

        def wanted(promo_code: dict) -> bool:
            if campaign_id is not None and promo_code["CampaignId"] != campaign_id:
                return False
            if code is not None and not _code_matches(promo_code["Code"], code, parts=self.code_filter_matches_parts):
                return False
            if state is not None and promo_code["State"] != state:
                return False
            # Windows overlap when each starts before the other ends; a missing bound is open.
            code_start, code_end = _as_datetime(promo_code["StartDate"]), _as_datetime(promo_code["EndDate"])
            if end is not None and code_start is not None and code_start > end:
                return False
            if start is not None and code_end is not None and code_end < start:
                return False
            return True

        with self._lock:
            found = [dict(c) for c in sorted(self._promo_codes.values(), key=lambda c: -c["Id"]) if wanted(c)]
        return _Response(200, self._page(request, "PromoCodes", found, page, page_size,
                                         ("CampaignId", "Code", "State", "StartDate", "EndDate")))

    def _promo_code_detail(self, request: RecordedRequest, item: str) -> _Response:
        promo_code_id = self._parse_promo_code_id(item)
        with self._lock:
            promo_code = self._promo_codes.get(promo_code_id)
            found = dict(promo_code) if promo_code else None
        if found is None:
            raise _ApiError(404, f"Promo code {promo_code_id} not found")
        return _Response(200, found)

    def _promo_code_expire(self, request: RecordedRequest, item: str) -> _Response:
        promo_code_id = self._parse_promo_code_id(item)
        now = self._now()
        with self._lock:
            promo_code = self._promo_codes.get(promo_code_id)
            if promo_code is not None and promo_code["State"] == "ACTIVE":
                promo_code["State"] = "INACTIVE"
                end = _as_datetime(promo_code["EndDate"])
                if end is None or end > now:
                    promo_code["EndDate"] = iso(now)
        if promo_code is None:
            raise _ApiError(404, f"Promo code {promo_code_id} not found")
        return _Response(200, {"Status": "OK", "Uri": f"{self._base_path()}/PromoCodes/{promo_code_id}"})

    def _parse_promo_code_id(self, item: str) -> int:
        errors = _FieldErrors()
        promo_code_id = _parse_int(item, "PromoCodeId", errors)
        errors.raise_if_any()
        return promo_code_id

    def _promo_code_create(self, request: RecordedRequest) -> _Response:
        media_type = _media_type(request.content_type)
        if media_type == "application/json" or media_type.endswith("+json"):
            raise _ApiError(415, "Unsupported Media Type: send application/x-www-form-urlencoded")
        if media_type not in ("", "application/x-www-form-urlencoded"):
            raise _ApiError(400, "The body must be application/x-www-form-urlencoded",
                            [{"Field": "Content-Type", "Message": f"Unsupported: {media_type}"}])

        form, errors = request.form, _FieldErrors()
        required = ("AssignedPartnerId", "CampaignId", "CreditPolicy", "Code", "Type")
        for name in required:
            if _first(form, name) is None:
                errors.add(name, "Required")
        partner_id = _parse_int(_first(form, "AssignedPartnerId"), "AssignedPartnerId", errors)
        campaign_id = _parse_int(_first(form, "CampaignId"), "CampaignId", errors)
        credit_policy = _parse_enum(_first(form, "CreditPolicy"), "CreditPolicy", CREDIT_POLICIES, errors)
        code_type = _parse_enum(_first(form, "Type"), "Type", CODE_TYPES, errors)
        code = _first(form, "Code")
        start = _parse_datetime(_first(form, "StartDate"), "StartDate", errors)
        end = _parse_datetime(_first(form, "EndDate"), "EndDate", errors)
        deal_id = _parse_int(_first(form, "DealId"), "DealId", errors)
        deal_name = _first(form, "DealName")

        if code is not None and len(code) > MAX_CODE_LENGTH:
            errors.add("Code", f"Must be at most {MAX_CODE_LENGTH} characters")
            code = None
        if code is not None and code_type == "RE":
            try:
                re.compile(code)
            except re.error as err:
                errors.add("Code", f"Not a valid regular expression: {err}")
                code = None
        if start and end and end < start:
            errors.add("EndDate", "Must not be before StartDate")

        now = self._now()
        with self._lock:
            campaign = self._campaigns.get(campaign_id) if campaign_id is not None else None
            partner = self._partners.get(partner_id) if partner_id is not None else None
            deal = self._deals.get(deal_id) if deal_id is not None else None
            if campaign_id is not None and campaign is None:
                errors.add("CampaignId", f"Unknown campaign {campaign_id}")
            elif campaign is not None and campaign["State"] != "ACTIVE":
                errors.add("CampaignId", f"Campaign {campaign_id} is {campaign['State']}, not ACTIVE")
            if partner_id is not None and partner is None:
                errors.add("AssignedPartnerId", f"Unknown partner {partner_id}")
            elif partner is not None and partner["State"] != "ACTIVE":
                errors.add("AssignedPartnerId", f"Partner {partner_id} is {partner['State']}, not ACTIVE")
            elif partner is not None and campaign is not None and not _is_joined(partner, campaign["Id"]):
                errors.add("AssignedPartnerId", f"Partner {partner_id} is not joined to campaign {campaign_id}")
            if deal_id is not None and deal is None:
                errors.add("DealId", f"Unknown deal {deal_id}")
            elif deal is not None and campaign_id is not None and deal["CampaignId"] != campaign_id:
                errors.add("DealId", f"Deal {deal_id} belongs to another campaign")
            if code is not None and campaign is not None and code_type is not None:
                if self._active_duplicate_exists(campaign["Id"], code, code_type):
                    errors.add("Code", "An ACTIVE promo code with this value already exists in this campaign")
            errors.raise_if_any()

            # Checked and created under one lock hold, so two racing requests cannot both pass.
            promo_code_id = self._next_promo_code_id
            self._next_promo_code_id += 1
            self._promo_codes[promo_code_id] = promo_code_object(
                self.account_sid, promo_code_id=promo_code_id, code=code, code_type=code_type,
                credit_policy=credit_policy, campaign=campaign, partner=partner, created=now,
                start=start, end=end,
                state="ACTIVE", deal=deal, deal_name=deal_name,
            )
        return _Response(200, {"Status": "OK", "Uri": f"{self._base_path()}/PromoCodes/{promo_code_id}"})

    def _active_duplicate_exists(self, campaign_id: int, code: str, code_type: str) -> bool:
        """Exact codes clash case-insensitively (so does checkout); patterns only when identical."""
        for existing in self._promo_codes.values():
            if existing["CampaignId"] != campaign_id or existing["State"] != "ACTIVE":
                continue
            if code_type == "LI" and existing["Code"].casefold() == code.casefold():
                return True
            if code_type == "RE" and existing["Code"] == code:
                return True
        return False

    # --- Read-only lists ------------------------------------------------------------------------

    def _campaign_list(self, request: RecordedRequest) -> _Response:
        query, errors = request.query, _FieldErrors()
        state = _parse_enum(_first(query, "State"), "State", CAMPAIGN_STATES, errors)
        name = _first(query, "Name")
        page, page_size = _parse_paging(query, errors)
        errors.raise_if_any()
        with self._lock:
            found = [
                c for _, c in sorted(self._campaigns.items())
                if (state is None or c["State"] == state)
                and (name is None or name.casefold() in c["Name"].casefold())
            ]
        return _Response(200, self._page(request, "Campaigns", found, page, page_size, ("Name", "State")))

    def _partner_list(self, request: RecordedRequest) -> _Response:
        query, errors = request.query, _FieldErrors()
        campaign_id = _parse_int(_first(query, "CampaignId"), "CampaignId", errors)
        state = _parse_enum(_first(query, "State"), "State", PARTNER_STATES, errors)
        ids = None
        raw_ids = _first(query, "Id")
        if raw_ids is not None:
            ids = {_parse_int(part.strip(), "Id", errors) for part in raw_ids.split(",") if part.strip()}
        page, page_size = _parse_paging(query, errors)
        errors.raise_if_any()
        with self._lock:
            found = [
                p for partner_id, p in sorted(self._partners.items())
                if (campaign_id is None or _is_joined(p, campaign_id))
                and (ids is None or partner_id in ids)
                and (state is None or p["State"] == state)
            ]
        return _Response(200, self._page(request, "Partners", found, page, page_size, ("Id", "CampaignId", "State")))

    def _deal_list(self, request: RecordedRequest) -> _Response:
        query, errors = request.query, _FieldErrors()
        campaign_id = _parse_int(_first(query, "CampaignId"), "CampaignId", errors)
        state = _parse_enum(_first(query, "State"), "State", DEAL_STATES, errors)
        deal_type = _parse_enum(_first(query, "Type"), "Type", DEAL_TYPES, errors)
        scope = _parse_enum(_first(query, "Scope"), "Scope", DEAL_SCOPES, errors)
        page, page_size = _parse_paging(query, errors)
        errors.raise_if_any()
        with self._lock:
            found = [
                d for _, d in sorted(self._deals.items())
                if (campaign_id is None or d["CampaignId"] == campaign_id)
                and (state is None or d["State"] == state)
                and (deal_type is None or d["Type"] == deal_type)
                and (scope is None or d["Scope"] == scope)
            ]
        return _Response(200, self._page(request, "Deals", found, page, page_size,
                                         ("CampaignId", "State", "Type", "Scope")))

    # --- Paging ---------------------------------------------------------------------------------

    def _page(self, request, key: str, items: list, page: int, page_size: int, filters: tuple) -> dict:
        """One page of `items` with the upstream's @-prefixed paging fields, all strings."""
        total = len(items)
        num_pages = max(1, math.ceil(total / page_size))
        offset = (page - 1) * page_size
        shown = items[offset:offset + page_size]
        kept_filters = [(name, _first(request.query, name)) for name in filters if _first(request.query, name)]

        def uri(number: int) -> str:
            return f"{request.path}?{urlencode(kept_filters + [('Page', number), ('PageSize', page_size)])}"

        return {
            "@page": str(page),
            "@numpages": str(num_pages),
            "@pagesize": str(page_size),
            "@total": str(total),
            "@start": str(offset if shown else 0),
            "@end": str(offset + len(shown) - 1 if shown else 0),
            "@uri": uri(page),
            "@firstpageuri": uri(1),
            "@previouspageuri": uri(min(page - 1, num_pages)) if page > 1 else "",
            "@nextpageuri": uri(page + 1) if page < num_pages else "",
            "@lastpageuri": uri(num_pages),
            key: shown,
        }


def _parse_paging(query: dict, errors: _FieldErrors) -> tuple[int, int]:
    page = _parse_int(_first(query, "Page"), "Page", errors)
    page_size = _parse_int(_first(query, "PageSize"), "PageSize", errors)
    if page is not None and page < 1:
        errors.add("Page", "Must be 1 or more")
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.add("PageSize", f"Must be between 1 and {MAX_PAGE_SIZE}")
    return page or 1, page_size or DEFAULT_PAGE_SIZE


def _is_joined(partner: dict, campaign_id: int) -> bool:
    return any(program["Id"] == str(campaign_id) for program in partner["Programs"])


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _envelope(message: str, errors: list[dict] | None = None) -> dict:
    envelope = {"Status": "ERROR", "Message": message}
    if errors:
        envelope["Errors"] = errors
    return envelope


def _error_response(err: _ApiError) -> _Response:
    return _Response(err.status, _envelope(err.message, err.errors), err.headers)
