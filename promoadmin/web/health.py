"""/healthz answers before any other middleware: no login, no host check, no HTTPS redirect and no
upstream call, so a load balancer or Docker HEALTHCHECK can probe it by IP over plain HTTP."""

from django.http import HttpResponse, HttpResponseNotAllowed


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)
