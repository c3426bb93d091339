"""Bounds on user-written regex work: one time budget per request, a few runs at a time per user.

regex_check.run runs patterns in a forked child process killed at a deadline, so one pattern
cannot hang a worker; but each child burns a CPU until then, and 64 requests at once made 64
children, slowing every other user's pages. So every match from a request goes through `match`
here:

- the request has REGEX_SECONDS_PER_REQUEST of matching in all (a bulk review of 500 regex rows
  included); each run gets at most what is left, and none at all once it is spent;
- a user runs at most REGEX_RUNS_PER_USER matches at a time. A run claims a slot in the shared store
  (a database row, promoadmin.shared_state), not a per-process semaphore: the children are
  processes competing for the machine's CPUs, so the limit must span every gunicorn worker and
  every instance, whatever CACHE_URL says. Within one process a user's waiting requests sleep on
  a semaphore first, so only one of them at a time asks the database for a slot. The slot
  expires on its own shortly after the longest possible run, so a worker killed mid-run cannot
  keep it. A run that finds no free slot waits for one, asleep, within the
  request's budget (the wait counts), then fails with RegexBusy. Waiting rather than refusing at
  once matters: refused requests come straight back, and a flood of cheap requests still
  takes the CPU (measured: p50 of another user's page 0.43 s refusing at once).

Why a forked process and not the `regex` package's `timeout=`: `regex` times out matching only,
not compiling, and it compiles by expanding repeats while holding the GIL: the 21-character
`((a{100}){100}){100}` took 1.8 s and starved the process's other threads, `(((a{200}){200}){200})`
did not finish in 20 s. It also reads `a{e<=1}` as fuzzy matching where `re` reads text, so the
README's `re.fullmatch` semantics would change. A killed child bounds all of that.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

from promoadmin.shared_state import store

from . import regex_check

SLOT_MARGIN_SECONDS = 5  # a slot outlives the longest run by this much, then frees itself
SLOT_POLL_SECONDS = 0.1


RegexBusy = regex_check.RegexBusy
RegexBudgetSpent = regex_check.RegexBudgetSpent


@dataclass
class _Allowance:
    user_key: Callable[[], str]
    seconds_left: float


_current: ContextVar[_Allowance | None] = ContextVar("regex_allowance", default=None)


@contextmanager
def allowance(user_key: Callable[[], str], seconds: float) -> Iterator[None]:
    """Everything matched inside shares `seconds`, and the slots of the user `user_key()` names."""
    token = _current.set(_Allowance(user_key, seconds))
    limiter_token = regex_check.limiter.set(match)
    try:
        yield
    finally:
        regex_check.limiter.reset(limiter_token)
        _current.reset(token)


def match(jobs: list[tuple[str, list[str]]], timeout: float) -> list[regex_check.Outcome]:
    """regex_check.run within the request's allowance; what regex_check.match calls inside a request."""
    current = _current.get()
    if current is None or not jobs:
        return regex_check.run(jobs, timeout=timeout)
    if current.seconds_left <= 0:
        raise RegexBudgetSpent("this request's time for regex work is used up")
    started = time.monotonic()
    user_key = current.user_key()
    gate = _local_gate(user_key)
    # Wait in this process first, on a semaphore (no CPU, no queries): only the threads that pass it
    # ask the shared store, so a flood of one user's requests does not poll the database either.
    if not gate.acquire(timeout=current.seconds_left):
        current.seconds_left = 0
        raise RegexBusy("your other regex checks are still running")
    slot = None
    try:
        slot = _claim_slot(user_key, wait=current.seconds_left - (time.monotonic() - started))
        timeout = min(timeout, current.seconds_left - (time.monotonic() - started))
        if timeout <= 0:
            raise RegexBudgetSpent("this request's time for regex work is used up")
        return regex_check.run(jobs, timeout=timeout)
    finally:
        current.seconds_left -= time.monotonic() - started  # the wait for the slot counts too
        if slot is not None:
            store.release(slot)
        gate.release()


_local_gates: dict[str, threading.BoundedSemaphore] = {}
_local_gates_lock = threading.Lock()


def _local_gate(user_key: str) -> threading.BoundedSemaphore:
    """This process's gate for the user: REGEX_RUNS_PER_USER runs at a time, the rest asleep."""
    with _local_gates_lock:
        gate = _local_gates.get(user_key)
        if gate is None:
            gate = _local_gates[user_key] = threading.BoundedSemaphore(settings.REGEX_RUNS_PER_USER)
        return gate


def _claim_slot(user_key: str, wait: float) -> str:
    """A free slot of the user's, waiting for one (asleep: no CPU) at most `wait` seconds."""
    prefix = "regex-run:" + hashlib.sha256(user_key.encode()).hexdigest()[:32]
    expires = math.ceil(settings.REGEX_SECONDS_PER_REQUEST) + SLOT_MARGIN_SECONDS
    give_up = time.monotonic() + wait
    while True:
        for index in range(settings.REGEX_RUNS_PER_USER):
            key = f"{prefix}:{index}"
            if store.claim(key, expires):
                return key
        if time.monotonic() + SLOT_POLL_SECONDS > give_up:
            raise RegexBusy("your other regex checks are still running")
        time.sleep(SLOT_POLL_SECONDS)


class RegexAllowanceMiddleware:
    """Gives each request its regex allowance, keyed by the signed-in user (else the address)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        def user_key() -> str:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                return f"user:{user.pk}"
            return "address:" + request.META.get("REMOTE_ADDR", "")

        with allowance(user_key, settings.REGEX_SECONDS_PER_REQUEST):
            return self.get_response(request)
