"""Create the sandbox's demo users and say how to sign in. Refuses to run against real impact.com."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from promoadmin.promocodes.models import EDITORS_GROUP

DEMO_USERS = [
    ("demo", "demo", True, "can create and expire codes"),
    ("viewer", "viewer", False, "read-only"),
]


class Command(BaseCommand):
    help = "Create demo users (demo/demo, an editor; viewer/viewer, read-only) for the embedded sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="http://127.0.0.1:8000", help="Where the dashboard will be served.")

    def handle(self, *args, host, **options):
        if not settings.IMPACT_USE_SANDBOX:
            raise CommandError("Demo users are for the sandbox only: impact.com credentials are configured.")
        User = get_user_model()
        editors = Group.objects.get(name=EDITORS_GROUP)
        for username, password, is_editor, _ in DEMO_USERS:
            user, _created = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            if is_editor:
                user.groups.add(editors)
        self.stdout.write(self.style.SUCCESS(f"\npromoadmin is starting on the embedded sandbox: open {host}/"))
        for username, password, _, role in DEMO_USERS:
            self.stdout.write(f"  sign in as {username} / {password}  ({role})")
        self.stdout.write("")
