"""Per-endpoint verdicts on :class:`TlsFacts`, shared by the mail checks and (later) web checks.

Each judge is pure: facts and thresholds in, a :class:`Verdict` out. ``FAULT`` carries the
message key and values of the catalog entry; ``UNTESTED`` carries a technical reason (the check
becomes ``error``); ``NOT_APPLICABLE`` marks an endpoint the question does not concern. A judge
of the session or of the leaf certificate says so with :func:`on_session` or
:func:`on_certificate`: an endpoint without one is untested before the judge is asked.
:func:`over_endpoints` judges each endpoint of a host and :func:`combine` turns the verdicts
into the check's one outcome; what "no endpoint at all" means is the calling family's business.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from canhgac.engine.facts.certificate import CertificateFacts
from canhgac.engine.facts.tls import (
    MODERN_PROTOCOLS,
    OBSOLETE_PROTOCOLS,
    WEAK_CIPHER_FAMILIES,
    CipherFamily,
    TlsFacts,
    TrustVerdict,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed

_WEAK_HASHES = ("md5", "md2", "sha1")


class VerdictState(StrEnum):
    OK = "ok"
    FAULT = "fault"
    UNTESTED = "untested"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Verdict:
    state: VerdictState
    key: str = ""  # catalog message key (fault, ok); the reason text when untested
    values: dict[str, str | int] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)


def ok(message: str = "pass", evidence: dict[str, Any] | None = None, /, **values: str | int) -> Verdict:
    return Verdict(VerdictState.OK, message, values, evidence or {})


def fault(message: str, evidence: dict[str, Any] | None = None, /, **values: str | int) -> Verdict:
    return Verdict(VerdictState.FAULT, message, values, evidence or {})


def untested(reason: str, evidence: dict[str, Any] | None = None) -> Verdict:
    return Verdict(VerdictState.UNTESTED, reason, {}, evidence or {})


Judge = Callable[[TlsFacts, CheckParams], Verdict]


def _no_session(facts: TlsFacts) -> Verdict | None:
    if facts.failure is not None:
        return untested(f"{facts.label}: {facts.failure.value} {facts.detail}".strip())
    return None


def on_session(judge: Judge) -> Judge:
    """A judge of the TLS session: an endpoint that gave none is untested, with its failure."""

    @functools.wraps(judge)
    def judged(facts: TlsFacts, params: CheckParams) -> Verdict:
        missing = _no_session(facts)
        return missing if missing is not None else judge(facts, params)

    return judged


def on_certificate(judge: Callable[[TlsFacts, CertificateFacts, CheckParams], Verdict]) -> Judge:
    """A judge of the leaf certificate, which it is given: without a session or a readable
    certificate the endpoint is untested."""

    @functools.wraps(judge)
    def judged(facts: TlsFacts, params: CheckParams) -> Verdict:
        missing = _no_session(facts)
        if missing is not None:
            return missing
        if facts.certificate is None:
            return untested(f"{facts.label}: no readable certificate")
        return judge(facts, facts.certificate, params)

    return judged


def judge_protocols(facts: TlsFacts, params: CheckParams) -> Verdict:
    """Obsolete versions offered (SSLv2, SSLv3, TLS 1.0, 1.1) or neither TLS 1.2 nor 1.3."""
    offered = {p.value: v for p, v in facts.protocols.items()}
    evidence = {"protocols": offered}
    if not facts.protocols:
        return untested(f"{facts.label}: {facts.failure or 'no'} {facts.detail}".strip(), evidence)
    obsolete = [p.value for p in OBSOLETE_PROTOCOLS if facts.protocols.get(p) is True]
    if obsolete:
        return fault("obsolete", evidence, protocols=", ".join(obsolete))
    unknown = [p.value for p in facts.protocols if facts.protocols[p] is None]
    if unknown:
        notes = "; ".join(f"{k}: {v}" for k, v in facts.untested.items() if k.startswith("protocol:"))
        return untested(f"{facts.label}: untestable {', '.join(unknown)} ({notes})", evidence)
    if not any(facts.protocols.get(p) for p in MODERN_PROTOCOLS):
        return fault("no-modern", evidence)
    modern = [p.value for p in MODERN_PROTOCOLS if facts.protocols.get(p)]
    return ok("pass", evidence, protocols=", ".join(modern))


def _suites_text(found: dict[str, list[str]]) -> str:
    """``TLSv1.2: AES128-SHA, RC4-SHA; TLSv1.0: ...`` (newest version first), for messages."""
    return "; ".join(f"{v}: {', '.join(names)}" for v, names in reversed(found.items()))


@on_session
def judge_ciphers(facts: TlsFacts, params: CheckParams) -> Verdict:
    """NULL, EXPORT, anonymous, RC4, DES, 3DES or CBC-with-SHA-1 suites accepted at any version;
    the evidence lists every accepted suite per family and version."""
    accepted = [f for f in WEAK_CIPHER_FAMILIES if facts.weak_ciphers.get(f) is True]
    evidence = {"families": {f.value: facts.weak_ciphers.get(f) for f in WEAK_CIPHER_FAMILIES},
                "accepted_suites": {f.value: facts.suites_of((f,)) for f in accepted}}
    if accepted:
        return fault("weak", evidence, families=", ".join(f.value for f in accepted),
                     suites=_suites_text(facts.suites_of(tuple(accepted))))
    unknown = [f.value for f in WEAK_CIPHER_FAMILIES if facts.weak_ciphers.get(f) is None]
    if unknown:
        notes = "; ".join(facts.untested.get(f"cipher:{f}", "") for f in unknown[:2])
        return untested(f"{facts.label}: untestable cipher families {', '.join(unknown)} ({notes})", evidence)
    return ok("pass", evidence)


@on_session
def judge_forward_secrecy(facts: TlsFacts, params: CheckParams) -> Verdict:
    """Both the suite a normal client negotiates and every suite the server accepts at any
    version have an ephemeral key exchange (no static RSA/DH/ECDH)."""
    static = facts.suites_of((CipherFamily.STATIC_KX,))
    evidence = {"negotiated": f"{facts.negotiated_version} {facts.negotiated_cipher}",
                "static_kx_suites": static}
    cipher = facts.negotiated_cipher or "?"
    if facts.forward_secrecy is None:
        return untested(f"{facts.label}: key exchange of {cipher} unknown", evidence)
    if not facts.forward_secrecy:
        return fault("no-fs", evidence, cipher=cipher)
    if facts.weak_ciphers.get(CipherFamily.STATIC_KX) is True:
        return fault("static-kx", evidence, cipher=cipher, suites=_suites_text(static))
    if facts.weak_ciphers.get(CipherFamily.STATIC_KX) is None:
        note = facts.untested.get(f"cipher:{CipherFamily.STATIC_KX}", "no answer")
        return untested(f"{facts.label}: static key-exchange suites untestable ({note})", evidence)
    return ok("pass", evidence, cipher=cipher)


@on_session
def judge_dh_params(facts: TlsFacts, params: CheckParams) -> Verdict:
    """Finite-field DHE accepted with a group smaller than ``params.tls_min_dh_bits``."""
    evidence = {"dhe_accepted": facts.dhe_accepted, "dh_bits": facts.dh_bits,
                "minimum": params.tls_min_dh_bits,
                "dhe_suites": {"TLSv1.2": [facts.dhe_suite]} if facts.dhe_suite else {}}
    if facts.dhe_accepted is None:
        return untested(f"{facts.label}: DHE probe: {facts.untested.get('dhe', 'no answer')}", evidence)
    if not facts.dhe_accepted:
        return ok("no-dhe", evidence)
    if facts.dh_bits is None:
        return untested(f"{facts.label}: DHE accepted but the group size was not reported", evidence)
    if facts.dh_bits < params.tls_min_dh_bits:
        return fault("small", evidence, bits=facts.dh_bits, minimum=params.tls_min_dh_bits,
                     suite=facts.dhe_suite or "?")
    return ok("pass", evidence, bits=facts.dh_bits)


@on_certificate
def judge_cert_trusted(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """The chain validates against the trust anchors (dates and names are judged elsewhere)."""
    evidence = {"certificate": cert.as_evidence(), "verdict": facts.trust.value, "detail": facts.trust_detail}
    if facts.trust is TrustVerdict.TRUSTED:
        return ok("pass", evidence, issuer=cert.issuer)
    if facts.trust is TrustVerdict.UNKNOWN:
        return untested(f"{facts.label}: chain not verified", evidence)
    if facts.trust in (TrustVerdict.SELF_SIGNED, TrustVerdict.SELF_SIGNED_IN_CHAIN):
        return fault("self-signed", evidence, subject=cert.subject)
    if facts.trust is TrustVerdict.UNTRUSTED_ISSUER:
        return fault("untrusted-issuer", evidence, issuer=cert.issuer)
    return fault("invalid", evidence, reason=facts.trust_detail)


@on_certificate
def judge_cert_name(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """The leaf covers the host name (SAN dNSName, RFC 6125 wildcards; CN only without SAN)."""
    names = ", ".join((cert.dns_names or cert.common_names)[:10]) or "-"
    evidence = {"host": facts.host, "dns_names": list(cert.dns_names[:50]),
                "common_names": list(cert.common_names)}
    if facts.name_match:
        return ok("pass", evidence, host=facts.host)
    return fault("mismatch", evidence, host=facts.host, names=names)


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


@on_certificate
def judge_cert_expired(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """The leaf is outside its validity period when observed."""
    evidence = {"not_before": cert.not_before.isoformat(), "not_after": cert.not_after.isoformat(),
                "observed_at": facts.observed_at.isoformat()}
    if cert.not_after < facts.observed_at:
        return fault("expired", evidence, not_after=cert.not_after.date().isoformat(),
                     days=_days(facts.observed_at - cert.not_after))
    if cert.not_before > facts.observed_at:
        return fault("not-yet-valid", evidence, not_before=cert.not_before.date().isoformat())
    return ok("pass", evidence, not_after=cert.not_after.date().isoformat())


@on_certificate
def judge_cert_expiring(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """The leaf expires within ``params.cert_expiry_warning_days`` (already expired: not here)."""
    left = _days(cert.not_after - facts.observed_at)
    evidence = {"not_after": cert.not_after.isoformat(), "days_left": left,
                "warning_days": params.cert_expiry_warning_days}
    if cert.not_after < facts.observed_at:
        return Verdict(VerdictState.NOT_APPLICABLE, "expired", {}, evidence)
    if left < params.cert_expiry_warning_days:
        return fault("expiring", evidence, not_after=cert.not_after.date().isoformat(), days=left)
    return ok("pass", evidence, not_after=cert.not_after.date().isoformat(), days=left)


@on_certificate
def judge_cert_key(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """RSA/DSA keys under ``cert_min_rsa_bits``, EC keys under ``cert_min_ec_bits``."""
    key = f"{cert.key_type} {cert.key_bits}"
    evidence = {"key": key}
    if cert.key_type in ("RSA", "DSA") and cert.key_bits < params.cert_min_rsa_bits:
        return fault("weak", evidence, public_key=key, minimum=params.cert_min_rsa_bits)
    if cert.key_type == "EC" and cert.key_bits < params.cert_min_ec_bits:
        return fault("weak", evidence, public_key=key, minimum=params.cert_min_ec_bits)
    if cert.key_type == "unknown":
        return untested(f"{facts.label}: unrecognised public key", evidence)
    return ok("pass", evidence, public_key=key)


@on_certificate
def judge_cert_signature(facts: TlsFacts, cert: CertificateFacts, params: CheckParams) -> Verdict:
    """The leaf is signed with MD5 or SHA-1 (collisions make such signatures forgeable)."""
    algorithm = cert.signature_hash or "none"
    evidence = {"signature_hash": algorithm}
    if algorithm in _WEAK_HASHES:
        return fault("weak", evidence, algorithm=algorithm.upper())
    return ok("pass", evidence, algorithm=algorithm.upper())


class TlsHost(Protocol):
    """The facts of a host whose TLS endpoints are judged (a mail host, a portal)."""

    @property
    def host(self) -> str: ...

    @property
    def addresses(self) -> tuple[str, ...]: ...

    def as_evidence(self) -> dict[str, Any]: ...


def over_endpoints(
    facts: TlsHost,
    endpoints: Iterable[TlsFacts],
    judge: Judge,
    params: CheckParams,
    *,
    outside: tuple[str, ...],
    none: Callable[[dict[str, Any]], Outcome],
) -> Outcome:
    """One outcome for the host from the verdicts on each of its endpoints (see :func:`combine`),
    with every endpoint's verdict in the evidence. A host without addresses is not applicable;
    with no endpoint judged, addresses ``outside`` the scope make it an error, else ``none``
    (given the evidence) says what no endpoint means to the calling family."""
    verdicts = [(endpoint, judge(endpoint, params)) for endpoint in endpoints]
    evidence: dict[str, Any] = {
        **facts.as_evidence(),
        "endpoints": [{**e.as_evidence(), "verdict": v.state.value, **v.evidence} for e, v in verdicts],
    }
    if not facts.addresses:
        return not_applicable("no-address", evidence, host=facts.host)
    if not verdicts and outside:
        outside_text = ", ".join(outside)
        return errored(ErrorReason.OUT_OF_SCOPE, f"addresses outside the scope: {outside_text}", evidence)
    if not verdicts:
        return none(evidence)
    return combine(verdicts, evidence, facts.host)


def combine(verdicts: list[tuple[TlsFacts, Verdict]], evidence: dict[str, Any], host: str) -> Outcome:
    """One outcome from the verdicts on each endpoint (at least one): a fault anywhere fails;
    otherwise an untested endpoint makes it an error; endpoints the question does not concern
    make it not applicable; else it passes."""
    faults = [(e, v) for e, v in verdicts if v.state is VerdictState.FAULT]
    if faults:
        first = faults[0][1]
        return failed(first.key, evidence, endpoints=", ".join(e.label for e, _ in faults), **first.values)
    untested = [(e, v) for e, v in verdicts if v.state is VerdictState.UNTESTED]
    if untested:
        failures = [e.failure for e, _ in untested if e.failure is not None]
        reason = failures[0].error_reason if failures else ErrorReason.INTERNAL
        return errored(reason, "; ".join(v.key for _, v in untested)[:1000], evidence)
    fine = [(e, v) for e, v in verdicts if v.state is VerdictState.OK]
    if not fine:
        return not_applicable(verdicts[0][1].key, evidence, host=host)
    best = fine[0][1]
    return passed(best.key, evidence, endpoints=", ".join(e.label for e, _ in fine), **best.values)
