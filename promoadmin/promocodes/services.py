"""Safe writes for the create form (issue 7): what promoadmin checks before it sends a new code.

impact.com has no idempotency keys and no update call, so a code sent twice or sent wrong stays
wrong. Before a create (and for a preview) promoadmin therefore:

- asks impact.com once for the campaign's ACTIVE codes (`check_conflicts`: one list call, a second
  only when the campaign has more than 1000 active codes) and stops on a duplicate: the same code,
  or for exact codes the same letters in another case (exact codes ignore case at checkout);
- on that same page, finds overlaps: a new regex that also matches active exact codes, or a new
  exact code that an active regex already matches. A warning the user may confirm, not a block.
  `find_overlaps` decides this for the create form and for bulk create alike;
- lets a form be submitted once (`claim_form_token`): a double click, a second tab or a resubmit
  after Back gets a message pointing at what the first submission did, and sends nothing;
- explains the risky choices in plain words (`risk_notes`) and tests regex patterns on sample codes
  (`try_regex`), both locally, without any API call;
- can show the exact request instead of sending it (`preview_request`).

Regex semantics: a pattern matches a code when it matches the whole code (Python's `re.fullmatch`),
case-sensitively unless it says `(?i)`. See regex_check.py.
"""

from __future__ import annotations

import dataclasses
import math
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html

from promoadmin.impact.errors import ImpactError
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCode, PromoCodeFilters

from . import regex_check

ACTIVE_PAGE_SIZE = 1000  # the most impact.com sends in one page
TOKEN_SECONDS = 24 * 3600
SESSION_KEY = "promocodes_created_by_form"
SESSION_KEEP = 50
MAX_SAMPLES = 20
MAX_SAMPLE_LENGTH = 100
TESTER_TIMEOUT = 1.0
OVERLAP_TIMEOUT = 2.0
MATCH_PAIRS_PER_CALL = 100_000  # pattern-text pairs per regex_check run: about 0.1 s of matching
OVERLAP_RETRY_SECONDS = 4.0  # bulk create: time to find which of a slow batch's patterns are slow


def endpoint_missing(err: ImpactError) -> ImpactError:
    """A 404 from an endpoint that always exists means a wrong base URL or account: a bad gateway, not a 404."""
    return ImpactError(
        "impact.com answered \"not found\" for an endpoint that always exists. An administrator should "
        "check IMPACT_API_BASE_URL and IMPACT_ACCOUNT_SID.",
        upstream_status=err.upstream_status,
    )


# --- one submission per form -------------------------------------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def _token_key(token: str) -> str:
    return f"promoadmin:create-form:{token}"


@dataclass(frozen=True)
class EarlierSubmission:
    """What a form's first submission did, told to its second one."""

    state: str  # "created", "pending" (still running) or "unknown" (impact.com never confirmed)
    promo_code_id: int | None = None
    code: str = ""

    def message(self, new_code: NewPromoCode) -> str:
        new_form = reverse("promocodes:create") + f"?campaign_id={new_code.campaign_id}"
        if self.state == "created":
            return format_html(
                'This form was already submitted: it created <a href="{}">{}</a> (id {}). Nothing was sent again. '
                'To make another code, <a href="{}">start a new form</a>.',
                reverse("promocodes:detail", args=[self.promo_code_id]), self.code or new_code.code,
                self.promo_code_id, new_form,
            )
        if self.state == "unknown":
            listed = reverse("promocodes:list") + "?" + urlencode({"campaign_id": new_code.campaign_id, "code": new_code.code})
            return format_html(
                "This form was submitted before and impact.com never confirmed whether it created {}. Nothing was "
                'sent again. <a href="{}">Look for the code</a>; if it is not there, <a href="{}">start a new form</a> '
                "to try again.",
                new_code.code, listed, new_form,
            )
        return (
            "This form is already being submitted (a double click, or another tab). Nothing was sent again: "
            "wait a moment, then check the list for the code."
        )


