"""``analyze_tls``: one endpoint's protocols, weak ciphers, key exchange and certificate.

Targeted handshakes and grouped offers instead of one handshake per suite (about ten for a
well-configured server):

1. a verifying handshake (trust anchors, no time check, no name check) with a broad client
   offer: the negotiated version and suite, forward secrecy, the leaf, the trust verdict; a
   second, non-verifying one only when verification failed;
2. one handshake per protocol version the first one does not settle (a server picks the
   highest version both sides have, so versions above the negotiated one are refused);
   SSLv2/SSLv3 (and TLS 1.0/1.1 when this OpenSSL lacks them) through nassl's legacy client;
3. every accepted suite of the judged classes (static key exchange, NULL, EXPORT, anonymous,
   RC4, DES, 3DES, CBC with SHA-1), per version the server did not refuse, by grouped probes
   (:mod:`canhgac.engine.tls.suites`): one refused offer per library and version when none is
   accepted, one handshake more per accepted suite;
4. a DHE-only handshake for the DH group size, and the stapled OCSP response (nassl).

Handshakes to one address:port run at most two at a time; the whole analysis is memoised in
the run's :class:`TlsRunState` so a second caller awaits the first. The caller checks scope beforehand.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.certificate import name_matches, parse_certificate
from canhgac.engine.facts.tls import (
    StartTls,
    TlsFacts,
    TlsFailure,
    TlsProtocol,
    TrustVerdict,
)
from canhgac.engine.tls import families as fam
from canhgac.engine.tls import legacy, suites
from canhgac.engine.tls.handshake import Handshake, client_context, handshake
from canhgac.engine.tls.starttls import Endpoint

PER_ENDPOINT_HANDSHAKES = 2
_BASE_CIPHERS = "ALL:!aNULL:!eNULL"
_ORDER = (TlsProtocol.TLS10, TlsProtocol.TLS11, TlsProtocol.TLS12, TlsProtocol.TLS13)
_STDLIB_VERSION = {
    TlsProtocol.TLS10: ssl.TLSVersion.TLSv1,
    TlsProtocol.TLS11: ssl.TLSVersion.TLSv1_1,
    TlsProtocol.TLS12: ssl.TLSVersion.TLSv1_2,
    TlsProtocol.TLS13: ssl.TLSVersion.TLSv1_3,
}
_TRUST_CODES = {
    18: TrustVerdict.SELF_SIGNED,
    19: TrustVerdict.SELF_SIGNED_IN_CHAIN,
    2: TrustVerdict.UNTRUSTED_ISSUER,
    20: TrustVerdict.UNTRUSTED_ISSUER,
    21: TrustVerdict.UNTRUSTED_ISSUER,
    7: TrustVerdict.BAD_SIGNATURE,
}
T = TypeVar("T")


@lru_cache(maxsize=512)
def _context(**kwargs: Any) -> ssl.SSLContext | None:
    """A client context, or None when this machine's OpenSSL cannot make that offer.

    Built once per offer and shared by every handshake that makes it: creating an OpenSSL 3
    context (and loading trust anchors into it) costs more than the handshake's own crypto.
    A trust-anchor file is keyed with its size and modification time (``_anchors``), so a
    changed file gives a new context.
    """
    kwargs.pop("anchors_stamp", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
        try:
            return client_context(**kwargs)
        except (ssl.SSLError, ValueError):
            return None


@cache
def _lowest() -> ssl.TLSVersion:
    for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_2):
        if _context(minimum=version, maximum=version) is not None:
            return version
    return ssl.TLSVersion.TLSv1_2


@cache
def _key_exchanges() -> dict[str, str]:
    """Suite name -> OpenSSL's key-exchange name, for every suite this OpenSSL knows."""
    base = _context(ciphers="ALL:COMPLEMENTOFALL")
    return {c["name"]: c["kea"] for c in base.get_ciphers()} if base else {}


def _forward_secret(version: str | None, cipher: str | None) -> bool | None:
    if version is None or cipher is None:
        return None
    if version == "TLSv1.3":
        return True
    kea = _key_exchanges().get(cipher)
    if kea is None:
        return cipher.startswith(("ECDHE-", "DHE-", "EDH-"))
    return kea in ("kx-ecdhe", "kx-dhe")


def _anchors_stamp(path: str | None) -> tuple[int, int] | None:
    try:
        found = Path(path).stat() if path else None
    except OSError:
        return None  # loading it will fail and say why
    return (found.st_mtime_ns, found.st_size) if found else None


@dataclass
class TlsRunState:
    """What TLS analysis shares across one run: a handshake limit per endpoint, one analysis
    per (address, port, STARTTLS, host name)."""

    limits: dict[tuple[str, int], asyncio.Semaphore] = field(default_factory=dict)
    analyses: dict[tuple[str, str, int, str, str], asyncio.Future[TlsFacts]] = field(default_factory=dict)


