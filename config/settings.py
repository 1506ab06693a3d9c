"""Crosswalk settings: one module, every value from the environment."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number ≥ {minimum}, not {raw!r}")
    return int(raw)


RATE = re.compile(r"([1-9][0-9]*)/(s|sec|second|m|min|minute|h|hour|d|day)")


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate, `<requests>/<second|minute|hour|day>`; checked here because DRF
    would only fail on the first request, and then on every one."""
    raw = env_str(name, default).strip()
    if not RATE.fullmatch(raw):
        raise ImproperlyConfigured(
            f"{name} must look like 1000/hour (a positive number per second, minute, hour or "
            f"day), not {raw!r}"
        )
    return raw


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "dev-insecure-crosswalk-key-do-not-use-in-production"
elif not DEBUG and (
    # Django's own test for a key that protects nothing (check --deploy, security.W009), made
    # fatal: sessions, password resets and signed values all rest on it.
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: at least 50 characters with at least 5 different ones, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "crosswalk.admin_site.CrosswalkAdminConfig",  # django.contrib.admin with the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "crosswalk",
]

MIDDLEWARE = [
    # Outermost, so that it logs every response, the 500s and 503s made by the handlers included.
    "crosswalk.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (admin, API docs) under gunicorn, without a proxy.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crosswalk.middleware.RequestLimitsMiddleware",
    "crosswalk.middleware.ReplicaReadsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "crosswalk.middleware.ServiceUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_url() -> str:
    url = env_str("DATABASE_URL")
    if url:
        return url
    from config.embedded_db import embedded_database_url

    return embedded_database_url()


def _database(url: str, name: str) -> dict:
    # Connections are kept for a minute and checked before each request reuses one, so that a
    # restarted database costs no request its answer (a kept connection would fail once).
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL (postgres://…)")
    # A database that does not answer (host gone, packets dropped) fails a request in seconds,
    # not after the worker's timeout.
    db.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
    return db


DATABASES = {"default": _database(_database_url(), "DATABASE_URL")}
# Read replicas: API reads (GET/HEAD outside the admin) go to one of them; writes, the admin and
# management commands use the primary. In tests each replica mirrors the default database.
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica_{_number}"] = {
        **_database(_url, "DATABASE_REPLICA_URLS"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["crosswalk.replicas.ReplicaRouter"] if len(DATABASES) > 1 else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

CORPUS_FIXTURES_DIR = Path(env_str("CORPUS_FIXTURES_DIR", str(BASE_DIR / "fixtures" / "corpus")))
EMBEDDING_FIXTURES_DIR = Path(
    env_str("EMBEDDING_FIXTURES_DIR", str(BASE_DIR / "fixtures" / "embeddings"))
)
SHARED_SOURCES_DIR = Path(
    env_str("SHARED_SOURCES_DIR", str(BASE_DIR.parent / "shared" / "sources"))
)

# Anonymous read of published data, only when the operator turns it on.
PUBLIC_READ = env_bool("PUBLIC_READ", False)

# The cache holds the rate-limit counters, so it must be shared by every worker: Redis when
# REDIS_URL is set, else a table in PostgreSQL (created by `manage.py createcachetable`).
# Per-process memory only in development, where one process serves.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, not {REDIS_URL!r}")
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
elif DEBUG:
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
else:
    _cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "crosswalk_cache",
        # The default (300) would cull live rate-limit counters once 300 keys exist.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
CACHES = {"default": {**_cache, "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "crosswalk")}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crosswalk.api.authentication.PartnerAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crosswalk.api.permissions.CanReadAPI"],
    "DEFAULT_THROTTLE_CLASSES": [
        "crosswalk.api.throttling.PartnerKeyThrottle",
        "crosswalk.api.throttling.PublicReadThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "partner": env_rate("THROTTLE_PARTNER_RATE", "10000/hour"),
        "public": env_rate("THROTTLE_PUBLIC_RATE", "1000/hour"),
    },
    # Reverse proxies in front of the app that append to X-Forwarded-For. 0 (the default):
    # the client is the connecting address and the header is ignored, so nobody can pick their
    # own rate-limit bucket by sending one. Behind one proxy (a load balancer), 1.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_FILTER_BACKENDS": ["crosswalk.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "crosswalk.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["crosswalk.api.renderers.ORJSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crosswalk.api.exceptions.exception_handler",
    # Formats are negotiated by Accept only: `format` is not a hidden query parameter.
    "URL_FORMAT_OVERRIDE": None,
}
API_MAX_PAGE_SIZE = 500
# Full-text search ranks at most this many matches (crosswalk.api.pagination.RankedPaginator).
SEARCH_RANKED = env_int("SEARCH_RANKED", 500, minimum=100)

SPECTACULAR_SETTINGS = {
    "TITLE": "Crosswalk API",
    "DESCRIPTION": (
        "Provision-level comparison of AI rules across jurisdictions. Read access with an API "
        "key (`Authorization: Api-Key <key>`), a staff session, or anonymously when the operator "
        "enables public read. Filters are strict: an unknown query parameter or a malformed value "
        "is a 400 naming the problem."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Three different `status` vocabularies (instrument, provision, workflow): name each.
    "ENUM_NAME_OVERRIDES": {
        "InstrumentStatusEnum": "crosswalk.models.Instrument.Status",
        "WorkflowStatusEnum": "crosswalk.models.Mapping.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crosswalk.api.schema.query_strings_not_empty",
    ],
    # The schema and its documentation pages are public; the data behind them is not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# One JSON object per line on standard error: the request log (crosswalk.requests, one line per
# request) and everything else. django.request would repeat every 4xx as a warning; its 5xx
# errors, with their traceback, stay.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "crosswalk.jsonlog.JSONFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # runserver's own access line; the request log says the same in JSON.
        "django.server": {"level": "WARNING"},
    },
}

# --- Deployment hardening (issue 15). Production (DEBUG off) is secure by default; each switch
# can be turned off for a deployment that terminates TLS elsewhere and says so. ---

# HTTPS: redirect plain HTTP, except /healthz, which load balancers probe over HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto: https` → ("HTTP_X_FORWARDED_PROTO", "https"): the header a TLS-ending
    proxy sets (and strips from clients) and the value that means the request came over HTTPS."""
    raw = env_str(name).strip()
    if not raw:
        return None
    header, sep, value = raw.partition(":")
    header, value = header.strip(), value.strip()
    if not sep or not re.fullmatch(r"[A-Za-z0-9-]+", header) or not value:
        raise ImproperlyConfigured(f"{name} must look like 'X-Forwarded-Proto: https', not {raw!r}")
    return "HTTP_" + header.upper().replace("-", "_"), value


SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp) on every page: scripts only from this host or with the
# page's nonce (the admin's inline scripts carry it); styles may be inline (Swagger UI and the
# admin's templates use style attributes). A view that sets its own policy keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # Redoc runs its search in a web worker built from a blob.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Admin login attempts (django-axes): after LOGIN_FAILURE_LIMIT failures for one username from
# one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES (429). The address is the one
# the rate limits use, so a forged X-Forwarded-For picks no fresh budget.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "crosswalk.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Request-line and header limits. gunicorn refuses beyond its own, larger limits with a plain
# 400 before the application runs (config/gunicorn.conf.py, DEPLOY.md); between the two, the
# application answers 414/431 in the API's error shape.
REQUEST_LINE_LIMIT = env_int("REQUEST_LINE_LIMIT", 4094, minimum=256)
REQUEST_FIELDS_LIMIT = env_int("REQUEST_FIELDS_LIMIT", 100, minimum=10)
REQUEST_FIELD_SIZE_LIMIT = env_int("REQUEST_FIELD_SIZE_LIMIT", 8190, minimum=256)

# Reasons name the file and, for corrections of the record, why: longer than 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
