"""Refuse a request body by its declared size and the user's permission, before anything reads it.

Django reads a multipart body whole (every file, through the upload handlers) as soon as anything
touches `request.POST`, and the CSRF check does that before any view runs. So a view that takes a
file declares it with `@accepts_upload(permission=..., max_bytes=...)`, and this middleware, placed
right after authentication, answers before the body is read:

- any body to an upload view from a user without the view's permission: 403 (anonymous: sign in);
- a multipart body to an upload view larger (by `Content-Length`) than its file limit: 413;
- any other body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE`: 413.

What gets through is bounded by those sizes, and Django then accepts `DATA_UPLOAD_MAX_NUMBER_FILES`
(1) file; a form elsewhere (not an upload view) is at most `DATA_UPLOAD_MAX_MEMORY_SIZE` in all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve

from .middleware import ImpactErrorMiddleware

# Room for the multipart framing (boundaries, part headers, the CSRF token) around the file itself.
MULTIPART_SLACK = 64_000


@dataclass(frozen=True)
class UploadPolicy:
    permission: str
    max_file_bytes: Callable[[], int]  # read per request, so a test (or a setting) can change it


def accepts_upload(*, permission: str, max_file_bytes: Callable[[], int]):
    """Mark a view (outermost decorator) as taking one uploaded file, from users with `permission`."""

    def decorate(view):
        view.upload_policy = UploadPolicy(permission, max_file_bytes)
        return view

    return decorate


def _upload_policy(path: str) -> UploadPolicy | None:
    try:
        return getattr(resolve(path).func, "upload_policy", None)
    except Resolver404:
        return None


def _too_large(request, message: str) -> TemplateResponse:
    error = SimpleNamespace(title="Too large", message=message)
    return TemplateResponse(request, "error.html", {"error": error}, status=413).render()


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.refusal(request) or self.get_response(request)

    def forbidden(self, request, message: str):
        """The 403 a view would give: an alert fragment for htmx (the one place that decides), else the page.

        Rendered here rather than raised: Django's 403 handler runs the CSRF check, which reads the body.
        """
        fragment = ImpactErrorMiddleware(self.get_response).process_exception(request, PermissionDenied(message))
        if fragment is None:
            return TemplateResponse(request, "403.html", {"exception": message}, status=403).render()
        return fragment.render()

    def refusal(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django then reads no body at all
        if length <= 0:
            return None
        policy = _upload_policy(request.path_info)
        if policy is not None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())  # what LoginRequiredMiddleware would say, later
        if policy is not None and not request.user.has_perm(policy.permission):
            return self.forbidden(request, "You may not upload files here. Ask an administrator for the editor role.")
        if policy is not None and request.content_type == "multipart/form-data":
            if length > policy.max_file_bytes() + MULTIPART_SLACK:
                kilobytes = policy.max_file_bytes() // 1000
                return _too_large(request, f"The file is larger than {kilobytes} kB. Split it into smaller files.")
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _too_large(request, f"This request is larger than {limit // 1000} kB, so it was not read.")
        return None
