"""gunicorn settings for promoadmin: `gunicorn promoadmin.wsgi -c gunicorn.conf.py`.

Almost every request waits on impact.com (one or two API calls, 100 ms or more each), so a
worker spends most of its time idle in I/O. Threads hide that wait cheaply: the views stay
plain sync code, and one pooled httpx.Client per process (built lazily after the fork, see
promoadmin/impact/factory.py) is shared by all of a worker's threads.
`bench/run.py` measures this configuration; its results are in docs/benchmarks.md.

Every value can be overridden from the environment, as named beside it.
"""

import os


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"gunicorn.conf.py: {name} must be at least 1, not {value}")
    return value


def _cpu_count() -> int:
    # The CPUs this process may run on (a container's cpuset), not every CPU of the host.
    # A CPU *quota* (docker --cpus) is not visible here: set WEB_CONCURRENCY in that case.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Where to listen. PORT is what most platforms (Heroku, Render, Cloud Run, ...) set. BIND_ADDRESS
# narrows it to one interface: a private address when an auth proxy must be the only way in
# (single sign-on, see the README's Security section); every interface by default.
bind = f"{os.environ.get('BIND_ADDRESS') or '0.0.0.0'}:{_int_env('PORT', 8000)}"

# gthread: each worker process runs a fixed pool of threads, each handling one request at a time.
# The views are synchronous (Django ORM for sessions, httpx.Client for impact.com), so this is
# the simplest model that keeps many slow upstream calls in flight. gunicorn's ASGI worker
# measured slower (docs/benchmarks.md): Django runs each sync view there in a new thread anyway,
# plus async-to-sync hops, and with no cap on the number of threads.
worker_class = "gthread"

# Processes: 2 per CPU. Python runs one thread at a time per process (the GIL), so at least one
# process per CPU is needed to use every CPU for template rendering; the second absorbs GIL
# contention between a worker's threads. Each process holds its own memory (~40 MB) and its own
# connection pool to impact.com.
workers = _int_env("WEB_CONCURRENCY", 2 * _cpu_count())

# Threads per process: requests in flight per process. A page waits ~100 ms or more on impact.com
# and spends 10-100 ms of CPU rendering, so a process keeps its CPU busy only with many requests
# waiting upstream at once; 32 covers that without piling up memory. Total capacity is
# workers x threads requests at a time; more than that queue in the kernel's listen backlog.
threads = _int_env("GUNICORN_THREADS", 32)

# A request stuck longer than this gets its worker restarted. impact.com calls give up after
# IMPACT_TIMEOUT (10 s by default, retries included), so 30 s only catches real hangs.
timeout = _int_env("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Seconds an idle keep-alive connection stays open. Behind a load balancer, set it above the
# balancer's own idle timeout so gunicorn never closes a connection the balancer is reusing.
keepalive = _int_env("GUNICORN_KEEPALIVE", 5)

# Access log off by default (the platform or proxy in front usually logs requests already);
# ACCESS_LOG=- writes it to stdout. Errors always go to stderr.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Proxies trusted to set X-Forwarded-Proto/-For (gunicorn then sets wsgi.url_scheme from them): the
# same TRUSTED_PROXIES list (addresses or networks) Django uses for the client address. Empty by
# default: no client, not even a local one, may claim HTTPS with a header. The old gunicorn-only
# FORWARDED_ALLOW_IPS is refused rather than silently ignored.
if os.environ.get("FORWARDED_ALLOW_IPS") and not os.environ.get("TRUSTED_PROXIES"):
    raise SystemExit("gunicorn.conf.py: FORWARDED_ALLOW_IPS is now TRUSTED_PROXIES (also used for the sign-in lockout)")
forwarded_allow_ips = ",".join(entry.strip() for entry in os.environ.get("TRUSTED_PROXIES", "").split(",") if entry.strip())

# Import the app once in the master, then fork: workers start in a fraction of the time and share
# the imported code's memory. Safe because nothing opens a connection at import time (the
# impact.com client, database and cache connections are all made on first use, in the worker).
# The price: `kill -HUP` restarts workers but does not load new code; deploy by restarting.
preload_app = True

# Worker heartbeat files: in memory rather than on a container's (possibly slow) overlay disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn >= 25.1 opens a control socket under $HOME by default. One fixed path per user means
# two instances on one host (a dev server and a benchmark, say) fight over it; it is off unless
# GUNICORN_CONTROL_SOCKET names a path for it.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
