"""Run user-written regular expressions without letting one hang the dashboard.

A pattern like `(a+)+$` takes exponential time on some inputs, and Python's `re` cannot be
interrupted. So the matching happens in a forked child process that is killed after a deadline:
forking costs a few milliseconds, and the child only runs `re` and writes JSON to a pipe before
`os._exit`, so it touches none of the parent's locks or connections. (POSIX only, like the
Docker image.)

Semantics: a code matches a pattern when `re.fullmatch` says so, i.e. the whole code, as if the
pattern were wrapped in ^...$. That is what impact.com presumably does at checkout (a promo code
is matched as a whole); it is case-sensitive unless the pattern says `(?i)`. The check also
reports `re.search` (a match anywhere) and a case-insensitive full match, so the tester can warn
where the semantics would differ.
"""

from __future__ import annotations

import json
import os
import re
import select
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

DEFAULT_TIMEOUT = 1.0


class RegexTimeout(Exception):
    """The patterns took longer than the deadline: some of them backtrack badly."""


class RegexBusy(RegexTimeout):
    """The user's other regex work was still running: this run was not started."""


class RegexBudgetSpent(RegexTimeout):
    """This request has used all its time for regex work."""


# What runs a batch inside a request: regex_limits sets it (a time budget per request, a few runs
# at a time per user, across workers). A context variable, so the pure checks that call `match`
# need no Django; outside a request (commands, tests) `run` is called directly.
limiter: ContextVar[Callable[[list, float], list] | None] = ContextVar("regex_limiter", default=None)


@dataclass(frozen=True)
class Outcome:
    """How one pattern fared against each text, in order."""

    error: str = ""
    full: tuple[bool, ...] = ()
    anywhere: tuple[bool, ...] = ()
    ignoring_case: tuple[bool, ...] = ()


def _match(jobs: list[tuple[str, list[str]]]) -> list[dict]:
    results = []
    for pattern, texts in jobs:
        try:
            compiled = re.compile(pattern)
            folded = re.compile(pattern, re.IGNORECASE)
        except (re.error, OverflowError, RecursionError) as err:
            results.append({"error": str(err)})
            continue
        results.append({
            "full": [compiled.fullmatch(text) is not None for text in texts],
            "anywhere": [compiled.search(text) is not None for text in texts],
            "ignoring_case": [folded.fullmatch(text) is not None for text in texts],
        })
    return results


def match(jobs: list[tuple[str, list[str]]], timeout: float = DEFAULT_TIMEOUT) -> list[Outcome]:
    """Match each (pattern, texts) job, within the request's limits when a limiter is set."""
    limited = limiter.get()
    if limited is not None:
        return limited(jobs, timeout)
    return run(jobs, timeout)


def run(jobs: list[tuple[str, list[str]]], timeout: float = DEFAULT_TIMEOUT) -> list[Outcome]:
    """Match each (pattern, texts) job in a child process; RegexTimeout after `timeout` seconds."""
    if not jobs:
        return []
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: match, write, leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read_end)
            payload = json.dumps(_match(jobs)).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                    raise RegexTimeout(f"matching took longer than {timeout:g} s")
                chunk = pipe.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except RegexTimeout:
        _kill(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RegexTimeout("the matching process failed")
    return [
        Outcome(
            error=item.get("error", ""),
            full=tuple(item.get("full", ())),
            anywhere=tuple(item.get("anywhere", ())),
            ignoring_case=tuple(item.get("ignoring_case", ())),
        )
        for item in json.loads(b"".join(chunks))
    ]


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
