"""Explicit start-up of the Django layer for the CLI, workers and tests.

The engine never imports Django; callers above it configure Django here, once per process.
"""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "canhgac.console.settings"


def setup_django(*, database_url: str | None = None, workspace: Path | None = None) -> None:
    """Point Django at canhgac's settings and set it up; later calls change nothing.

    ``database_url`` and ``workspace`` override ``CANHGAC_DATABASE_URL`` and
    ``CANHGAC_WORKSPACE``; they must be given before the first call, as Django reads its
    settings once per process.
    """
    import django
    from django.apps import apps

    if apps.ready:
        _refuse_late_overrides(database_url, workspace)
        return
    if database_url is not None:
        os.environ["CANHGAC_DATABASE_URL"] = database_url
    if workspace is not None:
        os.environ["CANHGAC_WORKSPACE"] = str(workspace)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    django.setup()


def _refuse_late_overrides(database_url: str | None, workspace: Path | None) -> None:
    """A different database after set-up would be silently ignored: say so instead."""
    if database_url is not None and os.environ.get("CANHGAC_DATABASE_URL") != database_url:
        raise RuntimeError("Django is already set up with another database in this process")
    if workspace is not None and os.environ.get("CANHGAC_WORKSPACE") != str(workspace):
        raise RuntimeError("Django is already set up with another workspace in this process")


def migrate() -> None:
    """Bring the database schema up to date, quietly."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
