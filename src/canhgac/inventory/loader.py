"""Read an inventory file and explain every problem with its file, line, column and field.

Also writes an inventory back as YAML (:func:`dump_inventory`), e.g. after a CSV import.

The YAML is composed into nodes first (each node keeps its position), so that pydantic's error
locations can be mapped back to the line an officer has to fix. Duplicate keys, which PyYAML
would silently resolve to the last one, are reported too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from canhgac.i18n import gettext as _
from canhgac.i18n import translate, validation
from canhgac.i18n.formats import format_number
from canhgac.inventory.fields import MESSAGES
from canhgac.inventory.model import Inventory
from canhgac.yamlio import SafeLoader

MAX_SHOWN = 20
_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an inventory, placed in its file (line and column are 1-based)."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InventoryError(Exception):
    """The inventory cannot be used; ``problems`` lists every error found (all of them)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            lines.append(_("... and {count} more problems").format(count=len(self.problems) - MAX_SHOWN))
        super().__init__("\n".join(lines))


def load_inventory(path: str | Path) -> Inventory:
    """Load and validate an inventory file; raise :class:`InventoryError` explaining all errors."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise _error(name, _("file not found; check the path")) from None
    except OSError as exc:
        raise _error(name, _("cannot read the file ({reason})").format(reason=exc.strerror)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = _("the file is not UTF-8 text; save it with the UTF-8 encoding")
        raise InventoryError([Problem(name, line, None, "", msg)]) from None
    return loads_inventory(text, name)


def loads_inventory(text: str, name: str = "<inventory>") -> Inventory:
    """Validate inventory YAML text; ``name`` is used in the error messages."""
    root, data = _parse(text, name)
    problems = list(_duplicate_keys(root, name))
    if not isinstance(data, dict):
        msg = _("the top level must be a mapping of fields, starting with 'version: 1'")
        raise InventoryError([*problems, _at(name, root, "", msg)])
    version = data.get("version")
    if version != 1:
        node = _locate(root, ("version",))[0]
        msg = _("unsupported inventory version {version}; this canhgac reads 'version: 1'")
        raise InventoryError([*problems, _at(name, node, "version", msg.format(version=version))])
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as exc:
        problems += [_from_pydantic(err, root, name) for err in exc.errors()]
    if problems:
        raise InventoryError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return inventory


def dump_inventory(inv: Inventory, *, source: str | None = None) -> str:
    """The inventory as YAML that :func:`loads_inventory` reads back to an equal inventory."""
    data = inv.model_dump(mode="json", exclude_defaults=True)
    header = "# canhgac inventory, format: docs/inventory.md\n"
    if source is not None:
        header += f"# imported from {source}\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _error(name: str, message: str) -> InventoryError:
    return InventoryError([Problem(name, None, None, "", message)])


def _at(name: str, node: Node, path: str, message: str) -> Problem:
    mark = node.start_mark
    return Problem(name, mark.line + 1, mark.column + 1, path, message)


class _Loader(SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose node tree we keep, to place errors."""


def _parse(text: str, name: str) -> tuple[Node, Any]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise _error(name, _("the file is empty; an inventory starts with 'version: 1'"))
        _keep_clock_text(root)
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or exc.context or "syntax error"
        msg = _("not valid YAML: {detail}; check indentation, colons and quotes")
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise InventoryError([Problem(name, line, col, "", msg.format(detail=detail))]) from None
    except yaml.YAMLError as exc:
        raise _error(name, _("not valid YAML: {detail}").format(detail=exc)) from None
    finally:
        loader.dispose()


def _walk(root: Node) -> Iterator[Node]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            stack += node.value


def _keep_clock_text(root: Node) -> None:
    """YAML 1.1 reads ``19:00`` as the number 1140 (base 60); keep such scalars as text."""
    for node in _walk(root):
        if isinstance(node, ScalarNode) and node.tag in _NUMBER_TAGS and ":" in node.value:
            node.tag = _STR_TAG


def _duplicate_keys(root: Node, name: str) -> Iterator[Problem]:
    for node in _walk(root):
        if not isinstance(node, MappingNode):
            continue
        first: dict[str, Node] = {}
        for key, _value in node.value:
            if not isinstance(key, ScalarNode) or key.value == "<<":
                continue
            if key.value in first:
                line = first[key.value].start_mark.line + 1
                msg = _(
                    "key '{key}' appears twice in this mapping (first on line {line}); "
                    "YAML keeps only the last one, remove or merge the duplicate"
                )
                yield _at(name, key, "", msg.format(key=key.value, line=line))
            first.setdefault(key.value, key)


def _locate(root: Node, loc: Sequence[str | int], *, key: bool = False) -> tuple[Node, bool]:
    """The node at ``loc`` (the key node for the last part if ``key``); False if not reached."""
    node = root
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, MappingNode):
            # the last occurrence: that is the one YAML keeps when a key is duplicated
            found = next(((k, v) for k, v in reversed(node.value) if k.value == part), None)
            if found is None:
                return node, False
            node = found[0] if key and last else found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def _from_pydantic(err: ErrorDetails, root: Node, name: str) -> Problem:
    loc = err["loc"]
    node, reached = _locate(root, loc, key=err["type"] == "extra_forbidden")
    raw = node.value if isinstance(node, ScalarNode) and reached else None
    return _at(name, node, validation.location(loc), describe_error(err, raw))


def describe_error(err: ErrorDetails, raw: str | None = None) -> str:
    """A plain-language, translated message for one pydantic error (``raw``: the text as written)."""
    kind, ctx, loc = err["type"], dict(err.get("ctx") or {}), err["loc"]
    if kind in MESSAGES:
        if "reason" in ctx:
            ctx["reason"] = translate(str(ctx["reason"]))
        numbers = {k: format_number(v) for k, v in ctx.items()
                   if isinstance(v, int) and not isinstance(v, bool)}
        return translate(MESSAGES[kind]).format(**{**ctx, **numbers})
    field = str(loc[-1]) if loc else ""
    if kind == "missing":
        return _("required field '{field}' is missing; add it").format(field=field)
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if kind in ("literal_error", "enum"):
        msg = _("'{value}' is not allowed here; use one of {expected}")
        expected = str(ctx["expected"]).replace(" or ", ", ")
        return msg.format(value=raw if raw is not None else err["input"], expected=expected)
    if kind in ("greater_than_equal", "less_than_equal") and loc and isinstance(loc[-1], int):
        return _("'{value}' is not a port number; use 1 to 65535").format(value=err["input"])
    if kind in ("tuple_type", "list_type"):
        return _("expected a list, written [a, b] or as '- ' lines")
    if kind == "string_too_short":
        return _("must not be empty")
    if raw is not None and raw.lower() in ("yes", "no", "on", "off", "true", "false", "null", "~"):
        msg = _("{detail} (found {value}); if you meant the text '{value}', put it in quotes")
        return msg.format(detail=validation.describe(err), value=raw)
    return validation.describe(err)


def _unknown_field(loc: Sequence[str | int]) -> str:
    field = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = sorted(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(field, allowed, n=1)
    if close:
        return _("unknown field '{field}'; did you mean '{close}'?").format(field=field, close=close[0])
    return _("unknown field '{field}'; allowed fields: {allowed}").format(
        field=field, allowed=", ".join(allowed)
    )


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Inventory
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _inner_model(info.annotation) if info is not None else None
    return model


def _inner_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    if get_origin(tp) in (tuple, list, Union, UnionType):
        return next((m for m in map(_inner_model, get_args(tp)) if m is not None), None)
    return None
