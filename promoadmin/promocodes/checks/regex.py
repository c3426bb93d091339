"""The regex tester: which sample codes a pattern accepts, and what to watch out for (no API call)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .. import regex_check

MAX_SAMPLES = 20
MAX_SAMPLE_LENGTH = 100
TESTER_TIMEOUT = 1.0


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
    busy: bool = False  # not tested: the user's other regex work was still running (regex_limits)
    dropped: int = 0  # samples over MAX_SAMPLES, not tested
    unanchored: bool = False
    case_sensitive: bool = False
    anchored_pattern: str = ""
    ignore_case_pattern: str = ""

    @property
    def matched(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.matches]


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
    except regex_check.RegexBusy:
        return dataclasses.replace(trial, busy=True)
    except regex_check.RegexTimeout:
        return dataclasses.replace(trial, too_slow=True)
    samples = tuple(
        Sample(text, full, anywhere, folded)
        for text, full, anywhere, folded in zip(texts, outcome.full, outcome.anywhere, outcome.ignoring_case, strict=True)
    )
    return dataclasses.replace(trial, samples=samples)
