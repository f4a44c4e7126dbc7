"""What a check family is, and how a name typed by a user selects families or checks.

A family is a dotted name (``mail.tls``, ``net.database``) written in each catalog entry's
``family`` field; the checks of an automated family live in the engine module it names
(``mail.tls`` → ``canhgac.engine.checks.mail_tls``). Families group by their dots: ``net``
selects every ``net.*`` family. The old hyphenated spelling (``mail-tls``) is accepted as an
alias. Unknown names are refused with the closest known ones, never silently matched to nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping

from canhgac.i18n import gettext as _

FAMILY_PATTERN = r"^[a-z0-9]+(\.[a-z0-9]+)*$"
CHECKS_PACKAGE = "canhgac.engine.checks"
MAX_SUGGESTIONS = 3


def module_of_family(family: str) -> str:
    """The module that implements a family's automated checks (``mail.tls`` → ``…checks.mail_tls``)."""
    return f"{CHECKS_PACKAGE}.{family.replace('.', '_')}"


def family_of_module(module_name: str) -> str:
    """The family a check module implements, from its name (``…checks.mail_tls`` → ``mail.tls``)."""
    return module_name.rsplit(".", 1)[-1].replace("_", ".")


def normalise_family(name: str) -> str:
    """Accept the hyphenated spelling as an alias: ``mail-spf`` → ``mail.spf``."""
    return name.strip().lower().replace("-", ".")


class UnknownNameError(ValueError):
    """A family name or check id nobody knows; the message names the closest known ones."""

    def __init__(self, kind: str, name: str, suggestions: Iterable[str]) -> None:
        self.kind = kind  # "family", "check", or "check-as-family" (a check id given as a family)
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(self.message())

    def message(self) -> str:
        if self.kind == "check-as-family":
            text = _("{name} is a check id, not a family: select it with --check {name}")
            return text.format(name=self.name)
        if self.kind == "family":
            text = _("unknown check family: {name}").format(name=self.name)
        else:
            text = _("unknown check id: {name}").format(name=self.name)
        if self.suggestions:
            text += " — " + _("did you mean: {names}?").format(names=", ".join(self.suggestions))
        return text

    def __str__(self) -> str:
        return self.message()


def suggest(name: str, known: Iterable[str]) -> list[str]:
    """The known names closest to a mistyped one (at most three, best first)."""
    return difflib.get_close_matches(name, sorted(set(known)), n=MAX_SUGGESTIONS, cutoff=0.75)


def resolve_families(names: Iterable[str], family_of: Mapping[str, str]) -> frozenset[str]:
    """The families that ``names`` select, given each check's family (check id → family).

    A name selects the family it names and every family under it (``net`` → ``net.smb``…).
    Raises :class:`UnknownNameError` for a name that selects nothing; when the name is the
    start of check ids (``web.tls``), the suggestions are the families those checks belong to.
    """
    families = set(family_of.values())
    chosen: set[str] = set()
    for raw in names:
        name = normalise_family(raw)
        hits = {f for f in families if f == name or f.startswith(name + ".")}
        if not hits:
            typed = raw.strip().lower()
            if typed in family_of:
                raise UnknownNameError("check-as-family", typed, ())
            by_id = sorted({
                f for cid, f in family_of.items()
                if any(cid == n or cid.startswith(n + ".") for n in (typed, name))
            })
            groups = {f.rsplit(".", 1)[0] for f in families if "." in f}
            suggestions = by_id or suggest(name, families | groups)
            raise UnknownNameError("family", raw, suggestions)
        chosen |= hits
    return frozenset(chosen)


def resolve_ids(ids: Iterable[str], known: Collection[str]) -> frozenset[str]:
    """``ids`` as given, once each of them is known; :class:`UnknownNameError` otherwise."""
    wanted = frozenset(ids)
    for check_id in sorted(wanted):
        if check_id not in known:
            raise UnknownNameError("check", check_id, suggest(check_id, known))
    return wanted
