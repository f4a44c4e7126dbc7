"""The lab's modules import each other without a loop (shared helpers live in their own modules)."""

from __future__ import annotations

from pathlib import Path

import canhgac.lab
from import_boundaries import import_cycle, module_graph

LAB_DIR = Path(canhgac.lab.__file__).parent


def test_lab_has_no_import_cycle() -> None:
    assert import_cycle(LAB_DIR, "canhgac.lab") == []


def test_cycle_checker_finds_a_planted_loop(tmp_path: Path) -> None:
    pkg = tmp_path / "planted"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from planted.b import thing\n")
    (pkg / "b.py").write_text("def thing() -> None:\n    from planted import a  # deferred, still a loop\n")
    (pkg / "c.py").write_text("import planted.a\n")
    assert module_graph(pkg, "planted") == {
        "planted": set(), "planted.a": {"planted.b"}, "planted.b": {"planted.a"}, "planted.c": {"planted.a"},
    }
    cycle = import_cycle(pkg, "planted")
    assert set(cycle) == {"planted.a", "planted.b"} and cycle[0] == cycle[-1]


def test_shared_certificate_helpers_are_not_borrowed_from_the_mail_lab() -> None:
    graph = module_graph(LAB_DIR, "canhgac.lab")
    users = {m for m, targets in graph.items() if "canhgac.lab.mail_lab" in targets}
    assert users == {"canhgac.lab.province", "canhgac.lab.runtime"}
