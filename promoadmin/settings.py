"""Settings for promoadmin, read from the environment (or a `.env` file) by django-environ.

Every variable is listed, with its default, in the README's configuration table, and in
.env.example (tests/security/test_env_example.py keeps the two in step with this file).
With no IMPACT_ACCOUNT_SID / IMPACT_AUTH_TOKEN the app runs on the embedded sandbox. DEBUG is off
unless set. A local sandbox run needs no SECRET_KEY: one is made once and kept in .secret_key
beside manage.py. A production start (the container image, or gunicorn) refuses DEBUG in a
container, a missing key, and the sandbox unless IMPACT_USE_SANDBOX=1 asks for it.
"""

import ipaddress
import os
import secrets
import sys
import tempfile
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# --- impact.com -------------------------------------------------------------------------
IMPACT_ACCOUNT_SID = env.str("IMPACT_ACCOUNT_SID", default="")
IMPACT_AUTH_TOKEN = env.str("IMPACT_AUTH_TOKEN", default="")
if bool(IMPACT_ACCOUNT_SID) != bool(IMPACT_AUTH_TOKEN):
    raise ImproperlyConfigured(
        "Set both IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN (real impact.com account), "
        "or neither (embedded sandbox)."
    )
IMPACT_USE_SANDBOX = not IMPACT_ACCOUNT_SID
# The image sets PROMOADMIN_IN_CONTAINER; gunicorn is how production serves the app (README).
IN_CONTAINER = env.bool("PROMOADMIN_IN_CONTAINER", default=False)
PRODUCTION_START = IN_CONTAINER or "gunicorn" in sys.modules
if not IMPACT_USE_SANDBOX and env.bool("IMPACT_USE_SANDBOX", default=False):
    raise ImproperlyConfigured("IMPACT_USE_SANDBOX=1 and impact.com credentials are both set: choose one.")
if PRODUCTION_START and IMPACT_USE_SANDBOX and not env.bool("IMPACT_USE_SANDBOX", default=False):
    raise ImproperlyConfigured(
        "No impact.com credentials: set IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN, or set "
        "IMPACT_USE_SANDBOX=1 to serve the embedded sandbox (demo data, never a real account)."
    )
IMPACT_API_BASE_URL = env.str("IMPACT_API_BASE_URL", default="https://api.impact.com")
# Bounds a whole API operation, retries included.
IMPACT_TIMEOUT = env.float("IMPACT_TIMEOUT", default=10.0)
if not 0 < IMPACT_TIMEOUT <= 120:
    raise ImproperlyConfigured("IMPACT_TIMEOUT must be a number of seconds between 0 and 120.")
# How long list pages and details stay in Django's cache; 0 turns the cache off.
IMPACT_CACHE_SECONDS = env.int("IMPACT_CACHE_SECONDS", default=30)
# Campaigns, partners and deals change rarely; the pickers cache them longer.
IMPACT_LOOKUP_CACHE_SECONDS = env.int("IMPACT_LOOKUP_CACHE_SECONDS", default=600)
# One page's deadline (deadline.py): its impact.com calls, all together, end 5 s before it, leaving
# the rest for rendering. Below gunicorn's timeout (30 s), above one call's IMPACT_TIMEOUT.
REQUEST_TIMEOUT = env.float("REQUEST_TIMEOUT", default=20.0)
if not IMPACT_TIMEOUT + 5 <= REQUEST_TIMEOUT <= 300:
    raise ImproperlyConfigured("REQUEST_TIMEOUT must be at least IMPACT_TIMEOUT + 5 seconds (and at most 300).")
# The list filters impact.com lacks (partner, deal, credit policy, match type, schedule) and the
# date views read at most this many pages of 1000 codes, then say where they stopped.
IMPACT_SCAN_MAX_PAGES = env.int("IMPACT_SCAN_MAX_PAGES", default=5)
if not 1 <= IMPACT_SCAN_MAX_PAGES <= 50:
    raise ImproperlyConfigured("IMPACT_SCAN_MAX_PAGES must be a number of pages between 1 and 50.")
