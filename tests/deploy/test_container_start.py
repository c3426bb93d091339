"""The image's command, `bin/container-start`, run here with the image's environment (there is no
Docker engine in CI): settings refuse a bad start before `migrate` touches the database, and a good
one migrates and serves through gunicorn on BIND_ADDRESS:PORT."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import httpx
from test_http_sandbox_path import BASE_DIR, clean_env, free_port, wait_until_up

START = str(BASE_DIR / "bin" / "container-start")


def image_env(data: Path, **variables: str) -> dict[str, str]:
    env = clean_env(PROMOADMIN_IN_CONTAINER="1", DATABASE_URL=f"sqlite:///{data / 'db.sqlite3'}",
                    WEB_CONCURRENCY="1", GUNICORN_THREADS="2", **variables)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # `python` and `gunicorn` of this venv
    return env


def test_it_refuses_debug_before_touching_the_database(tmp_path):
    result = subprocess.run([START], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
                            env=image_env(tmp_path, DEBUG="1", IMPACT_USE_SANDBOX="1",
                                          SECRET_KEY=secrets.token_urlsafe(50)))

    assert result.returncode != 0
    assert "DEBUG is never on in the container image" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_it_refuses_to_serve_the_sandbox_unless_asked(tmp_path):
    result = subprocess.run([START], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
                            env=image_env(tmp_path, SECRET_KEY=secrets.token_urlsafe(50)))

    assert result.returncode != 0 and "IMPACT_USE_SANDBOX=1" in result.stderr


def test_it_migrates_then_serves_on_the_bind_address(tmp_path):
    port = free_port()
    server = subprocess.Popen([START], cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=image_env(tmp_path, IMPACT_USE_SANDBOX="1", SECRET_KEY=secrets.token_urlsafe(50),
                                            PORT=str(port), BIND_ADDRESS="127.0.0.1"))
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        sign_in = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert (tmp_path / "db.sqlite3").stat().st_size > 0  # migrated
    assert sign_in.status_code == 200
    assert "sandbox-banner" in sign_in.text  # asked for explicitly, and still says so
