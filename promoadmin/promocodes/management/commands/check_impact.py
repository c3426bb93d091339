"""`manage.py check_impact`: do the configured impact.com credentials work, and for what?

The first thing to run against a real account (README, "Trying the real account"). It sends only
reads, one per endpoint promoadmin uses (at most 4, 1 when the credentials are refused), and says:
- whether the credentials work (401: they do not);
- which endpoints the token may use: promo codes (the dashboard itself), and campaigns, partners
  and deals (the pickers: a 403 there means typing ids instead of picking names);
- how much of the hourly request budget is left and when it resets;
- how far this host's clock is from impact.com's (filter dates and "ended" views depend on it).
Whether the token may create or expire cannot be known without writing: Preview, then one create.
Exit status 1 when the dashboard cannot work (credentials refused, promo codes not allowed, or
impact.com unreachable), 0 otherwise.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from promoadmin.impact.factory import build_impact_client

# (path, what promoadmin uses it for, what a 403 costs)
ENDPOINTS = [
    ("PromoCodes", "promo codes: the list, detail, create and expire", "the dashboard cannot work"),
    ("Campaigns", "campaigns: the campaign picker", "campaigns are typed as ids"),
    ("MediaPartners", "partners: the partner picker", "partners are typed as ids"),
    ("Deals", "deals: the deal picker", "deals are typed as ids"),
]
CLOCK_TOLERANCE_SECONDS = 60


class Command(BaseCommand):
    help = "Check the impact.com credentials with a few reads (no writes): access, scopes, budget, clock."

    def handle(self, *args, **options):
        if settings.IMPACT_USE_SANDBOX:
            self.stdout.write("No credentials set: checking the embedded sandbox (demo data, not impact.com).")
        else:
            self.stdout.write(f"Checking account {settings.IMPACT_ACCOUNT_SID} at {settings.IMPACT_API_BASE_URL}.")
        # No database: the README runs this before `migrate`, so the rate limit it reads stays in this
        # process instead of the shared store (the app learns it again from its first answer).
        client = build_impact_client(cache_seconds=0, lookup_cache_seconds=0, shared=None, before_request=None)
        sent, allowed, last = 0, {}, None
        try:
            for path, use, cost in ENDPOINTS:
                sent_at = time.time()
                try:
                    response = client.probe(path, {"PageSize": 1})
                except httpx.HTTPError as err:
                    raise CommandError(f"Could not reach impact.com at {settings.IMPACT_API_BASE_URL}: "
                                       f"{type(err).__name__}. Check IMPACT_API_BASE_URL and the network.") from err
                sent += 1
                last = (response, (sent_at + time.time()) / 2)
                if response.status_code == 401:
                    raise CommandError("The credentials do not work (401): check IMPACT_ACCOUNT_SID and "
                                       "IMPACT_AUTH_TOKEN (Account SID and Auth Token under Settings > API).")
                allowed[path] = response.status_code
                if path == "PromoCodes":
                    self.stdout.write("Credentials: they work. What this token may read:")
                if response.status_code == 403:
                    self.stdout.write(f"  no   {use}: 403, {cost}")
                elif response.status_code < 400:
                    self.stdout.write(f"  yes  {use}")
                else:
                    self.stdout.write(f"  ?    {use}: impact.com answered {response.status_code}")
            self._budget(client.rate_limit)
            self._clock(*last)
        finally:
            client.close()
            self.stdout.write(f"Sent {sent} read request{'s' if sent != 1 else ''}, no writes. Whether the "
                              "token may create or expire shows only on a write: sign in as a viewer first, "
                              "then use Preview before the first create or expire.")
        if allowed.get("PromoCodes") != 200:
            raise CommandError("This token may not read promo codes: promoadmin cannot work with it.")

    def _budget(self, rate_limit) -> None:
        if rate_limit is None:
            self.stdout.write("Hourly budget: unknown (impact.com sent no X-RateLimit headers).")
            return
        reset = f"resets in {rate_limit.reset_seconds // 60} min" if rate_limit.reset_seconds is not None else "reset time unknown"
        self.stdout.write(f"Hourly budget: {rate_limit.remaining} of {rate_limit.limit} requests left; {reset}.")

    def _clock(self, response: httpx.Response, local_time: float) -> None:
        try:
            upstream_time = parsedate_to_datetime(response.headers["Date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            self.stdout.write("Clock: unknown (impact.com sent no Date header).")
            return
        offset = local_time - upstream_time  # the Date header has whole seconds: about ±1 s
        direction = "ahead of" if offset > 0 else "behind"
        verdict = "fine" if abs(offset) <= CLOCK_TOLERANCE_SECONDS else (
            "fix this host's clock (NTP): date filters and the date views depend on it")
        self.stdout.write(f"Clock: this host is {abs(offset):.0f} s {direction} impact.com ({verdict}).")