class _Session:
    """One analysis: the endpoint, the handshake limiter and counter, the notes so far."""

    def __init__(self, ctx: CollectContext, endpoint: Endpoint) -> None:
        self.ctx = ctx
        self.endpoint = endpoint
        limits = ctx.resources.get(TlsRunState, TlsRunState).limits
        self.limit = limits.setdefault((endpoint.address, endpoint.port),
                                       asyncio.Semaphore(PER_ENDPOINT_HANDSHAKES))
        self.count = 0
        self.notes: dict[str, str] = {}
        self.dhe_suite: str | None = None

    async def limited(self, call: Callable[[], Awaitable[T]]) -> T:
        async with self.limit:
            self.count += 1
            return await call()

    async def stdlib(self, context: ssl.SSLContext) -> Handshake:
        return await self.limited(lambda: handshake(self.endpoint, context))

    async def nassl(self, call: Callable[[Endpoint], Awaitable[legacy.NasslOutcome]]) -> legacy.NasslOutcome:
        return await self.limited(lambda: call(self.endpoint))


async def _baseline(session: _Session) -> tuple[Handshake, TrustVerdict, str]:
    settings = session.ctx.settings
    ca_file = settings.ca_file
    lowest = _lowest()
    verifying = _context(minimum=lowest, ciphers=_BASE_CIPHERS, verify_with=ca_file,
                         verify_system=settings.trusts_system, anchors_stamp=_anchors_stamp(ca_file))
    plain = _context(minimum=lowest, ciphers=_BASE_CIPHERS)
    if verifying is None or plain is None:
        raise RuntimeError("this OpenSSL cannot build a basic TLS client context")
    first = await session.stdlib(verifying)
    if first.completed:
        return first, TrustVerdict.TRUSTED, ""
    if first.verify_code is None:
        return first, TrustVerdict.UNKNOWN, ""
    verdict = _TRUST_CODES.get(first.verify_code, TrustVerdict.INVALID)
    detail = f"{first.verify_code}: {first.verify_message}"
    return await session.stdlib(plain), verdict, detail


async def _stdlib_version(session: _Session, protocol: TlsProtocol) -> bool | None:
    version = _STDLIB_VERSION[protocol]
    context = _context(minimum=version, maximum=version)
    if context is None:
        return None
    result = await session.stdlib(context)
    if not result.answered:
        session.notes[f"protocol:{protocol.value}"] = result.detail or str(result.failure)
        return None
    return result.completed or result.verify_code is not None


async def _protocol(session: _Session, protocol: TlsProtocol) -> bool | None:
    if protocol in _STDLIB_VERSION and _context(minimum=_STDLIB_VERSION[protocol],
                                                maximum=_STDLIB_VERSION[protocol]) is not None:
        return await _stdlib_version(session, protocol)
    if protocol.value not in legacy.LEGACY_VERSIONS:
        session.notes[f"protocol:{protocol.value}"] = "no local TLS library offers this version"
        return None
    outcome = await session.nassl(lambda ep: legacy.legacy_protocol(ep, protocol.value))
    if outcome.accepted is None:
        session.notes[f"protocol:{protocol.value}"] = outcome.detail
    return outcome.accepted


async def _protocols(session: _Session, negotiated: str | None) -> dict[TlsProtocol, bool | None]:
    found: dict[TlsProtocol, bool | None] = {}
    if negotiated in {p.value for p in _ORDER}:
        position = [p.value for p in _ORDER].index(negotiated or "")
        found[_ORDER[position]] = True
        for higher in _ORDER[position + 1 :]:
            found[higher] = False  # the client offered it; the server chose lower
    pending = [p for p in (TlsProtocol.SSL2, TlsProtocol.SSL3, *_ORDER) if p not in found]
    answers = await asyncio.gather(*(_protocol(session, p) for p in pending))
    found.update(zip(pending, answers, strict=True))
    return {p: found[p] for p in TlsProtocol}


async def _stdlib_offer(session: _Session, protocol: TlsProtocol, cipher_string: str) -> fam.Offer:
    version = _STDLIB_VERSION[protocol]
    context = _context(minimum=version, maximum=version, ciphers=cipher_string)
    if context is None:
        return fam.Offer(False, detail="this OpenSSL cannot offer these suites")
    result = await session.stdlib(context)
    if result.completed:
        return fam.Offer(True, result.cipher)
    return fam.Offer(result.rejected, detail=result.detail or str(result.failure))


async def _legacy_offer(session: _Session, protocol: TlsProtocol, cipher_string: str) -> fam.Offer:
    outcome = await session.nassl(lambda ep: legacy.legacy_ciphers(ep, cipher_string, protocol.value))
    chosen = outcome.cipher if outcome.accepted else None
    return fam.Offer(outcome.accepted is not None, chosen, outcome.detail)


