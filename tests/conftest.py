"""Test-suite safety: no test may send traffic off this machine (network rule); and the order of
work under pytest-xdist (``scripts/dev.py test``)."""

from __future__ import annotations

import pytest

from canhgac.netguard import install_loopback_guard

install_loopback_guard()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test file is one unit of work for ``--dist loadgroup`` (its module fixtures, e.g. a
    demo, run once), except that the files marked ``lab_addresses_support.ONE_AT_A_TIME`` (they
    bind the lab's fixed addresses) are one unit together."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
