"""The status rule (crosswalk.status): Python, the ORM filter, the ORM expression and the SQL text
agree on every provision of the corpus, on every day where some date of some provision turns."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from crosswalk import status as rule
from crosswalk.models import Provision

FIELDS = ("in_force_from", "in_force_until", "applies_from", "applies_until")
ONE_DAY = datetime.timedelta(days=1)


def _edge_cases() -> None:
    """Shapes the corpus lacks today: an end of application, no application date at all, and an
    end without a recorded reason (which reads as `deleted`)."""
    rows = list(Provision.objects.filter(instrument__slug="jp-ai-promotion-act").order_by("pk"))
    Provision.objects.filter(pk=rows[0].pk).update(
        applies_from=datetime.date(2025, 6, 4), applies_until=datetime.date(2025, 12, 31)
    )
    Provision.objects.filter(pk=rows[1].pk).update(applies_from=None)
    Provision.objects.filter(pk=rows[2].pk).update(
        in_force_until=datetime.date(2025, 10, 1), end_reason=""
    )


def _turning_days() -> list[datetime.date]:
    days: set[datetime.date] = set()
    for field in FIELDS:
        for value in Provision.objects.exclude(**{f"{field}__isnull": True}).values_list(
            field, flat=True
        ):
            days.update((value - ONE_DAY, value, value + ONE_DAY))
    return sorted(days)


def _sql_statuses(day: datetime.date) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, {rule.status_sql('p', '%(day)s::date')}, "
            f"{rule.in_force_sql('p', '%(day)s::date')}, "
            f"{rule.applicable_sql('p', '%(day)s::date')} FROM crosswalk_provision p",
            {"day": day},
        )
        rows = cursor.fetchall()
    return {pk: (status, in_force, applicable) for pk, status, in_force, applicable in rows}


def test_python_orm_and_sql_agree_on_every_turning_day(db):
    _edge_cases()
    provisions = list(Provision.objects.only("pk", "end_reason", *FIELDS))
    days = _turning_days()
    assert len(days) > 60
    seen: set[str] = set()
    for day in days:
        expected = {p.pk: p.status_on(day) for p in provisions}
        seen.update(expected.values())
        annotated = dict(
            Provision.objects.annotate(day_status=rule.status_case(day)).values_list(
                "pk", "day_status"
            )
        )
        assert annotated == expected, day
        sql = _sql_statuses(day)
        assert {pk: row[0] for pk, row in sql.items()} == expected, day
        for status in rule.STATUSES:
            filtered = set(Provision.objects.filter(rule.status_q(status, day)).values_list("pk"))
            assert {pk for (pk,) in filtered} == {
                pk for pk, value in expected.items() if value == status
            }, (day, status)
        in_force = {"in_force", "not_yet_applicable", "no_longer_applicable"}
        assert set(Provision.objects.filter(rule.in_force_q(day)).values_list("pk", flat=True)) == {
            pk for pk, value in expected.items() if value in in_force
        }
        assert {pk for pk, row in sql.items() if row[1]} == {
            pk for pk, value in expected.items() if value in in_force
        }
        assert {pk for pk, row in sql.items() if row[2]} == {
            pk for pk, value in expected.items() if value == "in_force"
        }
    # Every status occurs on some day, so none of the comparisons above is vacuous.
    assert seen == set(rule.STATUSES)


def test_status_filter_counts_an_end_without_reason_as_deleted(api):
    _edge_cases()
    ended = Provision.objects.filter(instrument__slug="jp-ai-promotion-act").order_by("pk")[2]
    response = api.get(
        "/api/v1/provisions/",
        {"instrument": "jp-ai-promotion-act", "status": "deleted", "page_size": 500},
    )
    assert response.status_code == 200
    assert [row["public_id"] for row in response.json()["results"]] == [ended.public_id]
    assert response.json()["results"][0]["status"] == "deleted"


@pytest.mark.parametrize("status", ["in_force", "not_yet_applicable", "revoked"])
def test_status_filter_and_status_field_read_the_same_day(api, status):
    """`status` filters on the day of `as_of` or `in_force_on`, the day the rows report."""
    for param, day in (("in_force_on", "2025-01-19"), ("as_of", "2026-09-01"), (None, None)):
        params = {"status": status, "page_size": 500}
        if param:
            params[param] = day
        response = api.get("/api/v1/provisions/", params)
        assert response.status_code == 200
        statuses = {row["status"] for row in response.json()["results"]}
        assert statuses == {status} if status == "in_force" else statuses <= {status}
