"""Users: a curator or reviewer is made in one step — the add form's "role" gives staff status
and the group together (the groups come from `setup_roles`, created here when missing)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

User = get_user_model()
ROLES = {
    "curator": "curator — drafts mappings and submits them for review",
    "reviewer": "reviewer — publishes, returns, retires and confirms mappings",
}


def role_group(role: str) -> Group:
    group = Group.objects.filter(name=role).first()
    if group is None:
        call_command("setup_roles", stdout=io.StringIO())
        group = Group.objects.get(name=role)
    return group


@transaction.atomic
def give_role(user: Any, role: str) -> None:
    """Staff status (the admin's door) and the role's group (what it may do there)."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(role_group(role))


class RoleUserCreationForm(AdminUserCreationForm):
    role = forms.ChoiceField(
        choices=[("", "none: set staff status and groups by hand"), *ROLES.items()],
        required=False,
        help_text="Gives staff status and the role's group in one step.",
    )


class CrosswalkUserAdmin(UserAdmin):
    add_form = RoleUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "role"),
            },
        ),
    )
    change_list_template = "admin/crosswalk/user/change_list.html"
    actions = ["make_curator", "make_reviewer"]

    def save_model(self, request: HttpRequest, obj: Any, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        role = "" if change else form.cleaned_data.get("role", "")
        if role:
            give_role(obj, role)
            self.message_user(request, f"{obj.get_username()} is a {role}: staff, group {role}.")

    def _make(self, request: HttpRequest, queryset: QuerySet, role: str) -> None:
        for user in queryset:
            give_role(user, role)
        self.message_user(request, f"{queryset.count()} user(s) made {role}s.", messages.SUCCESS)

    @admin.action(description="Make curators (staff status and group)", permissions=["change"])
    def make_curator(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._make(request, queryset, "curator")

    @admin.action(description="Make reviewers (staff status and group)", permissions=["change"])
    def make_reviewer(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._make(request, queryset, "reviewer")


# django.contrib.auth registered the plain UserAdmin (it comes first in INSTALLED_APPS).
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, CrosswalkUserAdmin)
