"""Run the store's cases (``store_cases.py``) on SQLite, and on PostgreSQL when configured.

Each backend gets a fresh process (Django is configured once per process) and a fresh
database: a temporary SQLite file, or a throw-away schema in ``CANHGAC_TEST_DATABASE_URL``
that is dropped afterwards, so the shared database is never left dirty.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

CASES = Path(__file__).with_name("store_cases.py")
ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("CANHGAC_TEST_DATABASE_URL", "")


def run_cases(database_url: str, workspace: Path, cases: Path = CASES, timeout: float = 280) -> None:
    """``timeout`` stays under pytest-timeout's 300 s so a stuck module reports its own output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CANHGAC_DATABASE_URL", "CANHGAC_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"CANHGAC_STORE_CASES_DATABASE_URL": database_url, "CANHGAC_WORKSPACE": str(workspace)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(cases)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout


def test_store_on_sqlite(tmp_path: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    if not PG_URL:
        pytest.skip("CANHGAC_TEST_DATABASE_URL is not set: PostgreSQL store tests skipped")
    import psycopg
    from psycopg import sql

    schema = f"canhgac_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.mark.postgres
def test_store_on_postgresql(pg_schema_url: str, tmp_path: Path) -> None:
    run_cases(pg_schema_url, tmp_path)
