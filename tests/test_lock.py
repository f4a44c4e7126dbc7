"""The lock (requirements/dev-lock.txt) agrees with pyproject.toml, and .venv follows the lock.

scripts/dev.py and CI install exactly the lock, so a range widened or narrowed in pyproject.toml
without `python3 scripts/dev.py lock` would go untested: these tests fail until the two agree.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements" / "dev-lock.txt"
PYPROJECT_VIA = "canhgac (pyproject.toml)"


@dataclass(frozen=True)
class Locked:
    requirement: Requirement
    hashes: tuple[str, ...]
    via: tuple[str, ...]

    @property
    def name(self) -> NormalizedName:
        return canonicalize_name(self.requirement.name)


def parse_lock(text: str) -> list[Locked]:
    """Entries of a `uv pip compile --generate-hashes` file: pin, hashes and `# via` annotations."""
    entries: list[Locked] = []
    blocks = re.split(r"\n(?=\S)", text)
    for block in blocks:
        if block.startswith("#") or not block.strip():
            continue
        spec = block.split("\\\n", 1)[0].strip()
        hashes = tuple(re.findall(r"--hash=(sha256:[0-9a-f]{64})", block))
        comments = [line.strip().lstrip("#").strip() for line in block.splitlines()[1:]
                    if line.lstrip().startswith("#")]
        via = tuple(comment.removeprefix("via ") for comment in comments if comment != "via")
        entries.append(Locked(Requirement(spec), hashes, via))
    return entries


def pyproject_requirements(pyproject: dict[str, object]) -> dict[str, list[Requirement]]:
    """Runtime dependencies (under "") and each optional extra, as pyproject declares them."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    groups = {"": project["dependencies"], **project.get("optional-dependencies", {})}
    return {group: [Requirement(line) for line in lines] for group, lines in groups.items()}


def disagreements(pyproject: dict[str, object], locked: list[Locked]) -> list[str]:
    """Every way the lock fails pyproject: missing, outside a range, or locked but never asked for."""
    by_name: dict[NormalizedName, list[Locked]] = {}
    for entry in locked:
        by_name.setdefault(entry.name, []).append(entry)
    wanted: set[NormalizedName] = set()
    problems = []
    for group, requirements in pyproject_requirements(pyproject).items():
        where = f"[{group}]" if group else "dependencies"
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            wanted.add(name)
            if name not in by_name:
                problems.append(f"{requirement} ({where}) is not in the lock")
            for entry in by_name.get(name, []):
                (version,) = (spec.version for spec in entry.requirement.specifier)
                if not requirement.specifier.contains(version, prereleases=True):
                    problems.append(f"{requirement} ({where}) but the lock has {entry.requirement}")
    for entry in locked:
        asked_by = set(entry.via)
        if not asked_by:
            problems.append(f"{entry.requirement} is locked with no `# via`")
        if PYPROJECT_VIA in asked_by and entry.name not in wanted:
            problems.append(f"{entry.name} is locked for pyproject.toml, which no longer asks for it")
        for parent in asked_by - {PYPROJECT_VIA}:
            if canonicalize_name(parent) not in by_name:
                problems.append(f"{entry.name} is locked for {parent}, which is not locked")
    return problems


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> list[Locked]:
    return parse_lock(LOCK.read_text(encoding="utf-8"))


def test_fresh_machine_lock_agrees_with_pyproject_ranges() -> None:
    assert disagreements(_pyproject(), _lock()) == []


def test_fresh_machine_lock_pins_every_package_with_hashes() -> None:
    locked = _lock()
    assert len(locked) > 50  # runtime and the dev extra: parse_lock read the whole file
    for entry in locked:
        (spec,) = entry.requirement.specifier
        assert spec.operator == "==", entry.requirement
        assert entry.hashes, f"{entry.name} has no hash"
    names = [entry.name for entry in locked]
    for required in ("babel", "django", "pytest", "mypy", "psutil", "celery", "psycopg"):
        assert required in names  # runtime, dev (tests and lint) and bench are all covered


def test_fresh_machine_lock_check_reports_each_disagreement() -> None:
    """The check can fail: a narrowed range, a dropped dependency and a missing package."""
    lock = parse_lock(
        "babel==2.19.0 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via canhgac (pyproject.toml)\n"
        "pytz==2025.1 \\\n    --hash=sha256:" + "b" * 64 + "\n    # via canhgac (pyproject.toml)\n"
        "rich==15.0.0 \\\n    --hash=sha256:" + "c" * 64 + "\n    # via\n    #   canhgac (pyproject.toml)\n"
        "    #   typer\n"
    )
    assert [entry.via for entry in lock] == [
        (PYPROJECT_VIA,), (PYPROJECT_VIA,), (PYPROJECT_VIA, "typer"),
    ]
    pyproject: dict[str, object] = {
        "project": {"dependencies": ["babel>=2.14,<2.19", "rich>=13"], "optional-dependencies": {
            "dev": ["pytest>=8"]}},
    }
    assert disagreements(pyproject, lock) == [
        "babel<2.19,>=2.14 (dependencies) but the lock has babel==2.19.0",
        "pytest>=8 ([dev]) is not in the lock",
        "pytz is locked for pyproject.toml, which no longer asks for it",
        "rich is locked for typer, which is not locked",
    ]


def _dev_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("canhgac_dev_script", REPO / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("changed", ["lock", "pyproject"])
def test_fresh_machine_install_stamp_follows_the_lock(changed: str) -> None:
    """.venv is rebuilt when the lock changes (the stamp hashed pyproject.toml only)."""
    dev = _dev_script()
    pyproject, lock = (REPO / "pyproject.toml").read_bytes(), LOCK.read_bytes()
    before = dev.install_stamp(pyproject, lock)
    edit = b"\n# one more line\n"
    after = dev.install_stamp(pyproject + edit, lock) if changed == "pyproject" else (
        dev.install_stamp(pyproject, lock + edit))
    assert set(before) == {"lock", "pyproject"}
    assert [key for key in before if before[key] != after[key]] == [changed]


@pytest.mark.parametrize(("args", "env", "expected"), [
    ([], "", ["-n", "CORES", "--dist", "loadfile"]),
    (["tests/web", "-k", "api"], "3", ["-n", "3", "--dist", "loadfile"]),
    ([], "1", []),  # one process, as plain pytest
    (["-n", "2"], "", []),  # the caller chose
    (["-n2"], "", []),
    (["--numprocesses=2"], "", []),
    (["-p", "no:xdist"], "", []),
])
def test_the_test_command_runs_on_several_workers_unless_told_otherwise(
        args: list[str], env: str, expected: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev_script()
    monkeypatch.setenv(dev.TEST_WORKERS_ENV, env)
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)
    assert dev.parallel_args(args) == [("4" if a == "CORES" else a) for a in expected]


def test_a_worker_count_that_is_not_a_number_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev_script()
    monkeypatch.setenv(dev.TEST_WORKERS_ENV, "many")
    with pytest.raises(SystemExit, match="CANHGAC_TEST_WORKERS must be a whole number, not 'many'"):
        dev.parallel_args([])
