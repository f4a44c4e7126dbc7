"""collect_mail_tls against the lab DNS server and loopback mail/TLS servers, judged by the checks."""

from __future__ import annotations

import socket
from pathlib import Path

from test_tls_support import FAST, Behaviour, TlsTestServer, loopback

from canhgac.engine.checks import mail_tls
from canhgac.engine.collectors import mail_tls as collector
from canhgac.engine.collectors.mail_tls import collect_mail_tls
from canhgac.engine.context import CollectContext, TargetOptions
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.tls import MailTlsFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.pki import LabCA, server_context

HOST = "mail.agency.gov.test"
CA = LabCA()


def zone(address: str) -> str:
    return f"""$TTL 300
@ IN SOA ns.gov.test. hostmaster.gov.test. 1 3600 600 86400 300
@ IN NS ns.gov.test.
ns IN A 127.0.0.53
agency IN MX 10 mail.agency
mail.agency IN A {address}
ghost.agency IN TXT "no address here"
"""


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


async def collect(dns: LabDnsServer, host: str, ports: tuple[int, ...], ca_file: str) -> MailTlsFacts:
    target = Target(kind=TargetKind.MAIL_HOST, name=host, agency="so-tttt")
    ctx = CollectContext(
        dns=DnsClient((ServerAddress(dns.address, dns.port),), timeout=0.5, attempts=1),
        scope=Scope.build(domains=["agency.gov.test"], loopback_only=True),
        target_options={target.key: TargetOptions(served_domains=("agency.gov.test",), ports=ports)},
        settings=ScanSettings(ca_file=ca_file, net=FAST),
    )
    return await collect_mail_tls(target, ctx)


def test_registry_accepts_the_family() -> None:
    registry = build_registry([collector, mail_tls])
    assert sorted(registry.checks) == sorted(
        f"mail.tls.{name}"
        for name in (
            "protocols",
            "ciphers",
            "forward-secrecy",
            "dh-params",
            "cert-trusted",
            "cert-name",
            "cert-expired",
            "cert-expiring",
            "cert-key",
            "cert-signature",
        )
    )


async def test_declared_ports_are_recognised_and_judged(tmp_path: Path) -> None:
    ca_file = str(CA.write_ca(tmp_path))
    address = loopback()
    good = server_context(CA.issue([HOST]))
    expired = server_context(CA.issue([HOST], expired=True))
    async with (
        LabDnsServer(zones={"gov.test": zone(address)}, address=loopback()) as dns,
        TlsTestServer(good, Behaviour(starttls="smtp"), address=address) as smtp,
        TlsTestServer(expired, address=address) as imaps,
        TlsTestServer(None, Behaviour(starttls="pop3", offer_starttls=False), address=address) as pop3,
    ):
        closed = free_port(address)
        facts = await collect(dns, HOST, (smtp.port, imaps.port, pop3.port, closed), ca_file)
    assert facts.addresses == (address,)
    assert [(e.port, e.starttls.value) for e in facts.endpoints] == [
        (smtp.port, "smtp"),
        (imaps.port, "none"),
    ]
    assert facts.closed == (f"{address}:{closed}",)
    assert facts.no_starttls == (f"{address}:{pop3.port}",)
    params = CheckParams()
    expired_outcome = mail_tls.tls_cert_expired(facts, params)
    assert expired_outcome.status is Status.FAIL
    assert expired_outcome.message.values["endpoints"] == f"{address}:{imaps.port} TLS"
    assert mail_tls.tls_cert_trusted(facts, params).status is Status.PASS


async def test_host_without_address_is_not_applicable(tmp_path: Path) -> None:
    async with LabDnsServer(zones={"gov.test": zone("127.0.0.25")}, address=loopback()) as dns:
        facts = await collect(dns, "ghost.agency.gov.test", (), str(CA.write_ca(tmp_path)))
    assert facts.addresses == () and facts.endpoints == ()
    outcome = mail_tls.tls_protocols(facts, CheckParams())
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-address")


async def test_out_of_scope_address_is_never_contacted(tmp_path: Path) -> None:
    async with (
        LabDnsServer(zones={"gov.test": zone("127.0.0.25")}, address=loopback()) as dns,
    ):
        target = Target(kind=TargetKind.MAIL_HOST, name=HOST, agency="so-tttt")
        ctx = CollectContext(
            dns=DnsClient((ServerAddress(dns.address, dns.port),), timeout=0.5, attempts=1),
            scope=Scope.build(domains=["other.gov.test"], loopback_only=True),
            settings=ScanSettings(net=FAST),
        )
        facts = await collect_mail_tls(target, ctx)
    assert facts.out_of_scope == ("127.0.0.25",) and facts.endpoints == ()
    outcome = mail_tls.tls_cert_name(facts, CheckParams())
    assert outcome.status is Status.ERROR and outcome.error_reason is ErrorReason.OUT_OF_SCOPE
