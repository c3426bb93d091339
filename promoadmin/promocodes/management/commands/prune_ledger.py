from django.conf import settings
from django.core.management.base import BaseCommand

from promoadmin.promocodes import services


class Command(BaseCommand):
    help = "Delete write ledger entries older than LEDGER_RETENTION_DAYS (run it daily from cron)."

    def handle(self, *args, **options):
        deleted = services.ledger_prune()
        self.stdout.write(f"Deleted {deleted} ledger entries older than {settings.LEDGER_RETENTION_DAYS} days.")
