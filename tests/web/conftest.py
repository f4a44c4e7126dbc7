"""The browser, screenshot and session fixtures the console's browser tests share."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, Session, checked_session


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("needs headless Chromium (Debian package: chromium)")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the module's screenshots, copied to the kept test artefacts at its end."""
    folder = tmp_path_factory.mktemp("console-screenshots")
    yield folder
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy(png, ARTIFACTS / png.name)


@pytest.fixture
def session(browser: object, console: str) -> Iterator[Session]:
    """A checked session (``browser_support.checked_session``) on the module's console, whose
    ``console`` fixture yields its base URL."""
    with checked_session(browser, console) as opened:
        yield opened
