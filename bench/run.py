"""Benchmark promoadmin as it runs in production: gunicorn in front, impact.com behind HTTP.

    .venv/bin/python bench/run.py            # the full run: 3 to 5 minutes, depending on other load
    .venv/bin/python bench/run.py --quick    # shorter cells and fewer samples: a smoke test
    .venv/bin/python bench/run.py --write    # also write the results to docs/benchmarks.md

impact.com is played by `manage.py sandbox` (its own process, real HTTP, a fixed latency per
answer); the app runs under `gunicorn promoadmin.wsgi -c gunicorn.conf.py` with DEBUG off, a
generated SECRET_KEY, a migrated temporary SQLite database and collected static files. Everything
listens on 127.0.0.1 on free ports, lives in one temporary directory, and is stopped at the end,
even on error or Ctrl-C. See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
HOST = "127.0.0.1"

SID = "IRbench00000000000001"
USERNAME = "bench-editor"
EDITORS_GROUP = "Promo code editors"
DETAIL_ID = 7000151  # WELCOME10, a fixed seeded code (see promoadmin/impact/sandbox/seed.py)
CREATE_CAMPAIGN_ID, CREATE_PARTNER_ID = 1000, 2552842  # an ACTIVE campaign and a partner joined to it

LIST_PATH = "/promo-codes/"
LIST_100_PATH = "/promo-codes/?page_size=100"
DETAIL_PATH = f"/promo-codes/{DETAIL_ID}/"
HTMX = {"HX-Request": "true"}

# Only plain HTTP to 127.0.0.1 here, but every httpx.Client builds a TLS context, loading the CA
# bundle: tens of ms each. One shared context makes a client per simulated user cheap.
TLS = ssl.create_default_context()

TARGET_OVERHEAD_P50_MS = 10.0
# Request-thread CPU, median, in-process (bench/profile_page.py): (path, what, target ms).
CPU_PAGES = ((LIST_100_PATH, "list, 100 rows", 8.0), (LIST_PATH, "list, 50 rows (the default)", 7.0),
             (DETAIL_PATH, "detail", 3.0))
TARGET_THROUGHPUT_RATIO = 0.80
TARGET_FRAGMENT_RATIO = 0.35


@dataclass
class Options:
    quick: bool
    write: bool
    keep: bool
    cell_seconds: float
    samples: int
    overhead_seconds: float
    users: tuple[int, ...]
    latencies: tuple[int, ...]
    asgi: bool


# --- processes ---------------------------------------------------------------------------


class Processes:
    """Every child runs in its own process group (gunicorn's workers included) and is stopped on exit."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children.append((name, proc, log))
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10.0) -> None:
        if proc.poll() is None:
            # SIGINT: gunicorn's quick shutdown (no waiting out keep-alive connections); the sandbox
            # and redis-server stop cleanly on it too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (a worker gunicorn had not reaped yet): make sure.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(2)
        self.children = [c for c in self.children if c[1] is not proc]

    def stop_all(self) -> None:
        for _, proc, _ in reversed(list(self.children)):
            self.stop(proc)

    def log_tail(self, proc: subprocess.Popen, lines: int = 30) -> str:
        for _, child, log in self.children:
            if child is proc:
                return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(procs: Processes, proc: subprocess.Popen, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} did not start (exit {proc.returncode}):\n{procs.log_tail(proc)}")
        try:
            httpx.get(url, timeout=1.0, verify=TLS)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s:\n{procs.log_tail(proc)}")


def run_checked(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}\n{result.stderr}")


# --- the environment under test ----------------------------------------------------------


@dataclass
class Sandbox:
    latency_ms: int
    port: int
    token: str
    proc: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def remaining(self) -> int:
        """The sandbox's request budget left. Unauthenticated requests are answered 401 before the
        rate limit counts them, yet carry X-RateLimit-Remaining, so this probe costs nothing."""
        response = httpx.get(f"{self.base_url}/", timeout=5.0, verify=TLS)
        return int(response.headers["X-RateLimit-Remaining"])


