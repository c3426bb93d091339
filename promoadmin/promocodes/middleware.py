"""Turn the service layer's errors into a page or fragment with an honest status: one place."""

from __future__ import annotations

import logging

from django.contrib.auth.middleware import RemoteUserMiddleware
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap, retarget

from promoadmin.impact.errors import ImpactError, ImpactRateLimited

logger = logging.getLogger(__name__)


class ImpactErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ImpactError):
            return None
        logger.warning("impact.com error on %s %s: %s", request.method, request.path, type(exception).__name__)
        context = {
            "error": exception,
            "retry_minutes": _retry_minutes(exception),
        }
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.history_restore_request:
            # Fragments go to the page's alert region, whatever element asked.
            response = TemplateResponse(request, "error.html#alert", context, status=exception.status)
            retarget(response, "#alerts")
            reswap(response, "innerHTML")
        else:
            response = TemplateResponse(request, "error.html", context, status=exception.status)
        patch_vary_headers(response, ["HX-Request"])
        return response


def _retry_minutes(exception: ImpactError) -> int | None:
    if isinstance(exception, ImpactRateLimited) and exception.reset_seconds is not None:
        return max(1, round(exception.reset_seconds / 60))
    return None


class ProxyRemoteUserMiddleware(RemoteUserMiddleware):
    """Single sign-on: trust the user name header set by the company's auth proxy (REMOTE_USER_HEADER)."""

    @property
    def header(self):
        from django.conf import settings

        return "HTTP_" + settings.REMOTE_USER_HEADER.upper().replace("-", "_")
