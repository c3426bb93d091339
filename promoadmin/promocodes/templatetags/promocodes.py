"""Small presentation helpers for promo codes: status words, relative date hints, labels."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django import template
from django.template.base import TextNode
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil

from promoadmin.impact.records import CREDIT_POLICIES, PromoCode

from .. import formatting, presenters, row_cache
from ..formatting import full_datetime, short_date
from ..models import EXPIRE_PERMISSION

register = template.Library()

STATUS_LABELS = {
    "active": "Active",
    "scheduled": "Scheduled",
    "ended": "Ended",
    "inactive": "Inactive",
}
SOON = timedelta(days=30)
HINT_REFRESH = timedelta(seconds=10)


@register.simple_tag
def status_badge(promo: PromoCode) -> str:
    """The state in words (never colour alone), with a relative hint. A simple tag, not an
    inclusion tag: it renders on every row of a 100-row list, and a sub-template per row showed
    up in the benchmark's profile."""
    status = promo.lifecycle(timezone.now())
    hint = date_hint(promo)
    badge = format_html('<span class="badge badge-{}">{}</span>', status, STATUS_LABELS[status])
    return format_html('{} <small class="hint">{}</small>', badge, hint) if hint else badge


@register.simple_tag
def code_facts(promo: PromoCode) -> presenters.CodeFacts:
    """`{% code_facts promo as facts %}`: the summary partial is rendered by the detail and the expire views."""
    return presenters.code_facts(promo)


@register.simple_tag
def date_hint(promo: PromoCode) -> str:
    """A relative hint where it helps: 'starts in 3 days', 'ends in 5 hours', 'ended 2 days ago'."""
    return _hint(promo, timezone.now())


def _hint(promo: PromoCode, now: datetime) -> str:
    status = promo.lifecycle(now)
    if status == "scheduled":
        return f"starts in {_short(timeuntil(promo.start_date, now))}"
    if status == "active" and promo.end_date and promo.end_date - now < SOON:
        return f"ends in {_short(timeuntil(promo.end_date, now))}"
    if status == "ended":
        return f"ended {_short(timesince(promo.end_date, now))} ago"
    return ""


def _short(text: str) -> str:
    return text.split(",")[0].replace("\xa0", " ")


@register.filter
def credit_policy_label(value: str) -> str:
    return CREDIT_POLICIES.get(value, value or "—").split(":")[0]


@register.filter
def credit_policy_help(value: str) -> str:
    return CREDIT_POLICIES.get(value, "")


@register.filter
def name_and_id(name: str, number: int | None) -> str:
    """'Acme Anvils (1000)': a campaign's or partner's name with its id, when there is one."""
    return f"{name} ({number})" if number is not None else name


@register.simple_tag
def time_zone_note() -> str:
    """Which zone the dates on a page are shown in, whatever offset impact.com sent them with."""
    return formatting.time_zone_note()


# Formatting lives in formatting.py (receipts, date views and presenters use it too); here it is
# only registered for templates.
register.filter(short_date)
register.filter(full_datetime)


# The list's row is markup in `list.html`'s `row` partial, wrapped in `{% cached_row promo %}`: built by
# the template once per worker and record, then reused (row_cache.py). Rendering rows in the template
# on every page view was 90% of a 100-row page's server time; see bench/NOTES.md.


