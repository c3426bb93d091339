"""Signing in: Django's login view, whose `next` handling only ever leads to this site.

The lockout after repeated failures is django-axes, for this door and the admin's alike (lockout.py).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
