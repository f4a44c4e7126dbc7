"""Cipher-suite classes: which suites each means, who can offer them, and the grouped probe.

Rather than one handshake per suite (hundreds per version, as a naive scan does), we offer
every suite of every class at once, pinned to one protocol version; the server picks one, we
record it, drop it from the offer and ask again until the server refuses. A server that
accepts no suite of any class costs one handshake per TLS library and version; each accepted
suite costs one more, so the evidence lists every accepted suite, not just the preferred one.

Classes are defined by OpenSSL cipher strings and expanded to explicit suite names by the
library that offers them: the standard library for what this machine's OpenSSL still has
(static RSA, NULL, anonymous, CBC with SHA-1 here), nassl's OpenSSL 1.0.2 for the rest (EXPORT,
RC4, DES, 3DES, static DH/ECDH). PSK and SRP suites are left out: a client without credentials
cannot use them.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache

from canhgac.engine.facts.tls import CipherFamily
from canhgac.engine.tls.legacy import legacy_cipher_names

FAMILY_STRINGS: Mapping[CipherFamily, str] = {
    CipherFamily.STATIC_KX: "kRSA:kDHr:kDHd:kECDHr:kECDHe",
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
    others = frozenset().union(*(out[f] for f in out if f is not CipherFamily.STATIC_KX))
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
MAX_ROUNDS = 64  # accepted suites per library and version before we stop asking


@dataclass(frozen=True, slots=True)
class Enumeration:
    """The suites a server accepted from one offer, in the order it chose them; ``complete``
    when it finally refused, else ``detail`` says why the answer is partial."""

    chosen: tuple[str, ...]
    complete: bool
    detail: str = ""


async def enumerate_accepted(suites: frozenset[str], probe: Prober) -> Enumeration:
    """Offer ``suites``, drop the one the server chose, re-offer, until it refuses them all."""
    remaining: set[str] = set(suites)
    chosen: list[str] = []
    while remaining:
        if len(chosen) >= MAX_ROUNDS:
            return Enumeration(tuple(chosen), False, f"stopped after {MAX_ROUNDS} accepted suites")
        answer = await probe(":".join(sorted(remaining)))
        if not answer.answered:
            return Enumeration(tuple(chosen), False, answer.detail)
        if answer.cipher is None:
            break
        if answer.cipher not in remaining:  # a suite we did not offer: stop rather than loop
            return Enumeration(tuple(chosen), False, f"server chose unoffered suite {answer.cipher}")
        chosen.append(answer.cipher)
        remaining.remove(answer.cipher)
    return Enumeration(tuple(chosen), True)
