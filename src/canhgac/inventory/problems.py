"""What is wrong with an inventory, placed in its file: problems with file, line, column and
field, and the plain-language message for each pydantic error.

Positions come from the YAML nodes (each keeps its start mark): a pydantic error location
(``agencies[2].domains[0].name``) is followed through the node tree to the line to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from canhgac.i18n import gettext as _
from canhgac.i18n import translate, validation
from canhgac.i18n.formats import format_number
from canhgac.inventory.fields import MESSAGES
from canhgac.inventory.model import Inventory

MAX_SHOWN = 20

Loc = tuple[str | int, ...]


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


def error(name: str, message: str) -> InventoryError:
    """An inventory error with one problem that has no position (a file that cannot be read)."""
    return InventoryError([Problem(name, None, None, "", message)])


def at(name: str, node: Node, path: str, message: str) -> Problem:
    """A problem placed where ``node`` starts."""
    mark = node.start_mark
    return Problem(name, mark.line + 1, mark.column + 1, path, message)


def locate(root: Node, loc: Sequence[str | int], *, key: bool = False) -> tuple[Node, bool]:
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


def path_of(loc: Sequence[str | int]) -> str:
    """``agencies[2].domains[0].name`` for ``("agencies", 2, "domains", 0, "name")``."""
    return validation.location(loc)


def from_pydantic(err: ErrorDetails, root: Node, name: str, prefix: Loc = ()) -> Problem:
    """The problem for one pydantic error whose location starts at ``root``; ``prefix`` is where
    ``root`` itself is in the file (an agency validated alone: ``("agencies", 7)``)."""
    loc = err["loc"]
    node, reached = locate(root, loc, key=err["type"] == "extra_forbidden")
    raw = node.value if isinstance(node, ScalarNode) and reached else None
    full = (*prefix, *loc)
    return at(name, node, path_of(full), describe_error({**err, "loc": full}, raw))


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
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("expected a mapping of fields (key: value)")
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
