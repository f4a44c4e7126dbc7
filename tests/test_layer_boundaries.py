"""Layering of the front ends: reports stay pure, the CLI and the web console go through services.

Like ``tests/engine/test_import_boundaries.py``: the runtime rule imports in a fresh interpreter,
and each rule is shown to fail on a violation planted in a synthetic package.
"""

from __future__ import annotations

from pathlib import Path

import canhgac.cli
import canhgac.web
from import_boundaries import ENGINE_IO, loaded_violations, planted_package, static_violations

CLI_DIR = Path(canhgac.cli.__file__).parent
WEB_DIR = Path(canhgac.web.__file__).parent

# What a CLI module may import: services (every action), its own modules, translations and the
# catalog's data; the value types it renders or parses (a result's status, a change's kind, a
# report's language and schema, an inventory's agency kinds, network limits, the store's typed
# errors, all pure modules); the lab and the loopback guard, which the ``lab`` and ``demo``
# commands start at the edge of the process; and the libraries of a command line.
CLI_IMPORTS = (
    "canhgac.cli",
    "canhgac.services",
    "canhgac.i18n",
    "canhgac.catalog",
    "canhgac.__version__",
    "canhgac.engine.results",
    "canhgac.engine.options",
    "canhgac.findings.reconcile",
    "canhgac.reports.model",
    "canhgac.inventory.model",
    "canhgac.console.store.errors",
    "canhgac.lab",
    "canhgac.netguard",
    "typer",
    "rich",
    "pydantic",
)


# What a console view may import: services, the viewer's scope and the account rules and writes
# (roles, the security log), translations, the report's graded views it renders, and the web
# libraries (django-otp's own device model included). Not the store's models nor its other
# writes: a page reads agencies' data through ``services`` and the scoped queries only.
WEB_IMPORTS = (
    "canhgac.web",
    "canhgac.services",
    "canhgac.i18n",
    "canhgac.console.store.queries",
    "canhgac.console.store.roles",
    "canhgac.console.store.accounts",
    "canhgac.console.store.account_passwords",
    "canhgac.console.store.account_models.SecurityEventKind",
    "canhgac.reports.view",
    "canhgac.reports.wording",
    "django",
    "django_otp",
    "ninja",  # the REST API (web/api/), with pydantic for its schemas
    "pydantic",
    "axes.signals",
    "jinja2",
    "babel.numbers",
    "segno",
)


def test_reports_load_no_engine_io() -> None:
    assert loaded_violations("canhgac.reports", ENGINE_IO) == {}


def test_reports_rule_fails_on_a_planted_io_import(tmp_path: Path) -> None:
    planted_package(tmp_path, "planted_reports", {
        "html": "import canhgac.engine.results\n",
        "fetch": "from canhgac.engine.web import fetch\n",
    })
    found = loaded_violations("planted_reports", ENGINE_IO, path=[tmp_path])
    assert "planted_reports.fetch" in found and "canhgac.engine.web.fetch" in found["planted_reports.fetch"]
    assert "planted_reports.html" not in found


def test_cli_imports_only_services_and_rendered_values() -> None:
    assert static_violations(CLI_DIR, CLI_IMPORTS, forbidden=()) == []


def test_cli_rule_fails_on_planted_engine_store_and_inventory_imports(tmp_path: Path) -> None:
    pkg = planted_package(tmp_path, "planted_cli", {
        "scan_cmd": "from canhgac.engine.builtin import builtin_registry\nimport canhgac.services.scan\n",
        "findings_cmd": "def run() -> None:\n    from canhgac.console.store import queries\n",
        "inventory_cmd": "import canhgac.inventory.loader\nfrom canhgac.inventory.model import Inventory\n",
    })
    assert static_violations(pkg, CLI_IMPORTS, forbidden=()) == [
        "planted_cli/findings_cmd.py:2: canhgac.console.store.queries",
        "planted_cli/inventory_cmd.py:1: canhgac.inventory.loader",
        "planted_cli/scan_cmd.py:1: canhgac.engine.builtin.builtin_registry",
    ]


def test_web_imports_only_services_scoped_reads_and_rendered_views() -> None:
    assert static_violations(WEB_DIR, WEB_IMPORTS, forbidden=()) == []


def test_web_rule_fails_on_planted_store_and_engine_imports(tmp_path: Path) -> None:
    pkg = planted_package(tmp_path, "planted_web", {
        "views": "from canhgac.console.store.models import Finding\nfrom canhgac.services import dashboard\n",
        "agency": "def page() -> None:\n    from canhgac.console.store import queries, services\n",
        "scan": "from canhgac.engine.runner import InProcessExecutor\n",
    })
    assert static_violations(pkg, WEB_IMPORTS, forbidden=()) == [
        "planted_web/agency.py:2: canhgac.console.store.services",
        "planted_web/scan.py:1: canhgac.engine.runner.InProcessExecutor",
        "planted_web/views.py:1: canhgac.console.store.models.Finding",
    ]
