"""Turn the service layer's errors into a page or fragment with an honest status: one place."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from django.contrib.auth.middleware import RemoteUserMiddleware
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap

from promoadmin.impact.errors import ImpactError, ImpactRateLimited

from .htmx import wants_fragment
from .redirects import on_this_site

logger = logging.getLogger(__name__)


class ImpactErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if wants_fragment(request) and isinstance(exception, (Http404, PermissionDenied)):
            # A whole 404/403 page swapped into a table row helps nobody: say it in the alert region.
            title, status = ("Not found", 404) if isinstance(exception, Http404) else ("Not allowed", 403)
            error = SimpleNamespace(title=title, message=str(exception) or f"{title}.")
            return _alert(request, {"error": error}, status)
        if not isinstance(exception, ImpactError):
            return None
        logger.warning("impact.com error on %s %s: %s", request.method, request.path, type(exception).__name__)
        context = {
            "error": exception,
            "retry_url": _retry_url(request),
        }
        if wants_fragment(request):
            response = _alert(request, context, exception.status)
        else:
            response = TemplateResponse(request, "error.html", context, status=exception.status)
            patch_vary_headers(response, ["HX-Request"])
        return add_retry_after(response, exception)


def _alert(request, context: dict, status: int) -> TemplateResponse:
    """Fragments go to the page's alert region (an out-of-band swap), whatever element asked: that
    element is left as it was, so nothing typed or chosen is lost."""
    response = TemplateResponse(request, "error.html#alert_oob", context, status=status)
    reswap(response, "none")
    patch_vary_headers(response, ["HX-Request"])
    return response


def add_retry_after(response, exception: ImpactError | None):
    """Pass impact.com's rate-limit reset on as Retry-After, so scripts and proxies can wait too."""
    if isinstance(exception, ImpactRateLimited) and exception.reset_seconds is not None:
        response["Retry-After"] = str(max(1, exception.reset_seconds))
    return response


def _retry_url(request) -> str:
    """Where "Try again" leads: the same address for a read; for a write, back to the page it came from."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    for candidate in (request.POST.get("next"), request.headers.get("HX-Current-URL"), request.headers.get("Referer")):
        if on_this_site(request, candidate):
            return candidate
    return ""


class ProxyRemoteUserMiddleware(RemoteUserMiddleware):
    """Single sign-on: trust the user name header set by the company's auth proxy (REMOTE_USER_HEADER)."""

    @property
    def header(self):
        from django.conf import settings

        return "HTTP_" + settings.REMOTE_USER_HEADER.upper().replace("-", "_")
