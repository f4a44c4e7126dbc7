"""Per-endpoint verdicts on :class:`TlsFacts`, shared by the mail checks and (later) web checks.

Each judge is pure: facts and thresholds in, a :class:`Verdict` out. ``FAULT`` carries the
message key and values of the catalog entry; ``UNTESTED`` carries a technical reason (the check
becomes ``error``); ``NOT_APPLICABLE`` marks an endpoint the question does not concern.
:func:`combine` turns the verdicts on a host's endpoints into the check's one outcome; what
"no endpoint at all" means is the calling family's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.tls.facts import (
    MODERN_PROTOCOLS,
    OBSOLETE_PROTOCOLS,
    CipherFamily,
    TlsFacts,
    TrustVerdict,
)

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


def _session_needed(facts: TlsFacts) -> Verdict | None:
    if facts.failure is not None:
        return untested(f"{facts.label}: {facts.failure.value} {facts.detail}".strip())
    return None


def _certificate_needed(facts: TlsFacts) -> Verdict | None:
    missing = _session_needed(facts)
    if missing is None and facts.certificate is None:
        return untested(f"{facts.label}: no readable certificate")
    return missing


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


def judge_ciphers(facts: TlsFacts, params: CheckParams) -> Verdict:
    """NULL, EXPORT, anonymous, RC4, DES, 3DES or CBC-with-SHA-1 suites accepted."""
    missing = _session_needed(facts)
    if missing is not None:
        return missing
    evidence = {"weak_suites": list(facts.weak_suites),
                "families": {f.value: v for f, v in facts.weak_ciphers.items()}}
    accepted = [f.value for f in CipherFamily if facts.weak_ciphers.get(f) is True]
    if accepted:
        return fault("weak", evidence, families=", ".join(accepted), suites=", ".join(facts.weak_suites))
    unknown = [f.value for f in CipherFamily if facts.weak_ciphers.get(f) is None]
    if unknown:
        return untested(f"{facts.label}: untestable cipher families {', '.join(unknown)}", evidence)
    return ok("pass", evidence)


def judge_forward_secrecy(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The suite a normal client negotiates has an ephemeral key exchange."""
    missing = _session_needed(facts)
    if missing is not None:
        return missing
    evidence = {"negotiated": f"{facts.negotiated_version} {facts.negotiated_cipher}"}
    cipher = facts.negotiated_cipher or "?"
    if facts.forward_secrecy is None:
        return untested(f"{facts.label}: key exchange of {cipher} unknown", evidence)
    if not facts.forward_secrecy:
        return fault("no-fs", evidence, cipher=cipher)
    return ok("pass", evidence, cipher=cipher)


def judge_dh_params(facts: TlsFacts, params: CheckParams) -> Verdict:
    """Finite-field DHE accepted with a group smaller than ``params.tls_min_dh_bits``."""
    missing = _session_needed(facts)
    if missing is not None:
        return missing
    evidence = {"dhe_accepted": facts.dhe_accepted, "dh_bits": facts.dh_bits,
                "minimum": params.tls_min_dh_bits}
    if facts.dhe_accepted is None:
        return untested(f"{facts.label}: DHE probe: {facts.untested.get('dhe', 'no answer')}", evidence)
    if not facts.dhe_accepted:
        return ok("no-dhe", evidence)
    if facts.dh_bits is None:
        return untested(f"{facts.label}: DHE accepted but the group size was not reported", evidence)
    if facts.dh_bits < params.tls_min_dh_bits:
        return fault("small", evidence, bits=facts.dh_bits, minimum=params.tls_min_dh_bits)
    return ok("pass", evidence, bits=facts.dh_bits)


def judge_cert_trusted(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The chain validates against the trust anchors (dates and names are judged elsewhere)."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
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


def judge_cert_name(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The leaf covers the host name (SAN dNSName, RFC 6125 wildcards; CN only without SAN)."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
    names = ", ".join((cert.dns_names or cert.common_names)[:10]) or "-"
    evidence = {"host": facts.host, "dns_names": list(cert.dns_names[:50]),
                "common_names": list(cert.common_names)}
    if facts.name_match:
        return ok("pass", evidence, host=facts.host)
    return fault("mismatch", evidence, host=facts.host, names=names)


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def judge_cert_expired(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The leaf is outside its validity period when observed."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
    evidence = {"not_before": cert.not_before.isoformat(), "not_after": cert.not_after.isoformat(),
                "observed_at": facts.observed_at.isoformat()}
    if cert.not_after < facts.observed_at:
        return fault("expired", evidence, not_after=cert.not_after.date().isoformat(),
                     days=_days(facts.observed_at - cert.not_after))
    if cert.not_before > facts.observed_at:
        return fault("not-yet-valid", evidence, not_before=cert.not_before.date().isoformat())
    return ok("pass", evidence, not_after=cert.not_after.date().isoformat())


def judge_cert_expiring(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The leaf expires within ``params.cert_expiry_warning_days`` (already expired: not here)."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
    left = _days(cert.not_after - facts.observed_at)
    evidence = {"not_after": cert.not_after.isoformat(), "days_left": left,
                "warning_days": params.cert_expiry_warning_days}
    if cert.not_after < facts.observed_at:
        return Verdict(VerdictState.NOT_APPLICABLE, "expired", {}, evidence)
    if left < params.cert_expiry_warning_days:
        return fault("expiring", evidence, not_after=cert.not_after.date().isoformat(), days=left)
    return ok("pass", evidence, not_after=cert.not_after.date().isoformat(), days=left)


def judge_cert_key(facts: TlsFacts, params: CheckParams) -> Verdict:
    """RSA/DSA keys under ``cert_min_rsa_bits``, EC keys under ``cert_min_ec_bits``."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
    key = f"{cert.key_type} {cert.key_bits}"
    evidence = {"key": key}
    if cert.key_type in ("RSA", "DSA") and cert.key_bits < params.cert_min_rsa_bits:
        return fault("weak", evidence, public_key=key, minimum=params.cert_min_rsa_bits)
    if cert.key_type == "EC" and cert.key_bits < params.cert_min_ec_bits:
        return fault("weak", evidence, public_key=key, minimum=params.cert_min_ec_bits)
    if cert.key_type == "unknown":
        return untested(f"{facts.label}: unrecognised public key", evidence)
    return ok("pass", evidence, public_key=key)


def judge_cert_signature(facts: TlsFacts, params: CheckParams) -> Verdict:
    """The leaf is signed with MD5 or SHA-1 (collisions make such signatures forgeable)."""
    missing = _certificate_needed(facts)
    if missing is not None:
        return missing
    cert = facts.certificate
    assert cert is not None
    algorithm = cert.signature_hash or "none"
    evidence = {"signature_hash": algorithm}
    if algorithm in _WEAK_HASHES:
        return fault("weak", evidence, algorithm=algorithm.upper())
    return ok("pass", evidence, algorithm=algorithm.upper())


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
