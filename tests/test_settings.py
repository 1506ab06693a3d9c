"""Settings read from the environment fail loudly at start on malformed values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINT_REST_FRAMEWORK = (
    "import json, config.settings as s; "
    "print(json.dumps({'num_proxies': s.REST_FRAMEWORK['NUM_PROXIES'], "
    "'rates': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']}))"
)


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import config.settings in a fresh interpreter with `env` on top of a minimal environment
    (no database is contacted: the URL is only parsed)."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("THROTTLE_", "NUM_PROXIES", "DJANGO_"))
    }
    base.update(DEBUG="true", DATABASE_URL="postgres://nobody@127.0.0.1:1/none", **env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_REST_FRAMEWORK],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_num_proxies_comes_from_the_environment():
    default = load_settings()
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout)["num_proxies"] == 0
    behind_one = load_settings(NUM_PROXIES="1")
    assert json.loads(behind_one.stdout)["num_proxies"] == 1
    broken = load_settings(NUM_PROXIES="one")
    assert broken.returncode != 0
    assert "ImproperlyConfigured: NUM_PROXIES must be a whole number" in broken.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("THROTTLE_PUBLIC_RATE", "lots"),
        ("THROTTLE_PUBLIC_RATE", "100/fortnight"),
        ("THROTTLE_PARTNER_RATE", "0/hour"),
        ("THROTTLE_PARTNER_RATE", "100 per hour"),
        ("THROTTLE_PARTNER_RATE", "1e3/hour"),
    ],
)
def test_malformed_throttle_rate_stops_the_start_with_a_clear_error(name, value):
    result = load_settings(**{name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must look like 1000/hour" in result.stderr
    assert repr(value) in result.stderr


def test_well_formed_throttle_rates_are_kept():
    result = load_settings(THROTTLE_PUBLIC_RATE="30/min", THROTTLE_PARTNER_RATE="5/second")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rates"] == {"partner": "5/second", "public": "30/min"}