def claim_form_token(request, token: str) -> EarlierSubmission | None:
    """Claim the form's one submission: None when this request may send, else what happened before.

    `cache.add` is atomic, so of two simultaneous submissions exactly one wins, in every process
    that shares the cache (Redis in production). Without a token (a hand-made POST) nothing is
    claimed, and the duplicate check is the only guard.
    """
    if not token:
        return None
    created = request.session.get(SESSION_KEY, {}).get(token)
    if created:
        return EarlierSubmission("created", created.get("id"), created.get("code", ""))
    key = _token_key(token)
    if cache.add(key, "pending", TOKEN_SECONDS):
        return None
    state = cache.get(key)
    if isinstance(state, int):
        return EarlierSubmission("created", state)
    return EarlierSubmission("unknown" if state == "unknown" else "pending")


def release_form_token(token: str | None) -> None:
    """Nothing was created: the same form may be submitted again (after fixing what was wrong)."""
    if token:
        cache.delete(_token_key(token))


def remember_created(request, token: str, promo_code_id: int, code: str) -> None:
    if not token:
        return
    cache.set(_token_key(token), promo_code_id, TOKEN_SECONDS)
    created = dict(request.session.get(SESSION_KEY, {}))
    created[token] = {"id": promo_code_id, "code": code}
    request.session[SESSION_KEY] = dict(list(created.items())[-SESSION_KEEP:])


def remember_unknown(token: str) -> None:
    """impact.com may have created the code (a timeout): this form must not send it again."""
    if token:
        cache.set(_token_key(token), "unknown", TOKEN_SECONDS)


# --- duplicates and overlaps: one list call ------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    promo: PromoCode | NewPromoCode  # an active code, or (bulk create) another row of the same file
    example: str  # a code both would accept

    @property
    def regex_is_new(self) -> bool:
        return self.promo.type != "RE"


@dataclass(frozen=True)
class Overlaps:
    """What `find_overlaps` found for one new code."""

    overlaps: tuple[Overlap, ...] = ()
    pattern_too_slow: bool = False  # the new code is a regex that took too long to test
    unchecked: tuple[PromoCode | NewPromoCode, ...] = ()  # other regexes that took too long to test


@dataclass(frozen=True)
class ConflictCheck:
    """What impact.com's list of the campaign's active codes says about a new code."""

    new_code: NewPromoCode
    duplicate: PromoCode | None = None
    overlaps: tuple[Overlap, ...] = ()
    active_checked: int = 0
    active_total: int = 0
    calls: int = 1
    pattern_too_slow: bool = False  # the new regex: a block
    unchecked: tuple[PromoCode, ...] = ()  # existing regexes too slow to run: named in the warning

    @property
    def complete(self) -> bool:
        return self.active_checked >= self.active_total

    @property
    def blocks(self) -> bool:
        return self.duplicate is not None or self.pattern_too_slow

    def needs_confirmation(self) -> bool:
        return bool(self.overlaps or self.unchecked)

    def duplicate_message(self) -> str:
        promo, new = self.duplicate, self.new_code
        same_letters = promo.code != new.code
        ended = promo.lifecycle() == "ended"
        return format_html(
            'An active code <a href="{}">{}</a> (id {}) already exists in this campaign{}.{} '
            "impact.com would refuse the new one; expire the old one first if it should be replaced.",
            reverse("promocodes:detail", args=[promo.id]), promo.code, promo.id,
            ": exact codes ignore letter case, so it is the same code" if same_letters else "",
            " Its end date has passed, but impact.com still lists it as ACTIVE." if ended else "",
        )


