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
        # It runs before runserver, so it cannot know the port: it names one only when told.
        parser.add_argument("--host", default="", help="Where the dashboard will be served, e.g. http://127.0.0.1:8000.")

    def handle(self, *args, host, **options):
        if not settings.IMPACT_USE_SANDBOX:
            raise CommandError("Demo users are for the sandbox only: impact.com credentials are configured. "
                               "Create the first user with `manage.py createsuperuser --noinput` (see the README).")
        User = get_user_model()
        editors = Group.objects.get(name=EDITORS_GROUP)
        for username, password, is_editor, _ in DEMO_USERS:
            user, _created = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            if is_editor:
                user.groups.add(editors)
        where = f"{host.rstrip('/')}/" if host else "the address runserver prints next"
        self.stdout.write(self.style.SUCCESS(f"\npromoadmin is starting on the embedded sandbox: open {where}"))
        for username, password, _, role in DEMO_USERS:
            self.stdout.write(f"  sign in as {username} / {password}  ({role})")
        self.stdout.write("")
