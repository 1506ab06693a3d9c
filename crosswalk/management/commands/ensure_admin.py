"""Create the first users once — `admin` (superuser) and `reviewer` (in the reviewer group, so a
second person can publish what admin drafts) — and write their generated passwords to a
git-ignored file."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create users 'admin' and 'reviewer' with generated passwords if no superuser exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password-file", type=Path, default=Path(settings.BASE_DIR) / ".admin-password"
        )

    def handle(self, *args: object, password_file: Path, **options: object) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            where = f" (passwords in {password_file})" if password_file.exists() else ""
            self.stdout.write(f"Admin login at /admin/: users 'admin' and 'reviewer'{where}")
            return
        admin_password, reviewer_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        User.objects.create_superuser("admin", email="", password=admin_password)
        reviewer = User.objects.filter(username="reviewer").first() or User(username="reviewer")
        reviewer.is_staff = True
        reviewer.set_password(reviewer_password)
        reviewer.save()
        group = Group.objects.filter(name="reviewer").first()
        if group is not None:
            reviewer.groups.add(group)
        password_file.write_text(
            f"admin {admin_password}\nreviewer {reviewer_password}\n", encoding="utf-8"
        )
        password_file.chmod(0o600)
        self.stdout.write(
            f"Created users 'admin' (superuser) and 'reviewer'; passwords in {password_file}"
        )