@register.tag
def cached_row(parser, token):
    """`{% cached_row promo %}<tr>…</tr>{% endcached_row %}`: the row between the tags, rendered once
    and reused while the record, the viewer's expire permission and the row's words are the same."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% cached_row %} takes one promo code")
    nodelist = parser.parse(("endcached_row",))
    parser.delete_first_token()
    _strip_indentation(nodelist)
    return CachedRowNode(parser.compile_filter(bits[1]), nodelist)


# A run of whitespace holding a line break: the template's indentation.
INDENTATION = re.compile(r"[ \t]*\n\s*")


def _strip_indentation(nodelist) -> None:
    """The row's own template text without its indentation, once, when the template is compiled: 40 KB
    of a 100-row page was the row's indentation. Each run becomes one line break, which HTML reads as
    the same white space (a row has no <pre> or <textarea>). Only literal text changes, never a value."""
    for node in nodelist.get_nodes_by_type(TextNode):
        node.s = INDENTATION.sub("\n", node.s)


class CachedRowNode(template.Node):
    def __init__(self, promo, nodelist):
        self.promo = promo
        self.nodelist = nodelist

    def render(self, context):
        if _answers_an_expire(context):
            return self.nodelist.render(context)
        promo = self.promo.resolve(context)
        now = timezone.now()
        key = (promo, _offsets(promo), _viewer_key(context))
        entry = row_cache.rows.entry(key, now)
        if entry is None:
            entry = (mark_safe(self.nodelist.render(context)), row_fresh_until(promo, now))  # already escaped
            row_cache.rows.put(key, *entry)
        html, fresh_until = entry
        moments = context.render_context.get(PAGE_MOMENTS)
        if moments is not None:  # inside {% cached_rows %}: the page is true while each of its rows is
            moments[id(promo)] = fresh_until
        return html


@register.tag
def cached_rows(parser, token):
    """`{% cached_rows page.items %}{% for promo in page.items %}…{% endfor %}{% endcached_rows %}`: a page's
    rows (each a `{% cached_row %}`) kept together, while every row's record and words are the same."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% cached_rows %} takes the page's promo codes")
    nodelist = parser.parse(("endcached_rows",))
    parser.delete_first_token()
    return CachedRowsNode(parser.compile_filter(bits[1]), nodelist)


PAGE_MOMENTS = "cached_rows_fresh_until"  # render_context: the moments of the rows of the page being kept


class CachedRowsNode(template.Node):
    def __init__(self, promos, nodelist):
        self.promos = promos
        self.nodelist = nodelist

    def render(self, context):
        promos = tuple(self.promos.resolve(context) or ())
        if not promos or _answers_an_expire(context):
            return self.nodelist.render(context)
        now = timezone.now()
        # The same answer gives the same record objects (impact/parsed_answers.py): they compare by identity.
        key = (promos, tuple(_offsets(promo) for promo in promos), _viewer_key(context))
        html = row_cache.pages.get(key, now)
        if html is None:
            # Each {% cached_row %} says until when it is true, counted from when it was rendered (it may
            # come from row_cache.rows, rendered earlier), not from now; a record shown without one, from now.
            moments = context.render_context[PAGE_MOMENTS] = {}
            try:
                html = mark_safe(self.nodelist.render(context))
            finally:
                del context.render_context[PAGE_MOMENTS]
            fresh = [moments[id(promo)] if id(promo) in moments else row_fresh_until(promo, now) for promo in promos]
            row_cache.pages.put(key, html, min((moment for moment in fresh if moment), default=None))
        return html


def _answers_an_expire(context) -> bool:
    """An expire's answer has its own note and receipt in the row: never kept, never reused."""
    return bool(context.get("just_expired") or context.get("already_expired"))


def _viewer_key(context) -> tuple:
    """What a row depends on besides its record: the same for every row of a page, so found once."""
    if "row_viewer_key" not in context.render_context:
        context.render_context["row_viewer_key"] = (
            context["request"].user.has_perm(EXPIRE_PERMISSION),
            timezone.get_current_timezone_name(),
            translation.get_language(),
            get_script_prefix(),
        )
    return context.render_context["row_viewer_key"]


def _offsets(promo: PromoCode) -> tuple:
    # Records are equal when their dates are the same instants, but the row's datetime attribute
    # shows the offset impact.com sent, so two offsets are two rows.
    return (promo.start_date and promo.start_date.utcoffset(), promo.end_date and promo.end_date.utcoffset())


def row_fresh_until(promo: PromoCode, now: datetime) -> datetime | None:
    """Until when a row rendered `now` stays true: its state changes at the start and the end,
    its hint appears SOON before the end, and a hint shown counts time (kept HINT_REFRESH at most,
    a sixth of its finest unit, the minute). None: for ever."""
    moments = [moment for moment in (promo.start_date, promo.end_date) if moment and moment > now]
    if promo.end_date and promo.end_date - SOON > now:
        moments.append(promo.end_date - SOON)
    if _hint(promo, now):
        moments.append(now + HINT_REFRESH)
    return min(moments, default=None)


@register.simple_tag
def expire_question(code: str) -> str:
    """The confirm dialog before an expire, on the list's rows and on the detail page."""
    return f"Expire {code}? Shoppers will no longer be able to use it, and this cannot be undone."
