"""A STIX pattern read with the stix2 library's parser into the plain comparisons an indicator
pack holds: ``[a:b = 'x' OR c:d = 'y'] OR [e:f = 'z']`` gives three. A pattern that joins
observations with AND, FOLLOWEDBY or a time qualifier, or compares other than by equality,
says more than "this value is bad" and is refused (:class:`PatternError`, one line)."""

from __future__ import annotations

from typing import Any

from stix2 import patterns as p  # type: ignore[import-untyped]
from stix2.pattern_visitor import create_pattern_object  # type: ignore[import-untyped]
from stix2patterns.validator import run_validator  # type: ignore[import-untyped]

from canhgac.i18n import gettext as _

MAX_PATTERN = 20_000
MAX_COMPARISONS = 1_000
Comparison = tuple[str, tuple[str, ...], str]  # object type, property path, value


class PatternError(ValueError):
    """A pattern that is invalid, or too complex for a pack, in one line."""


def comparisons(pattern: str) -> list[Comparison]:
    """The equality comparisons of ``pattern``; PatternError when it is invalid or more than a
    list of values."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(_("the pattern is longer than {count} characters").format(count=MAX_PATTERN))
    try:
        errors = run_validator(pattern, stix_version="2.1")
        if errors:
            raise PatternError(_("invalid STIX pattern: {error}").format(error=str(errors[0])[:160]))
        tree = create_pattern_object(pattern, version="2.1")
    except PatternError:
        raise
    except (RecursionError, Exception) as exc:  # the parser's own errors are of many types
        raise PatternError(_("invalid STIX pattern: {error}").format(error=str(exc)[:160])) from None
    found: list[Comparison] = []
    _observations(tree, found)
    return found


def _too_complex() -> PatternError:
    return PatternError(_("the pattern is more than values joined by OR (AND, FOLLOWEDBY, qualifiers "
                          "or other comparisons): not usable as indicators"))


def _observations(node: Any, found: list[Comparison]) -> None:
    if isinstance(node, p.OrObservationExpression):
        for operand in node.operands:
            _observations(operand, found)
    elif type(node) is p.ObservationExpression:
        _comparisons(node.operand, found)
    else:
        raise _too_complex()


def _comparisons(node: Any, found: list[Comparison]) -> None:
    if isinstance(node, p.OrBooleanExpression):
        for operand in node.operands:
            _comparisons(operand, found)
        return
    if not isinstance(node, p.EqualityComparisonExpression) or node.negated:
        raise _too_complex()
    lhs, rhs = node.lhs, node.rhs
    if not isinstance(lhs, p.ObjectPath) or not isinstance(rhs, p.StringConstant):
        raise _too_complex()
    path = []
    for component in lhs.property_path:
        if not isinstance(component, p.BasicObjectPathComponent):
            raise _too_complex()
        path.append(str(component.property_name).strip("'"))
    if len(found) >= MAX_COMPARISONS:
        raise PatternError(_("more than {count} comparisons in one pattern").format(count=MAX_COMPARISONS))
    found.append((str(lhs.object_type_name), tuple(path), _unescaped(str(rhs.value))))


def _unescaped(text: str) -> str:
    """A string constant's value as the parser leaves it (``\\'`` and ``\\\\`` still
    escaped) made plain."""
    out, escaped = [], False
    for char in text:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)
