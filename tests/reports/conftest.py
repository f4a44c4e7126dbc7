"""Fixtures for report tests: the fixed catalog and the packaged scoring policy."""

from __future__ import annotations

import pytest
from report_builders import FIXTURE_CATALOG

from canhgac.catalog import Catalog, load_catalog
from canhgac.reports.grading import ScoringPolicy, load_scoring


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(FIXTURE_CATALOG)


@pytest.fixture(scope="session")
def policy() -> ScoringPolicy:
    return load_scoring()
