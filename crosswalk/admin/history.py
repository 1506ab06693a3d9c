"""History exports: every recorded change of a model as CSV — who, when, why, before and after.
Cells a spreadsheet would read as a formula are guarded as in the data exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import Model
from django.http import HttpResponse

from crosswalk.exports import guard_cell

KINDS = {"+": "created", "~": "changed", "-": "deleted"}
EXCLUDED = {"search_vector"}


def history_csv_response(model: type[Model], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def write(row: list[Any]) -> None:
        writer.writerow([guard_cell(cell) for cell in row])

    writer.writerow(["object_id", "history_id", "changed_at", "changed_by", "change", "reason",
                     "field", "before", "after"])  # fmt: skip
    records = model.history.select_related("history_user").order_by(
        "id", "history_date", "history_id"
    )
    previous: dict[int, Any] = {}
    for record in records.iterator(chunk_size=2000):
        before = previous.get(record.id)
        who = record.history_user.get_username() if record.history_user else ""
        head = [record.id, record.history_id, record.history_date.isoformat(), who,
                KINDS[record.history_type], record.history_change_reason or ""]  # fmt: skip
        changes = (
            [c for c in record.diff_against(before).changes if c.field not in EXCLUDED]
            if before is not None
            else []
        )
        if not changes:
            write([*head, "", "", ""])
        for change in changes:
            write([*head, change.field, change.old, change.new])
        previous[record.id] = record
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
