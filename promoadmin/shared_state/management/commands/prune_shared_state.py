from django.core.management.base import BaseCommand

from promoadmin.shared_state import store


class Command(BaseCommand):
    help = "Delete expired claims and idle token buckets (also done now and then by the app itself)."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {store.prune()} expired rows.")
