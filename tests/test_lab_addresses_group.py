"""The files scheduled together under pytest-xdist (``lab_addresses_support.FILES``) are exactly
the test files that start the lab in their own process: a new one left out would race the others
for the lab's fixed addresses on another worker, and fail only sometimes."""

from __future__ import annotations

from pathlib import Path

from lab_addresses_support import FILES, STARTS_THE_LAB

TESTS = Path(__file__).parent


def test_every_test_file_that_starts_the_lab_is_scheduled_with_the_others() -> None:
    starting = {
        f"tests/{path.relative_to(TESTS).as_posix()}"
        for path in TESTS.rglob("test_*.py")
        if any(call in path.read_text(encoding="utf-8") for call in STARTS_THE_LAB)
    }
    # test_concurrent_runs also binds 127.25.1.1:25 itself, as another lab would
    assert starting | {"tests/e2e/test_concurrent_runs.py"} == FILES
