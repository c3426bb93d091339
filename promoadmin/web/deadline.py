"""Every request has a deadline: gunicorn's gthread workers never stop a slow one themselves.

A thread cannot be killed, so the deadline is kept where the time goes: every call to impact.com
of the request ends by `REQUEST_TIMEOUT - RENDER_SECONDS` after it started (impact.client's
`page_deadline`: the calls share it, so a page of many calls is bounded as a whole), and one that
would start later is not sent. The view then gets ImpactPageDeadline like any other upstream
error, and ImpactErrorMiddleware shows "This page took too long" (503). RENDER_SECONDS are kept
for building the page. Regex work has its own budget (regex_limits.py), well inside this.

A streamed response (the CSV export) is bounded by the hourly budget's page count instead: its
rows are read after the view has returned, outside the deadline.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from promoadmin.impact.client import page_deadline

logger = logging.getLogger(__name__)

RENDER_SECONDS = 5.0


class RequestDeadlineMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        token = page_deadline.set(started + max(0.0, settings.REQUEST_TIMEOUT - RENDER_SECONDS))
        try:
            return self.get_response(request)
        finally:
            page_deadline.reset(token)
            elapsed = time.monotonic() - started
            if elapsed > settings.REQUEST_TIMEOUT:
                logger.warning("%s %s took %.1f s, past REQUEST_TIMEOUT", request.method, request.path, elapsed)
