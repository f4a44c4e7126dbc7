"""mail.smtp.* checks: what a mail host's SMTP service shows a peer MTA and an attacker.

Each check judges every endpoint (address:port) of the host and gives one result: a fault on
any endpoint fails (evidence per endpoint); otherwise an endpoint that could not be tested
makes it an error; only when every endpoint was seen and is fine does it pass. Closed
submission ports (587, 465) are facts with nothing to judge; port 25 must answer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.collectors.host_addresses import HostAddresses
from canhgac.engine.collectors.smtp import (
    RdnsFacts,
    SmtpFacts,
    StartTlsResult,
    TlsaFacts,
    TlsaRecord,
)
from canhgac.engine.dns import DnsStatus
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.smtp_client import SmtpSession, StopReason
from canhgac.engine.targets import TargetKind

MAIL_HOST = TargetKind.MAIL_HOST
_VERSION = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z0-9_-]{1,40})[ /:]+v?(?P<version>\d+\.\d+(?:\.\d+){0,3}(?:[-_.]?[A-Za-z0-9]+)?)"
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One endpoint's answer to one check."""

    state: str  # "ok", "fault" or "unknown"
    where: str
    evidence: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the fault's message key
    reason: ErrorReason = ErrorReason.CONNECTION  # for "unknown"
    detail: str = ""


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _session_where(session: SmtpSession) -> str:
    return _where(session.address, session.port)


def _stopped(session: SmtpSession, **evidence: Any) -> Verdict:
    """The exchange ended before the step a check needs."""
    reason = (
        ErrorReason.TIMEOUT
        if session.stop in (StopReason.TIMEOUT, StopReason.DEADLINE)
        else (
            ErrorReason.PROTOCOL
            if session.stop in (StopReason.GARBAGE, StopReason.LINE_TOO_LONG, StopReason.REPLY_TOO_LARGE)
            else ErrorReason.CONNECTION
        )
    )
    stop = session.stop.value if session.stop else "refused by the server"
    detail = f"{_session_where(session)}: {stop} {session.stop_detail}".strip()
    ev = {"endpoint": _session_where(session), "stop": stop, "transcript": list(session.transcript[-12:])}
    return Verdict("unknown", _session_where(session), {**ev, **evidence}, reason=reason, detail=detail)


def _combine(verdicts: Iterable[Verdict], keys: tuple[str, ...]) -> Outcome:
    """Any fault fails (the first key of ``keys`` present names it); else unknowns error."""
    seen = list(verdicts)
    evidence: dict[str, Any] = {"endpoints": [{"state": v.state, **v.evidence} for v in seen]}
    faults = [v for v in seen if v.state == "fault"]
    if faults:
        key = next(k for k in keys if any(v.key == k for v in faults))
        where = ", ".join(dict.fromkeys(v.where for v in faults if v.key == key))
        detail = next(v.detail for v in faults if v.key == key)
        return failed(key, evidence, endpoints=where, detail=detail)
    unknown = [v for v in seen if v.state == "unknown"]
    if unknown:
        return errored(unknown[0].reason, "; ".join(v.detail for v in unknown)[:500], evidence)
    if not seen:
        return errored(ErrorReason.INTERNAL, "no endpoint to judge", evidence)
    return passed("pass", evidence, endpoints=", ".join(v.where for v in seen))


def _host_precheck(resolution: HostAddresses) -> Outcome | None:
    lookup = resolution.failed_lookup
    if lookup is not None:
        return lookup_error(lookup, resolution.as_evidence())
    if not resolution.addresses:
        return not_applicable("no-address", resolution.as_evidence(), host=resolution.host)
    return None


def _refused(facts: SmtpFacts) -> list[Verdict]:
    return [
        Verdict(
            "unknown",
            _where(a, facts.smtp_port),
            {"endpoint": _where(a, facts.smtp_port), "scope": why},
            reason=ErrorReason.OUT_OF_SCOPE,
            detail=why,
        )
        for a, why in facts.refused
    ]


