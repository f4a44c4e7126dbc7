"""Run the REST API's test-client cases (``api_cases.py``), schemathesis against its OpenAPI schema
(``api_schemathesis_cases.py``) and the extreme inputs schemathesis sends only by chance
(``api_schema_cases.py``) on SQLite, and on PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set.

Schemathesis runs once, on the stricter backend at hand: PostgreSQL where it is configured (it
refuses what SQLite lets by, such as NUL characters and integers past 64 bits), SQLite elsewhere.
The extreme inputs it finds only by chance are sent to both by ``api_schema_cases.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_backends import PG_URL, pg_schema_url, run_cases

HERE = Path(__file__).parent
SCHEMATHESIS_SECONDS = 540  # about a minute alone on 2 cores; room for a machine shared with others
SCHEMATHESIS = HERE / "api_schemathesis_cases.py"
CASES = (HERE / "api_cases.py", HERE / "api_schema_cases.py", HERE / "inventory_api_cases.py",
         HERE / "watch_api_cases.py", HERE / "watch_people_api_cases.py")
SQLITE_CASES = CASES if PG_URL else (*CASES, SCHEMATHESIS)
PG_CASES = (*CASES, SCHEMATHESIS)

__all__ = ["pg_schema_url"]  # the fixture, shared with the store's own cases


def _seconds(cases: Path) -> float:
    # each module is some hundreds to a few thousand requests: a minute or two on a busy machine
    return SCHEMATHESIS_SECONDS if cases.stem == "api_schemathesis_cases" else 280


@pytest.mark.timeout(SCHEMATHESIS_SECONDS + 30)
@pytest.mark.parametrize("cases", SQLITE_CASES, ids=lambda p: Path(p).stem)
def test_api_on_sqlite(tmp_path: Path, cases: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, cases, _seconds(cases))


@pytest.mark.postgres
@pytest.mark.timeout(SCHEMATHESIS_SECONDS + 30)
@pytest.mark.parametrize("cases", PG_CASES, ids=lambda p: Path(p).stem)
def test_api_on_postgresql(pg_schema_url: str, tmp_path: Path, cases: Path) -> None:
    run_cases(pg_schema_url, tmp_path, cases, _seconds(cases))
