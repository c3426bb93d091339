"""Template helpers for the bulk features, the CSV export and the date views."""

from __future__ import annotations

from django import template

from ..budget import calls_for
from ..selectors import COMBINABLE, view_links

register = template.Library()


@register.filter
def api_calls(total) -> int:
    """Upstream calls to read `total` codes in pages of 1000 (at least one)."""
    try:
        return calls_for(int(total))
    except (TypeError, ValueError):
        return 1


@register.inclusion_tag("promocodes/_date_view_links.html")
def date_view_links(current: str = "", params: dict | None = None):
    """Links to the date views (`?view=`), keeping the filters in `params` that combine with them."""
    kept = {name: value for name, value in (params or {}).items() if name in COMBINABLE}
    return {"views": view_links(kept), "current": current}


@register.filter
def over_budget(calls, rate_limit) -> bool:
    """Whether `calls` requests exceed what may be spent of the budget last seen (`impact_rate_limit`)."""
    if rate_limit is None:
        return False
    from ..budget import RESERVE

    return int(calls) > max(rate_limit.remaining - RESERVE, 0)
