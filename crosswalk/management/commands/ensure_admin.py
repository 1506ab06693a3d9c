"""Create the first admin user once, writing its generated password to a git-ignored file."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create user 'admin' with a generated password if no superuser exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password-file", type=Path, default=Path(settings.BASE_DIR) / ".admin-password"
        )

    def handle(self, *args: object, password_file: Path, **options: object) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            where = f" (password in {password_file})" if password_file.exists() else ""
            self.stdout.write(f"Admin login: user 'admin' at /admin/{where}")
            return
        password = secrets.token_urlsafe(18)
        User.objects.create_superuser("admin", email="", password=password)
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        self.stdout.write(f"Created admin user 'admin'; its password is in {password_file}")
