"""Crosswalk settings: one module, every value from the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
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

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "crosswalk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (admin, API docs) under gunicorn, without a proxy.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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


_db = dj_database_url.parse(_database_url(), conn_max_age=60)
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
DATABASES = {"default": _db}
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
SHARED_SOURCES_DIR = Path(
    env_str("SHARED_SOURCES_DIR", str(BASE_DIR.parent / "shared" / "sources"))
)

# Anonymous read of published data, only when the operator turns it on.
PUBLIC_READ = env_bool("PUBLIC_READ", False)

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

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
SEARCH_RANKED = env_int("SEARCH_RANKED", 1000, minimum=100)

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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crosswalk.api.schema.query_strings_not_empty",
    ],
    # The schema and its documentation pages are public; the data behind them is not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# Reasons name the file and, for corrections of the record, why: longer than 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