# impact.com's largest list page: the scans, the CSV export and the create form's duplicate check
# read pages this big. impact.com fixes it, so it is no environment variable; it is a setting so that
# tests can turn the sandbox's few codes into a big account (pages of 20).
IMPACT_MAX_PAGE_SIZE = 1000
# Below this many remaining requests in the hour, every page warns.
IMPACT_RATE_LIMIT_WARNING = env.int("IMPACT_RATE_LIMIT_WARNING", default=100)
# Each person's share of the account's hourly requests for reads (administrators: the larger one),
# and the account's last requests kept for creating and expiring (see README, Security).
IMPACT_USER_BUDGET = env.int("IMPACT_USER_BUDGET", default=200)
IMPACT_ADMIN_BUDGET = env.int("IMPACT_ADMIN_BUDGET", default=400)
IMPACT_WRITE_RESERVE = env.int("IMPACT_WRITE_RESERVE", default=100)
if min(IMPACT_USER_BUDGET, IMPACT_ADMIN_BUDGET) < 1 or IMPACT_WRITE_RESERVE < 0:
    raise ImproperlyConfigured("IMPACT_USER_BUDGET and IMPACT_ADMIN_BUDGET must be at least 1, IMPACT_WRITE_RESERVE at least 0.")
# How long the write ledger keeps its entries; `manage.py prune_ledger` (run from cron) deletes older ones.
LEDGER_RETENTION_DAYS = env.int("LEDGER_RETENTION_DAYS", default=400)
if LEDGER_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("LEDGER_RETENTION_DAYS must be at least 1.")
# What the client asks before every API operation (a dotted path; empty: nothing is asked).
IMPACT_REQUEST_BUDGET = "promoadmin.promocodes.budget.spend_for_current_user"

# --- Django core ------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
if DEBUG and IN_CONTAINER:
    raise ImproperlyConfigured("DEBUG is never on in the container image: unset DEBUG (or set DEBUG=0).")

# A local sandbox run (no credentials, not a production start) keeps a key of its own, made once, in
# a git-ignored file: sessions survive restarts, and no key is shared by every install.
LOCAL_SECRET_KEY_FILE = BASE_DIR / ".secret_key"


def _local_secret_key() -> str:
    if not LOCAL_SECRET_KEY_FILE.exists():
        # Written whole to a private temporary file, then linked into place: two processes starting
        # at once (runserver's reloader, a test run) agree on one key and never read a half-written one.
        fd, temporary = tempfile.mkstemp(dir=BASE_DIR, prefix=".secret_key.")  # mode 600
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, LOCAL_SECRET_KEY_FILE)
        except FileExistsError:
            pass  # another process won: use its key
        finally:
            os.unlink(temporary)
    return LOCAL_SECRET_KEY_FILE.read_text(encoding="utf-8").strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and IMPACT_USE_SANDBOX and not PRODUCTION_START:
    SECRET_KEY = _local_secret_key()
# The key this project shipped as its development default once: still refused if someone copied it.
_DEV_SECRET_KEY = "insecure-dev-only-key-for-the-sandbox"
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or weak. Set SECRET_KEY to at least 50 random "
        "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "promoadmin.impact",
    "promoadmin.promocodes",
    "promoadmin.shared_state",
]

MIDDLEWARE = [
    "promoadmin.web.health.HealthCheckMiddleware",
    "promoadmin.web.deadline.RequestDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that even answers made before the view (a 400 for a bad Host) cannot be framed.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "promoadmin.promocodes.regex_limits.RegexAllowanceMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "promoadmin.promocodes.budget.UserBudgetMiddleware",
    "promoadmin.web.caching.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Refuses a body by size and permission unread: its __call__ runs before any process_view,
    # where the CSRF check reads the body, and after request.user and request.htmx are set.
    "promoadmin.web.request_limits.RequestBodyLimitMiddleware",
    "promoadmin.web.middleware.ImpactErrorMiddleware",
    # Last: turns a sign-in refused for the lockout (any door) into lockout.lockout_response.
    "axes.middleware.AxesMiddleware",
]

# axes first: it refuses a locked-out sign-in before any backend checks a password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with permissions read in one statement (web/permissions.py).
    "promoadmin.web.permissions.ModelBackend",
]

# Single sign-on: trust a user name header set by the company's auth proxy (see README).
REMOTE_USER_HEADER = env.str("REMOTE_USER_HEADER", default="")
if REMOTE_USER_HEADER:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "promoadmin.web.middleware.ProxyRemoteUserMiddleware",
    )
    AUTHENTICATION_BACKENDS.insert(1, "promoadmin.web.permissions.RemoteUserBackend")

ROOT_URLCONF = "promoadmin.urls"
WSGI_APPLICATION = "promoadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "promoadmin.web.context_processors.impact_status",
            ],
        },
    },
]

# Users, sessions and permissions only: nothing about promo codes is stored locally.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every page reads the session, the user and the shared budget, and writes the budget: opening
    # the file anew for each request cost more than those queries (bench/NOTES.md). A local file has
    # no connection limit, so each worker thread keeps its connection. WAL lets readers go on while
    # another worker writes; with synchronous=NORMAL a commit does not wait for the disk (it is synced
    # at checkpoints): a crash of promoadmin loses nothing, a power cut of the host may lose the last
    # commits, never the file. Use PostgreSQL where that matters (README, Configuration).
    DATABASES["default"].setdefault("CONN_MAX_AGE", None)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://promoadmin")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "promocodes:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# promoadmin speaks English only. With translation off, Django's get_language() is a constant instead
