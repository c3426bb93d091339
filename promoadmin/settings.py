"""Settings for promoadmin, read from the environment (or a `.env` file) by django-environ.

Every variable is listed, with its default, in the README's configuration table.
With no IMPACT_ACCOUNT_SID / IMPACT_AUTH_TOKEN the app runs on the embedded sandbox,
which is also development mode: DEBUG defaults to on and a throwaway SECRET_KEY is used.
"""

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
IMPACT_API_BASE_URL = env.str("IMPACT_API_BASE_URL", default="https://api.impact.com")
# Bounds a whole API operation, retries included.
IMPACT_TIMEOUT = env.float("IMPACT_TIMEOUT", default=10.0)
if not 0 < IMPACT_TIMEOUT <= 120:
    raise ImproperlyConfigured("IMPACT_TIMEOUT must be a number of seconds between 0 and 120.")
# How long list pages and details stay in Django's cache; 0 turns the cache off.
IMPACT_CACHE_SECONDS = env.int("IMPACT_CACHE_SECONDS", default=30)
# Campaigns, partners and deals change rarely; the pickers cache them longer.
IMPACT_LOOKUP_CACHE_SECONDS = env.int("IMPACT_LOOKUP_CACHE_SECONDS", default=600)
# Below this many remaining requests in the hour, every page warns.
IMPACT_RATE_LIMIT_WARNING = env.int("IMPACT_RATE_LIMIT_WARNING", default=100)

# --- Django core ------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=IMPACT_USE_SANDBOX)

_DEV_SECRET_KEY = "insecure-dev-only-key-for-the-sandbox"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or weak. With DEBUG off, set SECRET_KEY to at least 50 random "
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
    "promoadmin.impact",
    "promoadmin.promocodes",
]

MIDDLEWARE = [
    "promoadmin.web.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that even answers made before the view (a 400 for a bad Host) cannot be framed.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "promoadmin.web.middleware.ImpactErrorMiddleware",
]

# Single sign-on: trust a user name header set by the company's auth proxy (see README).
REMOTE_USER_HEADER = env.str("REMOTE_USER_HEADER", default="")
if REMOTE_USER_HEADER:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "promoadmin.web.middleware.ProxyRemoteUserMiddleware",
    )
    AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.RemoteUserBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]

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
# The business time zone: filter dates become API date-times in it, and dates are shown in it.
TIME_ZONE = env.str("TIME_ZONE", default="America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (see the README's Security section) ---------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
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

# Failed sign-ins: after this many failures for one user name or address, wait this long.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=300)

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
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
