"""Run the campaign pages', API's and letters' test-client cases (``campaign_web_cases.py``) on
SQLite, and on PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_store_backends import pg_schema_url, run_cases

CASES = Path(__file__).with_name("campaign_web_cases.py")

__all__ = ["pg_schema_url"]  # the fixture, shared with the store's own cases


def test_campaign_web_on_sqlite(tmp_path: Path) -> None:
    run_cases(f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path, CASES)


@pytest.mark.postgres
def test_campaign_web_on_postgresql(pg_schema_url: str, tmp_path: Path) -> None:
    run_cases(pg_schema_url, tmp_path, CASES)
