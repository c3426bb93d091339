"""`manage.py demo_users`: what it prints, and its refusal against real credentials."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.django_db
def test_it_names_no_port_it_cannot_know():
    out = StringIO()
    call_command("demo_users", stdout=out)

    assert "open the address runserver prints next" in out.getvalue()
    assert "8000" not in out.getvalue()


@pytest.mark.django_db
def test_it_names_the_address_it_is_given():
    out = StringIO()
    call_command("demo_users", "--host", "http://127.0.0.1:8123", stdout=out)

    assert "open http://127.0.0.1:8123/" in out.getvalue()


@pytest.mark.django_db
def test_with_credentials_it_points_to_createsuperuser(settings):
    settings.IMPACT_USE_SANDBOX = False

    with pytest.raises(CommandError, match="createsuperuser --noinput"):
        call_command("demo_users")
