"""Read an inventory file and explain every problem with its file, line, column and field.

Also writes an inventory back as YAML (:func:`dump_inventory`), e.g. after a CSV import.

The file is read as a stream (:mod:`canhgac.inventory.yaml_stream`): each agency is composed
into YAML nodes (which keep their positions), validated alone and its nodes dropped, so a
national inventory of hundreds of thousands of agencies needs no whole-file tree in memory.
Field problems are placed through the agency's nodes; the rules that span the file (unique
codes, parents, providers, domains) are checked once every field is valid, over a few facts
kept per agency, and placed through positions kept for the fields they name.
:func:`check_inventory` validates exactly as :func:`load_inventory` but keeps counts only.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from canhgac.i18n import gettext as _
from canhgac.inventory.model import Agency, AgencyRef, Inventory, cross_problems
from canhgac.inventory.problems import (
    MAX_SHOWN,
    InventoryError,
    Loc,
    Problem,
    at,
    describe_error,
    error,
    from_pydantic,
    locate,
    path_of,
)
from canhgac.inventory.summary import InventorySummary
from canhgac.inventory.yaml_stream import Utf8Source, YamlDocument

__all__ = ["MAX_SHOWN", "InventoryError", "LoadProgress", "Problem", "check_inventory", "describe_error",
           "dump_inventory", "load_inventory", "loads_inventory"]

@dataclass(frozen=True, slots=True)
class LoadProgress:
    """How far the reading of an inventory is: agencies read and validated, bytes of the file
    read (the parser reads ahead by at most one chunk) of ``bytes_total`` (None: a pipe)."""

    agencies: int
    bytes_read: int
    bytes_total: int | None


ProgressCallback = Callable[[LoadProgress], None]


def load_inventory(path: str | Path, progress: ProgressCallback | None = None) -> Inventory:
    """Load and validate an inventory file; raise :class:`InventoryError` explaining all errors.
    ``progress`` hears how far the reading is, after each agency that took the reading further."""
    agencies: list[Agency] = []
    top = _read_file(path, agencies.append, progress)
    return top.model_copy(update={"agencies": tuple(agencies)})


def check_inventory(path: str | Path, progress: ProgressCallback | None = None) -> InventorySummary:
    """Validate an inventory file as :func:`load_inventory` does, keeping only what its summary
    counts (no agency stays in memory); :class:`InventoryError` explains all errors."""
    summary = InventorySummary()
    return summary.finish(_read_file(path, summary.add, progress))


def loads_inventory(text: str, name: str = "<inventory>") -> Inventory:
    """Validate inventory YAML text; ``name`` is used in the error messages."""
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate is then "not UTF-8", not a crash
    agencies: list[Agency] = []
    top = _Reader(Utf8Source(io.BytesIO(raw), name), name, agencies.append, len(raw), None).read()
    return top.model_copy(update={"agencies": tuple(agencies)})


def dump_inventory(inv: Inventory, *, source: str | None = None) -> str:
    """The inventory as YAML that :func:`loads_inventory` reads back to an equal inventory."""
    data = inv.model_dump(mode="json", exclude_defaults=True)
    header = "# canhgac inventory, format: docs/inventory.md\n"
    if source is not None:
        header += f"# imported from {source}\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _read_file(
    path: str | Path, sink: Callable[[Agency], None], progress: ProgressCallback | None
) -> Inventory:
    """The file's top-level sections, validated (with no agencies); each valid agency goes to ``sink``."""
    name = str(path)
    try:
        with Path(path).open("rb") as raw:
            size = _size(raw)
            return _Reader(Utf8Source(raw, name), name, sink, size, progress).read()
    except FileNotFoundError:
        raise error(name, _("file not found; check the path")) from None
    except OSError as exc:
        raise error(name, _("cannot read the file ({reason})").format(reason=exc.strerror)) from None


def _size(raw: io.BufferedReader) -> int | None:
    """The file's size; None for a pipe (``<(zcat inventory.yaml.gz)``), read all the same."""
    if not raw.seekable():
        return None
    try:
        return max(0, raw.seek(0, io.SEEK_END))
    finally:
        raw.seek(0)


