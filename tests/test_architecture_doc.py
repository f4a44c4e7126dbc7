"""docs/architecture.md tells the truth: its package diagram is the real import graph, and the
lab's size it states is the lab's.

The graph comes from ``scripts/import_graph.py`` (rerun it and paste its block when an arrow
changes); a planted edge or a missing one fails here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from canhgac.inventory.loader import load_inventory
from canhgac.lab import mail_lab, services_plan, web_plan
from canhgac.lab.province import build_province

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def _graph_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


def test_documented_package_edges_are_exactly_the_imports() -> None:
    graph = _graph_script()
    assert graph.documented_edges(DOC) == graph.import_edges()


def test_the_graph_sees_a_planted_import_and_a_lazy_one(tmp_path: Path) -> None:
    graph = _graph_script()
    package = tmp_path / "canhgac"
    (package / "engine").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engine" / "__init__.py").write_text("from canhgac.catalog import x\n")
    (package / "engine" / "runner.py").write_text(
        "def f():\n    import canhgac.console.store.models\n    from canhgac.engine import dns\n")
    assert graph.import_edges(package) == {("engine", "catalog"), ("engine", "console")}


def test_the_check_mode_fails_on_a_missing_or_an_invented_arrow(tmp_path: Path) -> None:
    graph = _graph_script()
    real = graph.import_edges()
    doc = tmp_path / "architecture.md"
    doc.write_text(graph.mermaid(real - {min(real)} | {("engine", "console")}))
    documented = graph.documented_edges(doc)
    assert real - documented == {min(real)}
    assert documented - real == {("engine", "console")}


def test_the_labs_size_in_the_doc_is_the_labs(tmp_path: Path) -> None:
    """Expected findings are the province's plus the mail, web and services labs' (``start_lab``)."""
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    province = build_province()
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(province.inventory_yaml, encoding="utf-8")
    agencies = len(load_inventory(inventory).agencies)
    served = (len(mail_lab.EXPECTED), len(web_plan.EXPECTED), len(services_plan.EXPECTED))
    dns = len(province.expected_findings)
    assert f"a province of {agencies} agencies" in text
    assert f"{len(province.servers)} DNS servers" in text
    assert f"{dns + sum(served)} planted cases are expected" in text
    assert (f"{dns} in the DNS zones, {served[0]} on the mail servers, {served[1]} on the web sites, "
            f"{served[2]} among the exposed services") in text
    assert f"only the {dns} DNS cases are expected" in text

