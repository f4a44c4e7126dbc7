"""Run ``canhgac scan`` in this process under the loopback guard (the benchmark's child)."""

from __future__ import annotations

import sys

from canhgac.netguard import install_loopback_guard

if __name__ == "__main__":
    install_loopback_guard()
    from canhgac.cli.main import app

    sys.exit(app(sys.argv[1:], standalone_mode=True))
