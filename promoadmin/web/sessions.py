"""Django's database sessions, with the one read every request makes written as SQL.

Every signed-in request loads its session: the ORM compiled the same SELECT each time, 0.19 ms of
CPU here against 0.05 ms through Manager.raw (bench/NOTES.md). Everything else (saving, expiry,
flushing on sign-out, `clearsessions`) is Django's db backend unchanged, on the same table.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

_LIVE_SESSION = f"SELECT * FROM {Session._meta.db_table} WHERE session_key = %s AND expire_date > %s"


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = next(iter(self.model.objects.raw(_LIVE_SESSION, [self.session_key, now])), None)
        if found is None:  # as Django's: no such live session, so a new key when one is saved
            self._session_key = None
        return found
