"""Who may write: the write views' permission check, with the words a refused person reads.

A refusal is a PermissionDenied, which `web.errors` renders as the 403 page (or, for htmx, a fragment).
Django's own `permission_required(raise_exception=True)` would give the same status with no words.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from ..models import CREATE_PERMISSION, EXPIRE_PERMISSION

REFUSALS = {
    CREATE_PERMISSION: "You may not create promo codes. Ask an administrator for the editor role.",
    EXPIRE_PERMISSION: "You may not expire promo codes. Ask an administrator for the editor role.",
}


def requires(*permissions: str, refusal: str = ""):
    """A view decorator: refuse (403) anyone lacking one of `permissions`, with `refusal`, else the
    first missing permission's own words."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            for permission in permissions:
                if not request.user.has_perm(permission):
                    raise PermissionDenied(refusal or REFUSALS[permission])
            return view(request, *args, **kwargs)

        return checked

    return decorator
