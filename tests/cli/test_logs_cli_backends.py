"""Run the logs CLI cases (``logs_cli_cases.py``) on SQLite, and on PostgreSQL when
``CANHGAC_TEST_DATABASE_URL`` is set (a throw-away schema, dropped afterwards)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_backends import pg_schema_url, run_cases

CASES = Path(__file__).with_name("logs_cli_cases.py")

__all__ = ["pg_schema_url"]


@pytest.mark.timeout(300)
def test_logs_cli_on_sqlite(tmp_path: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, CASES, timeout=280)


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_logs_cli_on_postgresql(pg_schema_url: str, tmp_path: Path) -> None:
    run_cases(pg_schema_url, tmp_path, CASES, timeout=280)
