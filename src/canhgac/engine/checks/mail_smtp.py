"""mail.smtp.* checks: what a mail host's SMTP service shows a peer MTA and an attacker.

Each check judges every endpoint (address:port) of the host and gives one result, combined as
:mod:`canhgac.engine.checks.smtp_endpoints` says (any fault fails, else any endpoint not tested
errors). A port that is not listening is a fact with nothing to judge (a host with none left
is not applicable); only ``reachable`` requires port 25 to answer. The VRFY/EXPN and relay
judgements of one session are :mod:`canhgac.engine.checks.smtp_probes`; DANE's record matching
is :mod:`canhgac.engine.checks.tlsa_match`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.checks.smtp_endpoints import (
    Verdict,
    combine,
    host_precheck,
    judged,
    session_where,
    stopped,
)
from canhgac.engine.checks.smtp_probes import enumeration, relay, vrfy_enabled
from canhgac.engine.checks.tlsa_match import tlsa_matches, usable_for_smtp
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.smtp import (
    RdnsFacts,
    SmtpFacts,
    SmtpSession,
    StartTlsResult,
    TlsaFacts,
    TlsaRecord,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, failed, not_applicable
from canhgac.engine.targets import TargetKind

MAIL_HOST = TargetKind.MAIL_HOST
_VERSION = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z0-9_-]{1,40})[ /:]+v?(?P<version>\d+\.\d+(?:\.\d+){0,3}(?:[-_.]?[A-Za-z0-9]+)?)"
)


# --- reachable ---------------------------------------------------------------------------------


def _reachable(session: SmtpSession) -> Verdict:
    where = session_where(session)
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
    return judged(facts, facts.mta_sessions, _reachable, ("unreachable",), listening_only=False)


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


def _banner(session: SmtpSession) -> Verdict:
    where = session_where(session)
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
        return stopped(session)
    return Verdict("ok", where, {"endpoint": where, "greeting": session.greeting.text})


@check("mail.smtp.banner", target=MAIL_HOST, needs=SmtpFacts)
def smtp_banner(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """No software version in the greeting or the EHLO reply."""
    return judged(facts, facts.sessions, _banner, ("disclosed",))


# --- STARTTLS ----------------------------------------------------------------------------------


def _starttls(session: SmtpSession, tls: StartTlsResult | None) -> Verdict:
    where = session_where(session)
    if not session.helloed:
        return stopped(session)
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
    return judged(
        facts,
        facts.mta_sessions,
        lambda s: _starttls(s, facts.starttls_for(s.address)),
        ("not-offered", "handshake-failed"),
    )


# --- AUTH before TLS ---------------------------------------------------------------------------


def _auth_plaintext(session: SmtpSession) -> Verdict | None:
    where = session_where(session)
    if session.implicit_tls:
        return None  # TLS from the first byte: nothing crosses in clear
    if not session.helloed:
        return stopped(session)
    mechanisms = session.extension("AUTH")
    if mechanisms is None:
        return Verdict("ok", where, {"endpoint": where})
    ev = {"endpoint": where, "auth": mechanisms}
    return Verdict("fault", where, ev, key="advertised", detail=mechanisms or "AUTH")


@check("mail.smtp.auth-plaintext", target=MAIL_HOST, needs=SmtpFacts)
def smtp_auth_plaintext(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """No AUTH offered before STARTTLS (ports 25 and 587): passwords would cross in clear."""
    return judged(facts, facts.sessions, _auth_plaintext, ("advertised",))


# --- VRFY / EXPN and open relay: every SMTP port -------------------------------------------------


@check("mail.smtp.vrfy", target=MAIL_HOST, needs=SmtpFacts)
def smtp_vrfy(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """VRFY/EXPN must not tell an existing mailbox (postmaster) from a random one, on any port."""
    return judged(facts, facts.sessions, enumeration, ("vrfy", "expn"))


@check("mail.smtp.vrfy-enabled", target=MAIL_HOST, needs=SmtpFacts)
def smtp_vrfy_enabled(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """VRFY/EXPN are refused (502) or answered 252 for every name (RFC 5321 3.5.3), on any port."""
    return judged(facts, facts.sessions, vrfy_enabled, ("vrfy", "expn"))


@check("mail.smtp.open-relay", target=MAIL_HOST, needs=SmtpFacts)
def smtp_open_relay(facts: SmtpFacts, params: CheckParams) -> Outcome:
    """RCPT TO an outside recipient from an outside sender is refused on every port (never DATA)."""
    if not facts.intrusive:
        return not_applicable("opt-out", {"host": facts.host})
    return judged(facts, facts.sessions, relay, ("open",))


# --- reverse DNS -------------------------------------------------------------------------------


@check("mail.smtp.rdns", target=MAIL_HOST, needs=RdnsFacts)
def smtp_rdns(facts: RdnsFacts, params: CheckParams) -> Outcome:
    """Every address has a PTR whose name resolves back to it (forward-confirmed reverse DNS)."""
    early = host_precheck(facts.resolution)
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
    return combine(verdicts, ("missing", "mismatch"))


# --- DANE --------------------------------------------------------------------------------------


def _dane(session: SmtpSession, tls: StartTlsResult | None, records: list[TlsaRecord]) -> Verdict:
    where = session_where(session)
    if not session.helloed:
        return stopped(session)
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
    usable = [r for r in tlsa.records if usable_for_smtp(r)]
    if not usable:
        return failed("unusable", base, name=lookup.name, records="; ".join(r.text for r in tlsa.records))
    outcome = judged(
        facts,
        facts.mta_sessions,
        lambda s: _dane(s, facts.starttls_for(s.address), usable),
        ("no-tls", "no-match"),
    )
    return outcome.model_copy(update={"evidence": {**base, **outcome.evidence}})
