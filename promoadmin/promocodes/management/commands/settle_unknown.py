from django.core.management.base import BaseCommand

from promoadmin.impact.errors import ImpactError
from promoadmin.promocodes import services
from promoadmin.promocodes.models import LedgerEntry


class Command(BaseCommand):
    help = (
        "Settle every write whose outcome is unknown (a time-out, a dropped connection) by reading "
        "impact.com: one call per entry, oldest first. Entries impact.com cannot be asked about now stay unknown."
    )

    def handle(self, *args, **options):
        settled = still_unknown = 0
        for entry in LedgerEntry.objects.filter(outcome=LedgerEntry.UNKNOWN).order_by("at", "id"):
            try:
                entry = services.ledger_settle(entry=entry)
            except ImpactError as err:
                still_unknown += 1
                self.stderr.write(f"Entry {entry.pk} ({entry.action} {entry.code or entry.promo_code_id}): still unknown: {err.message}")
                continue
            settled += 1
            self.stdout.write(f"Entry {entry.pk} ({entry.action} {entry.code or entry.promo_code_id}): {entry.outcome}. {entry.message}")
        self.stdout.write(f"Settled {settled}; {still_unknown} still unknown.")
        if still_unknown:
            raise SystemExit(1)  # cron mails a failure: impact.com could not be asked
