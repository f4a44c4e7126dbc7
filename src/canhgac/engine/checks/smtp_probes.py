"""How one SMTP session's VRFY/EXPN and relay replies are judged (mail.smtp.vrfy, vrfy-enabled,
open-relay), as real servers answer them.

VRFY/EXPN: the probe asks about ``postmaster`` (RFC 5321 4.5.1 requires it) and about a random
name that certainly does not exist. *User enumeration* is a positive answer for postmaster
(250/251, or Postfix's ``252 2.0.0 postmaster``) beside a "no such user" for the random name
(550/551/553): the replies tell who exists. A server that answers ``252`` ("cannot VRFY user,
but will accept message") to every name, as RFC 5321 3.5.3 recommends, tells nothing.
*VRFY/EXPN enabled* (lower severity) is the server looking names up at all: a 250/251 reply,
or two different verdicts for the two names. A temporary (4xx) reply, or an exchange that
stopped before all four replies, is not judged.

Relay: MAIL FROM and RCPT TO both outside every agency domain, without AUTH. A 2xx to RCPT is
an open relay; a 5xx to either is a refusal, and so is ``454`` (Postfix's default
``defer_unauth_destination`` answers "454 4.7.1 Relay access denied"). Other 4xx replies
(greylisting, overload) and a ``530 Must issue a STARTTLS command first`` in clear leave the
question open.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.checks.smtp_endpoints import Verdict, session_where, stopped
from canhgac.engine.facts.smtp import Reply, SmtpSession
from canhgac.engine.results import ErrorReason

_EXISTS = frozenset({250, 251, 252})  # an answer for a name that exists
_NO_SUCH_USER = frozenset({550, 551, 553})
_LOOKED_UP = frozenset({250, 251})  # the server verified (or expanded) the name
RELAY_REFUSED_TEMPORARILY = 454  # Postfix defer_unauth_destination: "Relay access denied"


def _said(reply: Reply) -> str:
    return f"{reply.code} {reply.text}"[:200]


def _pairs(session: SmtpSession) -> tuple[tuple[str, Reply | None, Reply | None], ...]:
    """(verb, reply for postmaster, reply for the random name)."""
    return (
        ("VRFY", session.vrfy_known, session.vrfy_unknown),
        ("EXPN", session.expn_known, session.expn_unknown),
    )


def _vrfy_evidence(session: SmtpSession) -> dict[str, Any]:
    ev: dict[str, Any] = {"endpoint": session_where(session), "tls": session.tls}
    for verb, known, unknown in _pairs(session):
        if known is not None:
            ev[f"{verb.lower()}_postmaster"] = _said(known)
        if unknown is not None:
            ev[f"{verb.lower()}_random"] = _said(unknown)
    return ev


def _told_apart(verb: str, known: Reply | None, unknown: Reply | None) -> str | None:
    """The two replies when they tell an existing name from a random one, else None."""
    if known is None or unknown is None:
        return None
    if known.code in _EXISTS and unknown.code in _NO_SUCH_USER:
        return f"{verb} postmaster: {known.code}, {verb} <random>: {unknown.code}"
    return None


def _unjudged(session: SmtpSession, ev: dict[str, Any]) -> Verdict | None:
    """An "unknown" verdict when the four replies are not all there and final, else None."""
    replies = [r for _, known, unknown in _pairs(session) for r in (known, unknown)]
    if any(r is None for r in replies):
        return stopped(session, **ev)
    temporary = [r for r in replies if r is not None and 400 <= r.code < 500]
    if temporary:
        detail = f"{session_where(session)}: temporary answer to VRFY/EXPN ({_said(temporary[0])})"
        return Verdict("unknown", session_where(session), ev, reason=ErrorReason.PROTOCOL, detail=detail)
    return None


def enumeration(session: SmtpSession) -> Verdict:
    """Fault when VRFY or EXPN answers postmaster positively and the random name "no such user"."""
    ev = _vrfy_evidence(session)
    for verb, known, unknown in _pairs(session):
        detail = _told_apart(verb, known, unknown)
        if detail is not None:
            return Verdict("fault", ev["endpoint"], ev, key=verb.lower(), detail=detail)
    return _unjudged(session, ev) or Verdict("ok", ev["endpoint"], ev)


def vrfy_enabled(session: SmtpSession) -> Verdict:
    """Fault when VRFY or EXPN looks names up: a 250/251, or different verdicts for the two names."""
    ev = _vrfy_evidence(session)
    for verb, known, unknown in _pairs(session):
        asked = (("postmaster", known), ("<random>", unknown))
        named = [(name, r) for name, r in asked if r is not None and r.code in _LOOKED_UP]
        detail = f"{verb} {named[0][0]}: {_said(named[0][1])}" if named else _told_apart(verb, known, unknown)
        if detail is not None:
            return Verdict("fault", ev["endpoint"], ev, key=verb.lower(), detail=detail[:200])
    return _unjudged(session, ev) or Verdict("ok", ev["endpoint"], ev)


def _needs_starttls(session: SmtpSession, reply: Reply) -> bool:
    """RFC 3207 4: "530 Must issue a STARTTLS command first", in a session still in clear."""
    return (
        reply.code == 530
        and session.tls == "none"
        and session.extension("STARTTLS") is not None
        and "STARTTLS" in reply.text.upper()
    )


def _open_question(where: str, ev: dict[str, Any], why: str) -> Verdict:
    return Verdict("unknown", where, ev, reason=ErrorReason.PROTOCOL, detail=f"{where}: {why}"[:200])


def relay(session: SmtpSession) -> Verdict:
    """Fault when RCPT TO the outside recipient is accepted; see the module for the codes."""
    where = session_where(session)
    mail, rcpt = session.relay_mail, session.relay_rcpt
    ev: dict[str, Any] = {"endpoint": where, "tls": session.tls}
    if mail is not None:
        ev["mail_from"] = _said(mail)
    if rcpt is not None:
        ev["rcpt_to"] = _said(rcpt)
    if mail is not None and not 200 <= mail.code < 300:
        if _needs_starttls(session, mail):
            return _open_question(where, ev, f"MAIL FROM refused until STARTTLS ({_said(mail)})")
        if mail.code >= 500:
            return Verdict("ok", where, ev)
        return _open_question(where, ev, f"no final answer to MAIL FROM ({_said(mail)})")
    if rcpt is None:
        return stopped(session, **ev)
    if 200 <= rcpt.code < 300:
        return Verdict("fault", where, ev, key="open", detail=f"RCPT TO: {_said(rcpt)}"[:200])
    if rcpt.code >= 500 or rcpt.code == RELAY_REFUSED_TEMPORARILY:
        return Verdict("ok", where, ev)
    return _open_question(where, ev, f"temporary answer to RCPT TO ({_said(rcpt)})")
