"""Layering, enforced: checks read facts and never reach I/O; the engine never imports Django.

Each runtime test imports in a fresh interpreter (what a test run imported before cannot hide
or fake a violation); each rule is also shown to fail on a violation planted in a synthetic
package, so a checker that cannot fail is caught here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import canhgac.engine.checks
from import_boundaries import (
    ENGINE_IO,
    forbidden_imports,
    loaded_violations,
    planted_package,
    static_violations,
)

CHECKS_DIR = Path(canhgac.engine.checks.__file__).parent

# What a check may import (besides the standard library's pure modules).
CHECK_IMPORTS = (
    "canhgac.engine.facts",
    "canhgac.engine.checks",
    "canhgac.engine.results",
    "canhgac.engine.registry",
    "canhgac.engine.params",
    "canhgac.engine.targets",
    "canhgac.engine.mailauth",
    "canhgac.engine.tls.judge",
    "canhgac.engine.web.signatures",
    "canhgac.engine.vulns.identify",
    "canhgac.engine.vulns.models",
    "canhgac.engine.vulns.version",
    "cryptography",
    "dns.dnssec",
    "dns.exception",
    "dns.name",
    "dns.rdata",
    "dns.rdataset",
    "dns.rrset",
)


def test_checks_load_no_io_modules() -> None:
    assert loaded_violations("canhgac.engine.checks", ENGINE_IO) == {}


def test_checks_import_only_facts_and_pure_helpers() -> None:
    assert static_violations(CHECKS_DIR, CHECK_IMPORTS) == []


def test_engine_never_imports_django() -> None:
    assert loaded_violations("canhgac.engine", ("django",)) == {}


def test_a_check_importing_a_collector_is_caught_at_runtime(tmp_path: Path) -> None:
    planted_package(tmp_path, "planted_checks", {
        "fine": "from canhgac.engine.facts.smtp import SmtpFacts\n",
        "leaky": "from canhgac.engine.collectors.smtp import collect_smtp\n",
    })
    found = loaded_violations("planted_checks", ENGINE_IO, path=[tmp_path])
    assert list(found) == ["planted_checks.leaky"]
    loaded = set(found["planted_checks.leaky"])
    assert {"canhgac.engine.collectors.smtp", "canhgac.engine.smtp_client", "nassl"} <= loaded


def test_an_engine_module_importing_django_is_caught(tmp_path: Path) -> None:
    planted_package(tmp_path, "planted_engine", {"views": "import django.conf\n", "pure": "import json\n"})
    found = loaded_violations("planted_engine", ("django",), path=[tmp_path])
    assert list(found) == ["planted_engine.views"]
    assert "django.conf" in found["planted_engine.views"]


def test_a_reexporting_init_is_caught_through_theplanted_package(tmp_path: Path) -> None:
    """The trap the facts layer removed: ``from pkg.pure import x`` runs ``pkg/__init__``."""
    pkg = planted_package(tmp_path, "planted_tls", {"judge": "X = 1\n"})
    (pkg / "__init__.py").write_text("import ssl\n")
    planted_package(tmp_path, "planted_checks2", {"uses_judge": "from planted_tls.judge import X\n"})
    assert loaded_violations("planted_checks2", ("ssl",), path=[tmp_path]) == {
        "planted_checks2.uses_judge": ["ssl"],
    }


@pytest.mark.parametrize(
    ("source", "violation"),
    [
        ("from canhgac.engine.collectors.smtp import Facts\n", "canhgac.engine.collectors.smtp.Facts"),
        ("from canhgac.engine.tls import analyze_tls\n", "canhgac.engine.tls.analyze_tls"),
        ("import httpx\n", "httpx"),
        ("def later():\n    import dns.asyncquery\n", "dns.asyncquery"),
        ("from asyncio import timeout\n", "asyncio.timeout"),
        ("import urllib.request\n", "urllib.request"),
    ],
)
def test_static_rule_catches_a_planted_import(tmp_path: Path, source: str, violation: str) -> None:
    pkg = planted_package(tmp_path, "planted", {"bad": source, "good": (
        "import re\nfrom urllib.parse import urlsplit\nfrom canhgac.engine.tls import judge\n"
        "from canhgac.engine.facts.smtp import SmtpFacts\n"
    )})
    line = source.count("\n", 0, source.index("import")) + 1
    assert static_violations(pkg, CHECK_IMPORTS) == [f"planted/bad.py:{line}: {violation}"]


def test_forbidden_imports_lists_only_the_forbidden(tmp_path: Path) -> None:
    """The deny-list form, for boundaries such as "reports never import engine I/O"."""
    pkg = planted_package(tmp_path, "planted_reports", {
        "view": "import json\nfrom canhgac.engine.results import CheckResult\n",
        "leak": "import json\n\n\ndef f():\n    from canhgac.engine.web.fetch import WebClient\n",
    })
    found = forbidden_imports(pkg, ENGINE_IO)
    assert found == ["planted_reports/leak.py:5: canhgac.engine.web.fetch.WebClient"]
