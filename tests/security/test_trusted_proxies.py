"""gunicorn believes X-Forwarded-Proto only from TRUSTED_PROXIES, the list Django's lockout uses too."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def gunicorn_trusts(monkeypatch, **env) -> list[str]:
    for name in ("TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    config.set("forwarded_allow_ips", runpy.run_path(str(CONF))["forwarded_allow_ips"])
    return config.forwarded_allow_ips


def test_no_client_is_trusted_by_default(monkeypatch):
    assert gunicorn_trusts(monkeypatch) == []


def test_it_trusts_the_listed_proxies(monkeypatch):
    assert gunicorn_trusts(monkeypatch, TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16") == ["10.0.0.5", "10.1.0.0/16"]


def test_the_old_variable_is_refused_not_ignored(monkeypatch):
    with pytest.raises(SystemExit, match="TRUSTED_PROXIES"):
        gunicorn_trusts(monkeypatch, FORWARDED_ALLOW_IPS="*")


def test_django_refuses_a_malformed_list():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='promoadmin.settings'; django.setup()"],
        cwd=CONF.parent, env={"PATH": "/usr/bin:/bin", "TRUSTED_PROXIES": "10.0.0.5,proxy.internal"},
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
