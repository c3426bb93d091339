"""`manage.py sandbox`: serve the impact.com simulator over HTTP until Ctrl-C.

Point the app at it with the three settings it prints, e.g. in `.env`; see
`promoadmin.impact.sandbox.seed` for the demo data it serves.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from promoadmin.impact.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SandboxApp
from promoadmin.impact.sandbox.server import make_server


class Command(BaseCommand):
    help = "Serve a local simulator of the impact.com Brand API (promo codes) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every answer")
        parser.add_argument("--sid", default=DEFAULT_ACCOUNT_SID, help="account SID to accept")
        parser.add_argument("--token", default=DEFAULT_AUTH_TOKEN, help="auth token to accept")
        parser.add_argument("--rate-limit", type=int, default=1000, help="requests allowed per hour")
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="YYYY-MM-DD the demo data is laid out around (default: today in California, where the demo dates are)")

    def handle(self, *args, **options):
        app = SandboxApp(options["sid"], options["token"], today=options["today"],
                         latency_ms=options["latency_ms"], rate_limit=options["rate_limit"])
        try:
            server = make_server(app, options["host"], options["port"])
        except OSError as err:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {err}") from err

        # Printing the token is the point here: it is the sandbox's own, never a real one.
        self.stdout.write(f"impact.com sandbox serving on {server.base_url} (Ctrl-C to stop). Use:")
        self.stdout.write(f"IMPACT_API_BASE_URL={server.base_url} IMPACT_ACCOUNT_SID={app.account_sid} "
                          f"IMPACT_AUTH_TOKEN={options['token']}")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server_close()