class _Positions:
    """Where each agency's code, parent, hosted_by and domain names are written (line, column),
    packed in one array: the rules that span the file report at those places, long after the
    agency's nodes are gone."""

    FIELDS = ("code", "parent", "hosted_by")

    def __init__(self) -> None:
        self._at = array("q")  # per agency: its offset in _marks
        self._marks = array("l")  # line, column for each field, then each domain name

    def add(self, node: Node, domains: int) -> None:
        """Keep the places of a valid agency's fields (``node``: its mapping, ``domains`` of them)."""
        self._at.append(len(self._marks))
        pairs = node.value if isinstance(node, MappingNode) else []
        # as locate() finds them, in one pass: the last of a duplicated key; the agency itself
        # for a field it does not write (absent, or brought in by a merge key)
        by_key = {key.value: value for key, value in pairs if isinstance(key, ScalarNode)}
        for field in self.FIELDS:
            self._mark(by_key.get(field, node))
        listed = by_key.get("domains")
        items = listed.value if isinstance(listed, SequenceNode) else []
        for j in range(domains):
            self._mark(locate(items[j], ("name",))[0] if j < len(items) else locate(node, ("domains", j))[0])

    def _mark(self, node: Node) -> None:
        mark = node.start_mark
        self._marks.extend((mark.line + 1, mark.column + 1))

    def clear(self) -> None:
        del self._at[:], self._marks[:]

    def of(self, index: int, loc: Loc) -> tuple[int | None, int | None]:
        """(line, column) of ``loc`` (a location inside agency ``index``)."""
        if loc[:1] == ("domains",) and len(loc) == 3 and isinstance(loc[1], int):
            slot = len(self.FIELDS) + loc[1]
        elif len(loc) == 1 and loc[0] in self.FIELDS:
            slot = self.FIELDS.index(str(loc[0]))
        else:  # pragma: no cover - the file-wide rules name only these fields
            return None, None
        offset = self._at[index] + 2 * slot
        return self._marks[offset], self._marks[offset + 1]


class _Reader:
    """One read of one inventory: the top-level sections, each agency validated as it streams
    by, then the file-wide rules; raises :class:`InventoryError` with every problem found."""

    def __init__(self, source: Utf8Source, name: str, sink: Callable[[Agency], None], size: int | None,
                 progress: ProgressCallback | None) -> None:
        self._source = source
        self._name = name
        self._sink = sink
        self._size = size
        self._progress = progress
        self._document = YamlDocument(source, name)
        self._problems: list[Problem] = []  # the agencies' field problems
        self._refs: list[AgencyRef] = []
        self._positions = _Positions()
        self._reported = -1

    def read(self) -> Inventory:
        try:
            root = self._document.read(self._agency)
            if root is None:
                raise error(self._name, _("the file is empty; an inventory starts with 'version: 1'"))
            data = SafeConstructor().construct_document(root)  # the top level: a few small sections
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            detail = exc.problem or exc.context or "syntax error"
            msg = _("not valid YAML: {detail}; check indentation, colons and quotes")
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
            raise InventoryError([Problem(self._name, line, col, "", msg.format(detail=detail))]) from None
        except yaml.YAMLError as exc:
            raise error(self._name, _("not valid YAML: {detail}").format(detail=exc)) from None
        return self._validate(root, data)

    def _agency(self, index: int, node: Node) -> None:
        if index == 0 and (self._refs or self._problems):  # a second 'agencies' key: YAML keeps this one
            self._problems.clear()
            self._refs.clear()
            self._positions.clear()
        data = self._document.construct(node)
        try:
            agency = Agency.model_validate(data)
        except ValidationError as exc:
            where = ("agencies", index)
            self._problems += [from_pydantic(err, node, self._name, where) for err in exc.errors()]
        else:
            if not self._problems:  # past the first problem, only more problems are of use
                self._refs.append(AgencyRef.of(agency))
                self._positions.add(node, len(agency.domains))
                self._sink(agency)
        self._report(index + 1)

    def _report(self, agencies: int) -> None:
        read = self._source.consumed
        if self._progress is not None and read != self._reported:
            self._reported = read
            shown = read if self._size is None else min(read, self._size)
            self._progress(LoadProgress(agencies, shown, self._size))

    def _validate(self, root: Node, data: Any) -> Inventory:
        name = self._name
        problems = list(self._document.duplicates)
        if not isinstance(data, dict):
            msg = _("the top level must be a mapping of fields, starting with 'version: 1'")
            raise InventoryError([*problems, at(name, root, "", msg)])
        version = data.get("version")
        if version != 1:
            node = locate(root, ("version",))[0]
            msg = _("unsupported inventory version {version}; this canhgac reads 'version: 1'")
            raise InventoryError([*problems, at(name, node, "version", msg.format(version=version))])
        top: Inventory | None = None
        try:
            top = Inventory.model_validate(data)  # its agencies were validated one by one
        except ValidationError as exc:
            problems += [from_pydantic(err, root, name) for err in exc.errors()]
        problems += self._problems
        if top is not None and not self._problems:
            problems += self._file_wide(top)
        if problems:
            raise InventoryError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
        assert top is not None
        if self._progress is not None:
            read = self._source.consumed if self._size is None else self._size
            self._progress(LoadProgress(len(self._refs), read, self._size))
        return top

    def _file_wide(self, top: Inventory) -> list[Problem]:
        found = cross_problems(self._refs, top.scope.public_suffixes)
        if not found:
            return []
        problems = []
        for err in ValidationError.from_exception_data("Inventory", found).errors():
            loc = err["loc"]
            index = loc[1]
            assert isinstance(index, int)
            line, column = self._positions.of(index, loc[2:])
            problems.append(Problem(self._name, line, column, path_of(loc), describe_error(err)))
        return problems
