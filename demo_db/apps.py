from __future__ import annotations

from django.apps import AppConfig


class DemoDbConfig(AppConfig):
    name = "demo_db"
    label = "demo_db"
    verbose_name = "orm-viz demo database"
    default_auto_field = "django.db.models.BigAutoField"
