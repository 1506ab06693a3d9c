"""Production settings and the service's edges, in process: deploy checks, refused settings, CSP,
login lockout, 503s, request limits, the request log, the replica router, shared-cache locks."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import re
import runpy
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import django.db
import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from crosswalk import replicas
from crosswalk.api.throttling import PartnerKeyThrottle
from crosswalk.jsonlog import JSONFormatter
from crosswalk.models import PartnerAPIKey
from crosswalk.security import client_ip

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "t3st-" + "Vq8mZ2xK7pR4nW9cY1bH6jD3fL5sG0aE" * 2
PRODUCTION = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "crosswalk.example.org",
    "DATABASE_URL": "postgres://crosswalk@db.internal:5432/crosswalk",
}


def load_settings(monkeypatch, **env: str) -> dict:
    """config/settings.py evaluated afresh with exactly these variables (DEBUG unset unless
    given): what a server started with that environment would get."""
    for name in list(os.environ):
        if re.fullmatch(r"[A-Z_]+", name) and name not in {"PATH", "HOME", "LANG"}:
            monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


# Settings ------------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_the_production_environment():
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DEBUG", "REDIS_URL", "DATABASE_REPLICA_URLS"}
    }
    env.update(PRODUCTION, DATABASE_URL=os.environ.get("DATABASE_URL", PRODUCTION["DATABASE_URL"]))
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_defaults_are_secure(monkeypatch):
    settings = load_settings(monkeypatch, **PRODUCTION)
    assert settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$"]
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_PROXY_SSL_HEADER"] is None
    assert settings["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 5
    assert settings["CACHES"]["default"]["BACKEND"].endswith("db.DatabaseCache")
    assert settings["DATABASE_ROUTERS"] == []


def test_switches_come_from_the_environment(monkeypatch):
    settings = load_settings(
        monkeypatch,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_COOKIES="false",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        REDIS_URL="redis://cache.internal:6379/0",
        DATABASE_REPLICA_URLS="postgres://r@replica1/crosswalk, postgres://r@replica2/crosswalk",
    )
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["CACHES"]["default"]["BACKEND"].endswith("redis.RedisCache")
    assert settings["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert set(settings["DATABASES"]) == {"default", "replica_1", "replica_2"}
    assert settings["DATABASES"]["replica_2"]["HOST"] == "replica2"
    assert settings["DATABASES"]["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert settings["DATABASE_ROUTERS"] == ["crosswalk.replicas.ReplicaRouter"]


def test_per_process_cache_only_in_development(monkeypatch):
    settings = load_settings(monkeypatch, DEBUG="true", DATABASE_URL=PRODUCTION["DATABASE_URL"])
    assert settings["CACHES"]["default"]["BACKEND"].endswith("locmem.LocMemCache")


@pytest.mark.parametrize(
    "key",
    ["x", "a" * 64, "abcd" * 20, "django-insecure-" + "k" * 40 + "0123456789"],
    ids=["short", "one-character", "four-characters", "django-insecure"],
)
def test_a_weak_secret_key_is_refused(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is too weak"):
        load_settings(monkeypatch, **{**PRODUCTION, "SECRET_KEY": key})


def test_a_missing_secret_key_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        load_settings(monkeypatch, DATABASE_URL=PRODUCTION["DATABASE_URL"])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_PROXY_SSL_HEADER", "https"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto:"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SECURE_COOKIES", "maybe"),
        ("REDIS_URL", "cache.internal:6379"),
        ("DATABASE_REPLICA_URLS", "mysql://r@replica/crosswalk"),
        ("DATABASE_CONNECT_TIMEOUT", "0"),
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOG_LEVEL", "chatty"),
        ("REQUEST_LINE_LIMIT", "10"),
    ],
)
def test_malformed_values_are_refused_at_start(monkeypatch, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(monkeypatch, **PRODUCTION, **{name: value})


# Content-Security-Policy, documentation pages ------------------------------------------------


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_admin_pages_have_a_csp_whose_nonce_their_inline_scripts_carry(admin_client):
    response = admin_client.get("/admin/crosswalk/mapping/add/")
    assert response.status_code == 200
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert inline  # the side-by-side refresh script
    for attributes in inline:
        assert f'nonce="{nonce}"' in attributes or 'type="application/json"' in attributes


def test_swagger_ui_has_a_csp_and_no_inline_script(anonymous):
    page = anonymous.get("/api/docs/")
    assert page.status_code == 200
    assert "'unsafe-inline'" not in csp(page)["script-src"]
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1)
    script = anonymous.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_options_on_the_documentation_pages_is_not_a_server_error(anonymous, path):
    response = anonymous.options(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


# Admin login lockout -------------------------------------------------------------------------


def login(address: str, password: str, **extra: str):
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "curator1", "password": password, "next": "/admin/"},
    )
    return response, client


def test_five_failures_lock_the_username_from_that_address_for_fifteen_minutes(db):
    from axes.models import AccessAttempt

    get_user_model().objects.create_user("curator1", password="right-pass-1234", is_staff=True)
    for _ in range(4):
        assert login("203.0.113.7", "wrong")[0].status_code == 200  # the form again
    assert login("203.0.113.7", "wrong")[0].status_code == 429  # the fifth failure locks
    response, client = login("203.0.113.7", "right-pass-1234")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # not logged in
    # A forged X-Forwarded-For (no proxy is configured) is not another address.
    forged, _ = login("203.0.113.7", "right-pass-1234", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429
    # The same username from another address is not locked.
    assert login("198.51.100.20", "right-pass-1234")[0].status_code == 302
    # Fifteen minutes later, the lock is gone.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=16))
    assert login("203.0.113.7", "right-pass-1234")[0].status_code == 302


def test_client_address_reads_x_forwarded_for_only_behind_configured_proxies(settings):
    request = SimpleNamespace(
        META={"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    )
    assert client_ip(request) == "10.0.0.5"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_ip(request) == "203.0.113.9"  # what the load balancer saw, not the forgery
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert client_ip(request) == "6.6.6.6"


# Unreachable services, server errors, request limits ------------------------------------------

UNAVAILABLE = {
    "error": {
        "status": 503,
        "code": "database_unavailable",
        "detail": "The service is temporarily unavailable (database). Try again shortly.",
        "fields": {},
    }
}


def test_api_answers_a_json_503_with_retry_after_when_the_database_is_down(api):
    down = OperationalError('connection to server at "10.1.2.3", port 5432 failed')
    with mock.patch.object(PartnerAPIKey.objects, "get_from_key", side_effect=down):
        response = api.get("/api/v1/jurisdictions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == UNAVAILABLE


def test_admin_answers_a_plain_503_when_the_database_is_down(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    down = OperationalError("server closed the connection unexpectedly")
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=down):
        response = client.get("/admin/crosswalk/mapping/")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Retry-After"] == "30"
    assert "closed" not in response.content.decode()


def test_healthz_503_has_a_fixed_text(api):
    down = OperationalError('connection to server at "10.1.2.3", port 5432 failed')
    with mock.patch("crosswalk.views.connection.cursor", side_effect=down):
        response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_unexpected_api_errors_are_a_json_500(partner_key):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    with mock.patch(
        "crosswalk.api.views.JurisdictionViewSet.list", side_effect=RuntimeError("bug")
    ):
        response = client.get("/api/v1/jurisdictions/")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"status": 500, "code": "server_error", "detail": "Server error.", "fields": {}}
    }


def test_an_over_long_request_line_is_a_json_414(api):
    response = api.get("/api/v1/jurisdictions/", {"q": "a" * 5000})
    assert response.status_code == 414
    assert response.json()["error"] == {
        "status": 414,
        "code": "request_line_too_long",
        "detail": "The request line is longer than 4094 bytes.",
        "fields": {},
    }


def test_too_many_or_too_large_headers_are_a_json_431(api):
    assert api.get("/api/v1/jurisdictions/", HTTP_X_PADDING="p" * 9000).status_code == 431
    many = {f"HTTP_X_FIELD_{n}": "v" for n in range(120)}
    response = api.get("/api/v1/jurisdictions/", **many)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "request_headers_too_large"


def test_too_many_query_parameters_are_a_json_400(api):
    response = api.get("/api/v1/jurisdictions/?" + "a&" * 1100)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


# Request log ---------------------------------------------------------------------------------


def request_lines(caplog) -> list[dict]:
    formatter = JSONFormatter()
    lines = [formatter.format(r) for r in caplog.records if r.name == "crosswalk.requests"]
    assert all("\n" not in line for line in lines)
    return [json.loads(line) for line in lines]


def test_one_json_line_per_request_with_the_key_id_never_the_key(api, partner_key, caplog):
    caplog.set_level(logging.INFO, logger="crosswalk.requests")
    api.get("/api/v1/jurisdictions/")
    api.get("/api/v1/nowhere/")
    [first, second] = request_lines(caplog)
    assert first["method"] == "GET"
    assert first["path"] == "/api/v1/jurisdictions/"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float)
    assert first["key_id"] == partner_key.split(".")[0]
    assert second["status"] == 404
    secret = partner_key.split(".", 1)[1]
    assert secret not in caplog.text
    assert all(secret not in json.dumps(line) for line in (first, second))


def test_the_request_log_names_the_user_of_an_admin_request(admin_client, admin_user, caplog):
    caplog.set_level(logging.INFO, logger="crosswalk.requests")
    admin_client.get("/admin/")
    [line] = request_lines(caplog)
    assert (line["path"], line["status"], line["user_id"]) == ("/admin/", 200, admin_user.pk)
    assert "key_id" not in line


# Read replicas -------------------------------------------------------------------------------


@pytest.fixture
def two_replicas(monkeypatch):
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica_1", "replica_2"])
    default = SimpleNamespace(in_atomic_block=False)
    monkeypatch.setattr(replicas, "connections", {"default": default})
    return default


def test_router_sends_request_reads_to_replicas_and_the_rest_to_the_primary(two_replicas):
    router = replicas.ReplicaRouter()
    assert router.db_for_read(PartnerAPIKey) == "default"  # no request: a command
    with replicas.replica_reads():
        assert {router.db_for_read(PartnerAPIKey) for _ in range(40)} == {
            "replica_1",
            "replica_2",
        }
        assert router.db_for_write(PartnerAPIKey) == "default"
        two_replicas.in_atomic_block = True  # a transaction sees its own writes
        assert router.db_for_read(PartnerAPIKey) == "default"
    assert router.allow_migrate("default", "crosswalk") is True
    assert router.allow_migrate("replica_1", "crosswalk") is False


def test_replica_reads_only_for_api_gets(api, admin_client, monkeypatch):
    seen = []
    real = replicas.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        seen.append(replicas._replica_reads.get())
        return real(self, model, **hints)

    monkeypatch.setattr(replicas.ReplicaRouter, "db_for_read", spy)
    monkeypatch.setattr(django.db.router, "routers", [replicas.ReplicaRouter()])
    api.get("/api/v1/jurisdictions/")
    assert seen and all(seen)
    seen.clear()
    admin_client.get("/admin/crosswalk/jurisdiction/")
    assert seen and not any(seen)


# Shared-cache lock ---------------------------------------------------------------------------


class SlowRedisCache(RedisCache):
    """Widens the window between reading and writing a throttle history."""

    def get(self, *args, **kwargs):
        value = super().get(*args, **kwargs)
        time.sleep(0.05)
        return value


def test_concurrent_requests_cannot_share_one_throttle_slot(monkeypatch):
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("no Redis on 127.0.0.1:6379 (the machine and CI start one)")
    cache = SlowRedisCache(url, {"KEY_PREFIX": f"lock-test-{uuid.uuid4().hex}"})
    monkeypatch.setattr(PartnerKeyThrottle, "cache", cache)
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner": "5/minute"})
    request = SimpleNamespace(auth=PartnerAPIKey(prefix="lockt3st"), META={})

    def attempt(_: int) -> bool:
        return PartnerKeyThrottle().allow_request(request, None)

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        allowed = list(pool.map(attempt, range(12)))
    assert allowed.count(True) == 5


def test_api_answers_a_json_503_when_redis_is_down(api, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = api.get("/api/v1/jurisdictions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"]["code"] == "cache_unavailable"


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/jurisdictions/", "/healthz"])
def test_options_elsewhere_is_not_a_server_error(api, path):
    assert api.options(path).status_code < 500
