"""How the mail.smtp.* checks turn one verdict per endpoint into one result for the host.

A check judges every endpoint (address:port) of the host as ``ok``, ``fault`` or ``unknown``:
a fault on any endpoint fails (evidence per endpoint); otherwise an endpoint that could not be
tested makes it an error; only when every endpoint was seen and is fine does it pass. Addresses
the scope refused count as endpoints that could not be tested; ports that are not listening
(closed, or silent where SMTP was only a guess) count as nothing to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.dns import HostAddresses
from canhgac.engine.facts.smtp import SmtpFacts, SmtpSession, StopReason
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed


@dataclass(frozen=True, slots=True)
class Verdict:
    """One endpoint's answer to one check."""

    state: str  # "ok", "fault" or "unknown"
    where: str
    evidence: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the fault's message key
    reason: ErrorReason = ErrorReason.CONNECTION  # for "unknown"
    detail: str = ""


def where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def session_where(session: SmtpSession) -> str:
    return where(session.address, session.port)


def stopped(session: SmtpSession, **evidence: Any) -> Verdict:
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
    detail = f"{session_where(session)}: {stop} {session.stop_detail}".strip()
    ev = {"endpoint": session_where(session), "stop": stop, "transcript": list(session.transcript[-12:])}
    return Verdict("unknown", session_where(session), {**ev, **evidence}, reason=reason, detail=detail)


def combine(verdicts: Iterable[Verdict], keys: tuple[str, ...]) -> Outcome:
    """Any fault fails (the first key of ``keys`` present names it); else unknowns error."""
    seen = list(verdicts)
    evidence: dict[str, Any] = {"endpoints": [{"state": v.state, **v.evidence} for v in seen]}
    faults = [v for v in seen if v.state == "fault"]
    if faults:
        key = next(k for k in keys if any(v.key == k for v in faults))
        at = ", ".join(dict.fromkeys(v.where for v in faults if v.key == key))
        detail = next(v.detail for v in faults if v.key == key)
        return failed(key, evidence, endpoints=at, detail=detail)
    unknown = [v for v in seen if v.state == "unknown"]
    if unknown:
        return errored(unknown[0].reason, "; ".join(v.detail for v in unknown)[:500], evidence)
    if not seen:
        return errored(ErrorReason.INTERNAL, "no endpoint to judge", evidence)
    return passed("pass", evidence, endpoints=", ".join(v.where for v in seen))


def host_precheck(resolution: HostAddresses) -> Outcome | None:
    """The host's result when its addresses cannot be judged (lookup failed, none found), else None."""
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
            where(a, facts.smtp_port),
            {"endpoint": where(a, facts.smtp_port), "scope": why},
            reason=ErrorReason.OUT_OF_SCOPE,
            detail=why,
        )
        for a, why in facts.refused
    ]


def _quiet(session: SmtpSession) -> str:
    state = "refused" if session.stop is StopReason.REFUSED else "filtered"
    return f"{session_where(session)} {state}"


def judged(
    facts: SmtpFacts,
    sessions: Iterable[SmtpSession],
    judge: Callable[[SmtpSession], Verdict | None],
    keys: tuple[str, ...],
    *,
    listening_only: bool = True,
) -> Outcome:
    """Judge each session (None: nothing to judge there), after the host-level preconditions.

    A port that is not listening (:attr:`SmtpSession.not_listening`) is a fact, not something
    the check failed to test: it is left out (and listed in the evidence), and a host where no
    port is left to judge is not applicable, never an error nor a pass. ``reachable`` passes
    ``listening_only=False``: a closed port 25 is its finding.
    """
    early = host_precheck(facts.resolution)
    if early is not None:
        return early
    chosen = list(sessions)
    quiet = [s for s in chosen if listening_only and s.not_listening]
    verdicts = [v for v in map(judge, (s for s in chosen if s not in quiet)) if v is not None]
    refused = _refused(facts)
    noted = {"not_listening": [_quiet(s) for s in quiet]} if quiet else {}
    if quiet and not verdicts and not refused:
        return not_applicable("not-listening", noted, endpoints=", ".join(_quiet(s) for s in quiet))
    outcome = combine([*refused, *verdicts], keys)
    return outcome.model_copy(update={"evidence": {**outcome.evidence, **noted}}) if noted else outcome
