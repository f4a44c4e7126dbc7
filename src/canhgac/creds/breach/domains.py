"""Which agency an e-mail address belongs to: exact domain matching, IDN and case folded.

An address belongs to an agency when its domain is one of the agency's declared domains (or
their aliases) or a subdomain of one: ``mail.stttt.kiengiang.gov.vn`` counts for
``kiengiang.gov.vn``; ``kiengiang.gov.vn.example.com`` and ``xkiengiang.gov.vn`` do not.
Domains compare in their ASCII (punycode) form, lower case, so ``SỞ.gov.vn``, ``sở.gov.vn``
and ``xn--s-4fv.gov.vn`` are one domain.

:meth:`DomainMatcher.needles` gives the byte strings a line must contain to be a candidate at
all; the importer searches whole chunks for them in C and parses only the few lines that match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import idna

_MANY_TAILS = 8  # more tails than this under one suffix are searched as the suffix
_NOT_IN_NAMES = " @:;,/\\\"'<>()[]"
_LOCAL = re.compile(r"^[^\s@:;,\"<>()\[\]\\]{1,128}$")


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
        """Short lower-case byte strings one of which every matching line contains (after ASCII
        lower casing): the tail of each domain (its last two labels, three when the second is a
        short generic one such as ``gov`` in ``kiengiang.gov.vn``), in ASCII and, for IDN
        domains, in UTF-8 (lower and upper case: ASCII lower casing leaves other letters alone).
        A line holding one is only a candidate: :meth:`match` decides."""
        tails: set[str] = set()
        for domain in self._owners:
            forms = [domain]
            if "xn--" in domain:
                unicode_form = idna.decode(domain)
                forms += [unicode_form.lower(), unicode_form.upper()]
            tails.update(_tail(form) for form in forms)
        # many tails under one suffix (donvi1.gov.vn, donvi2.gov.vn...): search the suffix once
        by_suffix: dict[str, set[str]] = {}
        for tail in tails:
            by_suffix.setdefault(tail.split(".", 1)[1] if tail.count(".") >= 2 else tail, set()).add(tail)
        found: set[bytes] = set()
        for suffix, members in by_suffix.items():
            chosen = {suffix} if len(members) > _MANY_TAILS else members
            found.update(t.encode("utf-8").lower() for t in chosen)
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
