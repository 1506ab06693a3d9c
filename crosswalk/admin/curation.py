"""What a provision's admin page shows below its fields: its mappings, read from its own side,
and suggested targets in a chosen instrument, each one click from a prefilled draft. Unpublished
mappings and suggestions only for users with the permission to see drafts (curators and
reviewers); the suggestion form is a GET form of its own, outside the provision's form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from crosswalk import relations
from crosswalk.models import Instrument, Mapping, Provision
from crosswalk.suggestions import suggestions_for

SUGGESTION_LIMIT = 10


DRAFTS_PERMISSION = "crosswalk.view_draft_mapping"


def mappings_seen_from(provision: Provision, *, drafts: bool) -> list[dict[str, Any]]:
    """Every live mapping touching `provision` (unpublished ones only with `drafts`), as 'this
    provision is <relationship> other'."""
    rows = []
    live = Mapping.objects.visible(drafts=drafts).live()
    for m in live.filter(Q(source=provision) | Q(target=provision)).select_related(
        "source__instrument", "target__instrument"
    ):
        outgoing = m.source_id == provision.pk
        rows.append(
            {
                "mapping": m,
                "direction": "outgoing" if outgoing else "incoming (shown inverted)",
                "relationship": m.relationship if outgoing else relations.inverse(m.relationship),
                "other": m.target if outgoing else m.source,
                "url": reverse("admin:crosswalk_mapping_change", args=[m.pk]),
            }
        )
    return rows


def provision_curation_context(request: HttpRequest, provision: Provision) -> dict[str, Any]:
    drafts = request.user.has_perm(DRAFTS_PERMISSION)
    context: dict[str, Any] = {
        "curation_mappings": mappings_seen_from(provision, drafts=drafts),
        "can_suggest": drafts,
    }
    if not drafts:
        return context
    instruments = Instrument.objects.exclude(pk=provision.instrument_id)
    chosen_slug = request.GET.get("suggest_in", "")
    chosen = instruments.filter(slug=chosen_slug).first()
    can_draft = request.user.has_perm("crosswalk.add_mapping")
    suggestions = []
    if chosen is not None:
        for suggestion in suggestions_for(provision, chosen, limit=SUGGESTION_LIMIT):
            draft = (
                reverse("admin:crosswalk_mapping_add")
                + "?"
                + urlencode(
                    {
                        "source": provision.pk,
                        "target": suggestion.provision.pk,
                        "from_suggestion": 1,
                    }
                )
            )
            suggestions.append({"suggestion": suggestion, "draft_url": draft if can_draft else ""})
    context.update(
        suggestion_instruments=instruments.order_by("short_title"),
        suggestion_instrument=chosen,
        suggestions=suggestions,
    )
    return context
