"""Reverse DNS and DANE of mail hosts through a lab DNS server (and a lab SMTP server for DANE).

The lab server holds ``lab.test`` and ``127.in-addr.arpa``: one host with forward-confirmed
reverse DNS, one without a PTR, one whose PTR name resolves elsewhere; and TLSA records that
match the lab certificate, that do not, and that use a usage SMTP ignores.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import dns.reversename
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lab_dns_support import lab_context

from canhgac.engine.checks import mail_smtp as m
from canhgac.engine.collectors.smtp import SmtpPorts, collect_rdns, collect_tlsa, probe_host
from canhgac.engine.context import CollectContext, NetworkLimits, TargetOptions
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer
from canhgac.lab.pki import LabCA
from canhgac.lab.smtp_server import LabSmtpServer

CA = LabCA()
PARAMS = CheckParams()


def net_part() -> str:
    return f"127.{random.randint(100, 199)}.{random.randint(0, 255)}"


def spki_sha256(cert_pem: str) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return hashlib.sha256(
        cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()


def ptr_owner(address: str) -> str:
    return dns.reversename.from_address(address).to_text()


def zones(net: str, cert_pem: str) -> dict[str, str]:
    good = f"""
good IN A {net}.1
_25._tcp.good IN TLSA 3 1 1 {spki_sha256(cert_pem)}
stale IN A {net}.2
_25._tcp.stale IN TLSA 3 1 1 {"ab" * 32}
_25._tcp.stale IN TLSA 3 0 2 {"cd" * 64}
ta IN A {net}.8
_25._tcp.ta IN TLSA 2 0 1 {"ef" * 32}
pkix IN A {net}.3
_25._tcp.pkix IN TLSA 1 1 1 {spki_sha256(cert_pem)}
nodane IN A {net}.4
noptr IN A {net}.5
liar IN A {net}.6
elsewhere IN A {net}.99
broken IN A {net}.7
"""
    lab = "$TTL 300\n@ IN SOA ns.lab.test. h.lab.test. 1 3600 600 86400 300\n@ IN NS ns.lab.test.\n" + good
    ptrs = {1: "good", 2: "stale", 3: "pkix", 4: "nodane", 6: "elsewhere", 7: "broken"}
    reverse = "$TTL 300\n@ IN SOA ns.lab.test. h.lab.test. 1 3600 600 86400 300\n@ IN NS ns.lab.test.\n"
    reverse += "".join(f"{ptr_owner(f'{net}.{n}')} IN PTR {name}.lab.test.\n" for n, name in ptrs.items())
    return {"lab.test": lab, "127.in-addr.arpa": reverse}


def context(server: LabDnsServer, **overrides: Any) -> CollectContext:
    return lab_context(
        server, domains=["lab.test"], net=NetworkLimits(connect_timeout=1.0, read_timeout=1.0), **overrides
    )


def target(name: str) -> Target:
    return Target(kind=TargetKind.MAIL_HOST, name=f"{name}.lab.test", agency="so-tttt")


async def test_reverse_dns_confirmed_missing_mismatched_and_failed() -> None:
    net = net_part()
    cert, _ = CA.issue(["good.lab.test"])
    faults = {(ptr_owner(f"{net}.7"), "PTR"): Fault.SERVFAIL}
    async with LabDnsServer(zones=zones(net, cert), address=f"{net}.53", faults=faults) as server:
        ctx = context(server)
        verdicts = {}
        for name in ("good", "noptr", "liar", "broken", "absent"):
            outcome = m.smtp_rdns(await collect_rdns(target(name), ctx), PARAMS)
            verdicts[name] = (outcome.status, outcome.message.key, outcome.error_reason)
    assert verdicts == {
        "good": (Status.PASS, "pass", None),
        "noptr": (Status.FAIL, "missing", None),
        "liar": (Status.FAIL, "mismatch", None),
        "broken": (Status.ERROR, "error", ErrorReason.DNS_SERVFAIL),
        "absent": (Status.NOT_APPLICABLE, "no-address", None),
    }


async def dane_verdict(name: str, net: str, tls: bool = True) -> tuple[Status, str]:
    host = f"{name}.lab.test"
    cert = CA.issue([f"{n}.lab.test" for n in ("good", "stale", "pkix", "nodane", "ta")])
    index = {"good": 1, "stale": 2, "pkix": 3, "nodane": 4, "ta": 8}[name]
    address = f"{net}.{index}"
    async with (
        LabDnsServer(zones=zones(net, cert[0]), address=f"{net}.53") as dns_server,
        LabSmtpServer(address=address, banner=f"{host} ESMTP", tls=cert if tls else None) as smtp,
    ):
        options = TargetOptions(served_domains=("lab.test",), intrusive_probes=False)
        ctx = context(dns_server, target_options={target(name).key: options})
        tlsa = await collect_tlsa(target(name), ctx)
        facts = await probe_host(target(name), ctx, SmtpPorts(smtp=smtp.port))
    outcome = m.smtp_dane(tlsa, facts, PARAMS)
    return outcome.status, outcome.message.key


async def test_dane_match_mismatch_unusable_and_absent() -> None:
    net = net_part()
    assert await dane_verdict("good", net) == (Status.PASS, "pass")
    assert await dane_verdict("stale", net) == (Status.FAIL, "no-match")
    assert await dane_verdict("pkix", net) == (Status.FAIL, "unusable")
    assert await dane_verdict("nodane", net) == (Status.NOT_APPLICABLE, "none")
    assert await dane_verdict("good", net, tls=False) == (Status.FAIL, "no-tls")
    # DANE-TA needs the issuer chain, which the shared TLS facts do not keep: untestable, not a pass
    assert await dane_verdict("ta", net) == (Status.ERROR, "error")
