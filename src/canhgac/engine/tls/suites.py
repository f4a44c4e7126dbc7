"""Every accepted suite of every judged class, per protocol version, with grouped probes.

For each version the server may speak (SSLv3 to TLS 1.2; TLS 1.3 suites are all
forward-secret and AEAD), each TLS library offers, pinned to that version, every class suite
it can offer that the other has not: the standard library first, nassl's legacy OpenSSL for
the rest (:func:`~canhgac.engine.tls.families.enumerate_accepted` does the rounds). A class is
accepted when any of its suites was chosen at any version, refused when every probe that
offered its suites ended in a refusal, and untestable (``None``, with a note) when no library
could offer it or a probe gave no answer.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from canhgac.engine.facts.tls import CipherFamily, TlsProtocol
from canhgac.engine.tls import families as fam

ENUMERATED_VERSIONS = (TlsProtocol.SSL3, TlsProtocol.TLS10, TlsProtocol.TLS11, TlsProtocol.TLS12)
VersionProber = Callable[[TlsProtocol, str], Awaitable[fam.Offer]]
Table = Mapping[CipherFamily, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Library:
    """One TLS client library: the class suites it can offer and the versions it can pin."""

    table: Table
    versions: frozenset[TlsProtocol]
    probe: VersionProber
    missing: str = ""  # why it offers nothing, when it does not

    def suites(self, protocol: TlsProtocol) -> frozenset[str]:
        if protocol not in self.versions:
            return frozenset()
        return frozenset().union(*self.table.values())


@dataclass
class SuiteScan:
    """Per class: accepted, refused or untestable; the accepted suites per version; why not."""

    accepted: dict[CipherFamily, bool | None]
    suites: dict[CipherFamily, dict[TlsProtocol, tuple[str, ...]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _merged(*libraries: Library) -> dict[CipherFamily, frozenset[str]]:
    return {f: frozenset().union(*(lib.table.get(f, frozenset()) for lib in libraries)) for f in CipherFamily}


def _untestable(scan: SuiteScan, families: list[CipherFamily], note: str) -> None:
    for family in families:
        if scan.accepted[family] is not True:
            scan.accepted[family] = None
            scan.notes.setdefault(f"cipher:{family.value}", note)


async def _version(scan: SuiteScan, protocol: TlsProtocol, libraries: tuple[Library, ...],
                   merged: Mapping[CipherFamily, frozenset[str]]) -> None:
    offers: list[tuple[Library, frozenset[str]]] = []
    taken: frozenset[str] = frozenset()
    for library in libraries:
        own = library.suites(protocol) - taken
        if own:
            offers.append((library, own))
            taken |= own
    missing = [f for f in CipherFamily if merged[f] and not merged[f] & taken]
    reasons = "; ".join(lib.missing for lib in libraries if lib.missing) or "no local TLS library offers it"
    _untestable(scan, missing, f"{protocol.value}: {reasons}")
    results = await asyncio.gather(
        *(fam.enumerate_accepted(own, functools.partial(lib.probe, protocol)) for lib, own in offers)
    )
    for (_, own), result in zip(offers, results, strict=True):
        for suite in result.chosen:
            for family in fam.families_of(suite, merged):
                scan.accepted[family] = True
                found = scan.suites.setdefault(family, {})
                found[protocol] = (*found.get(protocol, ()), suite)
        if not result.complete:
            offered = [f for f in CipherFamily if merged[f] & own]
            _untestable(scan, offered, f"{protocol.value}: {result.detail}")


async def scan_suites(versions: list[TlsProtocol], *libraries: Library) -> SuiteScan:
    """Enumerate the class suites accepted at each of ``versions`` (refused ones left out)."""
    merged = _merged(*libraries)
    scan = SuiteScan({f: False for f in CipherFamily})
    for family in CipherFamily:
        if not merged[family]:
            reasons = "; ".join(lib.missing for lib in libraries if lib.missing)
            _untestable(scan, [family], reasons or "no local TLS library offers it")
    await asyncio.gather(*(_version(scan, p, libraries, merged) for p in versions))
    return scan