def check_conflicts(new_code: NewPromoCode, *, now: datetime | None = None) -> ConflictCheck:
    """Look for a duplicate and overlaps among the campaign's active codes. Raises ImpactError.

    One list call (CampaignId + State=ACTIVE, PageSize 1000), past the cache so a code created a
    moment ago counts. Only when the campaign has more active codes than one page holds does a
    second call (CampaignId + Code) make the duplicate check complete; overlaps are then checked
    on the first page only, and the warning says so.
    """
    client = get_impact_client()
    page = active_codes(new_code.campaign_id)
    active = [promo for promo in page.items if promo.is_active]
    calls = 1
    duplicate = find_duplicate(new_code, active)
    if duplicate is None and page.has_next:
        same_code = client.list_promo_codes(
            PromoCodeFilters(campaign_id=new_code.campaign_id, code=new_code.code, state="ACTIVE"), page_size=100, fresh=True
        )
        calls = 2
        duplicate = find_duplicate(new_code, [promo for promo in same_code.items if promo.is_active])
    check = ConflictCheck(new_code, duplicate, active_checked=len(page.items), active_total=page.total, calls=calls)
    if duplicate is not None:
        return check
    return _with_overlaps(check, active, now or datetime.now(UTC))


def active_codes(campaign_id: int):
    """The first page (up to 1000) of a campaign's ACTIVE codes, past the cache: one list call."""
    return get_impact_client().list_promo_codes(
        PromoCodeFilters(campaign_id=campaign_id, state="ACTIVE"), page_size=ACTIVE_PAGE_SIZE, fresh=True
    )


def find_duplicate(new_code: NewPromoCode, active: list[PromoCode]) -> PromoCode | None:
    """The same code, as impact.com sees it: exact codes clash ignoring case, patterns when identical."""
    for promo in active:
        if new_code.type == "LI" and promo.code.casefold() == new_code.code.casefold():
            return promo
        if new_code.type == "RE" and promo.code == new_code.code:
            return promo
    return None


def _case_variants(code: str) -> list[str]:
    """Exact codes ignore case at checkout, so shoppers may type them as stored, upper or lower case."""
    return list(dict.fromkeys([code, code.upper(), code.lower()]))


def _window(code: PromoCode | NewPromoCode, now: datetime) -> tuple[float, float]:
    """When a code accepts orders, as timestamps (open ends are infinite): a new code without a
    start date starts now, an existing one has started."""
    start = code.start_date or (now if isinstance(code, NewPromoCode) else None)
    return (start.timestamp() if start else -math.inf, code.end_date.timestamp() if code.end_date else math.inf)


def find_overlaps(
    new_codes: Sequence[NewPromoCode],
    others: Mapping[int, Sequence[PromoCode | NewPromoCode]],
    *,
    now: datetime | None = None,
    retry_seconds: float = 0.0,
) -> list[Overlaps]:
    """For each new code, the codes of its campaign that would accept the same code at the same time.

    An overlap is a regex and an exact code of the same campaign whose dates meet, where the regex
    accepts the exact code as stored, upper- or lower-cased (exact codes ignore case at checkout).
    Two exact codes are a duplicate, not an overlap (`find_duplicate`); two regexes are not compared.
    `others` maps a campaign id to the codes a new code of that campaign is compared with: its
    active codes, and for a file also the file's other rows.

    The patterns run in regex_check's time-limited child process, batched: every pattern once,
    against every text it has to be tried on, in as few `regex_check.match` calls as
    MATCH_PAIRS_PER_CALL allows (one for any ordinary file). When a call takes too long, its patterns
    count as too slow to test; with `retry_seconds`, each of them is first tried again alone, for
    at most that many seconds in all, so that one slow pattern does not leave the others unchecked.
    """
    now = now or datetime.now(UTC)
    by_kind: dict[tuple[int, bool], list] = {}  # (campaign, is regex) -> [(code, window, its texts)]
    for campaign_id, codes in others.items():
        for other in codes:
            texts = {} if other.type == "RE" else dict.fromkeys(_case_variants(other.code))
            by_kind.setdefault((campaign_id, other.type == "RE"), []).append((other, _window(other, now), texts))
    wanted: dict[str, dict[str, None]] = {}  # pattern -> the texts to try it on, in order, once each
    pairs: list[list[tuple]] = []
    for new_code in new_codes:
        new_is_regex, window = new_code.type == "RE", _window(new_code, now)
        new_texts = {} if new_is_regex else dict.fromkeys(_case_variants(new_code.code))
        found = []
        for other, other_window, other_texts in by_kind.get((new_code.campaign_id, not new_is_regex), ()):
            if window[0] <= other_window[1] and other_window[0] <= window[1]:  # they share a moment
                pattern, texts = (new_code.code, other_texts) if new_is_regex else (other.code, new_texts)
                wanted.setdefault(pattern, {}).update(texts)
                found.append((other, pattern, texts))
        pairs.append(found)
    accepted, untested = _match_all(wanted, retry_seconds)
    results = []
    for new_code, found in zip(new_codes, pairs, strict=True):
        if new_code.type == "RE" and new_code.code in untested:
            results.append(Overlaps(pattern_too_slow=True))
            continue
        overlaps, unchecked = [], []
        for other, pattern, texts in found:
            if pattern in untested:
                unchecked.append(other)
            elif accepted[pattern]:
                example = next((text for text in texts if text in accepted[pattern]), None)
                if example is not None:
                    overlaps.append(Overlap(other, example))
        results.append(Overlaps(tuple(overlaps), unchecked=tuple(unchecked)))
    return results


