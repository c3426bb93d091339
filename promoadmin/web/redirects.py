"""Where a request may send the browser back to: this site only, never an address a form or a
header names elsewhere (an open redirect)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


def on_this_site(request: HttpRequest, url: str | None) -> bool:
    """Whether `url` is on this host (and HTTPS, when this request is)."""
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Open `url`: for an htmx request, a whole-page visit (HX-Redirect), as a 302 would be for a form."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def next_url(request: HttpRequest, default: str) -> str:
    """The POSTed `next` when it is on this site, else `default`."""
    candidate = request.POST.get("next", "")
    return candidate if on_this_site(request, candidate) else default
