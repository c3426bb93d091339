"""Sign-in with a brake on guessing: repeated failures lock the user name and the address for a while.

Counts live in Django's cache, so with Redis every instance shares them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache


def _keys(request) -> list[str]:
    username = (request.POST.get("username") or "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return [
        "login-failures:user:" + hashlib.sha256(username.encode()).hexdigest(),
        "login-failures:addr:" + hashlib.sha256(address.encode()).hexdigest(),
    ]


def is_locked_out(request) -> bool:
    return any((cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT for key in _keys(request))


def record_failure(request) -> None:
    for key in _keys(request):
        cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def clear_failures(request) -> None:
    cache.delete_many(_keys(request))


class LoginView(auth_views.LoginView):
    """Django's login view (its `next` handling only allows this site) plus the lockout."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if is_locked_out(request):
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                f"Too many failed sign-ins. Wait {max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)} minutes and try again.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_failure(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        clear_failures(self.request)
        return super().form_valid(form)
