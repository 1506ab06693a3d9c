"""ETag / Last-Modified from the data itself (row count and latest change), and 304 answers."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from rest_framework.request import Request

from crosswalk.api.permissions import sees_drafts
from crosswalk.models import Mapping, Provision


def validators(
    request: Request, parts: list[Any], stamps: list[datetime.datetime | None]
) -> tuple[str, datetime.datetime | None]:
    """A strong ETag over the request's path and query, who asks, and the data `parts`;
    Last-Modified is the latest of `stamps`."""
    last_modified = max((s for s in stamps if s is not None), default=None)
    seed = repr([request.get_full_path(), sees_drafts(request), parts])
    return quote_etag(hashlib.sha256(seed.encode()).hexdigest()[:32]), last_modified


def conditional(
    request: Request,
    etag: str,
    last_modified: datetime.datetime | None,
    build: Callable[[], HttpResponseBase],
) -> HttpResponseBase:
    """304 when the client's copy is current; otherwise `build()` with the validators set."""
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        return not_modified
    response = build()
    if response.status_code == 200:
        response["ETag"] = etag
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
    return response


def pair_stamp(request: Request, query: dict[str, Any]) -> tuple[str, datetime.datetime | None]:
    """Validators of a response about two instruments: their visible mappings and provisions."""
    count, last = (
        Mapping.objects.visible(drafts=sees_drafts(request))
        .between(query["source"].pk, query["target"].pk)
        .change_stamp()
    )
    _, last_provision = Provision.objects.filter(
        instrument__in=[query["source"], query["target"]]
    ).change_stamp()
    return validators(request, [count, last, last_provision], [last, last_provision])
