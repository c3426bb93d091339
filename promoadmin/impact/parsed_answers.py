"""Records parsed from impact.com's recent answers, kept in this process and keyed by the answer's bytes.

An unchanged list comes back byte for byte the same, so its records need not be parsed again:
decoding and parsing the JSON of 100 promo codes was about a tenth of a 100-row list page's server
time (bench/NOTES.md). The same records also let the list's row cache find a row by identity
instead of comparing every field. Records are immutable, so every request may share them.

Parsed records are safe to lose or to hold twice, so a per-process store is right here: it is
never shared state. Bounded by the bytes of the answers it keeps; the least recently used goes first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# About 40 pages of 100 promo codes; the parsed records take roughly three times an answer's bytes.
MAX_BYTES = 4 * 1024 * 1024
# A page of 1000 codes (a scan's, about 0.9 MB) is read for one view and would push out the list
# pages this store is for: answers over this size are parsed every time, never kept.
MAX_ANSWER_BYTES = 512 * 1024


class ParsedAnswers:
    def __init__(self, max_bytes: int = MAX_BYTES, max_answer_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_answer_bytes = min(max_answer_bytes, max_bytes)
        self._parsed: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread: one client, and this store, per process

    def get(self, kind: str, body: bytes, parse: Callable[[bytes], Any]) -> Any:
        """`parse(body)`, or what it gave for the same `kind` and the same bytes before."""
        key = (kind, body)
        with self._lock:
            if key in self._parsed:
                self._parsed.move_to_end(key)
                return self._parsed[key]
        parsed = parse(body)  # outside the lock: a slow parse must not hold up other requests
        if len(body) <= self.max_answer_bytes:
            with self._lock:
                if key not in self._parsed:
                    self._parsed[key] = parsed
                    self._bytes += len(body)
                while self._bytes > self.max_bytes:
                    (_, dropped), _ = self._parsed.popitem(last=False)
                    self._bytes -= len(dropped)
        return parsed
