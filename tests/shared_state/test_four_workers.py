"""One truth across workers: gunicorn with 4 worker processes, impact.com 1 s away.

With a per-process store the same create form sent 4 times at once reached impact.com 3 times, and
a bulk batch re-sent after a proxy time-out was "Refused" for the codes it had just created. Here
the sandbox runs over HTTP (`manage.py sandbox --latency-ms 1000`) and the app under
`gunicorn promoadmin.wsgi -c gunicorn.conf.py` with 4 workers, on free loopback ports, sharing one
database with this test (a temporary SQLite file, or DATABASE_URL when set). What reached impact.com
is read back from the sandbox over its own API.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SID = "IRworkers000000000001"
PASSWORD = "four-workers-password-1"
COPIES = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(url, timeout=1.0)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:g} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a child and its process group (gunicorn's workers), by its own id only."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


class Deployment:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.procs: list[subprocess.Popen] = []
        self.token = secrets.token_urlsafe(16)
        self.sandbox_url = f"http://{HOST}:{_free_port()}"
        self.app_url = f"http://{HOST}:{_free_port()}"
        # DEBUG off as in production; static files through the plain storage (no collectstatic needed).
        (workdir / "workers_settings.py").write_text(
            "from promoadmin.settings import *  # noqa: F403\n"
            "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
        )
        self.env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("IMPACT_", "DJANGO_", "GUNICORN", "WEB_CONCURRENCY"))
            and key not in ("DEBUG", "SECRET_KEY", "CACHE_URL", "ALLOWED_HOSTS", "PORT", "PYTHONPATH")
        }
        self.env.update(
            PYTHONPATH=str(workdir),
            DJANGO_SETTINGS_MODULE="workers_settings",
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS=HOST,
            DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'db.sqlite3'}",
            IMPACT_ACCOUNT_SID=SID,
            IMPACT_AUTH_TOKEN=self.token,
            IMPACT_API_BASE_URL=self.sandbox_url,
            IMPACT_TIMEOUT="10",
            WEB_CONCURRENCY="4",
            GUNICORN_THREADS="8",
            PYTHONDONTWRITEBYTECODE="1",
        )

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=self.env, check=True,
                       capture_output=True, timeout=120)

    def up(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("shell", "-c", (
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.models import Group\n"
            "user, _ = get_user_model().objects.get_or_create(username='workers-editor')\n"
            f"user.set_password({PASSWORD!r}); user.save()\n"
            "user.groups.add(Group.objects.get(name='Promo code editors'))\n"
        ))
        port = self.sandbox_url.rsplit(":", 1)[1]
        sandbox = self.start("sandbox", [sys.executable, "manage.py", "sandbox", "--host", HOST, "--port", port,
                                         "--latency-ms", "1000", "--sid", SID, f"--token={self.token}",
                                         "--rate-limit", "100000"])
        _wait_for(f"{self.sandbox_url}/", sandbox, self.workdir / "sandbox.log")
        gunicorn = self.start("gunicorn", [str(Path(sys.executable).with_name("gunicorn")), "promoadmin.wsgi",
                                           "-c", "gunicorn.conf.py", "--bind", self.app_url.removeprefix("http://")])
        _wait_for(f"{self.app_url}/healthz", gunicorn, self.workdir / "gunicorn.log")

    def down(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)

    def codes_upstream(self, campaign_id: int, code: str) -> int:
        """How many codes with this value impact.com (the sandbox) holds, read over its API."""
        response = httpx.get(
            f"{self.sandbox_url}/Advertisers/{SID}/PromoCodes",
            params={"CampaignId": str(campaign_id), "Code": code, "PageSize": "1000"},
            auth=(SID, self.token), headers={"Accept": "application/json"}, timeout=10,
        )
        response.raise_for_status()
        return sum(1 for item in response.json()["PromoCodes"] if item["Code"] == code)

    def signed_in(self) -> httpx.Client:
        client = httpx.Client(base_url=self.app_url, timeout=30)
        client.get("/accounts/login/")
        response = client.post("/accounts/login/", data={
            "username": "workers-editor", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"],
        })
        assert response.status_code == 302, response.text[-2000:]
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        return client


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("four-workers"))
    try:
        deployment.up()
        yield deployment
    finally:
        deployment.down()


def _at_once(send, copies: int = COPIES) -> list[httpx.Response]:
    with ThreadPoolExecutor(copies) as pool:
        return list(pool.map(lambda _: send(), range(copies)))


def _text(response: httpx.Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def test_one_form_sent_8_times_at_once_creates_one_code_and_every_copy_says_so(deployment):
    client = deployment.signed_in()
    form = {
        "campaign_id": "1000", "assigned_partner_id": "2553254", "code": "ONCE8", "type": "LI",
        "credit_policy": "INVOLVED", "start_date": "", "end_date": "", "deal_id": "", "deal_name": "",
        "form_token": secrets.token_urlsafe(18), "action": "create",
    }

    answers = _at_once(lambda: client.post("/promo-codes/new/", data=form))

    assert deployment.codes_upstream(1000, "ONCE8") == 1
    created = [a for a in answers if a.status_code == 302]
    assert len(created) == 1 and re.fullmatch(r"/promo-codes/\d+/", created[0].headers["Location"])
    for answer in answers:
        if answer is created[0]:
            continue
        assert answer.status_code == 409, _text(answer)[-500:]
        text = _text(answer)
        assert "Nothing was sent again" in text
        assert "already exists" not in text  # the first copy's own code is not somebody else's duplicate


def _review(client: httpx.Client, rows: list[str]) -> str:
    csv = "campaign_id,assigned_partner_id,code\n" + "\n".join(rows) + "\n"
    response = client.post("/promo-codes/bulk-create/", files={"file": ("codes.csv", csv.encode(), "text/csv")})
    assert response.status_code == 200, _text(response)[-1000:]
    return response.text


def test_one_bulk_row_sent_8_times_at_once_is_created_once(deployment):
    client = deployment.signed_in()
    review = _review(client, ["1000,2553254,ROW8"])
    row_token = html.unescape(re.search(r'data-bulk-token="([^"]+)"', review).group(1))

    answers = _at_once(lambda: client.post("/promo-codes/bulk-create/row/", data={"row_token": row_token},
                                           headers={"HX-Request": "true"}))

    assert deployment.codes_upstream(1000, "ROW8") == 1
    outcomes = [re.search(r'data-outcome="([a-z-]+)"', a.text).group(1) for a in answers]
    assert outcomes.count("created") == 1, outcomes
    assert set(outcomes) <= {"created", "already-sent", "created-earlier"}, outcomes
    assert all(a.status_code == 200 for a in answers)


def test_a_batch_re_sent_after_a_proxy_time_out_says_created_earlier_with_links(deployment):
    client = deployment.signed_in()
    codes = ["AGAIN1", "AGAIN2", "AGAIN3"]
    review = _review(client, [f"1000,2553254,{code}" for code in codes])
    batch = html.unescape(re.search(r'name="batch" value="([^"]+)"', review).group(1))

    # The proxy gives up after 1.5 s; the first request goes on creating the rows, one a second.
    with pytest.raises(httpx.ReadTimeout):
        client.post("/promo-codes/bulk-create/", data={"batch": batch}, timeout=1.5)
    deadline = time.monotonic() + 20
    while sum(deployment.codes_upstream(1000, code) for code in codes) < len(codes) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(0.5)  # the first request records its last row's id right after impact.com answers

    again = client.post("/promo-codes/bulk-create/", data={"batch": batch})

    assert again.status_code == 200
    text = _text(again)
    assert "Finished: 3 created earlier." in text, text[-1500:]
    assert "Refused" not in text
    assert len(re.findall(r'href="/promo-codes/(\d+)/">id \1</a>', again.text)) == 3
    assert [deployment.codes_upstream(1000, code) for code in codes] == [1, 1, 1]
