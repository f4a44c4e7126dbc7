"""Test-suite safety: no test may send traffic off this machine (network rule); no
``canhgac serve`` a test starts runs the holiday watch unless the test asks (``--watch``); and,
under pytest-xdist (``scripts/dev.py test``), the files that bind the lab's fixed addresses run
on one worker, one after another (``lab_addresses_support``), and the longest files start first
(``LONGEST_FIRST``: a long file handed out last would finish alone while the other workers
idle). Speed: Typer's test runner builds
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


# Files that take minutes each (``--durations``); the lab's group is the longest unit of all.
LONGEST_FIRST = (
    *sorted(FILES),
    "tests/web/test_api_backends.py",
    "tests/web/test_console_self_scan.py",
    "tests/e2e/test_demo.py",
    "tests/sweep/test_sweep_robust.py",
    "tests/creds/test_breach_kill.py",
    "tests/web/test_console_browser.py",
    "tests/reports/test_report_demo.py",
    "tests/e2e/test_demo_watch.py",
    "tests/incidents/test_incident_summary_store.py",
    "tests/watch/test_watch_delivery_kill.py",
    "tests/watch/test_watch_lease_processes.py",
    "tests/services/test_scale_workers.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Hand the longest files out first (a stable sort: the order within a file is kept)."""
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    root = config.rootpath
    items.sort(key=lambda item: rank.get(item.path.relative_to(root).as_posix(), len(rank)))


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
