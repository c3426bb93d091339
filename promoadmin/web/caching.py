"""What shared caches (a company proxy, a CDN) may keep: nothing a signed-in person sees.

Every response to a signed-in user is `Cache-Control: private`. Pages that carry a one-time token
(the create form's `form_token`, the signed batch and row tokens of the bulk pages) are also
`no-store`, so not even the browser's disk keeps a token that a later visit could replay.
"""

from django.utils.cache import patch_cache_control

ONE_TIME_TOKEN_PAGES = {"promocodes:create", "promocodes:bulk_create", "promocodes:bulk_expire"}


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True)
            match = request.resolver_match
            if match is not None and match.view_name in ONE_TIME_TOKEN_PAGES:
                patch_cache_control(response, no_store=True)
        return response
