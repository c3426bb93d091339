"""The list's rows are rendered once per worker and reused (row_cache.py): never across permissions,
offsets or the moments when a row's words change."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone

from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone as django_timezone

from promoadmin.impact.records import PromoCode
from promoadmin.promocodes import row_cache
from promoadmin.promocodes.row_cache import RowCache
from promoadmin.promocodes.templatetags.promocodes import HINT_REFRESH, SOON, CachedRowNode, row_fresh_until

LIST_URL = "/promo-codes/"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def promo(**changes) -> PromoCode:
    base = PromoCode(
        id=1, code="SAVE10", type="LI", credit_policy="ALWAYS", state="ACTIVE", campaign_id=1000,
        campaign_name="Acme", assigned_partner_id=2, assigned_partner_name="Partner", created_date=None,
        start_date=NOW - timedelta(days=1), end_date=None, deal=None,
    )
    return dataclasses.replace(base, **changes)


def test_it_never_shows_an_editors_cached_row_to_a_viewer(editor, viewer):
    editor_client, viewer_client = Client(), Client()
    editor_client.force_login(editor)
    viewer_client.force_login(viewer)
    editor_body = editor_client.get(LIST_URL, {"code": "WELCOME10"}).content.decode()
    viewer_body = viewer_client.get(LIST_URL, {"code": "WELCOME10"}).content.decode()

    assert "Expire</button>" in editor_body
    assert 'form="bulk-expire-form"' in editor_body
    assert "Expire</button>" not in viewer_body
    assert 'form="bulk-expire-form"' not in viewer_body


def test_the_same_instant_sent_with_another_offset_is_another_row(rf: RequestFactory, editor):
    request = rf.get(LIST_URL)
    request.user = editor
    end = datetime(2027, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=9)))
    in_tokyo = promo(end_date=end)
    in_utc = promo(end_date=end.astimezone(UTC))
    assert in_tokyo == in_utc  # equal records: the offset must be part of the key

    tokyo_row = render_to_string("promocodes/list.html#row", {"promo": in_tokyo}, request=request)
    utc_row = render_to_string("promocodes/list.html#row", {"promo": in_utc}, request=request)

    assert 'datetime="2027-01-01T05:00:00+09:00"' in tokyo_row
    assert 'datetime="2026-12-31T20:00:00+00:00"' in utc_row


def test_the_row_drops_its_template_indentation_never_a_values_white_space(rf: RequestFactory, editor):
    request = rf.get(LIST_URL)
    request.user = editor
    indented_name = "Acme\n    Anvils"

    row = render_to_string("promocodes/list.html#row", {"promo": promo(campaign_name=indented_name)}, request=request)

    assert f'title="{indented_name} (1000)"' in row
    assert "\n " not in row.replace(indented_name, "")


def test_a_row_without_a_hint_is_fresh_until_its_words_change():
    assert row_fresh_until(promo(state="INACTIVE"), NOW) is None
    assert row_fresh_until(promo(end_date=None), NOW) is None
    far_end = NOW + timedelta(days=90)
    assert row_fresh_until(promo(end_date=far_end), NOW) == far_end - SOON  # "ends in …" appears then


def test_a_row_with_a_hint_or_a_state_change_ahead_is_fresh_briefly():
    assert row_fresh_until(promo(end_date=NOW + timedelta(days=3)), NOW) == NOW + HINT_REFRESH
    assert row_fresh_until(promo(end_date=NOW + timedelta(seconds=2)), NOW) == NOW + timedelta(seconds=2)
    assert row_fresh_until(promo(start_date=NOW + timedelta(seconds=3)), NOW) == NOW + timedelta(seconds=3)
    assert row_fresh_until(promo(end_date=NOW - timedelta(days=2)), NOW) == NOW + HINT_REFRESH  # "ended 2 days ago"


def test_the_cache_drops_stale_rows_and_the_least_recently_used_one():
    cache = RowCache(max_rows=2)
    cache.put(("a",), "A", NOW + timedelta(seconds=5))
    cache.put(("b",), "B", None)
    assert cache.get(("a",), NOW) == "A"
    assert cache.get(("a",), NOW + timedelta(seconds=5)) is None  # stale at its moment, and forgotten
    cache.put(("c",), "C", None)
    cache.get(("b",), NOW)
    cache.put(("d",), "D", None)  # over two rows: "c" was used least recently

    assert cache.get(("c",), NOW) is None
    assert (cache.get(("b",), NOW), cache.get(("d",), NOW)) == ("B", "D")


# --- a page's rows, kept together ---------------------------------------------------------------


def test_a_page_seen_again_is_not_rendered_row_by_row(editor_client, monkeypatch):
    first = editor_client.get(LIST_URL, {"page_size": "100"}).content.decode()
    rows_rendered = []
    original = CachedRowNode.render
    monkeypatch.setattr(CachedRowNode, "render", lambda node, context: rows_rendered.append(1) or original(node, context))

    again = editor_client.get(LIST_URL, {"page_size": "100"}).content.decode()

    assert rows_rendered == []
    assert again.count('<tr id="promo-code-') == first.count('<tr id="promo-code-') > 50
    assert _rows(again) == _rows(first)


def test_a_page_whose_code_changed_is_rendered_anew(editor_client):
    before = editor_client.get(LIST_URL, {"page_size": "100"}).content.decode()
    assert "WELCOME10" in before and editor_client.post("/promo-codes/7000151/expire/").status_code in (200, 302)

    after = editor_client.get(LIST_URL, {"page_size": "100"}).content.decode()

    welcome_row = re.search(r'<tr id="promo-code-7000151">.*?</tr>', after, flags=re.S).group(0)
    assert "Inactive" in welcome_row and "Expire</button>" not in welcome_row


def test_a_pages_rows_are_kept_until_the_soonest_of_them_changes(rf: RequestFactory, editor):
    request = rf.get(LIST_URL)
    request.user = editor
    now = django_timezone.now()
    steady, ending = promo(id=11, code="STEADY"), promo(id=12, code="ENDING", end_date=now + timedelta(minutes=30))
    template = Template("{% load promocodes %}{% cached_rows promos %}{% for p in promos %}{{ p.code }} {% endfor %}{% endcached_rows %}")

    html = template.render(RequestContext(request, {"promos": (steady, ending)}))

    key = next(key for key in row_cache.pages._rows if key[0] == (steady, ending))
    assert html == "STEADY ENDING " and row_cache.pages.get(key, now) == html
    assert row_cache.pages.get(key, now + HINT_REFRESH + timedelta(seconds=1)) is None  # ENDING's hint counts minutes


def _rows(body: str) -> list[str]:
    return re.findall(r'<tr id="promo-code-.*?</tr>', body, flags=re.S)


def test_a_page_kept_from_rows_rendered_earlier_is_kept_until_they_change_not_longer(rf: RequestFactory, editor):
    request = rf.get(LIST_URL)
    request.user = editor
    now = django_timezone.now()
    ending = promo(id=13, code="ENDING", end_date=now + timedelta(minutes=30))
    row = Template("{% load promocodes %}{% cached_row p %}{{ p.code }} {% endcached_row %}")
    row.render(RequestContext(request, {"p": ending}))
    [row_key] = [key for key in row_cache.rows._rows if key[0] is ending]
    row_cache.rows.put(row_key, "ENDING ", now + timedelta(seconds=3))  # as if rendered 7 s ago: true 3 s more
    page = Template("{% load promocodes %}{% cached_rows promos %}{% for p in promos %}{% cached_row p %}{{ p.code }} "
                    "{% endcached_row %}{% endfor %}{% endcached_rows %}")

    html = page.render(RequestContext(request, {"promos": (ending,)}))

    page_key = next(key for key in row_cache.pages._rows if key[0] == (ending,))
    assert html == "ENDING " and row_cache.pages.get(page_key, now + timedelta(seconds=2)) == html
    assert row_cache.pages.get(page_key, now + timedelta(seconds=4)) is None  # when its row stops being true
