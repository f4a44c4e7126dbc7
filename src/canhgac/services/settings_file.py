"""The settings file, ``canhgac.toml``, read and checked: its ``[scan]`` and ``[console]`` tables,
with no front end.

    [scan]
    resolver = ["10.10.0.53", "10.10.0.54"]
    ca-file = "province-ca.pem"            # relative to this file's folder
    concurrency = 50

    [console]
    security-contact = "mailto:csirt@kiengiang.gov.vn"   # the console's security.txt

The CLI (``cli/config_file.py``: each key is the long name of one of ``canhgac scan``'s setting
options, whose flag's type then converts the value) and the console (a scan launched from the
browser, ``services/console_scan.py``) read the file here, so both refuse the same files with
the same words. :data:`SCAN_KEYS` is ``[scan]``'s schema, which a test keeps equal to the CLI's
setting options; :data:`CONSOLE_KEYS` is ``[console]``'s (``canhgac serve`` reads it). Reading
checks the TOML and each value's TOML type, and makes a relative path relative to the file's
folder; what a value means (a resolver's syntax, a zone's) is checked by whoever builds the
scan settings.
"""

from __future__ import annotations

import difflib
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _

SECTION = "scan"
CONSOLE_SECTION = "console"  # ``canhgac serve``'s own settings (``cli/config_file.console_setting``)
WATCH_SECTION = "watch"  # the watch's channels and recipients (``services.watch_delivery``)
FORMS_SECTION = "forms"  # the official documents' issuer, authorities, deadlines (``reports.forms.config``)
FILE_NAME = "canhgac.toml"


class Kind(StrEnum):
    """The TOML type a setting takes."""

    STRINGS = "strings"  # a string or a list of strings (a repeatable option)
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"
    PATH = "path"  # a string naming a file, relative to the settings file's folder


# the keys of ``[scan]`` (the long names of ``canhgac scan``'s setting options) and their types
SCAN_KEYS: dict[str, Kind] = {
    "resolver": Kind.STRINGS,
    "nameserver-port": Kind.INT,
    "timeout": Kind.FLOAT,
    "concurrency": Kind.INT,
    "dns-in-flight": Kind.INT,
    "ca-file": Kind.PATH,
    "ca-only": Kind.BOOL,
    "dnsbl-zone": Kind.STRINGS,
    "no-dnsbl": Kind.BOOL,
    "ehlo-name": Kind.STR,
    "user-agent": Kind.STR,
    "ports": Kind.STR,
    "scan-rate": Kind.FLOAT,
}

# the keys of ``[console]`` and their types
CONSOLE_KEYS: dict[str, Kind] = {
    "security-contact": Kind.STR,
}
SECTIONS = (SECTION, CONSOLE_SECTION, WATCH_SECTION, FORMS_SECTION)  # the file's tables; any other is refused


class SettingsFileError(ValueError):
    """The file cannot be used; the message names the file and, when there is one, the key."""

    def __init__(self, path: Path, key: str | None, problem: str, section: str = SECTION) -> None:
        where = f"{path}: {section}.{key}" if key else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem


def expected(raw: Any, kind: Kind) -> tuple[Any, str | None]:
    """``raw`` as a setting of ``kind`` takes it (a lone string for a repeatable setting becomes a
    list), or what was expected instead. TOML's own types must match: ``timeout = "2"`` is refused."""
    if kind is Kind.STRINGS:
        items = [raw] if isinstance(raw, str) else raw
        ok = isinstance(items, list) and all(isinstance(item, str) for item in items)
        return items, None if ok else _("a string or a list of strings")
    if kind is Kind.BOOL:
        return raw, None if isinstance(raw, bool) else _("true or false")
    if kind is Kind.INT:
        return raw, None if isinstance(raw, int) and not isinstance(raw, bool) else _("a whole number")
    if kind is Kind.FLOAT:
        return raw, None if isinstance(raw, int | float) and not isinstance(raw, bool) else _("a number")
    return raw, None if isinstance(raw, str) else _("a string")


def read_table(path: Path, kinds: dict[str, Kind] | None = None) -> dict[str, Any]:
    """The ``[scan]`` table of the file at ``path``, by key, each value of its kind's TOML type (a
    lone string of a repeatable setting made a list, a relative path made relative to the file's
    folder); :class:`SettingsFileError` for a file that cannot be read, is not TOML, or has an
    unknown section or key, or a value of the wrong type. ``kinds``: the known keys (default
    :data:`SCAN_KEYS`). ``[console]`` is left to ``canhgac serve`` (:func:`read_tables`)."""
    return read_tables(path, {SECTION: SCAN_KEYS if kinds is None else kinds})[SECTION]


def read_tables(path: Path, schemas: dict[str, dict[str, Kind]]) -> dict[str, dict[str, Any]]:
    """The file at ``path`` read once, and each table ``schemas`` names (a section of
    :data:`SECTIONS`, its known keys and their kinds) checked as :func:`read_table` checks
    ``[scan]``, in the order given; the other sections of :data:`SECTIONS` are not looked at."""
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        problem = _("cannot be read: {error}").format(error=exc.strerror or exc)
        raise SettingsFileError(path, None, problem) from None
    except UnicodeDecodeError:
        raise SettingsFileError(path, None, _("is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(path, None, _("is not valid TOML: {error}").format(error=exc)) from None
    extra = sorted(set(data) - set(SECTIONS))
    if extra:
        problem = _("unknown section or key {key}: settings go in [{section}]")
        raise SettingsFileError(path, None, problem.format(key=extra[0], section=SECTION))
    return {section: _checked(path, section, data.get(section, {}), known)
            for section, known in schemas.items()}


def _checked(path: Path, section: str, table: Any, known: dict[str, Kind]) -> dict[str, Any]:
    """One table's values, each checked against ``known`` (see :func:`read_table`)."""
    if not isinstance(table, dict):
        problem = _("{section} must be a table: [{section}]")
        raise SettingsFileError(path, None, problem.format(section=section))
    values: dict[str, Any] = {}
    for key, raw in table.items():
        kind = known.get(key)
        if kind is None:
            close = difflib.get_close_matches(key, known, n=1)
            hint = _("; did you mean {key}?").format(key=close[0]) if close else ""
            raise SettingsFileError(path, key, _("unknown setting{hint} (known: {keys})").format(
                hint=hint, keys=", ".join(sorted(known))), section)
        value, wanted = expected(raw, kind)
        if wanted is not None:
            raise SettingsFileError(path, key, _("expected {expected}, not {value!r}").format(
                expected=wanted, value=raw), section)
        if kind is Kind.PATH and value:
            value = str(path.parent / Path(value).expanduser())  # relative to the file, as a reader expects
        values[key] = value
    return values
