"""Debian's Chromium for the console's browser tests, and where their screenshots are kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).parents[2]
ARTIFACTS = Path(os.environ.get("CANHGAC_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts") / "console"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
# headless, and none of Chromium's own traffic (this machine's network is closed)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
