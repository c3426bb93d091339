"""Everything that can go wrong talking to impact.com, as exceptions a view can act on.

Messages are written for the person using promoadmin and never contain credentials.
"""

from __future__ import annotations


class ImpactError(Exception):
    """Base class; `status` is the HTTP status promoadmin answers with."""

    status = 502
    title = "impact.com request failed"

    def __init__(self, message: str, *, upstream_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.upstream_status = upstream_status


class ImpactValidationError(ImpactError):
    """impact.com refused the input (400/402). `field_errors` maps upstream field names to messages."""

    status = 400
    title = "impact.com refused the request"

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class ImpactNotFound(ImpactError):
    status = 404
    title = "Not found"


class ImpactUnauthorized(ImpactError):
    """The account SID or auth token is wrong: a configuration problem for an administrator."""

    status = 503
    title = "promoadmin cannot sign in to impact.com"


class ImpactForbidden(ImpactError):
    """The token is valid but its scopes do not allow this endpoint (often a read-only token)."""

    status = 403
    title = "The API token may not do this"


class ImpactRateLimited(ImpactError):
    """The account's hourly request budget is spent; `reset_seconds` says when it refills."""

    status = 429
    title = "impact.com's hourly request limit is reached"

    def __init__(self, message: str, reset_seconds: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.reset_seconds = reset_seconds


class ImpactUnavailable(ImpactError):
    """Timeout, connection failure, a 5xx, or a body that is not the JSON expected."""

    status = 503
    title = "impact.com is not answering"


class ImpactUnreachable(ImpactUnavailable):
    """No connection could be opened, so the request never reached impact.com (a write did not happen)."""


class ImpactTimeout(ImpactUnavailable):
    status = 504
    title = "impact.com took too long to answer"


class ImpactPageDeadline(ImpactUnreachable):
    """The page's time for impact.com ran out before this request was sent (so a write did not happen)."""

    title = "This page took too long"
