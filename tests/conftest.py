"""Test-suite safety: no test may send traffic off this machine (network rule)."""

from __future__ import annotations

from canhgac.netguard import install_loopback_guard

install_loopback_guard()
