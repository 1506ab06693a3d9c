"""Who may read: key holders and staff always; anyone when the operator enables public read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import permissions
from rest_framework.request import Request

from crosswalk.models import PartnerAPIKey


def is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


DRAFTS_PERMISSION = "crosswalk.view_draft_mapping"


def sees_drafts(request: Request) -> bool:
    """Unpublished mappings: only for users holding the permission (curators, reviewers and
    superusers), not for every staff account; key holders and the public see published."""
    user = request.user
    return bool(user and user.is_authenticated and user.has_perm(DRAFTS_PERMISSION))


class CanSeeDrafts(permissions.BasePermission):
    """Curation tools (suggestions): the users who see drafts."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return sees_drafts(request)


class CanReadAPI(permissions.BasePermission):
    message = "Authentication required: send 'Authorization: Api-Key <key>'."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            # Read-only views: let DRF answer 405, unless a view defines the method.
            return not hasattr(view, request.method.lower())
        return isinstance(request.auth, PartnerAPIKey) or is_staff(request) or settings.PUBLIC_READ
