"""The admin site: Django's, with autocomplete results labelled by their model admin.

Outside the `crosswalk.admin` package, which registers models on this site when imported."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import Model
from django.http import HttpRequest, HttpResponse


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Each result's text is `model_admin.autocomplete_label(obj)` where the admin has one
    (provisions: instrument, citation and heading), else `str(obj)`."""

    def serialize_result(self, obj: Model, to_field_name: str) -> dict[str, Any]:
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class CrosswalkAdminSite(admin.AdminSite):
    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)


class CrosswalkAdminConfig(AdminConfig):
    """django.contrib.admin with this site (INSTALLED_APPS names this class)."""

    default_site = "crosswalk.admin_site.CrosswalkAdminSite"
