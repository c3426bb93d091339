"""The README's "against the sandbox over HTTP" path, end to end, in fresh processes: the three
variables `manage.py sandbox` prints and a SECRET_KEY, `migrate`, the first user with
`createsuperuser --noinput`, `check_impact`, then `runserver`: sign in and load the dashboard, its
static files included (no collectstatic: whitenoise serves static/ as it is).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(PYTHONUNBUFFERED="1", **variables)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def http_sandbox():
    process = subprocess.Popen([sys.executable, "manage.py", "sandbox", "--port", str(free_port())],
                               cwd=BASE_DIR, env=clean_env(), stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()  # "impact.com sandbox serving on ..."
        printed = process.stdout.readline()
        yield dict(re.findall(r"(IMPACT_[A-Z_]+)=(\S+)", printed))
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def dashboard_env(http_sandbox, tmp_path):
    assert set(http_sandbox) == {"IMPACT_API_BASE_URL", "IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN"}
    return clean_env(**http_sandbox, SECRET_KEY=secrets.token_urlsafe(50),
                     DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 30 s")


def test_the_http_sandbox_path_reaches_a_signed_in_dashboard(dashboard_env):
    assert manage("migrate", "--noinput", env=dashboard_env).returncode == 0
    first_user = {"DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_PASSWORD": "a-long-first-password",
                  "DJANGO_SUPERUSER_EMAIL": "admin@example.com"}
    created = manage("createsuperuser", "--noinput", env={**dashboard_env, **first_user})
    assert created.returncode == 0, created.stderr
    checked = manage("check_impact", env=dashboard_env)
    assert checked.returncode == 0, checked.stderr
    assert "Credentials: they work." in checked.stdout

    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=BASE_DIR, env=dashboard_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", server)
        with httpx.Client(base_url=base, timeout=20) as browser:
            form = browser.get("/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
            signed_in = browser.post("/accounts/login/", data={"csrfmiddlewaretoken": token, "username": "admin",
                                                               "password": "a-long-first-password"})
            assert signed_in.status_code == 302
            dashboard = browser.get("/promo-codes/")
            stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+app\.css)"', dashboard.text)[1]
            script = re.search(r'<script src="([^"]+htmx-2\.min\.js)"', dashboard.text)[1]
            assets = [browser.get(stylesheet), browser.get(script)]
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert dashboard.status_code == 200
    assert "160 promo codes" in dashboard.text
    assert "sandbox-banner" not in dashboard.text  # credentials set: the app treats it as impact.com
    assert [asset.status_code for asset in assets] == [200, 200]
