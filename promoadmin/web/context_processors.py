from django.conf import settings

from promoadmin.impact.factory import get_impact_client


def impact_status(request):
    """What every page shows about the upstream: sandbox or real, and the hourly request budget."""
    # Error pages for requests refused before authentication (a bad Host header, say) have no user.
    user = getattr(request, "user", None)
    rate_limit = get_impact_client().rate_limit if user is not None and user.is_authenticated else None
    return {
        "impact_sandbox": settings.IMPACT_USE_SANDBOX,
        "impact_rate_limit": rate_limit,
        "impact_rate_limit_low": bool(rate_limit and rate_limit.remaining <= settings.IMPACT_RATE_LIMIT_WARNING),
    }