@dataclass
class Bench:
    options: Options
    workdir: Path
    procs: Processes
    base_env: dict[str, str]
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    sandboxes: dict[int, Sandbox] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)

    def start_sandbox(self, latency_ms: int) -> Sandbox:
        port, token = free_port(), secrets.token_urlsafe(16)
        argv = [PYTHON, "manage.py", "sandbox", "--host", HOST, "--port", str(port), "--latency-ms", str(latency_ms),
                "--sid", SID, f"--token={token}", "--rate-limit", "10000000"]
        proc = self.procs.start(f"sandbox-{latency_ms}ms", argv, self.base_env)
        sandbox = Sandbox(latency_ms, port, token, proc)
        wait_until_up(self.procs, proc, f"{sandbox.base_url}/")
        self.sandboxes[latency_ms] = sandbox
        self.commands.append(" ".join(shlex.quote(a) for a in ["python", *argv[1:]]).replace(token, "<token>"))
        return sandbox

    def app_env(self, sandbox: Sandbox, *, cache_seconds: int, cache_url: str | None = None,
                lookup_cache_seconds: int | None = None) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(
            IMPACT_ACCOUNT_SID=SID,
            IMPACT_AUTH_TOKEN=sandbox.token,
            IMPACT_API_BASE_URL=sandbox.base_url,
            IMPACT_CACHE_SECONDS=str(cache_seconds),
            # The bench's one editor sends thousands of reads an hour: each person's share (200 by
            # default) would stop it with a 429 within seconds, as the sandbox's hourly limit would.
            IMPACT_USER_BUDGET="10000000",
            IMPACT_ADMIN_BUDGET="10000000",
        )
        if cache_url:
            env["CACHE_URL"] = cache_url
        if lookup_cache_seconds is not None:
            env["IMPACT_LOOKUP_CACHE_SECONDS"] = str(lookup_cache_seconds)
        return env

    @contextlib.contextmanager
    def app(self, sandbox: Sandbox, *, cache_seconds: int = 0, cache_url: str | None = None,
            lookup_cache_seconds: int | None = None, server: str = "gthread"):
        """gunicorn serving the app against `sandbox`; yields a logged-in Session."""
        port = free_port()
        env = self.app_env(sandbox, cache_seconds=cache_seconds, cache_url=cache_url,
                           lookup_cache_seconds=lookup_cache_seconds)
        env["PORT"] = str(port)
        # As in production, but listening on the loopback address only.
        argv = [GUNICORN, "promoadmin.wsgi", "-c", "gunicorn.conf.py", "--bind", f"{HOST}:{port}"]
        if server == "asgi":
            # gunicorn's own ASGI worker, serving Django's ASGI handler (a shim module in the
            # work directory: the app has no asgi.py), with the same process count.
            argv = [GUNICORN, "bench_asgi:application", "-c", "gunicorn.conf.py", "--bind", f"{HOST}:{port}",
                    "--worker-class", "asgi"]
        proc = self.procs.start(f"gunicorn-{server}-{sandbox.latency_ms}ms-cache{cache_seconds}-{port}", argv, env)
        command = " ".join(shlex.quote(a) for a in ["gunicorn", *argv[1:]])
        if command not in self.commands:
            self.commands.append(command)
        try:
            wait_until_up(self.procs, proc, f"http://{HOST}:{port}/healthz", timeout=60)
            log(f"  {server} up on port {port}")
            session = Session.login(f"http://{HOST}:{port}", USERNAME, self.password)
            session.server_pid = proc.pid
            yield session
        finally:
            self.procs.stop(proc)


