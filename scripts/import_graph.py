#!/usr/bin/env python3
"""The package-level import graph of canhgac, read from the source with ``ast``, as Mermaid.

Why: docs/architecture.md draws the layers from this graph, and
``tests/test_architecture_doc.py`` checks that the documented edges are exactly the real ones,
so the diagram cannot drift from the code. Every import counts, including those inside
functions (imported on first use) and under ``TYPE_CHECKING``: a dependency is a dependency.

Usage: python3 scripts/import_graph.py            print the Mermaid block
       python3 scripts/import_graph.py --check    exit 1 when docs/architecture.md disagrees
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "canhgac"
DOC = ROOT / "docs" / "architecture.md"
EDGE = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*$")


def _unit(module: str) -> str | None:
    """The package a dotted module belongs to (``canhgac.engine.dns`` → ``engine``)."""
    parts = module.split(".")
    if parts[0] != "canhgac" or len(parts) < 2:
        return None
    return parts[1]


def _imported(tree: ast.AST, package: str) -> set[str]:
    """Absolute names of every module imported anywhere in a module of ``package`` (dotted)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
    return names


def import_edges(package: Path = PACKAGE) -> set[tuple[str, str]]:
    """(importer, imported) package pairs of canhgac, self-imports left out."""
    edges: set[tuple[str, str]] = set()
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        source = _unit(module)
        if source is None:
            continue
        home = module if parts[-1] == "__init__" else module.rpartition(".")[0]
        for name in _imported(ast.parse(path.read_text(encoding="utf-8")), home):
            target = _unit(name)
            if target is not None and target != source:
                edges.add((source, target))
    return edges


def mermaid(edges: set[tuple[str, str]]) -> str:
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"    {a} --> {b}" for a, b in sorted(edges)]
    lines.append("```")
    return "\n".join(lines)


def documented_edges(doc: Path = DOC) -> set[tuple[str, str]]:
    """The edges of the first Mermaid block of the architecture doc."""
    text = doc.read_text(encoding="utf-8")
    block = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return {(m[1], m[2]) for line in block.splitlines() if (m := EDGE.match(line))}


def main(argv: list[str]) -> int:
    real = import_edges()
    if "--check" not in argv:
        print(mermaid(real))
        return 0
    documented = documented_edges()
    for a, b in sorted(real - documented):
        print(f"missing from {DOC.name}: {a} --> {b}")
    for a, b in sorted(documented - real):
        print(f"in {DOC.name} but not imported: {a} --> {b}")
    return 0 if real == documented else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
