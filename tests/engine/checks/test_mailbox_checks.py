"""mail.imap.plaintext-login and mail.pop3.plaintext-login on hand-built facts."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_access import imap_plaintext_login, pop3_plaintext_login
from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.mailbox import EndpointState, MailboxEndpoint, MailboxFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
HOST = "mail.agency.gov.test"
OPEN, CLOSED = EndpointState.OPEN, EndpointState.CLOSED


def addresses(*found: str, status: DnsStatus = DnsStatus.OK) -> HostAddresses:
    a = Lookup(HOST, "A", status if found or status is not DnsStatus.OK else DnsStatus.NODATA, found)
    return HostAddresses.of(HOST, a, Lookup(HOST, "AAAA", DnsStatus.NODATA))


def imap(caps: str, state: EndpointState = OPEN, address: str = "127.0.0.25") -> MailboxEndpoint:
    return MailboxEndpoint("imap", address, 143, state, "* OK", tuple(caps.split()))


def pop3(caps: tuple[str, ...], *, capa: bool = True, state: EndpointState = OPEN) -> MailboxEndpoint:
    return MailboxEndpoint("pop3", "127.0.0.25", 110, state, "+OK", caps, capa)


def facts(*endpoints: MailboxEndpoint, found: tuple[str, ...] = ("127.0.0.25",)) -> MailboxFacts:
    return MailboxFacts(HOST, addresses(*found), endpoints)


def key(outcome: Outcome) -> tuple[Status, str]:
    """Status and message key, after rendering the message in both languages from the catalog."""
    endpoints = outcome.evidence.get("endpoints")
    ports = {e["port"] for e in endpoints if isinstance(e, dict)} if isinstance(endpoints, list) else set()
    check_id = "mail.pop3.plaintext-login" if ports == {110} else "mail.imap.plaintext-login"
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_imap() -> None:
    assert key(imap_plaintext_login(facts(imap("IMAP4rev1 STARTTLS LOGINDISABLED")), PARAMS)) == (
        Status.PASS, "pass")
    # LOGINDISABLED and no STARTTLS: nobody can log in on 143 at all (993 only): fine
    assert imap_plaintext_login(facts(imap("IMAP4rev1 LOGINDISABLED")), PARAMS).status is Status.PASS
    assert key(imap_plaintext_login(facts(imap("IMAP4rev1 AUTH=PLAIN")), PARAMS)) == (Status.FAIL, "no-tls")
    assert key(imap_plaintext_login(facts(imap("IMAP4rev1 STARTTLS")), PARAMS)) == (
        Status.FAIL, "login-before-tls")
    # LOGINDISABLED but a cleartext SASL mechanism still offered
    outcome = imap_plaintext_login(facts(imap("IMAP4rev1 STARTTLS LOGINDISABLED AUTH=LOGIN")), PARAMS)
    assert key(outcome) == (Status.FAIL, "login-before-tls")
    # CRAM-MD5 does not send the password itself
    cram = imap("STARTTLS LOGINDISABLED AUTH=CRAM-MD5")
    assert imap_plaintext_login(facts(cram), PARAMS).status is Status.PASS


def test_one_faulty_address_fails_the_host() -> None:
    good, bad = imap("STARTTLS LOGINDISABLED"), imap("STARTTLS", address="127.0.0.26")
    outcome = imap_plaintext_login(facts(good, bad, found=("127.0.0.25", "127.0.0.26")), PARAMS)
    assert outcome.status is Status.FAIL
    assert outcome.message.values["endpoints"] == "127.0.0.26:143"
    assert len(outcome.evidence["endpoints"]) == 2  # type: ignore[arg-type]


def test_pop3() -> None:
    hardened = ("TOP", "UIDL", "STLS", "SASL")
    assert key(pop3_plaintext_login(facts(pop3(hardened)), PARAMS)) == (Status.PASS, "pass")
    assert key(pop3_plaintext_login(facts(pop3(("STLS", "USER"))), PARAMS)) == (
        Status.FAIL, "login-before-tls")
    assert key(pop3_plaintext_login(facts(pop3(("STLS", "SASL PLAIN"))), PARAMS)) == (
        Status.FAIL, "login-before-tls")
    assert key(pop3_plaintext_login(facts(pop3(("USER",))), PARAMS)) == (Status.FAIL, "no-tls")
    assert key(pop3_plaintext_login(facts(pop3((), capa=False)), PARAMS)) == (Status.FAIL, "no-tls")


def test_closed_errors_and_addresses() -> None:
    assert key(imap_plaintext_login(facts(imap("", CLOSED)), PARAMS)) == (Status.NOT_APPLICABLE, "closed")
    filtered = imap("", EndpointState.FILTERED)
    assert imap_plaintext_login(facts(filtered), PARAMS).status is Status.NOT_APPLICABLE
    timeout = MailboxEndpoint("imap", "127.0.0.25", 143, EndpointState.TIMEOUT, detail="no reply")
    assert imap_plaintext_login(facts(timeout), PARAMS).error_reason is ErrorReason.TIMEOUT
    garbage = MailboxEndpoint("imap", "127.0.0.25", 143, EndpointState.ERROR, detail="not an IMAP greeting")
    assert imap_plaintext_login(facts(garbage), PARAMS).error_reason is ErrorReason.PROTOCOL
    # an unreadable endpoint does not hide a failing one
    assert imap_plaintext_login(facts(garbage, imap("AUTH=PLAIN")), PARAMS).status is Status.FAIL
    assert key(imap_plaintext_login(facts(found=()), PARAMS)) == (Status.NOT_APPLICABLE, "no-address")
    broken = MailboxFacts(HOST, addresses(status=DnsStatus.SERVFAIL), ())
    assert imap_plaintext_login(broken, PARAMS).error_reason is ErrorReason.DNS_SERVFAIL
