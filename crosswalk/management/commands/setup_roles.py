"""Create or update the groups `curator` and `reviewer` with exactly the permissions they need."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

READ_CORPUS = [
    "view_jurisdiction", "view_instrument", "view_provision", "view_provisiontext", "view_topic",
]  # fmt: skip
READ_MAPPINGS = ["view_mapping", "view_draft_mapping"]
ROLES = {
    # Curators draft and submit; they cannot publish, and delete nothing but their own drafts
    # (the admin allows that without a delete permission).
    "curator": [*READ_CORPUS, *READ_MAPPINGS, "add_mapping", "change_mapping", "submit_mapping"],
    # Reviewers publish, return, retire and confirm; they do not edit drafts or delete.
    "reviewer": [
        *READ_CORPUS, *READ_MAPPINGS, "publish_mapping", "return_mapping", "retire_mapping",
        "confirm_mapping",
    ],
}  # fmt: skip


class Command(BaseCommand):
    help = "Create the curator and reviewer groups with their permissions (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        for name, codenames in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            wanted = set(
                Permission.objects.filter(
                    content_type__app_label="crosswalk", codename__in=codenames
                )
            )
            missing = set(codenames) - {p.codename for p in wanted}
            if missing:
                raise RuntimeError(f"unknown permissions {sorted(missing)}: run migrate first")
            current = set(group.permissions.all())
            if current != wanted:
                group.permissions.set(wanted)
            state = "created" if created else ("updated" if current != wanted else "unchanged")
            self.stdout.write(f"{name}: {len(wanted)} permissions ({state})")
