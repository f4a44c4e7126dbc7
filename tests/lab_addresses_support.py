"""The test files that start the demo province's lab in the machine's own network namespace:
its servers bind the province's fixed addresses (127.25.1.1:25, 127.53.0.1:53...), so two of
these files at once on two pytest-xdist workers (``scripts/dev.py test``) would take each other's.
``tests/conftest.py`` schedules them as one unit: one worker runs them one after another.
``tests/test_lab_addresses_group.py`` keeps this list equal to the files that start the lab.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

GROUP = "lab-fixed-addresses"
FILES = frozenset({
    "tests/e2e/test_concurrent_runs.py",  # also holds 127.25.1.1:25 itself, as another lab would
    "tests/e2e/test_exposed_services.py",
    "tests/e2e/test_rescan.py",
    "tests/e2e/test_scan_interruption.py",
    "tests/e2e/test_scan_plan_round_trip.py",
    "tests/e2e/test_watch_lab_switches.py",
    "tests/lab/test_lab_province.py",
    "tests/lab/test_lab_replace_zone.py",
    "tests/lab/test_lab_switches.py",
    "tests/web/test_scans_browser.py",
})
# what a test file calls to start the lab in its own process (the demo's runs in a namespace)
STARTS_THE_LAB = ("running_lab(", "start_lab(")