@cache
def _stdlib_versions() -> frozenset[TlsProtocol]:
    return frozenset(p for p, v in _STDLIB_VERSION.items()
                     if p is not TlsProtocol.TLS13 and _context(minimum=v, maximum=v) is not None)


async def _accepted_suites(session: _Session, protocols: dict[TlsProtocol, bool | None]) -> suites.SuiteScan:
    """The class suites accepted at each version not refused (an accepted version no local
    library can pin leaves the classes untestable). A version whose acceptance is unknown and
    that no library can pin is left to the protocol check, which errors on it."""
    stdlib = suites.Library(fam.stdlib_families(), _stdlib_versions(),
                            lambda p, s: _stdlib_offer(session, p, s))
    nassl_versions = frozenset() if legacy.NASSL_ERROR else frozenset(suites.ENUMERATED_VERSIONS)
    nassl = suites.Library(fam.legacy_families(), nassl_versions,
                           lambda p, s: _legacy_offer(session, p, s), legacy.NASSL_ERROR)
    pinnable = stdlib.versions | nassl.versions
    versions = [p for p in suites.ENUMERATED_VERSIONS
                if protocols.get(p) is True or (protocols.get(p) is None and p in pinnable)]
    return await suites.scan_suites(versions, stdlib, nassl)


async def _key_exchange(session: _Session, pre_tls13: bool) -> tuple[bool | None, int | None, bool | None]:
    """(DHE accepted, DH group bits, OCSP stapled)."""
    if not pre_tls13:
        session.notes["ocsp"] = "TLS 1.3 only: stapling not probed"
        return False, None, None
    dhe = await session.nassl(legacy.dhe_probe)
    if dhe.accepted is None:
        session.notes["dhe"] = dhe.detail
    if dhe.accepted:
        session.dhe_suite = dhe.cipher
        return True, dhe.dh_bits, dhe.ocsp_stapled
    ocsp = await session.nassl(legacy.ocsp_probe)
    if ocsp.accepted is None:
        session.notes["ocsp"] = ocsp.detail
    return dhe.accepted, None, ocsp.ocsp_stapled if ocsp.accepted else None


async def _analyze(ctx: CollectContext, endpoint: Endpoint) -> TlsFacts:
    started, observed = time.perf_counter(), datetime.now(UTC)
    session = _Session(ctx, endpoint)
    base = TlsFacts(endpoint.host, endpoint.address, endpoint.port, endpoint.starttls, observed)
    first, trust, trust_detail = await _baseline(session)
    if not first.answered:
        return replace(base, failure=first.failure or TlsFailure.HANDSHAKE, detail=first.detail,
                        handshakes=session.count, elapsed_ms=_ms(started))
    protocols = await _protocols(session, first.version if first.completed else None)
    if not first.completed:  # refused our broad offer: only the protocol answers are known
        return replace(base, failure=TlsFailure.HANDSHAKE, detail=first.detail, protocols=protocols,
                        untested=session.notes, handshakes=session.count, elapsed_ms=_ms(started))
    pre_tls13 = any(protocols[p] is not False for p in _ORDER[:3])  # TLS 1.0-1.2 not all refused
    weak, (dhe, dh_bits, ocsp) = await asyncio.gather(
        _accepted_suites(session, protocols), _key_exchange(session, pre_tls13)
    )
    certificate = parse_certificate(first.leaf_der) if first.leaf_der else None
    return replace(
        base, protocols=protocols, weak_ciphers=weak.accepted, accepted_suites=weak.suites,
        untested={**session.notes, **weak.notes}, negotiated_version=first.version,
        negotiated_cipher=first.cipher, forward_secrecy=_forward_secret(first.version, first.cipher),
        dhe_accepted=dhe, dh_bits=dh_bits, dhe_suite=session.dhe_suite,
        certificate=certificate, trust=trust, trust_detail=trust_detail,
        name_match=name_matches(certificate, endpoint.host) if certificate else None,
        ocsp_stapled=ocsp, handshakes=session.count, elapsed_ms=_ms(started),
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def analyze_tls(
    ctx: CollectContext, *, host: str, address: str, port: int, starttls: StartTls
) -> TlsFacts:
    """Analyse one TLS endpoint; never raises for server behaviour; memoised per run."""
    key = ("tls", address, port, StartTls(starttls).value, host.lower().rstrip("."))
    analyses = ctx.resources.get(TlsRunState, TlsRunState).analyses
    task = analyses.get(key)
    if task is None:
        endpoint = Endpoint(key[4], address, port, StartTls(starttls), ctx.mail.ehlo_name, ctx.net)
        task = asyncio.ensure_future(_analyze(ctx, endpoint))
        analyses[key] = task
    result: TlsFacts = await asyncio.shield(task)
    return result
