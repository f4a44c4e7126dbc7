"""pydantic validation errors as one translated line each, without pydantic's English text or
its documentation URL.

pydantic names every error by a stable ``type`` with its values in ``ctx``; the message is
chosen here by that type (the English ``msg`` is never shown). Front ends add where the error
is (the inventory loader places it at file:line; :func:`summary` prefixes the field path).
A type not listed gets a generic message naming the type, still in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from canhgac.i18n import N_, gettext, translate
from canhgac.i18n.formats import format_number

# type → msgid; {placeholders} come from the error's ctx (numbers in the reader's form)
MESSAGES: dict[str, str] = {
    "missing": N_("required, but missing"),
    "extra_forbidden": N_("unknown field"),
    "string_type": N_("expected text"),
    "string_too_short": N_("must have at least {min_length} character(s)"),
    "string_too_long": N_("must have at most {max_length} character(s)"),
    "string_pattern_mismatch": N_("does not have the expected form"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number, not a fraction"),
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "finite_number": N_("expected a finite number"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "multiple_of": N_("must be a multiple of {multiple_of}"),
    "too_short": N_("must have at least {min_length} item(s), not {actual_length}"),
    "too_long": N_("must have at most {max_length} item(s), not {actual_length}"),
    "list_type": N_("expected a list"),
    "tuple_type": N_("expected a list"),
    "set_type": N_("expected a list"),
    "dict_type": N_("expected a mapping of fields (key: value)"),
    "model_type": N_("expected a mapping of fields (key: value)"),
    "model_attributes_type": N_("expected a mapping of fields (key: value)"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "time_type": N_("expected a time of day, like 19:00"),
    "time_parsing": N_("expected a time of day, like 19:00"),
    "date_type": N_("expected a date, like 2026-12-07"),
    "date_parsing": N_("expected a date, like 2026-12-07"),
    "date_from_datetime_parsing": N_("expected a date, like 2026-12-07"),
    "datetime_type": N_("expected a date and time, like 2026-12-07T19:00:00+07:00"),
    "datetime_parsing": N_("expected a date and time, like 2026-12-07T19:00:00+07:00"),
    "timezone_aware": N_("the time must carry its time zone, like +07:00"),
    "url_type": N_("expected a URL, like https://stttt.kiengiang.gov.vn/"),
    "url_parsing": N_("expected a URL, like https://stttt.kiengiang.gov.vn/"),
    "url_scheme": N_("the URL must start with {expected_schemes}"),
    "ip_any_address": N_("expected an IP address"),
    "ip_v4_address": N_("expected an IPv4 address"),
    "ip_v6_address": N_("expected an IPv6 address"),
    "ip_any_network": N_("expected an address range, like 203.0.113.0/28"),
    "ip_v4_network": N_("expected an IPv4 address range, like 203.0.113.0/28"),
    "ip_v6_network": N_("expected an IPv6 address range, like 2001:db8::/48"),
    "json_invalid": N_("not valid JSON"),
    "json_type": N_("expected JSON text"),
    "frozen_instance": N_("cannot be changed"),
    "frozen_field": N_("cannot be changed"),
    "union_tag_invalid": N_("unknown kind {tag}; use one of {expected_tags}"),
    "union_tag_not_found": N_("the field {discriminator} is missing"),
}
# Whose ctx holds a list pydantic wrote in English ("'a', 'b' or 'c'"): written as a plain list.
_LISTS = ("expected", "expected_schemes", "expected_tags")


def describe(err: ErrorDetails | Mapping[str, Any]) -> str:
    """One error as a plain sentence in the current language (no field path, no URL)."""
    kind = str(err["type"])
    ctx = {k: _value(k, v) for k, v in dict(err.get("ctx") or {}).items()}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return _own_error(ctx["error"])  # raised by our own validators: already translated
    msgid = MESSAGES.get(kind)
    if msgid is None:
        return gettext("invalid value ({kind})").format(kind=kind)
    try:
        return translate(msgid).format(**ctx)
    except (KeyError, IndexError):  # a pydantic release that names its ctx values differently
        return gettext("invalid value ({kind})").format(kind=kind)


def location(loc: Sequence[str | int]) -> str:
    """``('agencies', 2, 'domains', 0)`` → ``agencies[2].domains[0]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def summary(exc: ValidationError, *, limit: int = 3, names: Mapping[str, str] | None = None) -> str:
    """Every error of ``exc`` on one line: ``field: message; field: message`` (the first
    ``limit``, then how many more). ``names`` says a field as the reader knows it (a setting by
    its command-line option: ``dns_max_in_flight`` → ``--dns-in-flight``)."""
    errors = exc.errors()
    parts = [
        f"{_named(err['loc'], names or {})}: {describe(err)}" if err["loc"] else describe(err)
        for err in errors[:limit]
    ]
    if len(errors) > limit:
        parts.append(gettext("and {count} more").format(count=format_number(len(errors) - limit)))
    return "; ".join(parts)


def _named(loc: Sequence[str | int], names: Mapping[str, str]) -> str:
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    return names.get(field) or location(loc)


def _value(key: str, value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format_number(value, decimals=3)
    if key in _LISTS and isinstance(value, str):
        return value.replace(" or ", ", ")
    return value


def _own_error(error: object) -> str:
    text = str(error)
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text
