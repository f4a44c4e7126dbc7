"""The Django set-up a store case module runs before it imports anything of the store: a fresh
workspace, the database the backend runner names (``CANHGAC_STORE_CASES_DATABASE_URL``, set by
``test_store_backends.run_cases``) or a SQLite file in that workspace, and the migrations.

Called at the top of the case module, before its other imports (Django is configured once per
process, and the runner starts one process per module and backend)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from canhgac.console.bootstrap import migrate, setup_django


def open_case_store(prefix: str) -> Path:
    """Set Django up on a new workspace (``prefix`` names its temporary folder) and migrate;
    returns the workspace."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    workspace = Path(tempfile.mkdtemp(prefix=prefix))
    url = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{workspace / 'store.sqlite3'}"
    setup_django(database_url=url, workspace=workspace)
    migrate()
    return workspace