def _match_all(wanted: dict[str, dict[str, None]], retry_seconds: float) -> tuple[dict[str, set[str]], set[str]]:
    """Run each pattern on its texts: (the texts each pattern accepts, the patterns that could not be tested)."""
    batches: list[list[tuple[str, list[str]]]] = [[]]
    size = 0
    for pattern, texts in wanted.items():
        if batches[-1] and size + len(texts) > MATCH_PAIRS_PER_CALL:
            batches.append([])
            size = 0
        batches[-1].append((pattern, list(texts)))
        size += len(texts)
    accepted: dict[str, set[str]] = {}
    untested: set[str] = set()
    retry_until = None
    for jobs in batches:
        try:
            outcomes = regex_check.match(jobs, timeout=OVERLAP_TIMEOUT)
        except regex_check.RegexTimeout:
            if len(jobs) == 1 or not retry_seconds:
                untested.update(pattern for pattern, _ in jobs)
                continue
            retry_until = retry_until or time.monotonic() + retry_seconds
            outcomes = []
            for job in jobs:
                left = min(OVERLAP_TIMEOUT, retry_until - time.monotonic())
                try:
                    outcomes += regex_check.match([job], timeout=left) if left > 0 else [None]
                except regex_check.RegexTimeout:
                    outcomes.append(None)
        for (pattern, texts), outcome in zip(jobs, outcomes, strict=True):
            if outcome is None:
                untested.add(pattern)
            else:  # a pattern Python's re cannot read (outcome.error) accepts nothing here
                accepted[pattern] = {text for text, matched in zip(texts, outcome.full, strict=False) if matched}
    return accepted, untested


def _with_overlaps(check: ConflictCheck, active: list[PromoCode], now: datetime) -> ConflictCheck:
    [found] = find_overlaps([check.new_code], {check.new_code.campaign_id: active}, now=now)
    return _replace(check, overlaps=found.overlaps, pattern_too_slow=found.pattern_too_slow, unchecked=found.unchecked)


def _replace(record, **changes):
    return dataclasses.replace(record, **changes)


# --- risk notes: plain words before submit (local, no API call) ----------------------------------


@dataclass(frozen=True)
class Note:
    text: str
    level: str = "warning"  # or "info"


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def risk_notes(values: Mapping, today: date) -> list[Note]:
    """The consequences of the form's current values that people tend to miss."""
    notes = []
    start, end = _day(values.get("start_date")), _day(values.get("end_date"))
    if values.get("credit_policy") == "ALWAYS":
        notes.append(Note(
            "Credit policy Always: the partner gets the credit for every sale with this code, even when "
            "another partner drove the sale."
        ))
    if start and start < today:
        notes.append(Note(f"The start date, {start:%b} {start.day}, {start.year}, is in the past: the code works as soon as it is created."))
    if end and end < today:
        notes.append(Note(
            f"The end date, {end:%b} {end.day}, {end.year}, has already passed: the code would be created "
            "already ended, so no shopper could use it."
        ))
    elif end == today:
        notes.append(Note("The code ends tonight, at the end of today.", "info"))
    if not end:
        notes.append(Note("No end date: the code never ends. It keeps working until someone expires it."))
    return notes


