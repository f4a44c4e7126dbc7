"""Run the REST API's test-client cases (``api_cases.py``) and its schema-driven probe
(``api_schema_cases.py``) on SQLite, and on PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_backends import pg_schema_url, run_cases

HERE = Path(__file__).parent
CASES = (HERE / "api_cases.py", HERE / "api_schema_cases.py", HERE / "inventory_api_cases.py")

__all__ = ["pg_schema_url"]  # the fixture, shared with the store's own cases


@pytest.mark.parametrize("cases", CASES, ids=lambda p: p.stem)
def test_api_on_sqlite(tmp_path: Path, cases: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, cases)


@pytest.mark.postgres
@pytest.mark.parametrize("cases", CASES, ids=lambda p: p.stem)
def test_api_on_postgresql(pg_schema_url: str, tmp_path: Path, cases: Path) -> None:
    run_cases(pg_schema_url, tmp_path, cases)
