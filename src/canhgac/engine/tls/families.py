"""Weak cipher families: which suites each means, who can offer them, and the elimination probe.

Rather than one handshake per suite (hundreds), we offer every suite of every family still
in question; the server picks one, its families are marked accepted and dropped from the
offer, and we ask again until the server refuses. A server that accepts no weak suite costs
one handshake per TLS library; each accepted family costs one more.

Families are defined by OpenSSL cipher strings and expanded to explicit suite names by the
library that offers them: the standard library for what this machine's OpenSSL still has
(NULL, anonymous, CBC with SHA-1 here), nassl's OpenSSL 1.0.2 for the rest (EXPORT, RC4, DES,
3DES). PSK and SRP suites are left out: a client without credentials cannot use them.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache

from canhgac.engine.facts.tls import CipherFamily
from canhgac.engine.tls.legacy import legacy_cipher_names

FAMILY_STRINGS: Mapping[CipherFamily, str] = {
    CipherFamily.NULL: "eNULL",
    CipherFamily.EXPORT: "EXP",
    CipherFamily.ANON: "aNULL",
    CipherFamily.RC4: "RC4",
    CipherFamily.DES: "DES",
    CipherFamily.TRIPLE_DES: "3DES",
}
_CBC_SHA1_STRING = "SHA1"


def _usable(names: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset(n for n in names if "PSK" not in n and "SRP" not in n)


def _stdlib_names(cipher_string: str) -> frozenset[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.set_ciphers(cipher_string + ":@SECLEVEL=0")
    except ssl.SSLError:
        return frozenset()
    return _usable({c["name"] for c in context.get_ciphers() if c["protocol"] != "TLSv1.3"})


def _expand(names_of: Callable[[str], frozenset[str]]) -> dict[CipherFamily, frozenset[str]]:
    out = {family: _usable(names_of(text)) for family, text in FAMILY_STRINGS.items()}
    others = frozenset().union(*out.values())
    out[CipherFamily.CBC_SHA1] = _usable(names_of(_CBC_SHA1_STRING)) - others
    return out


@cache
def stdlib_families() -> dict[CipherFamily, frozenset[str]]:
    """Suite names per family that this machine's OpenSSL can offer (empty: it cannot)."""
    return _expand(_stdlib_names)


@cache
def legacy_families() -> dict[CipherFamily, frozenset[str]]:
    """Suite names per family that nassl's OpenSSL 1.0.2 can offer (empty without nassl)."""
    return _expand(legacy_cipher_names)


def families_of(cipher: str, table: Mapping[CipherFamily, frozenset[str]]) -> list[CipherFamily]:
    return [family for family, names in table.items() if cipher in names]


@dataclass(frozen=True, slots=True)
class Offer:
    """The result of offering some suites: the chosen one, a refusal (None), or untestable."""

    answered: bool
    cipher: str | None = None
    detail: str = ""


Prober = Callable[[str], Awaitable[Offer]]


@dataclass
class Elimination:
    """Accumulated answers per family across the elimination rounds."""

    accepted: dict[CipherFamily, bool | None]
    suites: list[str]
    notes: dict[str, str]


async def eliminate(
    families: list[CipherFamily],
    table: Mapping[CipherFamily, frozenset[str]],
    probe: Prober,
    result: Elimination,
) -> None:
    """Offer the remaining families' suites until the server refuses; record who won each round."""
    remaining = [f for f in families if table.get(f)]
    for _ in range(len(remaining) + 1):
        if not remaining:
            return
        offer = ":".join(sorted(frozenset().union(*(table[f] for f in remaining))))
        answer = await probe(offer)
        if not answer.answered:
            for family in remaining:
                result.accepted[family] = None
                result.notes[f"cipher:{family.value}"] = answer.detail
            return
        if answer.cipher is None:
            for family in remaining:
                result.accepted[family] = False
            return
        won = [f for f in families_of(answer.cipher, table) if f in remaining]
        if not won:  # the server chose a suite we did not offer: stop rather than loop
            for family in remaining:
                result.accepted[family] = None
                result.notes[f"cipher:{family.value}"] = f"server chose unoffered suite {answer.cipher}"
            return
        result.suites.append(answer.cipher)
        for family in won:
            result.accepted[family] = True
            remaining.remove(family)
