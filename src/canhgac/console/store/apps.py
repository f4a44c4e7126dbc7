"""Django app configuration of the findings store."""

from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "canhgac.console.store"
    label = "store"
    verbose_name = "canhgac findings store"
    default_auto_field = "django.db.models.BigAutoField"
