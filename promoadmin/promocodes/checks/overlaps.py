"""Duplicates and overlaps among a campaign's codes: the rules, with no API call and no Django.

A duplicate is the same code as impact.com sees it (exact codes ignore letter case at checkout,
patterns clash when identical). An overlap is a regex and an exact code of the same campaign whose
dates meet, where the regex accepts the exact code: a warning the user may confirm, not a block.
The create form (selectors.check_conflicts) and bulk create decide with the same functions.

Regex semantics: a pattern matches a code when it matches the whole code (Python's `re.fullmatch`),
case-sensitively unless it says `(?i)`. See regex_check.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from promoadmin.impact.records import NewPromoCode, PromoCode

from .. import regex_check

MATCH_PAIRS_PER_CALL = 100_000  # pattern-text pairs per regex_check run: about 0.1 s of matching


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

    def needs_confirmation(self) -> bool:
        return bool(self.overlaps or self.unchecked)



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
    timeout: float,
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
    MATCH_PAIRS_PER_CALL allows (one for any ordinary file). When a call takes longer than `timeout`
    seconds, its patterns count as too slow to test; with `retry_seconds`, each of them is first
    tried again alone, for at most that many seconds in all, so that one slow pattern does not leave
    the others unchecked. Both come from the caller (settings OVERLAP_TIMEOUT, OVERLAP_RETRY_SECONDS).
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
    accepted, untested = _match_all(wanted, timeout, retry_seconds)
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


def _match_all(
    wanted: dict[str, dict[str, None]], timeout: float, retry_seconds: float
) -> tuple[dict[str, set[str]], set[str]]:
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
            outcomes = regex_check.match(jobs, timeout=timeout)
        except regex_check.RegexTimeout:
            if len(jobs) == 1 or not retry_seconds:
                untested.update(pattern for pattern, _ in jobs)
                continue
            retry_until = retry_until or time.monotonic() + retry_seconds
            outcomes = []
            for job in jobs:
                left = min(timeout, retry_until - time.monotonic())
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