def _judged(
    facts: SmtpFacts,
    sessions: Iterable[SmtpSession],
    judge: Callable[[SmtpSession], Verdict | None],
    keys: tuple[str, ...],
) -> Outcome:
    """Judge each session (None: nothing to judge there), after the host-level preconditions."""
    early = _host_precheck(facts.resolution)
    if early is not None:
        return early
    judged = [v for v in (judge(s) for s in sessions) if v is not None]
    return _combine([*_refused(facts), *judged], keys)


# --- reachable ---------------------------------------------------------------------------------


def _reachable(session: SmtpSession) -> Verdict:
    where = _session_where(session)
    ev: dict[str, Any] = {"endpoint": where}
    if session.greeting is not None:
        ev["greeting"] = f"{session.greeting.code} {session.greeting.text}"
    if session.greeted:
        return Verdict("ok", where, ev)
    stop = session.stop.value if session.stop else "rejected"
    detail = ev.get("greeting") or f"{stop} {session.stop_detail}".strip()
    ev.update(stop=stop, transcript=list(session.transcript[:6]))
    return Verdict("fault", where, ev, key="unreachable", detail=str(detail)[:200])


@check("mail.smtp.reachable", target=MAIL_HOST, needs=SmtpFacts)
def smtp_reachable(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """Port 25 of every address greets with 220 (RFC 5321 3.1)."""
    return _judged(facts, facts.mta_sessions, _reachable, ("unreachable",))


# --- banner ------------------------------------------------------------------------------------


def disclosed_software(text: str) -> str | None:
    """A software name followed by a version number in a greeting or EHLO line, if any."""
    for match in _VERSION.finditer(text):
        version = match.group("version")
        try:
            ipaddress.ip_address(version)
        except ValueError:
            return f"{match.group('name')} {version}"
    return None


def _banner(session: SmtpSession) -> Verdict | None:
    where = _session_where(session)
    if session.port != 25 and session.stop is StopReason.REFUSED:
        return None  # a closed submission port
    texts = [
        *(session.greeting.lines if session.greeting else ()),
        *(session.hello.lines[:1] if session.hello else ()),
    ]
    for text in texts:
        software = disclosed_software(text)
        if software is not None:
            return Verdict(
                "fault", where, {"endpoint": where, "line": text[:200]}, key="disclosed", detail=software
            )
    if session.greeting is None or session.hello is None:
        return _stopped(session)
    return Verdict("ok", where, {"endpoint": where, "greeting": session.greeting.text})


@check("mail.smtp.banner", target=MAIL_HOST, needs=SmtpFacts)
def smtp_banner(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """No software version in the greeting or the EHLO reply."""
    return _judged(facts, facts.sessions, _banner, ("disclosed",))


# --- STARTTLS ----------------------------------------------------------------------------------


def _starttls(session: SmtpSession, tls: StartTlsResult | None) -> Verdict:
    where = _session_where(session)
    if session.hello is None:
        return _stopped(session)
    if session.extension("STARTTLS") is None:
        ev = {"endpoint": where, "extensions": [k for k, _ in session.extensions]}
        return Verdict("fault", where, ev, key="not-offered", detail="STARTTLS not in the EHLO reply")
    if tls is None or tls.ok is None:
        why = f"{tls.failure} {tls.detail}" if tls else "not run"
        detail = f"{where}: TLS analysis inconclusive: {why}"
        return Verdict(
            "unknown", where, {"endpoint": where}, reason=ErrorReason.CONNECTION, detail=detail.strip()
        )
    ev = {"endpoint": where, "failure": tls.failure, "detail": tls.detail}
    if tls.ok:
        return Verdict("ok", where, ev)
    return Verdict("fault", where, ev, key="handshake-failed", detail=f"{tls.failure}: {tls.detail}"[:200])


@check("mail.smtp.starttls", target=MAIL_HOST, needs=SmtpFacts)
def smtp_starttls(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """Port 25 offers STARTTLS (RFC 3207) and the TLS handshake after it succeeds."""
    return _judged(
        facts,
        facts.mta_sessions,
        lambda s: _starttls(s, facts.starttls_for(s.address)),
        ("not-offered", "handshake-failed"),
    )


# --- AUTH before TLS ---------------------------------------------------------------------------


def _auth_plaintext(session: SmtpSession) -> Verdict | None:
    where = _session_where(session)
    if session.implicit_tls or (
        session.port != 25 and session.stop is StopReason.REFUSED and not session.greeting
    ):
        return None
    if session.hello is None:
        return _stopped(session)
    mechanisms = session.extension("AUTH")
    if mechanisms is None:
        return Verdict("ok", where, {"endpoint": where})
    ev = {"endpoint": where, "auth": mechanisms}
    return Verdict("fault", where, ev, key="advertised", detail=mechanisms or "AUTH")


@check("mail.smtp.auth-plaintext", target=MAIL_HOST, needs=SmtpFacts)
def smtp_auth_plaintext(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """No AUTH offered before STARTTLS (ports 25 and 587): passwords would cross in clear."""
    return _judged(facts, facts.sessions, _auth_plaintext, ("advertised",))


# --- VRFY / EXPN -------------------------------------------------------------------------------


def _vrfy(session: SmtpSession) -> Verdict:
    where = _session_where(session)
    known, unknown, expn = session.vrfy_known, session.vrfy_unknown, session.expn_known
    replies = {
        name: f"{r.code} {r.text}"
        for name, r in (("vrfy_postmaster", known), ("vrfy_random", unknown), ("expn_postmaster", expn))
        if r is not None
    }
    ev = {"endpoint": where, **replies}
    if known is not None and unknown is not None and known.code in (250, 251) and unknown.code >= 500:
        return Verdict("fault", where, ev, key="vrfy", detail=f"{known.code} vs {unknown.code}")
    if expn is not None and expn.code == 250:
        return Verdict(
            "fault", where, ev, key="expn", detail=f"EXPN postmaster: {expn.code} {expn.text}"[:200]
        )
    if known is None or unknown is None or expn is None:
        return _stopped(session, **replies)
    return Verdict("ok", where, ev)


@check("mail.smtp.vrfy", target=MAIL_HOST, needs=SmtpFacts)
def smtp_vrfy(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """VRFY/EXPN must not tell an existing mailbox (postmaster) from a random one."""
    return _judged(facts, facts.mta_sessions, _vrfy, ("vrfy", "expn"))


# --- open relay --------------------------------------------------------------------------------


def _relay(session: SmtpSession) -> Verdict:
    where = _session_where(session)
    mail, rcpt = session.relay_mail, session.relay_rcpt
    ev: dict[str, Any] = {"endpoint": where}
    if mail is not None:
        ev["mail_from"] = f"{mail.code} {mail.text}"
    if rcpt is not None:
        ev["rcpt_to"] = f"{rcpt.code} {rcpt.text}"
    if mail is not None and not mail.positive:
        return Verdict("ok", where, ev)
    if rcpt is None:
        return _stopped(session, **ev)
    if rcpt.code in (250, 251):
        return Verdict("fault", where, ev, key="open", detail=f"RCPT TO: {rcpt.code} {rcpt.text}"[:200])
    if 400 <= rcpt.code < 500:
        return Verdict(
            "unknown",
            where,
            ev,
            reason=ErrorReason.PROTOCOL,
            detail=f"{where}: temporary answer to RCPT TO ({rcpt.code} {rcpt.text})"[:200],
        )
    return Verdict("ok", where, ev)


@check("mail.smtp.open-relay", target=MAIL_HOST, needs=SmtpFacts)
def smtp_open_relay(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """RCPT TO an outside recipient from an outside sender is refused (never DATA)."""
    if not facts.intrusive:
        return not_applicable("opt-out", {"host": facts.host})
    return _judged(facts, facts.mta_sessions, _relay, ("open",))


# --- reverse DNS -------------------------------------------------------------------------------


@check("mail.smtp.rdns", target=MAIL_HOST, needs=RdnsFacts)
def smtp_rdns(facts: RdnsFacts, params: CheckParams) -> Outcome:
    """Every address has a PTR whose name resolves back to it (forward-confirmed reverse DNS)."""
    early = _host_precheck(facts.resolution)
    if early is not None:
        return early
    verdicts = []
    for entry in facts.entries:
        state = entry.state
        ev = entry.as_evidence()
        if state == "confirmed":
            verdicts.append(Verdict("ok", entry.address, ev))
        elif state == "unknown":
            reason = entry.ptr.status.error_reason if entry.ptr.failed else ErrorReason.DNS_SERVFAIL
            verdicts.append(
                Verdict(
                    "unknown",
                    entry.address,
                    ev,
                    reason=reason,
                    detail=f"PTR {entry.ptr.name}: {entry.ptr.detail or entry.ptr.status}",
                )
            )
        else:
            verdicts.append(
                Verdict("fault", entry.address, ev, key=state, detail=", ".join(entry.ptr.records))
            )
    return _combine(verdicts, ("missing", "mismatch"))


# --- DANE --------------------------------------------------------------------------------------


def _usable(record: TlsaRecord) -> bool:
    """DANE-TA(2) and DANE-EE(3) are what SMTP uses (RFC 7672 3.1.3); PKIX usages are not."""
    return record.usage in (2, 3) and record.selector in (0, 1) and record.mtype in (0, 1, 2)


def tlsa_matches(record: TlsaRecord, der: bytes) -> bool:
    """Does ``record``'s association data match this certificate (RFC 6698 2.1)?"""
    if record.selector == 0:
        content = der
    else:
        try:
            key = x509.load_der_x509_certificate(der).public_key()
        except ValueError:
            return False
        content = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = {0: content, 1: hashlib.sha256(content).digest(), 2: hashlib.sha512(content).digest()}
    return digest.get(record.mtype) == record.data


def _dane(session: SmtpSession, tls: StartTlsResult | None, records: list[TlsaRecord]) -> Verdict:
    where = _session_where(session)
    if session.hello is None:
        return _stopped(session)
    if session.extension("STARTTLS") is None or (tls is not None and tls.ok is False):
        return Verdict("fault", where, {"endpoint": where}, key="no-tls", detail="no TLS on port 25")
    if tls is None or tls.ok is None or not tls.certificates:
        return Verdict(
            "unknown",
            where,
            {"endpoint": where},
            reason=ErrorReason.CONNECTION,
            detail=f"{where}: no certificate observed",
        )
    leaf, chain = tls.certificates[0], tls.certificates[1:]
    matched = [
        r.text for r in records if any(tlsa_matches(r, c) for c in ((leaf,) if r.usage == 3 else chain))
    ]
    ev = {"endpoint": where, "matched": matched, "certificates": len(tls.certificates)}
    if matched:
        return Verdict("ok", where, ev)
    if not chain and any(r.usage == 2 for r in records):
        detail = f"{where}: DANE-TA records need the issuer chain, which was not observed"
        return Verdict("unknown", where, ev, reason=ErrorReason.PROTOCOL, detail=detail)
    return Verdict("fault", where, ev, key="no-match", detail="no TLSA record matches the certificate")


@check("mail.smtp.dane", target=MAIL_HOST, needs=(TlsaFacts, SmtpFacts))
def smtp_dane(tlsa: TlsaFacts, facts: SmtpFacts, params: CheckParams) -> Outcome:
    """When TLSA is published at _25._tcp.HOST, the certificate on every address matches it."""
    lookup = tlsa.lookup
    if lookup.failed:
        return lookup_error(lookup)
    if lookup.status is not DnsStatus.OK or not tlsa.records:
        return not_applicable("none", {"lookup": lookup.as_evidence()}, name=lookup.name)
    base = {"tlsa": [r.text for r in tlsa.records], "dnssec_validated": tlsa.authenticated}
    usable = [r for r in tlsa.records if _usable(r)]
    if not usable:
        return failed("unusable", base, name=lookup.name, records="; ".join(r.text for r in tlsa.records))
    outcome = _judged(
        facts,
        facts.mta_sessions,
        lambda s: _dane(s, facts.starttls_for(s.address), usable),
        ("no-tls", "no-match"),
    )
    return outcome.model_copy(update={"evidence": {**base, **outcome.evidence}})
