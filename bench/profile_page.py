"""Where a page's server time goes: render it in-process under cProfile, DEBUG off.

    .venv/bin/python bench/profile_page.py                          # the 100-row list
    .venv/bin/python bench/profile_page.py /promo-codes/7000151/    # any page
    .venv/bin/python bench/profile_page.py --top 40 --requests 50

The app runs on its embedded sandbox (no credentials), whose work happens on another thread:
the CPU time printed is the request thread's own (`time.thread_time`), so other processes on a
busy machine and the sandbox barely move it, unlike wall-clock times. The database is SQLite in
memory, migrated at start, with one signed-in editor.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What each share in the summary counts: (label, file fragment, function name).
PARTS = [
    ("whole request", "django/test/client.py", "request"),
    ("template rendering", "django/template/response.py", "rendered_content"),
    ("  {{ x|date }} filters", "django/template/defaultfilters.py", "date"),
    ("  {% url %} tags", "django/template/defaulttags.py", "render"),  # refined below
    ("  simple tags ({% status_badge %} in rows rendered afresh)", "django/template/library.py", "render"),
    ("  {% csrf_token %}", "django/template/defaulttags.py", "render"),  # refined below
    ("impact.com call (client side, records)", "promoadmin/impact/client.py", "list_promo_codes"),
    ("  parsing records", "promoadmin/impact/records.py", "from_api"),
    ("session and user (database)", "django/contrib/auth/middleware.py", "<lambda>"),
]


def app_client(repo: Path):
    """Set Django up in this process for measuring the checkout at `repo`: DEBUG off, SQLite in memory
    (migrated), plain static file names, the embedded sandbox with its hourly limit lifted, no page cache; returns the test
    client of a signed-in editor. Call once per process."""
    for name in [n for n in os.environ if n.startswith("IMPACT_")]:
        del os.environ[name]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="promoadmin.settings", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="sqlite://:memory:", CACHE_URL="locmemcache://bench-profile", IMPACT_CACHE_SECONDS="0",
        ALLOWED_HOSTS="testserver", LOG_LEVEL="WARNING",
        # One editor asking hundreds of pages: each person's hourly share (200 reads by default) would
        # answer most of them with a 429 page, which is not the page being measured.
        IMPACT_USER_BUDGET="10000000", IMPACT_ADMIN_BUDGET="10000000",
    )
    os.chdir(repo)
    sys.path.insert(0, str(repo))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client, override_settings

    from promoadmin.impact.factory import get_sandbox

    # The manifest storage needs collectstatic; the page's {% static %} URLs don't matter here.
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()

    get_sandbox().rate_limit = 10_000_000  # as the person's share above: impact.com's 1000 an hour would answer 429
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench-editor")
    user.groups.add(Group.objects.get(name="Promo code editors"))
    client = Client()
    client.force_login(user)
    return client


def timed_get(client, path: str):
    """One request, and the CPU its thread spent on it, in ms (`time.thread_time`)."""
    start = time.thread_time()
    response = client.get(path)
    return response, (time.thread_time() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="/promo-codes/?page_size=100")
    parser.add_argument("--requests", type=int, default=20, help="profiled requests (after 5 warm-up ones)")
    parser.add_argument("--top", type=int, default=25, help="functions to list, by own time")
    parser.add_argument("--cpu-only", action="store_true", help="only the unprofiled CPU, as JSON (bench/run.py's table)")
    args = parser.parse_args()

    client = app_client(REPO)
    for _ in range(5):
        response = client.get(args.path)
        if response.status_code != 200:
            print(f"GET {args.path}: HTTP {response.status_code}", file=sys.stderr)
            return 1
    cpu_ms = sorted(timed_get(client, args.path)[1] for _ in range(args.requests))
    least, median = cpu_ms[0], cpu_ms[len(cpu_ms) // 2]
    if args.cpu_only:
        print(json.dumps({"min": round(least, 2), "median": round(median, 2)}))
        return 0
    print(f"GET {args.path}: {len(response.content):,} bytes; request thread CPU per request, "
          f"unprofiled: min {least:.1f} ms, median {median:.1f} ms")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()

    stats = pstats.Stats(profiler)
    print_shares(stats, args.requests)
    print()
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


def print_shares(stats: pstats.Stats, requests: int) -> None:
    """Cumulative time of a few telling functions, as a share of the whole request (profiled)."""
    table = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}

    def cumulative(file_part: str, name: str, line_hint=None) -> tuple[float, int]:
        matched = {
            key for key in table
            if key[0].endswith(file_part) and key[2] == name and (line_hint is None or line_hint(*key[:2]))
        }
        total, calls = 0.0, 0
        for key in matched:
            _cc, nc, _tt, ct, callers = table[key]
            # Count the outermost calls only: a match called by a match (recursion, or one record's
            # from_api calling another's) is already inside its caller's time.
            outer = {caller: value for caller, value in callers.items() if caller not in matched}
            if len(outer) < len(callers):
                ct = sum(value[3] for value in outer.values())
                nc = sum(value[1] for value in outer.values())
            total, calls = total + ct, calls + nc
        return total, calls

    def node(class_name: str):
        import inspect

        from django.template import defaulttags

        _, first = inspect.getsourcelines(getattr(defaulttags, class_name).render)
        return lambda file, line: line == first

    whole, _ = cumulative("django/test/client.py", "request")
    rows = []
    for label, file_part, name in PARTS:
        hint = None
        if "{% url %}" in label:
            hint = node("URLNode")
        elif "csrf_token" in label:
            hint = node("CsrfTokenNode")
        seconds, calls = cumulative(file_part, name, hint)
        rows.append((label, seconds, calls))
    print(f"\nWhere the time goes (profiled, {requests} requests; profiling inflates small calls):")
    for label, seconds, calls in rows:
        share = seconds / whole if whole else 0.0
        print(f"  {label:<42} {seconds / requests * 1000:7.1f} ms/request {share:6.0%}   ({calls / requests:.0f} calls)")


if __name__ == "__main__":
    sys.exit(main())
