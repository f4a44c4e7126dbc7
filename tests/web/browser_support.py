"""What the console's browser tests share: Debian's Chromium, where their screenshots are kept,
the users' password, and a browser session that collects the browser's error reports.

Light on purpose (``conftest.py`` imports it for every web test): no Playwright, no Django, no lab.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ARTIFACTS = Path(os.environ.get("CANHGAC_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts") / "console"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
# headless, and none of Chromium's own traffic (this machine's network is closed)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
NEEDS_CHROMIUM = pytest.mark.skipif(CHROMIUM is None,
                                    reason="needs headless Chromium (Debian package: chromium)")
PASSWORD = "gió mùa đông bắc 2025"  # every browser test's users (``Session.login``)
DESKTOP = {"width": 1400, "height": 900}
NARROW = {"width": 390, "height": 844}  # a phone's


class Session:
    """One browser context (its own cookies) and page, collecting the browser's error reports."""

    def __init__(self, browser: object, base: str) -> None:
        self.context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message: object) -> None:
        """Errors the browser reports (a CSP violation is one); a page's own 4xx status is not,
        its sub-resources' are (``_response``)."""
        text = str(message.text)  # type: ignore[attr-defined]
        if message.type == "error" and not text.startswith("Failed to load resource"):  # type: ignore[attr-defined]
            self.errors.append(text)

    def _response(self, response: object) -> None:
        request = response.request  # type: ignore[attr-defined]
        if response.status >= 400 and request.resource_type != "document":  # type: ignore[attr-defined]
            self.errors.append(f"{response.status} {request.url}")  # type: ignore[attr-defined]

    def login(self, name: str, lands: str = "**/dashboard/") -> None:
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#id_username", name)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button.primary")
        self.page.wait_for_url(lands)

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 20_000, f"{path} looks blank"
        return path

    def shots(self, folder: Path, name: str, *, top: bool = False) -> None:
        """The page at desktop width, then at a phone's (``NAME-narrow``; with ``top``, also its
        first screen alone, ``NAME-narrow-top``, to look at closely), then back to desktop."""
        self.shot(folder, name)
        self.page.set_viewport_size(NARROW)
        self.shot(folder, f"{name}-narrow")
        if top:
            self.page.screenshot(path=str(folder / f"{name}-narrow-top.png"))
        self.page.set_viewport_size(DESKTOP)

    def language(self, lang: str) -> None:
        """Switch the console's language with the navigation's button (``vi`` or ``en``)."""
        self.page.locator(f"button[name=language][value={lang}]").click()
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()


@contextmanager
def checked_session(browser: object, base: str) -> Iterator[Session]:
    """A session on the console at ``base`` that must end with no error reported by the browser
    (no CSP violation, no failed script, no missing file); closed when it ends."""
    opened = Session(browser, base)
    yield opened
    assert opened.errors == []
    opened.close()
