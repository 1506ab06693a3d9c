"""The API's JSON is frozen for a fixed set of requests: the responses recorded from the
serializers before the lean rewrite (issue 14) are compared byte for byte, after the values that
differ between two databases (keys, change times, cursors) are replaced by what they stand for.

Re-record (only after a deliberate change of the corpus or of the API's output):
    RECORD_API_SNAPSHOT=1 pytest tests/test_api_snapshot.py
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import types
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from crosswalk.models import Instrument, Mapping, Provision
from crosswalk.status import status_of

SNAPSHOT = Path(__file__).parent / "snapshots" / "api_responses.json"
RECORD = os.environ.get("RECORD_API_SNAPSHOT") == "1"

# (path, kind of the objects' `id`). Requests without a day show today's status, which the test
# checks against the rule instead of the recording.
REQUESTS: list[tuple[str, str]] = [
    ("/api/v1/jurisdictions/", ""),
    ("/api/v1/topics/", ""),
    ("/api/v1/instruments/?page_size=100", "instrument"),
    ("/api/v1/instruments/eu-ai-act/", "instrument"),
    ("/api/v1/instruments/?jurisdiction=JP&ordering=-adopted_on", "instrument"),
    ("/api/v1/provisions/?instrument=eu-ai-act&page_size=40", "provision"),
    ("/api/v1/provisions/?instrument=eu-ai-act&page_size=40&page=9", "provision"),
    ("/api/v1/provisions/?instrument=eu-ai-act&as_of=2025-06-01&page_size=30", "provision"),
    ("/api/v1/provisions/?instrument=eu-ai-act&in_force_on=2026-08-02&page=5", "provision"),
    ("/api/v1/provisions/?instrument=eu-ai-act&as_of=2027-01-01&include=texts&page_size=20", "provision"),
    ("/api/v1/provisions/?instrument=us-eo-14148&include=references", "provision"),
    ("/api/v1/provisions/?instrument=us-eo-14110&include=texts,references&page=9", "provision"),
    ("/api/v1/provisions/?jurisdiction=KR&page_size=30&page=17", "provision"),
    ("/api/v1/provisions/?instrument=kr-ai-framework-act-decree&as_of=2026-03-01", "provision"),
    ("/api/v1/provisions/?status=not_yet_applicable&in_force_on=2025-06-01&page_size=20", "provision"),
    ("/api/v1/provisions/?status=in_force&as_of=2025-01-01&page=3", "provision"),
    ("/api/v1/provisions/?kind=article&type=statute&legal_force=binding&page_size=20", "provision"),
    ("/api/v1/provisions/?parent=eu-ai-act:art_5&ordering=-position", "provision"),
    ("/api/v1/provisions/?implements=kr-ai-framework-act:art_31", "provision"),
    ("/api/v1/provisions/?revokes=us-eo-14110:sec_1", "provision"),
    ("/api/v1/provisions/?citation=Article%204&instrument=eu-ai-act", "provision"),
    ("/api/v1/provisions/?q=transparency&page_size=30&as_of=2026-09-01", "provision"),
    ("/api/v1/provisions/?q=human%20oversight&instrument=eu-ai-act", "provision"),
    ("/api/v1/provisions/?q=%22general-purpose%20AI%22%20-systemic&page_size=20", "provision"),
    ("/api/v1/provisions/?q=%EA%B3%A0%EC%98%81%ED%96%A5&page_size=25", "provision"),  # 고영향
    ("/api/v1/provisions/?q=%E9%80%8F%E6%98%8E%E6%80%A7", "provision"),  # 透明性
    ("/api/v1/provisions/?q=%E4%BA%BA%E5%B7%A5%E7%9F%A5%E8%83%BD&as_of=2026-01-01&page=2", "provision"),
    ("/api/v1/provisions/?q=qqqzzz", "provision"),
    ("/api/v1/provisions/?instrument=jp-ai-guidelines-for-business&include=topics&page_size=25", "provision"),
    ("/api/v1/provisions/?topic=risk-management&page_size=25&as_of=2026-09-01", "provision"),
    ("/api/v1/provisions/jp-ai-guidelines-for-business:part_2__sec_c/", "provision"),
    ("/api/v1/provisions/eu-ai-act:art_4/", "provision"),
    ("/api/v1/provisions/eu-ai-act:art_4/?as_of=2025-06-01", "provision"),
    ("/api/v1/provisions/eu-ai-act:art_4/?as_of=2024-08-01", ""),
    ("/api/v1/provisions/eu-ai-act:rec_8/?include=texts", "provision"),
    ("/api/v1/provisions/eu-ai-act:anx_i/?include=texts&in_force_on=2026-08-01", "provision"),
    ("/api/v1/provisions/us-eo-14148:sec_2__para_ggg/", "provision"),
    ("/api/v1/provisions/us-eo-14110:sec_12__para_c__point_xxiv/", "provision"),
    ("/api/v1/provisions/kr-ai-framework-act-decree:art_31/", "provision"),
    ("/api/v1/provisions/kr-ai-framework-act-decree:art_4__para_1__subpara_2/", "provision"),
    ("/api/v1/mappings/?page_size=40", "mapping"),
    ("/api/v1/mappings/?instrument=eu-ai-act&relationship=subset_of", "mapping"),
    ("/api/v1/mappings/?provision=jp-ai-promotion-act:art_15__para_1&as_of=2026-01-01", "mapping"),
    ("/api/v1/mappings/{first_mapping}/", "mapping"),
    ("/api/v1/crosswalk/?source=jp-ai-promotion-act&target=eu-ai-act", ""),
    ("/api/v1/crosswalk/?source=kr-ai-framework-act&target=oecd-ai-recommendation"
     "&derived=true", ""),
    ("/api/v1/crosswalk/?source=jp-ai-promotion-act&target=us-nist-ai-rmf&derived=true"
     "&max_depth=3&as_of=2026-06-01", ""),
    ("/api/v1/coverage/?source=g7-hiroshima-code-of-conduct&target=jp-ai-promotion-act", ""),
    # Refusals keep their bodies too.
    ("/api/v1/provisions/?instrument=eu-ai-act&colour=red", ""),
    ("/api/v1/provisions/?as_of=2025-06-01&in_force_on=2025-06-01", ""),
    ("/api/v1/provisions/?as_of=01/06/2025", ""),
    ("/api/v1/provisions/?instrument=no-such-act", ""),
    ("/api/v1/provisions/?include=everything", ""),
    ("/api/v1/provisions/?page=0", ""),
    ("/api/v1/provisions/?page=900", ""),
    ("/api/v1/provisions/?cursor=abc", ""),
    ("/api/v1/provisions/eu-ai-act:art_9999/", ""),
    ("/api/v1/mappings/?page=2", ""),
    ("/api/v1/crosswalk/?source=eu-ai-act&target=eu-ai-act", ""),
    ("/api/v1/crosswalk/?source=eu-ai-act&target=jp-ai-promotion-act&max_depth=4", ""),
]  # fmt: skip

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Keys:
    """What database keys and cursors stand for, so two databases compare equal."""

    def __init__(self) -> None:
        self.provision = {
            pk: f"provision {pid}" for pk, pid in Provision.objects.values_list("pk", "public_id")
        }
        self.instrument = {
            pk: f"instrument {slug}" for pk, slug in Instrument.objects.values_list("pk", "slug")
        }
        pairs = Mapping.objects.values_list("pk", "source__public_id", "target__public_id")
        self.mapping = {pk: f"mapping {s}→{t}" for pk, s, t in pairs}

    def normal(self, value: Any, kind: str, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.normal(v, kind, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.normal(item, kind, key) for item in value]
        if key == "id" and kind:
            return getattr(self, kind)[value]
        if key == "mapping_id":
            return self.mapping[value]
        if isinstance(value, str) and TIMESTAMP.match(value):
            return re.sub(r"\d", "0", value)  # the shape of a change time, not its value
        if key in ("next", "previous") and isinstance(value, str):
            return re.sub(r"cursor=[^&]+", "cursor=…", value)
        return value


def today_status(response: dict[str, Any]) -> None:
    """Without a day, each row's status is today's, by the one rule: check it, then drop it."""
    rows = response.get("results", [response]) if isinstance(response, dict) else []
    for row in rows:
        if isinstance(row, dict) and "status" in row and "applies_from" in row:
            fields = {
                name: row[name] and datetime.date.fromisoformat(row[name])
                for name in ("in_force_from", "in_force_until", "applies_from", "applies_until")
            }
            expected = status_of(
                types.SimpleNamespace(**fields, end_reason=row["end_reason"]), timezone.localdate()
            )
            assert row["status"] == expected, row["public_id"]
            row["status"] = "<today>"


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_api_json_is_unchanged_for_a_fixed_set_of_requests(api):
    call_command("load_seed_mappings", stdout=io.StringIO())
    keys = Keys()
    recorded = {}
    first_mapping = Mapping.objects.order_by("pk").values_list("pk", flat=True)[0]
    for path, kind in REQUESTS:
        response = api.get(path.format(first_mapping=first_mapping))
        body = keys.normal(response.json(), kind)
        if "as_of" not in path and "in_force_on" not in path:
            today_status(body)
        recorded[path] = {"status": response.status_code, "body": body}
    if RECORD:
        SNAPSHOT.write_text(dump(recorded) + "\n")
        pytest.skip(f"recorded {len(recorded)} responses into {SNAPSHOT.name}")
    expected = json.loads(SNAPSHOT.read_text())
    assert list(recorded) == list(expected)
    for path in expected:
        # Compared as text, so that the order of keys counts too.
        assert dump(recorded[path]) == dump(expected[path]), path
