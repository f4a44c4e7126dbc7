"""Which agency an e-mail address belongs to: exact domain matching, IDN and case folded.

An address belongs to an agency when its domain is one of the agency's declared domains (or
their aliases) or a subdomain of one: ``mail.stttt.kiengiang.gov.vn`` counts for
``kiengiang.gov.vn``; ``kiengiang.gov.vn.example.com`` and ``xkiengiang.gov.vn`` do not.
Domains compare in their ASCII (punycode) form, lower case, so ``SỞ.gov.vn``, ``sở.gov.vn``
and ``xn--s-4fv.gov.vn`` are one domain.

:meth:`DomainMatcher.needles` gives the byte strings a line must contain to be a candidate at
all, once the line is passed through :func:`fold`; the importer folds whole chunks and searches
them in C, and parses only the few lines that match.

Folding is ASCII lower casing plus, for text that is not ASCII, every UTF-8 sequence reduced to
its length class (lead byte ``C0``, ``E0`` or ``F0``, continuation bytes ``80``): upper and lower
case of a letter such as ``Ở``/``ở`` or ``Đ``/``đ`` are sequences of one length, so an IDN domain
written in any mix of cases folds to one needle (``SỞ-tài-CHÍNH.vn`` and ``sở-tài-chính.vn``
alike). Folding forgets which non-ASCII letter it was, so a folded needle also finds some other
domains of the same shape: those lines are only candidates, :meth:`DomainMatcher.match` decides.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

import idna

_MANY_TAILS = 8  # more tails than this under one suffix are searched as the suffix
_MAX_FORMS = 16  # case forms of one IDN tail whose letters change UTF-8 length with case (rare)
_NOT_IN_NAMES = " @:;,/\\\"'<>()[]"
_LOCAL = re.compile(r"^[^\s@:;,\"<>()\[\]\\]{1,128}$")


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for b in range(0x41, 0x5B):
        table[b] = b + 0x20
    for first, last, to in ((0x80, 0xC0, 0x80), (0xC0, 0xE0, 0xC0), (0xE0, 0xF0, 0xE0), (0xF0, 0x100, 0xF0)):
        for b in range(first, last):
            table[b] = to
    return bytes(table)


_FOLD = _fold_table()


def fold(data: bytes) -> bytes:
    """``data`` as the needles are searched in: same length (offsets and line ends kept), ASCII
    lower-cased, each non-ASCII UTF-8 sequence reduced to its length class. ASCII text (most of a
    combo list) takes the faster ``bytes.lower``: it folds the same."""
    return data.lower() if data.isascii() else data.translate(_FOLD)


@functools.cache
def _uneven_partners() -> dict[str, frozenset[str]]:
    """Lower-case letter -> its other-case forms of another UTF-8 length (ß: ẞ, SS; ⱥ: Ⱥ; k: K
    the Kelvin sign...), over the Basic Multilingual Plane: the few letters folding cannot tie."""
    found: dict[str, set[str]] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        for lower, other in ((char.lower(), char), (char, char.upper())):
            if lower != other and len(lower) == 1 and len(lower.encode()) != len(other.encode()):
                found.setdefault(lower, set()).add(other)
    return {k: frozenset(v) for k, v in found.items()}


def _case_forms(text: str) -> set[str]:
    """``text`` in the case forms whose folds differ: lower, upper, and each letter whose other
    case has another UTF-8 length (``ß``/``ẞ``) swapped alone in the lower form."""
    lower = text.lower()
    forms = {lower, text.upper()}
    partners = _uneven_partners()
    for i, char in enumerate(lower):
        for other in sorted(partners.get(char, ())):
            if len(forms) < _MAX_FORMS:
                forms.add(lower[:i] + other + lower[i + 1:])
    return forms


def ascii_domain(name: str) -> str | None:
    """The domain's lower-case ASCII form (punycode for IDN labels), or None when it is no domain."""
    text = name.strip().rstrip(".")
    if not text or len(text) > 253:
        return None
    if text.isascii():
        text = text.lower()
        well_formed = "." in text and all(label and len(label) < 64 for label in text.split("."))
        return text if well_formed and not any(c in text for c in _NOT_IN_NAMES) else None
    try:
        return idna.encode(text, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


class DomainMatcher:
    """Declared domain (any form) → agency; answers which agency an address belongs to."""

    def __init__(self, owners: Mapping[str, str]) -> None:
        self._owners: dict[str, str] = {}
        for domain, agency in owners.items():
            key = ascii_domain(domain)
            if key is not None:
                self._owners[key] = agency

    def __len__(self) -> int:
        return len(self._owners)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(self._owners.values())

    def match(self, address: str) -> tuple[str, str] | None:
        """``(normalised address, agency)``, or None for an address outside every agency."""
        local, at, host = address.strip().rpartition("@")
        if not at or not _LOCAL.match(local):
            return None
        domain = ascii_domain(host)
        if domain is None:
            return None
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            agency = self._owners.get(".".join(labels[start:]))
            if agency is not None:
                return f"{local.lower()}@{domain}", agency
        return None

    def needles(self) -> list[bytes]:
        """Short folded byte strings one of which every matching line contains once folded
        (:func:`fold`): the tail of each domain (its last two labels, three when the second is a
        short generic one such as ``gov`` in ``kiengiang.gov.vn``), in ASCII and, for IDN
        domains, in UTF-8 (every mix of upper and lower case folds to one needle). A line holding
        one is only a candidate: :meth:`match` decides."""
        tails: set[str] = set()
        for domain in self._owners:
            tails.add(_tail(domain))
            if "xn--" in domain:
                tails.update(_case_forms(_tail(idna.decode(domain))))
        # many tails under one suffix (donvi1.gov.vn, donvi2.gov.vn...): search the suffix once
        by_suffix: dict[str, set[str]] = {}
        for tail in tails:
            by_suffix.setdefault(tail.split(".", 1)[1] if tail.count(".") >= 2 else tail, set()).add(tail)
        found: set[bytes] = set()
        for suffix, members in by_suffix.items():
            chosen = {suffix} if len(members) > _MANY_TAILS else members
            found.update(fold(t.encode("utf-8")) for t in chosen)
        # many IDN domains: their punycode forms are searched as one needle, "xn--" (rare in a
        # combo list), instead of one pass each
        punycode = {n for n in found if b"xn--" in n}
        if len(punycode) > _MANY_TAILS:
            found = (found - punycode) | {b"xn--"}
        return sorted(found)


def _tail(domain: str) -> str:
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


def owners_from(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{domain: agency}`` from (domain, agency) pairs; the first agency naming a domain keeps it."""
    owners: dict[str, str] = {}
    for domain, agency in pairs:
        owners.setdefault(domain, agency)
    return owners