# --- the regex tester (local, no API call) --------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    text: str
    matches: bool
    anywhere: bool  # a match somewhere inside, not of the whole code
    ignoring_case: bool  # would match if case were ignored


@dataclass(frozen=True)
class RegexTrial:
    pattern: str
    samples: tuple[Sample, ...] = ()
    error: str = ""
    too_slow: bool = False
    dropped: int = 0  # samples over MAX_SAMPLES, not tested
    unanchored: bool = False
    case_sensitive: bool = False
    anchored_pattern: str = ""
    ignore_case_pattern: str = ""

    @property
    def matched(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.matches]

    @property
    def unmatched(self) -> list[Sample]:
        return [sample for sample in self.samples if not sample.matches]


_LEADING_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def try_regex(pattern: str, samples_text: str) -> RegexTrial:
    """Which sample codes the pattern accepts (whole-code, case-sensitive), and what to watch out for."""
    lines = [line.strip() for line in (samples_text or "").splitlines() if line.strip()]
    texts = list(dict.fromkeys(line[:MAX_SAMPLE_LENGTH] for line in lines))
    dropped, texts = max(0, len(texts) - MAX_SAMPLES), texts[:MAX_SAMPLES]
    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as err:
        return RegexTrial(pattern, error=str(err), dropped=dropped)
    flags = _LEADING_FLAGS.match(pattern)
    body = pattern[flags.end():] if flags else pattern
    unanchored = not (body.startswith(("^", r"\A")) and body.endswith("$") and not body.endswith(r"\$"))
    case_sensitive = not compiled.flags & re.IGNORECASE and any(
        char.isalpha() for char in re.sub(r"\\.", "", body)
    )
    trial = RegexTrial(
        pattern,
        dropped=dropped,
        unanchored=unanchored,
        case_sensitive=case_sensitive,
        anchored_pattern=(flags.group(0) if flags else "") + (body if body.startswith("^") else "^" + body)
        + ("" if body.endswith("$") else "$"),
        ignore_case_pattern="(?i)" + pattern,
    )
    if not texts:
        return trial
    try:
        [outcome] = regex_check.match([(pattern, texts)], timeout=TESTER_TIMEOUT)
    except regex_check.RegexTimeout:
        return _replace(trial, too_slow=True)
    samples = tuple(
        Sample(text, full, anywhere, folded)
        for text, full, anywhere, folded in zip(texts, outcome.full, outcome.anywhere, outcome.ignoring_case, strict=True)
    )
    return _replace(trial, samples=samples)


# --- the dry run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPreview:
    """The create request exactly as ImpactClient would send it (never with credentials)."""

    method: str
    path: str
    content_type: str
    fields: tuple[tuple[str, str], ...]
    body: str


def preview_request(new_code: NewPromoCode) -> RequestPreview:
    form = new_code.to_form()
    return RequestPreview(
        method="POST",
        path=f"/Advertisers/{get_impact_client().account_sid}/PromoCodes",
        content_type="application/x-www-form-urlencoded",
        fields=tuple(form.items()),
        body=urlencode(form),
    )


@dataclass(frozen=True)
class CheckResult:
    text: str
    status: str = "ok"  # "ok", "warning" or "stop"


