"""Test-suite safety: no test may send traffic off this machine (network rule); and test files
that bind the lab's fixed addresses take turns (``lab_addresses_support``), under pytest-xdist's
workers (``scripts/dev.py test``) as between test runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canhgac.netguard import install_loopback_guard
from lab_addresses_support import lab_addresses_held

install_loopback_guard()


@pytest.fixture(scope="module")
def lab_fixed_addresses() -> Iterator[None]:
    """The lab's fixed addresses, held while a module marked ``ONE_AT_A_TIME`` runs."""
    with lab_addresses_held():
        yield
