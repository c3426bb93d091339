"""The two questions every view asks of an htmx request, answered in one place."""

from django.http import HttpRequest


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request gets a fragment, except a history restore, which needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def wants_fresh_data(request: HttpRequest) -> bool:
    """A hard reload, or the Refresh button, asks past the cache."""
    return "no-cache" in request.headers.get("Cache-Control", "")
