"""collect_mailbox against lab IMAP/POP3 responders, judged by mail.imap/pop3.plaintext-login.

The responders listen on high ports the inventory declares (recognised by their greeting);
143 and 110 on the same address are closed, which is a fact, not an error.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks.mail_access import imap_plaintext_login, pop3_plaintext_login
from canhgac.engine.collectors.mailbox import collect_mailbox, probe_endpoint
from canhgac.engine.context import CollectContext, NetworkLimits, TargetOptions
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.mailbox import EndpointState, MailboxFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.mailbox_server import Hostile, LabImapServer, LabPop3Server, MailboxConfig
from canhgac.lab.pki import LabCA

CA = LabCA()
HOST = "mail.agency.gov.test"
CERT = CA.issue([HOST])
PARAMS = CheckParams()
HARDENED = MailboxConfig()
OPEN_DOOR = MailboxConfig(starttls=False, login_disabled=False, plaintext_mechanisms=("PLAIN", "LOGIN"),
                          user_command=True)


def zone(mail_address: str) -> str:
    return zone_file("gov.test", f"agency IN MX 10 mail.agency\nmail.agency IN A {mail_address}\n")


async def collect(
    imap: MailboxConfig | None, pop3: MailboxConfig | None, *, loopback_scope: bool = True,
    net: NetworkLimits | None = None,
) -> tuple[MailboxFacts, list[list[str]]]:
    mail = random_loopback()
    async with AsyncExitStack() as stack:
        servers: list[LabImapServer | LabPop3Server] = []
        if imap is not None:
            servers.append(await stack.enter_async_context(
                LabImapServer(address=mail, config=imap, cert=CERT)))
        if pop3 is not None:
            servers.append(await stack.enter_async_context(
                LabPop3Server(address=mail, config=pop3, cert=CERT)))
        dns = await stack.enter_async_context(
            LabDnsServer(zones={"gov.test": zone(mail)}, address=random_loopback()))
        target = Target(kind=TargetKind.MAIL_HOST, name=HOST, agency="so-tttt")
        ctx = lab_context(
            dns,
            domains=["gov.test"] if loopback_scope else ["other.test"],
            target_options={target.key: TargetOptions(served_domains=("agency.gov.test",),
                                                      ports=tuple(s.port for s in servers))},
            net=net or NetworkLimits(connect_timeout=1.0, read_timeout=1.0),
        )
        facts = await collect_mailbox(target, ctx)
        for server in servers:
            assert server.internal_errors == 0
        return facts, [s.commands for s in servers]


async def test_hardened_servers_pass_and_no_credentials_are_sent() -> None:
    facts, commands = await collect(HARDENED, HARDENED)
    assert imap_plaintext_login(facts, PARAMS).status is Status.PASS
    assert pop3_plaintext_login(facts, PARAMS).status is Status.PASS
    assert commands == [["CAPABILITY", "LOGOUT"], ["CAPA", "QUIT"]]
    closed = {(e.protocol, e.port) for e in facts.endpoints if e.state is EndpointState.CLOSED}
    assert closed == {("imap", 143), ("pop3", 110)}


async def test_cleartext_logins_fail() -> None:
    facts, commands = await collect(OPEN_DOOR, OPEN_DOOR)
    imap, pop3 = imap_plaintext_login(facts, PARAMS), pop3_plaintext_login(facts, PARAMS)
    assert (imap.status, imap.message.key) == (Status.FAIL, "no-tls")
    assert (pop3.status, pop3.message.key) == (Status.FAIL, "no-tls")
    assert all(not {"LOGIN", "USER", "PASS", "AUTHENTICATE", "AUTH"} & set(c) for c in commands)


async def test_login_before_starttls_fails() -> None:
    lax = MailboxConfig(starttls=True, login_disabled=False, user_command=True)
    facts, _ = await collect(lax, lax)
    assert imap_plaintext_login(facts, PARAMS).message.key == "login-before-tls"
    assert pop3_plaintext_login(facts, PARAMS).message.key == "login-before-tls"


async def test_pop3_without_capa_fails() -> None:
    facts, _ = await collect(None, MailboxConfig(starttls=False, capa=False))
    outcome = pop3_plaintext_login(facts, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "no-tls")
    assert imap_plaintext_login(facts, PARAMS).status is Status.NOT_APPLICABLE


async def test_nothing_listening_is_not_applicable() -> None:
    facts, _ = await collect(None, None)
    assert imap_plaintext_login(facts, PARAMS).message.key == "closed"
    assert pop3_plaintext_login(facts, PARAMS).status is Status.NOT_APPLICABLE


async def test_out_of_scope_address_is_never_contacted() -> None:
    facts, commands = await collect(OPEN_DOOR, None, loopback_scope=False)
    assert commands == [[]]
    assert {e.state for e in facts.endpoints} == {EndpointState.OUT_OF_SCOPE}
    assert imap_plaintext_login(facts, PARAMS).error_reason is ErrorReason.OUT_OF_SCOPE


@pytest.mark.parametrize("hostile", [Hostile.STALL, Hostile.ENDLESS_LINE])
async def test_hostile_imap_on_143_gives_an_error_in_time(hostile: Hostile) -> None:
    """Hostile servers on the standard port: the collector knows it must be IMAP there."""
    mail = random_loopback()
    net = NetworkLimits(connect_timeout=0.5, read_timeout=0.5, max_line_bytes=4096)
    async with LabImapServer(address=mail, config=MailboxConfig(starttls=False, hostile=hostile)) as server:
        ctx = CollectContext(dns=DnsClient((ServerAddress("127.0.0.1", 9),)),
                             scope=Scope.build(domains=["gov.test"], loopback_only=True),
                             settings=ScanSettings(net=net))
        started = time.monotonic()
        endpoint = await probe_endpoint(ctx, HOST, (), mail, server.port, "imap")
        assert time.monotonic() - started < 3
    if hostile is Hostile.STALL:
        assert endpoint.state is EndpointState.TIMEOUT
    else:
        assert (endpoint.state, endpoint.detail) == (EndpointState.ERROR, "line longer than 4096 bytes")
    addresses = HostAddresses.of(HOST, Lookup(HOST, "A", DnsStatus.OK, (mail,)),
                              Lookup(HOST, "AAAA", DnsStatus.NODATA))
    outcome = imap_plaintext_login(MailboxFacts(HOST, addresses, (endpoint,)), PARAMS)
    assert outcome.status is Status.ERROR
