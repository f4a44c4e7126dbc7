"""Mailbox access checks: IMAP (143) and POP3 (110) must not take a password in clear.

Judged over every address of the host: one endpoint that accepts a cleartext login fails the
host (evidence per endpoint); an endpoint that could not be read makes the result an error
unless another one already fails; closed or filtered everywhere is not applicable.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.checks.lookups import lookup_error
from canhgac.engine.facts.mailbox import IMAP, POP3, EndpointState, MailboxEndpoint, MailboxFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

_UNREAD = (EndpointState.TIMEOUT, EndpointState.ERROR)


def _where(endpoints: list[MailboxEndpoint]) -> str:
    return ", ".join(f"{e.address}:{e.port}" for e in endpoints)


def _address_outcome(facts: MailboxFacts) -> Outcome | None:
    """The outcome when the host has no address to probe."""
    if facts.addresses.addresses:
        return None
    evidence = {"addresses": facts.addresses.as_evidence()}
    lookup = facts.addresses.failed_lookup
    if lookup is not None:
        return lookup_error(lookup, evidence)
    return not_applicable("no-address", evidence, host=facts.host)


def judge_plaintext_login(facts: MailboxFacts, protocol: str) -> Outcome:
    found = _address_outcome(facts)
    if found is not None:
        return found
    endpoints = list(facts.for_protocol(protocol))
    evidence: dict[str, Any] = {"endpoints": [e.as_evidence() for e in endpoints]}
    faulty = [e for e in endpoints if e.plaintext_login]
    if faulty:
        key = "login-before-tls" if all(e.starttls for e in faulty) else "no-tls"
        return failed(key, evidence, endpoints=_where(faulty))
    unread = [e for e in endpoints if e.state in _UNREAD]
    if unread:
        first = unread[0]
        reason = ErrorReason.TIMEOUT if first.state is EndpointState.TIMEOUT else ErrorReason.PROTOCOL
        return errored(reason, f"{first.address}:{first.port}: {first.detail}", evidence)
    open_ = [e for e in endpoints if e.state is EndpointState.OPEN]
    if open_:
        return passed("pass", evidence, endpoints=_where(open_))
    if endpoints and all(e.state is EndpointState.OUT_OF_SCOPE for e in endpoints):
        return errored(ErrorReason.OUT_OF_SCOPE, endpoints[0].detail, evidence)
    return not_applicable("closed", evidence, host=facts.host)


@check("mail.imap.plaintext-login", target=TargetKind.MAIL_HOST, needs=MailboxFacts)
def imap_plaintext_login(facts: MailboxFacts, params: CheckParams) -> Outcome:
    """IMAP without TLS must refuse LOGIN (LOGINDISABLED) and offer no cleartext SASL (RFC 9051 6.2.3)."""
    return judge_plaintext_login(facts, IMAP)


@check("mail.pop3.plaintext-login", target=TargetKind.MAIL_HOST, needs=MailboxFacts)
def pop3_plaintext_login(facts: MailboxFacts, params: CheckParams) -> Outcome:
    """POP3 without TLS must not offer USER/PASS or cleartext SASL (RFC 2595 4, RFC 8314 4.1)."""
    return judge_plaintext_login(facts, POP3)
