"""Where a request may send the browser back to: this site only, never an address a form or a
header names elsewhere (an open redirect)."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def on_this_site(request: HttpRequest, url: str | None) -> bool:
    """Whether `url` is on this host (and HTTPS, when this request is)."""
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def next_url(request: HttpRequest, default: str) -> str:
    """The POSTed `next` when it is on this site, else `default`."""
    candidate = request.POST.get("next", "")
    return candidate if on_this_site(request, candidate) else default
