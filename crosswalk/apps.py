"""App configuration."""

from django.apps import AppConfig


class CrosswalkConfig(AppConfig):
    name = "crosswalk"
    verbose_name = "Crosswalk"
    default_auto_field = "django.db.models.BigAutoField"