# of a context-local lookup: a list page asks it about 80 times (each {% url %} three), and dates and
# numbers are still formatted by en-us's rules (bench/NOTES.md).
USE_I18N = False
# The business time zone: filter dates become API date-times in it, and dates are shown in it.
TIME_ZONE = env.str("TIME_ZONE", default="America/Los_Angeles")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# collectstatic (the image, a production install) writes hashed, compressed copies and a manifest to
# STATIC_ROOT, served with far-future caching. A local run has none: whitenoise then serves static/
# as it is (from the finders), and the storage names files as they are (see staticfiles.py).
STATIC_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
if not STATIC_COLLECTED:
    # whitenoise warns that STATIC_ROOT does not exist: expected before collectstatic, not a fault.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "promoadmin.staticfiles.StaticFilesStorage"},
}

# --- Security (see the README's Security section) ---------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with one SQL statement (web/sessions.py).
SESSION_ENGINE = "promoadmin.web.sessions"
# Switch on when served over HTTPS (behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER too).
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# The proxies (addresses or networks) in front of promoadmin whose X-Forwarded-For is believed: the
# client address for the sign-in lockout (lockout.client_address). gunicorn.conf.py reads the same
# variable for forwarded_allow_ips. Empty: no proxy is trusted, the peer's address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as err:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {err} (list addresses or networks, comma-separated).") from None

# Request bodies (request_limits.py refuses bigger ones unread, by Content-Length). The largest
# non-file body is bulk create's signed batch of a reviewed 1 MB file; the one file is that CSV.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# The bulk pages and the CSV export: plain settings (no environment variables), read when used, so
# that a test can lower them. A bulk create file: at most this many bytes (held in memory, never
# stored) and rows. A bulk expire batch: at most this many codes, one DELETE each, against an hourly
# budget of about 1000 requests. A signed bulk confirmation or review may be sent for this many seconds
# (their messages say "more than an hour old"). The export streams this many rows at a time.
BULK_CREATE_MAX_BYTES = 1_000_000
BULK_CREATE_MAX_ROWS = 500
BULK_EXPIRE_MAX_CODES = 500
# A selection action (change dates, apply deal, reactivate) replaces each code: 3 or 4 requests a code, sent
# one after another inside one request's deadline, so a batch is smaller than an expire batch.
BULK_CHANGE_MAX_CODES = 25
BULK_TOKEN_MAX_AGE = 3600
EXPORT_ROWS_PER_CHUNK = 200

# User-written regexes (regex_limits.py): seconds of matching one request may use in all, and
# matches one user may run at a time (claimed in the cache: share it with Redis across instances).
REGEX_SECONDS_PER_REQUEST = env.float("REGEX_SECONDS_PER_REQUEST", default=5.0)
REGEX_RUNS_PER_USER = env.int("REGEX_RUNS_PER_USER", default=1)
if not 0 < REGEX_SECONDS_PER_REQUEST <= 60 or REGEX_RUNS_PER_USER < 1:
    raise ImproperlyConfigured("REGEX_SECONDS_PER_REQUEST must be between 0 and 60, REGEX_RUNS_PER_USER at least 1.")
# The overlap check (checks/overlaps.py, which takes them as arguments): seconds one run of the
# patterns may take before they count as too slow to test, and for bulk create the seconds in all to
# then try each pattern of a slow run alone, so that one slow pattern leaves the others checked.
OVERLAP_TIMEOUT = 2.0
OVERLAP_RETRY_SECONDS = 4.0

# Failed sign-ins (django-axes, see web/lockout.py): after this many failures for one user
# name from one client address, that pair waits this long. Counted in the database, every door.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=300)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_SECONDS < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_SECONDS must be at least 1.")
AXES_FAILURE_LIMIT = "promoadmin.web.lockout.failure_limit"
AXES_COOLOFF_TIME = "promoadmin.web.lockout.lockout_duration"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "promoadmin.web.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "promoadmin.web.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "promoadmin.web.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# One row per failed attempt is enough; no row per successful sign-in and sign-out.
AXES_DISABLE_ACCESS_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # The audit log is already one JSON object per line.
        "audit": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "promoadmin.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # httpx logs every request URL at INFO; URLs carry no credentials, but keep it quiet.
        "httpx": {"handlers": ["console"], "level": "WARNING"},
        # django-axes says at INFO that it started and that a sign-in cleared 0 failures; lockouts are warnings.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
