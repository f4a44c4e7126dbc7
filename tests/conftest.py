"""Test-suite safety: no test may send traffic off this machine (network rule); no
``canhgac serve`` a test starts runs the holiday watch unless the test asks (``--watch``); and,
under pytest-xdist (``scripts/dev.py test``), the files that bind the lab's fixed addresses run
on one worker, one after another (``lab_addresses_support``). Speed: Typer's test runner builds
the app's whole command tree at every invoke (0.7 s with a hundred commands); here it is built
once per app, as the CLI builds it once per process."""

from __future__ import annotations

import functools
import os
from typing import Any

import pytest
import typer.main
import typer.testing

from canhgac.netguard import install_loopback_guard
from lab_addresses_support import FILES, GROUP

install_loopback_guard()
os.environ["CANHGAC_WATCH"] = "0"  # inherited by every CLI subprocess of the suite
typer.testing._get_command = functools.cache(typer.main.get_command)  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, with the files of ``lab_addresses_support.FILES`` as one file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LabFilesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return GROUP if path in FILES else path

    return LabFilesTogether(config, log)