class Session:
    """A signed-in user: the session and CSRF cookies, reusable by any number of httpx clients."""

    def __init__(self, base_url: str, cookies: dict[str, str], server_pid: int | None = None):
        self.base_url = base_url
        self.cookies = cookies
        self.server_pid = server_pid

    def server_cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (the gunicorn master and its workers)."""
        return sum(cpu_seconds(pid) for pid in [self.server_pid, *children(self.server_pid)]) if self.server_pid else 0.0

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> Session:
        with httpx.Client(base_url=base_url, timeout=10.0, verify=TLS) as client:
            form = client.get("/accounts/login/")
            form.raise_for_status()
            csrf = form.cookies["csrftoken"]
            response = client.post(
                "/accounts/login/",
                data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
                headers={"Referer": f"{base_url}/accounts/login/"},
            )
            if response.status_code != 302 or "sessionid" not in response.cookies:
                raise RuntimeError(f"login failed: HTTP {response.status_code}")
            cookies = {"sessionid": response.cookies["sessionid"],
                       "csrftoken": response.cookies.get("csrftoken") or csrf}
        return cls(base_url, cookies)

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, cookies=self.cookies, timeout=30.0, verify=TLS, **kwargs)

    def post(self, client: httpx.Client, path: str, data: dict, headers: dict | None = None) -> httpx.Response:
        return client.post(path, data=data, headers={"X-CSRFToken": self.cookies["csrftoken"], **(headers or {})})


def prepare(workdir: Path, password: str) -> dict[str, str]:
    """The environment every process gets, a migrated database, a user and collected static files."""
    static_root = workdir / "static"
    # settings.py fixes STATIC_ROOT inside the repository; a two-line settings module in the work
    # directory moves it there instead, so the benchmark never writes into the checkout.
    (workdir / "bench_settings.py").write_text(
        "from promoadmin.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(static_root)!r}\n"
    )
    (workdir / "bench_asgi.py").write_text(
        "import os\n\n"
        "from django.core.asgi import get_asgi_application\n\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bench_settings')\n"
        "application = get_asgi_application()\n"
    )
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("IMPACT_", "DJANGO_", "GUNICORN", "WEB_CONCURRENCY"))
        and key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL", "ALLOWED_HOSTS", "PORT",
                        "ACCESS_LOG", "REMOTE_USER_HEADER", "HTTPS", "LOG_LEVEL", "PYTHONPATH")
    }
    env.update(
        PYTHONPATH=str(workdir),
        DJANGO_SETTINGS_MODULE="bench_settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        # The app's settings need an impact.com account to run with DEBUG off; each gunicorn gets
        # its sandbox's real values, these only satisfy the management commands.
        IMPACT_ACCOUNT_SID=SID,
        IMPACT_AUTH_TOKEN="unused",
        IMPACT_API_BASE_URL=f"http://{HOST}:9",
        PYTHONDONTWRITEBYTECODE="1",
    )
    run_checked([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env, "manage.py migrate")
    run_checked([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "manage.py collectstatic")
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.models import Group\n"
        f"user = get_user_model().objects.create_user({USERNAME!r}, password={password!r})\n"
        f"user.groups.add(Group.objects.get(name={EDITORS_GROUP!r}))\n"
    )
    run_checked([PYTHON, "manage.py", "shell", "-c", script], env, "creating the benchmark user")
    return env


# --- measurements ------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(send) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = send()
    response.read()
    return (time.perf_counter() - start) * 1000, response


def count_upstream(session: Session, sandbox: Sandbox, *, warm: bool) -> dict[str, dict]:
    """How many impact.com requests each view makes, counted by the sandbox.

    All on one keep-alive connection, so one gunicorn worker serves them all. With `warm`, each
    view is requested once uncounted first, so what is counted is the steady state of a worker
    whose look-up lists (campaign, partner and deal names) are already cached.
    """
    rows: dict[str, dict] = {}

    def new_code(client: httpx.Client) -> int:
        response = session.post(client, "/promo-codes/new/", {
            "campaign_id": CREATE_CAMPAIGN_ID, "assigned_partner_id": CREATE_PARTNER_ID,
            "code": f"BENCH{secrets.token_hex(5).upper()}", "type": "LI", "credit_policy": "ALWAYS",
        })
        if response.status_code != 302:
            raise RuntimeError(f"creating a promo code failed: HTTP {response.status_code}")
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    views = [
        ("list", f"GET {LIST_PATH}", lambda c: c.get(LIST_PATH)),
        ("list, htmx fragment", f"GET {LIST_PATH} (HX-Request)", lambda c: c.get(LIST_PATH, headers=HTMX)),
        ("list, 100 rows", f"GET {LIST_100_PATH}", lambda c: c.get(LIST_100_PATH)),
        ("detail", f"GET {DETAIL_PATH}", lambda c: c.get(DETAIL_PATH)),
        ("create, form", "GET /promo-codes/new/", lambda c: c.get("/promo-codes/new/")),
        ("create", "POST /promo-codes/new/ (302 to the detail page)", None),
        ("expire", "POST /promo-codes/{id}/expire/ (302 back to the list)", None),
        ("expire, htmx row", "POST /promo-codes/{id}/expire/ (HX-Request)", None),
    ]
    with session.client() as client:
        for view, request, send in views:
            if view == "create":
                send = new_code
            elif view.startswith("expire"):
                codes = [new_code(client) for _ in range(2)]  # made before counting starts
                headers = {**HTMX, "HX-Target": f"promo-code-{codes[0]}"} if "htmx" in view else {}
                send = lambda c, codes=codes, headers=headers: session.post(  # noqa: E731
                    c, f"/promo-codes/{codes.pop()}/expire/", {"next": LIST_PATH}, headers)
            if warm:
                send(client)
            before = sandbox.remaining()
            response = send(client)
            status = response if isinstance(response, int) else response.status_code
            rows[view] = {"request": request, "status": 302 if isinstance(response, int) else status,
                          "upstream": before - sandbox.remaining(),
                          "bytes": 0 if isinstance(response, int) else len(response.content)}
    return rows


def count_cached(session: Session, sandbox: Sandbox, users: int = 8) -> dict:
    """With the page cache on: one browser viewing a list twice, then `users` users (each on their
    own connection, so gunicorn spreads them over its workers) viewing another list."""
    warm(session, path="/promo-codes/?state=INACTIVE&page_size=25")  # look-up lists cached in every worker
    path = "/promo-codes/?state=ACTIVE"  # lists no other step of this run asks for
    with session.client() as client:
        before = sandbox.remaining()
        client.get(path).raise_for_status()
        first = before - sandbox.remaining()
        before = sandbox.remaining()
        client.get(path).raise_for_status()
        second = before - sandbox.remaining()
    path = "/promo-codes/?state=INACTIVE"
    before = sandbox.remaining()
    for _ in range(users):
        with session.client(headers={"Connection": "close"}) as client:
            client.get(path).raise_for_status()
    return {"first": first, "second": second, "users": users, "many": before - sandbox.remaining()}


def fragment_sizes(session: Session) -> list[dict]:
    rows = []
    with session.client() as client:
        for path, what in ((LIST_PATH, "list, 50 rows: `#results`"), (LIST_100_PATH, "list, 100 rows: `#results`"),
                           (DETAIL_PATH, "detail: `#summary`")):
            full = client.get(path)
            fragment = client.get(path, headers=HTMX)
            full.raise_for_status()
            fragment.raise_for_status()
            rows.append({"path": path, "what": what, "full": len(full.content), "fragment": len(fragment.content),
                         "full_gz": len(gzip.compress(full.content, 6)),
                         "fragment_gz": len(gzip.compress(fragment.content, 6))})
    return rows


def overhead(session: Session, sandbox: Sandbox, samples: int, max_seconds: float) -> list[dict]:
    """Page time through gunicorn against the same upstream call made directly, interleaved so
    that both see the same machine load. Sequential: one request in flight at a time; `samples`
    pairs per page, or fewer if they take longer than `max_seconds`."""
    upstream = httpx.Client(base_url=f"{sandbox.base_url}/Advertisers/{SID}/", auth=(SID, sandbox.token),
                            headers={"Accept": "application/json"}, timeout=10.0, verify=TLS)
    pages = [
        ("list, 100 rows", LIST_100_PATH, "PromoCodes", {"Page": "1", "PageSize": "100"}),
        ("detail", DETAIL_PATH, f"PromoCodes/{DETAIL_ID}", {}),
    ]
    rows = []
    with session.client() as client, upstream:
        for name, path, upstream_path, params in pages:
            for _ in range(10):  # warm every worker's templates and client
                client.get(path)
            page_ms, upstream_ms = [], []
            deadline = time.monotonic() + max_seconds
            cpu_before = session.server_cpu_seconds()
            for _ in range(samples):
                if time.monotonic() > deadline and len(page_ms) >= 20:
                    break
                elapsed, response = timed(lambda: client.get(path))  # noqa: B023
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
                page_ms.append(elapsed)
                elapsed, response = timed(lambda: upstream.get(upstream_path, params=params))  # noqa: B023
                if response.status_code != 200:
                    raise RuntimeError(f"upstream GET {upstream_path}: HTTP {response.status_code}")
                upstream_ms.append(elapsed)
            rows.append({
                "page": name, "path": path,
                "upstream": f"GET /Advertisers/{{sid}}/{upstream_path.replace(str(DETAIL_ID), '{id}')}"
                            + (f"?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else ""),
                "samples": len(page_ms),
                "server_cpu": (session.server_cpu_seconds() - cpu_before) * 1000 / len(page_ms),
                "page_p50": percentile(page_ms, 50), "page_p95": percentile(page_ms, 95),
                "up_p50": percentile(upstream_ms, 50), "up_p95": percentile(upstream_ms, 95),
            })
    return rows


def request_cpu(env: dict[str, str], requests: int) -> list[dict]:
    """Each page's request-thread CPU in-process (bench/profile_page.py, no gunicorn, no HTTP): what the
    app itself costs, which other jobs on the machine disturb far less than wall times."""
    rows = []
    for path, what, target in CPU_PAGES:
        argv = [PYTHON, "bench/profile_page.py", path, "--requests", str(requests), "--cpu-only"]
        done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"bench/profile_page.py {path} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        rows.append({"path": path, "what": what, "target": target, **json.loads(done.stdout)})
    return rows


def throughput(session: Session, users: int, seconds: float, path: str = LIST_PATH) -> dict:
    """`users` threads, each a browser on its own keep-alive connection, requesting `path` back to
    back for `seconds`, then letting the requests in flight finish.

    Throughput is answers / (last answer - first request). Counting only a fixed window would
    mislead here: at 64 users a page can take seconds, and the answers come in waves.
    """
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    ready = threading.Barrier(users + 1)
    last_done = [0.0]
    stop_at = [float("inf")]

    def user() -> None:
        with session.client(limits=httpx.Limits(max_connections=1)) as client:
            ready.wait()
            while time.perf_counter() < stop_at[0]:
                sent = time.perf_counter()
                try:
                    response = client.get(path)
                    problem = "" if response.status_code == 200 else f"HTTP {response.status_code}"
                except httpx.HTTPError as err:
                    problem = type(err).__name__
                done = time.perf_counter()
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        latencies.append((done - sent) * 1000)
                        last_done[0] = max(last_done[0], done)

    threads = [threading.Thread(target=user, daemon=True) for _ in range(users)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    for thread in threads:
        thread.join(timeout=seconds + 60)
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests at {users} users, e.g. {errors[0]}")
    return summarize(users, latencies, last_done[0] - started)


def summarize(users: int, latencies: list[float], seconds: float) -> dict:
    return {
        "users": users, "latencies": latencies, "seconds": seconds,
        "rps": len(latencies) / seconds if seconds > 0 else 0.0,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
    }


def compare(sessions: dict[int, Session], path: str, users: tuple[int, ...], seconds: float) -> dict[int, dict[int, dict]]:
    """Throughput of `path` against each upstream latency, for each user count.

    The machine's other load drifts over minutes, so the latencies take turns rather than run
    one after the other: for two of them each count runs A B B A, each turn `seconds` / 2 long,
    and the turns are pooled (answers / time, and percentiles over all answers).
    """
    latencies = list(sessions)
    order = latencies + latencies[::-1]
    for session in sessions.values():
        warm(session, path=path)
    cells: dict[int, dict[int, dict]] = {ms: {} for ms in latencies}
    for count in users:
        turns: dict[int, list[dict]] = {ms: [] for ms in latencies}
        for ms in order:
            turns[ms].append(throughput(sessions[ms], count, seconds / 2, path))
        for ms in latencies:
            pooled = [value for turn in turns[ms] for value in turn["latencies"]]
            cells[ms][count] = summarize(count, pooled, sum(turn["seconds"] for turn in turns[ms]))
        log(f"  GET {path}, {count:>3} users: " + ", ".join(
            f"{ms} ms upstream {cells[ms][count]['rps']:.1f} req/s (p50 {cells[ms][count]['p50']:.0f} ms)"
            for ms in latencies))
    return cells


def warm(session: Session, requests: int = 8, path: str = LIST_PATH) -> None:
    """Load templates and build the impact.com client in every worker before timing anything:
    one connection per request, so gunicorn hands them to different workers."""
    for _ in range(requests):
        with session.client(headers={"Connection": "close"}) as client:
            client.get(path).raise_for_status()


# --- the run -----------------------------------------------------------------------------


def main() -> int:
    options = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="promoadmin-bench-"))
    procs = Processes(workdir)

    def stop_on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    started = time.monotonic()
    results: dict = {"machine": machine(), "options": options, "load_after": (float("nan"),) * 3}
    try:
        log(f"work directory {workdir}")
        password = secrets.token_urlsafe(16)
        base_env = prepare(workdir, password)
        bench = Bench(options, workdir, procs, base_env, password=password)
        for latency in options.latencies:
            bench.start_sandbox(latency)
        zero = bench.sandboxes[options.latencies[0]]

        biggest = (max(options.users),)
        cells: dict[tuple[str, str, int], dict[int, dict]] = {}
        results["throughput"] = cells

        def record(server: str, page: str, by_latency: dict[int, dict[int, dict]]) -> None:
            for ms, by_users in by_latency.items():
                cells[server, page, ms] = by_users

        log("request-thread CPU in-process (bench/profile_page.py)")
        results["cpu"] = request_cpu(dict(os.environ), options.samples // 2)
        log("gthread, no cache at all: upstream requests per view")
        with bench.app(zero, lookup_cache_seconds=0) as session:
            results["upstream_cold"] = count_upstream(session, zero, warm=False)
        log("gthread, page cache off: upstream requests, sizes, overhead; throughput at each latency")
        with contextlib.ExitStack() as stack:
            sessions = {ms: stack.enter_context(bench.app(bench.sandboxes[ms])) for ms in options.latencies}
            first = sessions[zero.latency_ms]
            results["upstream"] = count_upstream(first, zero, warm=True)
            results["fragments"] = fragment_sizes(first)
            results["overhead"] = overhead(first, zero, options.samples, options.overhead_seconds)
            record("gthread", "list", compare(sessions, LIST_PATH, options.users, options.cell_seconds))
            if options.asgi:
                record("gthread", "detail", compare(sessions, DETAIL_PATH, biggest, options.cell_seconds))
        if options.asgi:
            log(f"ASGI (gunicorn -k asgi): detail page throughput at {biggest[0]} users")
            with contextlib.ExitStack() as stack:
                sessions = {ms: stack.enter_context(bench.app(bench.sandboxes[ms], server="asgi"))
                            for ms in options.latencies}
                # The detail page only: the list is CPU-bound on rendering whatever the server model.
                record("asgi", "detail", compare(sessions, DETAIL_PATH, biggest, options.cell_seconds))

        log("page cache on (IMPACT_CACHE_SECONDS=30), default per-process cache")
        results["cache"] = []
        with bench.app(zero, cache_seconds=30) as session:
            results["cache"].append({"backend": "locmem (the default CACHE_URL)", **count_cached(session, zero)})
        redis = start_redis(procs, workdir)
        if redis:
            log("page cache on, shared Redis cache")
            with bench.app(zero, cache_seconds=30, cache_url=redis) as session:
                results["cache"].append({"backend": "Redis (`CACHE_URL=redis://...`)", **count_cached(session, zero)})
        results["load_after"] = os.getloadavg()

        results["commands"] = bench.commands
        results["seconds"] = time.monotonic() - started
        report = render(results)
        print()
        print(report)
        if options.write:
            path = REPO / "docs" / "benchmarks.md"
            path.parent.mkdir(exist_ok=True)
            notes_file = REPO / "bench" / "NOTES.md"
            notes = notes_file.read_text() if notes_file.exists() else ""
            path.write_text(render_document(results, report, notes))
            log(f"wrote {path.relative_to(REPO)}")
        return 0
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except Exception:
        logs = sorted(workdir.glob("gunicorn-*.log"), key=lambda path: path.stat().st_mtime)
        if logs:
            tail = "\n".join(logs[-1].read_text(errors="replace").splitlines()[-40:])
            log(f"last lines of {logs[-1].name}:\n{tail}")
        options.keep = True
        raise
    finally:
        procs.stop_all()
        if options.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def start_redis(procs: Processes, workdir: Path) -> str | None:
    binary = shutil.which("redis-server")
    if not binary:
        log("no redis-server on PATH: skipping the shared-cache measurement")
        return None
    port = free_port()
    proc = procs.start("redis", [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
                                 "--dir", str(workdir)], dict(os.environ))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return f"redis://{HOST}:{port}/0"
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    log(f"redis-server did not start:\n{procs.log_tail(proc)}")
    return None


def parse_args() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s cells, at most 60 samples or 8 s per overhead row (a smoke test, noisier)")
    parser.add_argument("--write", action="store_true", help="also write the results to docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, database)")
    parser.add_argument("--seconds", type=float, help="seconds per throughput cell, split over two turns (default 5)")
    parser.add_argument("--samples", type=int, help="sequential requests per overhead row (default 200)")
    parser.add_argument("--users", default="1,16,64", help="concurrent users per throughput cell")
    parser.add_argument("--latencies", default="0,100", help="sandbox latencies in ms; the first is the baseline")
    parser.add_argument("--no-asgi", dest="asgi", action="store_false", help="skip the ASGI comparison")
    args = parser.parse_args()
    users = tuple(int(u) for u in args.users.split(","))
    latencies = tuple(int(ms) for ms in args.latencies.split(","))
    if not 1 <= len(users) <= 6 or not all(1 <= u <= 256 for u in users):
        parser.error("--users takes 1 to 6 counts between 1 and 256")
    if not 1 <= len(latencies) <= 4 or not all(0 <= ms <= 2000 for ms in latencies):
        parser.error("--latencies takes 1 to 4 values between 0 and 2000")
    seconds = args.seconds or (2.0 if args.quick else 5.0)  # per user count and latency, over 2 turns
    samples = args.samples or (60 if args.quick else 200)
    if not 0.5 <= seconds <= 60 or not 10 <= samples <= 5000:
        parser.error("--seconds must be 0.5-60 and --samples 10-5000")
    return Options(quick=args.quick, write=args.write, keep=args.keep, cell_seconds=seconds,
                   samples=samples, overhead_seconds=8.0 if args.quick else 20.0, users=users,
                   latencies=latencies, asgi=args.asgi)


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load": load,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- the report --------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "holds" if ok else "**misses**"


def render(results: dict) -> str:
    options: Options = results["options"]
    baseline, slow = options.latencies[0], options.latencies[-1]
    biggest = max(options.users)
    out: list[str] = []

    cold, warm_counts = results["upstream_cold"], results["upstream"]
    out += ["### impact.com requests per view (page cache off: `IMPACT_CACHE_SECONDS=0`)", "",
            "| View | Request | Status | No cache at all | Look-up lists cached |", "|---|---|---:|---:|---:|"]
    for view, row in warm_counts.items():
        out.append(f"| {view} | `{row['request']}` | {row['status']} | {cold[view]['upstream']} | {row['upstream']} |")
    out += ["", "Counted by the sandbox itself (its `X-RateLimit-Remaining` before and after each request; the "
            "probe is unauthenticated, so it is not counted). *No cache at all*: `IMPACT_LOOKUP_CACHE_SECONDS=0` "
            "too, every campaign, partner and deal name list fetched each time. *Look-up lists cached*: the "
            "default 600 s look-up cache, warmed by one uncounted request to the same view: the steady state. "
            "A redirect after a write is a separate page view (1 more request for the detail or list page).", ""]

    out += ["### What the page cache does (`IMPACT_CACHE_SECONDS=30`)", "",
            "| Cache backend | A list, 1st view | Same list, 2nd view (same browser) | Another list, N users on their own connections |",
            "|---|---:|---:|---:|"]
    for row in results["cache"]:
        out.append(f"| {row['backend']} | {row['first']} | {row['second']} | {row['many']} for {row['users']} users |")
    out += ["", "Look-up lists were cached in every worker first. Any write (create, expire) drops every cached "
            "promo code page at once. The default `locmem` cache lives inside each gunicorn worker process, so "
            "the same list costs up to one upstream request per worker; a shared cache (Redis) makes it one "
            "per account.", ""]

    out += ["### Server overhead: page time minus upstream time (0 ms sandbox, one request at a time)", "",
            "| Page | Upstream request | Page p50 | Page p95 | Upstream p50 | Upstream p95 | Overhead p50 | Overhead p95 "
            "| Server CPU per page |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["overhead"]:
        out.append(f"| `{r['path']}` ({r['page']}) | `{r['upstream']}` | {r['page_p50']:.1f} ms | {r['page_p95']:.1f} ms | "
                   f"{r['up_p50']:.1f} ms | {r['up_p95']:.1f} ms | **{r['page_p50'] - r['up_p50']:.1f} ms** | "
                   f"{r['page_p95'] - r['up_p95']:.1f} ms | {r['server_cpu']:.1f} ms |")
    samples = ", ".join(str(r["samples"]) for r in results["overhead"])
    out += ["", f"Samples: {samples} (as many as fit in {options.overhead_seconds:g} s, at most {options.samples}), "
            "each page request followed by the same upstream request sent straight to the sandbox, so both see "
            "the same machine load, connection setup and sandbox work. What is left is gunicorn, Django "
            "(session, middleware, form), turning the JSON into records and rendering the template. *Server CPU "
            "per page* is the CPU time gunicorn's processes used during those requests (from /proc), divided by "
            "their number: unlike the times, other jobs on the machine barely change it, and the overhead "
            "cannot drop below it.", ""]

    out += ["### Request-thread CPU (in-process, no gunicorn)", "",
            "| Page | Median | Min | Target |", "|---|---:|---:|---:|"]
    for r in results["cpu"]:
        out.append(f"| `{r['path']}` ({r['what']}) | **{r['median']:.1f} ms** | {r['min']:.1f} ms | ≤ {r['target']:g} ms |")
    out += ["", f"`bench/profile_page.py PATH --requests {options.samples // 2}`: the app in-process with DEBUG off, "
            "SQLite in memory and the embedded sandbox (its work on another thread), after 5 warm-up requests; "
            "`time.thread_time` around each request: the CPU of the thread that served it, which other jobs on "
            "this machine disturb far less than wall times.", ""]

    cells = results["throughput"]

    def cell(key, users):
        c = cells.get(key, {}).get(users)
        return f"{c['rps']:.1f} ({c['p50']:.0f}, {c['p95']:.0f})" if c else "–"

    def ratio(server, page, users):
        low, high = cells.get((server, page, baseline), {}).get(users), cells.get((server, page, slow), {}).get(users)
        return f"{high['rps'] / low['rps']:.0%}" if low and high and low["rps"] else "–"

    header = " | ".join(f"{ms} ms upstream: req/s (p50, p95 ms)" for ms in options.latencies)
    out += [f"### Throughput of the list page (`GET {LIST_PATH}`: 50 rows, page cache off, 1 upstream request each)",
            "", f"| Server | Users | {header} | {slow} ms / {baseline} ms |",
            "|---|---:|" + "---:|" * (len(options.latencies) + 1)]
    for count in options.users:
        row = " | ".join(cell(("gthread", "list", ms), count) for ms in options.latencies)
        out.append(f"| gunicorn gthread (ours) | {count} | {row} | {ratio('gthread', 'list', count)} |")
    if options.asgi:
        out += ["", f"The detail page (`GET {DETAIL_PATH}`: little to render, so the server model shows), "
                "gthread against gunicorn's ASGI worker:", "",
                f"| Server | Users | {header} | {slow} ms / {baseline} ms |",
                "|---|---:|" + "---:|" * (len(options.latencies) + 1)]
        for server, label in (("gthread", "gunicorn gthread (ours)"), ("asgi", "gunicorn asgi worker")):
            row = " | ".join(cell((server, "detail", ms), biggest) for ms in options.latencies)
            out.append(f"| {label} | {biggest} | {row} | {ratio(server, 'detail', biggest)} |")
    out += ["", f"Each cell: every user is a thread with its own keep-alive connection, sending the next request as "
            f"soon as the last one is answered, for {options.cell_seconds:g} s in all; the requests in flight then "
            "finish. req/s = answers / (last answer - first request). The latencies take turns (A B B A, "
            f"{options.cell_seconds / 2:g} s each) so that drifting load elsewhere on the machine hits both alike. gthread: `gunicorn.conf.py` as is. asgi: the same "
            "file with `--worker-class asgi`, serving `django.core.asgi.get_asgi_application()`. The load "
            "generator, gunicorn and the sandbox share this machine's CPUs.", ""]

    out += ["### htmx fragment against the full page", "",
            "| Page: fragment | Full page | Fragment (`HX-Request: true`) | Fragment / full | Gzipped: full, fragment |",
            "|---|---:|---:|---:|---:|"]
    for r in results["fragments"]:
        out.append(f"| `{r['path']}` {r['what']} | {r['full']:,} B | {r['fragment']:,} B | "
                   f"{r['fragment'] / r['full']:.0%} | {r['full_gz']:,} B, {r['fragment_gz']:,} B |")
    row = warm_counts.get("expire, htmx row")
    if row and row["bytes"]:
        full = results["fragments"][0]["full"]
        out.append(f"| expire from the list: `#row` (without htmx: redirect, then the list page) | {full:,} B | "
                   f"{row['bytes']:,} B | {row['bytes'] / full:.1%} | |")
    small, large = results["fragments"][0], results["fragments"][1]
    per_row = (large["fragment"] - small["fragment"]) / 50
    out += ["", f"Bytes of the HTML body as the app sends it (it does not compress pages); the gzipped sizes are "
            f"what a compressing proxy in front would send. A list row is about {per_row:,.0f} B; the page "
            f"around the list's `#results` is {small['full'] - small['fragment']:,} B.", ""]

    list100 = next(r for r in results["overhead"] if r["page"].startswith("list"))
    overhead_p50 = list100["page_p50"] - list100["up_p50"]
    low, high = cells["gthread", "list", baseline][biggest], cells["gthread", "list", slow][biggest]
    throughput_ratio = high["rps"] / low["rps"] if low["rps"] else 0.0
    fragment = results["fragments"][0]
    fragment_ratio = fragment["fragment"] / fragment["full"]
    out += ["### Targets", "", "| Target | Measured | |", "|---|---:|---|",
            f"| Overhead p50 of the 100-row list ≤ {TARGET_OVERHEAD_P50_MS:g} ms | {overhead_p50:.1f} ms | "
            f"{verdict(overhead_p50 <= TARGET_OVERHEAD_P50_MS)} |",
            f"| List throughput at {biggest} users, {slow} ms upstream ≥ {TARGET_THROUGHPUT_RATIO:.0%} of {baseline} ms | "
            f"{throughput_ratio:.0%} ({high['rps']:.1f} / {low['rps']:.1f} req/s) | "
            f"{verdict(throughput_ratio >= TARGET_THROUGHPUT_RATIO)} |",
            f"| List fragment ≤ {TARGET_FRAGMENT_RATIO:.0%} of the full page (`{fragment['path']}`) | {fragment_ratio:.0%} | "
            f"{verdict(fragment_ratio <= TARGET_FRAGMENT_RATIO)} |"]
    out += [f"| Request-thread CPU, {r['what']}, median ≤ {r['target']:g} ms | {r['median']:.1f} ms | "
            f"{verdict(r['median'] <= r['target'])} |" for r in results["cpu"]]
    return "\n".join(out)


def render_document(results: dict, report: str, notes: str) -> str:
    m = results["machine"]
    command = " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    lines = [
        "# Benchmarks",
        "",
        "How fast promoadmin is in front of impact.com, measured by `bench/run.py` (see `bench/README.md`). "
        "Rerun it after any change to views, templates, the impact.com client or `gunicorn.conf.py`. The "
        "numbers are from one run on a shared, noisy machine: compare ratios and orders of magnitude, not "
        "single milliseconds.",
        "",
        f"- Date: {m['date']}",
        f"- Command: `{command}` (from the repository root; the run took {results['seconds']:.0f} s)",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['platform']}, Python {m['python']}; load average "
        f"{m['load'][0]:.1f} at the start and {results['load_after'][0]:.1f} at the end (other jobs share it)",
        f"- Server: `gunicorn.conf.py` as is: gthread, {2 * m['nproc']} workers × 32 threads here; DEBUG off, "
        "SQLite sessions, the default per-process cache",
        "- Upstream: `manage.py sandbox` in its own process; it speaks HTTP/1.0, so every upstream request opens "
        "a new connection, for the app and for the direct measurement alike",
        "",
        "Processes started (ports and the sandbox token are chosen per run):",
        "",
        "```",
        *results["commands"],
        "```",
        "",
        "## Results",
        "",
        report,
        "",
    ]
    if notes:
        lines += [notes.rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
