"""Rendered list rows, kept in this process so an unchanged promo code is rendered once per worker.

`rows` holds single rows; `pages` holds a page's rows together (`{% cached_rows %}`), so a page seen
again, its records unchanged, skips even the loop over its rows and their lookups.

A row's HTML depends only on the record, the viewer's expire permission, the time zone, the
language, the URL prefix and the clock (its state and its relative hint). The first five make the
key; the clock gives each entry the moment it stops being true (`fresh_until`). Rendered HTML is
safe to lose or to hold twice, so a per-process cache is right here (README, Architecture): it is
never shared state. Bounded: the least recently used row goes first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from django.utils.safestring import SafeString

# About 20 pages of 100 rows: with the record in the key, roughly 5 KB a row, 10 MB per worker.
MAX_ROWS = 2000
# The rows of 40 pages: with the records in the keys, at most about 10 MB more per worker.
MAX_PAGES = 40


class RowCache:
    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = max_rows
        self._rows: OrderedDict[tuple, tuple[SafeString, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()  # gthread: many requests of one worker share this cache

    def get(self, key: tuple, now: datetime) -> SafeString | None:
        entry = self.entry(key, now)
        return entry[0] if entry else None

    def entry(self, key: tuple, now: datetime) -> tuple[SafeString, datetime | None] | None:
        """(the HTML, until when it is true) while it is true at `now`, else None."""
        with self._lock:
            entry = self._rows.get(key)
            if entry is None:
                return None
            if entry[1] is not None and now >= entry[1]:
                del self._rows[key]
                return None
            self._rows.move_to_end(key)
            return entry

    def put(self, key: tuple, html: SafeString, fresh_until: datetime | None) -> None:
        with self._lock:
            self._rows[key] = (html, fresh_until)
            self._rows.move_to_end(key)
            while len(self._rows) > self.max_rows:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


rows = RowCache()
pages = RowCache(max_rows=MAX_PAGES)
