"""The one sign-in lockout, for every door (our sign-in page and Django's admin): django-axes.

axes counts failures in the database, so every worker and instance agrees, and it hooks into
`django.contrib.auth.authenticate` itself, so any sign-in form that authenticates is covered.
These functions are what axes is configured with in settings.py:

- failures count per user name *and* client address together: guessing from one address locks
  that name from that address only, never the real user signing in from elsewhere;
- the user name is counted as Django compares it (NFKC, so `ｖｉｅｗｅｒ` is `viewer`), and
  case-folded and trimmed on top, so letter case and spaces do not buy more guesses;
- the client address is the connecting peer's, unless that peer is one of `TRUSTED_PROXIES`:
  then it is the nearest address in `X-Forwarded-For` that is not a trusted proxy (what the
  proxy saw, not what the client wrote in the header).
"""

from __future__ import annotations

import ipaddress
import unicodedata
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.template.response import TemplateResponse


def lockout_username(request, credentials: dict | None) -> str:
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return unicodedata.normalize("NFKC", str(raw)).strip().casefold()


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """The client's address: walk X-Forwarded-For from the right while the hop is a trusted proxy."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(address):
        return address
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # garbage in the header: count it against the proxy's address, not a made-up one
        address = hop
        if not _is_trusted_proxy(hop):
            break
    return address


def failure_limit(request, credentials) -> int:
    return settings.LOGIN_FAILURE_LIMIT


def lockout_duration(request) -> timedelta:
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def lockout_message() -> str:
    minutes = max(1, -(-settings.LOGIN_LOCKOUT_SECONDS // 60))
    return f"Too many failed sign-ins. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."


def lockout_response(request, original_response, credentials) -> TemplateResponse:
    """The sign-in page (whichever door was used) saying why, with 429; the typed name is kept."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "lockout_message": lockout_message(), "next": request.POST.get("next", "")}
    response = TemplateResponse(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
    return response.render()
