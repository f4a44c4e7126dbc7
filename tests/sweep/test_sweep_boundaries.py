"""The sweep runs on an agency PC without the console: it never loads Django, the console, the
store, the services, the network scanners or the command line's libraries."""

from __future__ import annotations

from import_boundaries import loaded_violations

FORBIDDEN = (
    "django",
    "canhgac.console",
    "canhgac.services",
    "canhgac.engine",
    "canhgac.web",
    "canhgac.cli",
    "httpx",
    "httpcore",
    "dns",
    "typer",
    "rich",
    "pydantic",
    "stix2",
    "ninja",
    "celery",
    "impacket",
)


def test_sweep_loads_only_its_own_dependencies() -> None:
    assert loaded_violations("canhgac.sweep", FORBIDDEN) == {}
