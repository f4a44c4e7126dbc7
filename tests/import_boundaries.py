"""The import-boundary checker behind the layering tests (checks → facts, engine → no Django, ...).

Two views of one rule "package P must not reach modules F":
- :func:`loaded_violations` imports every module of P in a FRESH interpreter and reports, per
  module, the forbidden modules it brought into ``sys.modules`` (what really happens, through
  every indirection: a package ``__init__`` that re-exports an I/O client, say);
- :func:`static_violations` reads P's source with :mod:`ast` and reports every ``import``
  (at any depth, deferred imports included) of a module outside an allowed list;
  :func:`forbidden_imports` is its deny-list twin.

A module matches a name when it is that module or inside it (``dns`` matches ``dns.name``,
not ``dnspython``). Both functions take the package and the lists, so a new boundary (reports →
no engine I/O, cli → services only) is one more test of a few lines.
"""

from __future__ import annotations

import ast
import graphlib
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

# Standard-library modules that do I/O: a pure layer has no business importing them.
IO_STDLIB = ("asyncio", "socket", "ssl", "selectors", "http", "urllib.request", "smtplib", "imaplib",
             "poplib", "ftplib", "subprocess", "sqlite3")

# What a pure layer (checks, reports) must never load: collectors, the engine's network code
# and the libraries behind it.
ENGINE_IO = (
    "canhgac.engine.collectors",
    "canhgac.engine.runner",
    "canhgac.engine.discovery",
    "canhgac.engine.dns",
    "canhgac.engine.dns_transport",
    "canhgac.engine.portscan",
    "canhgac.engine.smtp_client",
    "canhgac.engine.service_probes",
    "canhgac.engine.udp_probes",
    "canhgac.engine.web.fetch",
    "canhgac.engine.web.pool",
    "canhgac.engine.tls.analysis",
    "canhgac.engine.tls.families",
    "canhgac.engine.tls.handshake",
    "canhgac.engine.tls.legacy",
    "canhgac.engine.tls.starttls",
    "httpx",
    "httpcore",
    "dns.asyncquery",
    "dns.query",
    "dns.resolver",
    "nassl",
    "impacket",
    "ssl",
)

_PROBE = """
import importlib, json, pkgutil, sys
sys.path[:0] = json.loads(sys.argv[3])
forbidden = json.loads(sys.argv[2])
def bad():
    return {m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden)}
before = bad()
out = {"(before import)": sorted(before)} if before else {}
root = importlib.import_module(sys.argv[1])
names = [root.__name__]
if hasattr(root, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(root.__path__, root.__name__ + ".")]
for name in names:
    importlib.import_module(name)
    now = bad()
    if now - before:
        out[name] = sorted(now - before)
    before = now
print(json.dumps(out))
"""


def matches(module: str, names: Iterable[str]) -> bool:
    """True when ``module`` is one of ``names`` or a submodule of one."""
    return any(module == n or module.startswith(n + ".") for n in names)


def loaded_violations(
    package: str, forbidden: Sequence[str], path: Sequence[str | Path] = ()
) -> dict[str, list[str]]:
    """Import every module of ``package`` in a fresh interpreter; per module, the forbidden ones it loaded.

    ``path`` is put in front of ``sys.path`` (for a synthetic package in a temporary directory).
    An empty dict means the boundary holds.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, package, json.dumps(list(forbidden)),
         json.dumps([str(p) for p in path])],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"importing {package} failed:\n{proc.stderr}")
    found: dict[str, list[str]] = json.loads(proc.stdout)
    return found


def imports_in(source: Path) -> Iterator[tuple[int, str, str]]:
    """(line, module, parent) for every import in a file, at any depth.

    ``import X.Y`` gives ``("X.Y", "")``; ``from X import a`` gives ``("X.a", "X")``: ``X.a`` is
    what is imported when ``a`` is a submodule, else a name of ``X``. Relative imports (not used
    in canhgac) keep their dots, so they never match an allowed name.
    """
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}", base


def static_violations(
    package_dir: Path,
    allowed: Sequence[str],
    *,
    stdlib: bool = True,
    forbidden: Sequence[str] = IO_STDLIB,
) -> list[str]:
    """``file:line: module`` for every import in the ``*.py`` files under ``package_dir`` outside ``allowed``.

    ``from X import a`` passes when ``X.a`` or ``X`` is allowed (so ``from pkg import sub``
    can allow one submodule of a package only). With ``stdlib`` the standard library is allowed
    except ``forbidden``, which always wins over ``allowed``.
    """
    std = (set(sys.stdlib_module_names) | {"__future__"}) if stdlib else set()
    out = []
    for source in sorted(package_dir.rglob("*.py")):
        for line, module, parent in imports_in(source):
            candidates = (module, parent) if parent else (module,)
            ok = any(matches(c, allowed) or c.split(".")[0] in std for c in candidates)
            if not ok or any(matches(c, forbidden) for c in candidates):
                out.append(f"{source.relative_to(package_dir.parent)}:{line}: {module}")
    return out


def forbidden_imports(package_dir: Path, forbidden: Sequence[str]) -> list[str]:
    """``file:line: module`` for every import under ``package_dir`` of a ``forbidden`` module (deny list)."""
    out = []
    for source in sorted(package_dir.rglob("*.py")):
        for line, module, parent in imports_in(source):
            if any(matches(c, forbidden) for c in ((module, parent) if parent else (module,))):
                out.append(f"{source.relative_to(package_dir.parent)}:{line}: {module}")
    return out


def module_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (at any depth, deferred and
    type-checking imports included: a loop hidden in a function is still a loop)."""
    files = {
        ".".join([package, *f.relative_to(package_dir).with_suffix("").parts]).removesuffix(".__init__"): f
        for f in sorted(package_dir.rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, source in files.items():
        targets = set()
        for _, module, parent in imports_in(source):
            target = module if module in files else parent if parent in files else None
            if target is not None and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def import_cycle(package_dir: Path, package: str) -> list[str]:
    """One import cycle among the package's modules (``[a, b, a]``), or ``[]`` if it has none."""
    try:
        graphlib.TopologicalSorter(module_graph(package_dir, package)).prepare()
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle
    return []


def planted_package(root: Path, name: str, modules: dict[str, str]) -> Path:
    """A synthetic package ``name`` under ``root`` with the given module sources (to plant a violation)."""
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text('"""Planted."""\n')
    for module, source in modules.items():
        (pkg / f"{module}.py").write_text(source)
    return pkg
