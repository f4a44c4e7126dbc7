"""Test-suite safety: no test may send traffic off this machine (network rule), and no
``canhgac serve`` a test starts runs the holiday watch unless the test asks (``--watch``)."""

from __future__ import annotations

import os

from canhgac.netguard import install_loopback_guard

install_loopback_guard()
os.environ["CANHGAC_WATCH"] = "0"  # inherited by every CLI subprocess of the suite
