"""Run the REST API's test-client cases (``api_cases.py``) and its schema-driven probe
(``api_schema_cases.py``) on SQLite, and on PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_backends import pg_schema_url, run_cases

HERE = Path(__file__).parent
CASES = (HERE / "api_cases.py", HERE / "api_schema_cases.py", HERE / "inventory_api_cases.py")

__all__ = ["pg_schema_url"]  # the fixture, shared with the store's own cases
# the schema probe sends some 3,000 requests: minutes on a loaded two-core machine
SLOW = 600


def _timeout(cases: Path) -> float:
    return SLOW if cases.stem == "api_schema_cases" else 120


@pytest.mark.timeout(SLOW + 30)
@pytest.mark.parametrize("cases", CASES, ids=lambda p: p.stem)
def test_api_on_sqlite(tmp_path: Path, cases: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, cases, _timeout(cases))


@pytest.mark.postgres
@pytest.mark.timeout(SLOW + 30)
@pytest.mark.parametrize("cases", CASES, ids=lambda p: p.stem)
def test_api_on_postgresql(pg_schema_url: str, tmp_path: Path, cases: Path) -> None:
    run_cases(pg_schema_url, tmp_path, cases, _timeout(cases))
