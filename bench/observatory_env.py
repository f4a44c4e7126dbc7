"""Mozilla's HTTP Observatory (npm ``@mdn/mdn-http-observatory``) for the web-portals benchmark:
installed once into bench/out/observatory (git-ignored) with npm, and its version.

:func:`observatory_package` returns the installed package's directory; bench/run_observatory.mjs
imports its scanner from there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBSERVATORY_PACKAGE = "@mdn/mdn-http-observatory"
OBSERVATORY_VERSION = "1.4.8"
OBSERVATORY_HOME = ROOT / "bench" / "out" / "observatory"


def observatory_package() -> Path:
    """Install the Observatory into bench/out/observatory once (npm, ``--ignore-scripts``).

    Its postinstall script downloads Chromium's HSTS preload list and IANA's TLD list from the
    internet; with ``--ignore-scripts`` it does not, and the scanner needs the preload list
    file (conf/hsts-preload.json). The lab's names are on no preload list: an empty one ({}).
    """
    package = OBSERVATORY_HOME / "node_modules" / "@mdn" / "mdn-http-observatory"
    npm = shutil.which("npm")
    if not (package / "package.json").exists():
        if npm is None:
            raise SystemExit("npm is not installed (Debian: apt-get install -y nodejs npm)")
        OBSERVATORY_HOME.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(OBSERVATORY_HOME),
                f"{OBSERVATORY_PACKAGE}@{OBSERVATORY_VERSION}",
            ],
            check=True,
        )
    preload = package / "conf" / "hsts-preload.json"
    if not preload.exists():
        preload.write_text("{}\n", encoding="utf-8")
    return package


def installed_version(package: Path) -> str:
    return str(json.loads((package / "package.json").read_text())["version"])