def preview_checks(new_code: NewPromoCode, check: ConflictCheck, pickers, notes: list[Note], *, deal_name_filled: bool) -> list[CheckResult]:
    """Every check promoadmin makes before a create, with its result, for the dry run."""
    results = [CheckResult("Every field is valid (checked here, before anything is sent).")]
    if new_code.type == "RE":
        results.append(CheckResult("The pattern is a valid regular expression."))
    calls = f"{check.calls} API call{'s' if check.calls != 1 else ''}"
    if check.duplicate:
        results.append(CheckResult(check.duplicate_message(), "stop"))
    else:
        results.append(CheckResult(
            f"No active code {new_code.code} in campaign {new_code.campaign_id} "
            f"({'exact codes compared ignoring case; ' if new_code.type == 'LI' else ''}"
            f"{check.active_total} active code{'s' if check.active_total != 1 else ''} looked at with {calls})."
        ))
    if check.pattern_too_slow:
        results.append(CheckResult("The pattern takes too long to match (it backtracks badly): simplify it.", "stop"))
    elif not check.duplicate:
        if check.overlaps or check.unchecked:
            results.append(CheckResult(overlap_summary(check), "warning"))
        else:
            kind = "active exact codes" if new_code.type == "RE" else "active regex codes"
            results.append(CheckResult(f"No overlap: none of the campaign's {kind} running at the same time accepts the same codes."))
        if not check.complete:
            results.append(CheckResult(
                f"Overlaps were checked against the first {check.active_checked} of {check.active_total} active codes only.",
                "warning",
            ))
    results.extend(_picker_checks(new_code, pickers, deal_name_filled))
    results.extend(CheckResult(note.text, "warning" if note.level == "warning" else "ok") for note in notes)
    results.append(CheckResult("This form has not created a code yet: Create sends it once, and a second submission sends nothing."))
    return results


def overlap_summary(check: ConflictCheck) -> str:
    if check.new_code.type == "RE":
        text = "This pattern also accepts active exact codes of the campaign, so two codes would compete at checkout."
    else:
        text = "An active regex code of the campaign already accepts this code, so two codes would compete at checkout."
    if check.unchecked:
        text += f" {len(check.unchecked)} regex code{'s' if len(check.unchecked) != 1 else ''} took too long to test and could not be checked."
    return text


def _picker_checks(new_code: NewPromoCode, pickers, deal_name_filled: bool) -> list[CheckResult]:
    results = []
    campaign = pickers.campaign if pickers else None
    if campaign and campaign.state not in ("", "ACTIVE"):
        results.append(CheckResult(f"Campaign {campaign.name} is {campaign.state.lower()}: impact.com takes new codes only for active campaigns.", "warning"))
    elif campaign:
        results.append(CheckResult(f"Campaign {campaign.name} is active."))
    else:
        results.append(CheckResult(f"Campaign {new_code.campaign_id} could not be checked against the campaign list.", "warning"))
    if pickers and pickers.partner_search:
        partner = pickers.partner
        if partner is None:
            results.append(CheckResult(f"Partner {new_code.assigned_partner_id} is not joined to this campaign.", "warning"))
        elif partner.state != "ACTIVE":
            results.append(CheckResult(f"{partner.name} is {partner.state.lower()}: impact.com gives new codes only to active partners.", "warning"))
        else:
            results.append(CheckResult(f"{partner.name} is an active partner of this campaign."))
    else:
        results.append(CheckResult(f"Partner {new_code.assigned_partner_id} could not be checked against the partner list.", "warning"))
    if new_code.deal_id is not None:
        if pickers and pickers.deals and pickers.deals.ok:
            deal = pickers.deals.get(new_code.deal_id)
            if deal is None:
                results.append(CheckResult(f"Deal {new_code.deal_id} is not a deal of this campaign.", "warning"))
            else:
                state = "" if deal.state in ("", "ACTIVE") else f" (it is {deal.state.lower()})"
                results.append(CheckResult(f"Deal {deal.name} belongs to this campaign{state}.", "warning" if state else "ok"))
        if deal_name_filled:
            results.append(CheckResult(f"The deal name was left empty, so it is filled from the deal: {new_code.deal_name}."))
    return results
