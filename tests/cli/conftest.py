"""The CLI run in-process (Typer's CliRunner) on commands that open no store: each test starts
from canhgac's defaults (no CANHGAC_* variable, Vietnamese, warnings only) and leaves them so."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from canhgac.i18n import DEFAULT_LANGUAGE, set_language

ISOLATED_ENV = (
    "CANHGAC_WORKSPACE", "CANHGAC_DATABASE_URL", "CANHGAC_CONFIG", "CANHGAC_LANG", "CANHGAC_CATALOG_DIR",
)


@pytest.fixture(autouse=True)
def cli_defaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    level = logging.getLogger().level
    yield
    set_language(DEFAULT_LANGUAGE)  # the CLI sets the process's language and log level
    logging.getLogger().setLevel(level)
