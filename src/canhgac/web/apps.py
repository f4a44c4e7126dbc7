"""Django app of the web console: connects the security log to Django's and axes's signals."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "canhgac.web"
    label = "web"
    verbose_name = "canhgac web console"

    def ready(self) -> None:
        from canhgac.web import signals

        signals.connect()
