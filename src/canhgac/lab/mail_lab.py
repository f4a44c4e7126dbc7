"""The demo province's mail servers: SMTP, IMAP, POP3, MTA-STS policy and webmail hosts.

Each agency's mail host (``mail.<domain>`` at 127.25.N.1) runs real servers that are
faultless except for the one case planted on that agency; the control agency (STTTT) plants
nothing. The DNS the servers need — PTR records, a DNS blocklist zone, TLSA records, webmail
host names — is returned by :func:`dns_additions` and merged into the province's zones, so
zones and certificates agree. The CA and certificates are made once per process.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.mailbox_server import LabImapServer, LabPop3Server, MailboxConfig
from canhgac.lab.names import DNSBL_ZONE, ORG
from canhgac.lab.pki import KeyKind, server_context
from canhgac.lab.responder_base import ServerGroup
from canhgac.lab.smtp_server import LabSmtpServer, Vrfy
from canhgac.lab.web_lab import webmail_server

PORTS = {"smtp": 25, "submission": 587, "imap": 143, "pop3": 110, "https": 443, "http": 80}


@dataclass(frozen=True)
class Submission:
    """A mail host's submission port (587, STARTTLS) and what it plants."""

    open_relay: bool = False  # relays for anyone without AUTH
    vrfy: Vrfy = Vrfy.OFF


@dataclass(frozen=True)
class MailHostPlan:
    """One agency's mail host and what it plants (defaults: faultless)."""

    number: int
    domain: str
    host: str
    aliases: tuple[str, ...] = ()  # further names the certificate must cover
    cert: CertSpec = field(default_factory=CertSpec)
    banner: str = ""
    starttls: bool = True
    auth_before_tls: bool = False
    vrfy: Vrfy = Vrfy.OFF
    open_relay: bool = False
    submission: Submission | None = None  # a submission server on 587 (STARTTLS), if any
    legacy_tls: bool = False  # TLS 1.0 and 3DES accepted
    imap: MailboxConfig = field(default_factory=MailboxConfig)
    pop3: MailboxConfig = field(default_factory=MailboxConfig)
    ptr: bool = True
    listed: bool = False  # in the lab DNS blocklist
    tlsa: str = ""  # "" none, "match", "mismatch"
    policy_mx: tuple[str, ...] | None = None  # MTA-STS policy mx lines; None: the host itself
    serve_policy: bool = True

    @property
    def address(self) -> str:
        return f"127.25.{self.number}.1"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.host, *self.aliases)


def _d(label: str) -> str:
    return f"{label}.{ORG}" if label else ORG


# The planted cases of the mail servers, one agency each (see EXPECTED below).
HOSTS: tuple[MailHostPlan, ...] = (
    MailHostPlan(1, _d(""), f"mail.{ORG}", banner=f"mail.{ORG} ESMTP Exim 4.94.2", tlsa="mismatch"),
    # the control: VRFY answers 252 for every name (RFC 5321 3.5.3), which tells nothing
    MailHostPlan(
        2,
        _d("stttt"),
        f"mail.{_d('stttt')}",
        tlsa="match",
        vrfy=Vrfy.CANNOT,
        submission=Submission(vrfy=Vrfy.CANNOT),
    ),
    MailHostPlan(
        3, _d("soyte"), f"mail.{_d('soyte')}", starttls=False, policy_mx=("mail.old-provider.test",)
    ),
    # port 25 refuses to relay; the submission port relays for anyone (found inside STARTTLS)
    MailHostPlan(
        4,
        _d("sogddt"),
        f"mail.{_d('sogddt')}",
        cert=CertSpec(expired=True),
        submission=Submission(open_relay=True),
    ),
    MailHostPlan(5, _d("snv"), f"mail.{_d('snv')}", cert=CertSpec(self_signed=True)),
    # VRFY off on port 25, but the submission port tells real mailboxes from unknown ones
    MailHostPlan(
        6,
        _d("stc"),
        f"mail.{_d('stc')}",
        cert=CertSpec(wrong_name=True),
        submission=Submission(vrfy=Vrfy.VERIFY),
    ),
    MailHostPlan(
        7,
        _d("phuquoc"),
        f"mail.{_d('phuquoc')}",
        aliases=(f"relay.{_d('phuquoc')}",),
        cert=CertSpec(expiring=True, key=KeyKind.RSA1024),
        policy_mx=(f"mail.{_d('phuquoc')}", f"mail2.{_d('phuquoc')}"),
    ),
    MailHostPlan(
        8,
        _d("rachgia"),
        f"mail.{_d('rachgia')}",
        open_relay=True,
        cert=CertSpec(sha1=True),
        serve_policy=False,
    ),
    MailHostPlan(
        9,
        _d("bqlkkt"),
        f"mail.{_d('bqlkkt')}",
        vrfy=Vrfy.VERIFY,
        auth_before_tls=True,
        imap=MailboxConfig(login_disabled=False),
        pop3=MailboxConfig(user_command=True),
    ),
    MailHostPlan(
        12,
        "baokiengiang.test",
        "mail.baokiengiang.test",
        ptr=False,
        listed=True,
        legacy_tls=True,
        serve_policy=False,
    ),
)
# Webmail URLs: (agency number, host name, redirects http to https)
WEBMAIL: tuple[tuple[int, str, bool], ...] = (
    (2, f"webmail.{_d('stttt')}", True),
    (5, f"webmail.{_d('snv')}", False),
)
# Policy hosts for domains with a mail host elsewhere or none: (number, domain, mx lines)
EXTRA_POLICIES: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (11, _d("vinhthuan"), (f"mail.{_d('vinhthuan')}",)),
)

EXPECTED: tuple[tuple[str, str], ...] = (
    ("mail.smtp.banner", f"mail.{ORG}"),
    ("mail.smtp.dane", f"mail.{ORG}"),
    ("mail.smtp.starttls", f"mail.{_d('soyte')}"),
    ("mail.mta-sts.policy", _d("soyte")),
    ("mail.tls.cert-expired", f"mail.{_d('sogddt')}"),
    ("mail.smtp.open-relay", f"mail.{_d('sogddt')}"),  # on the submission port
    ("mail.tls.cert-trusted", f"mail.{_d('snv')}"),
    ("mail.webmail.https", f"https://webmail.{_d('snv')}/"),
    ("web.https.redirect", f"https://webmail.{_d('snv')}/"),
    ("mail.tls.cert-name", f"mail.{_d('stc')}"),
    ("mail.smtp.vrfy", f"mail.{_d('stc')}"),  # on the submission port
    ("mail.smtp.vrfy-enabled", f"mail.{_d('stc')}"),
    ("mail.tls.cert-expiring", f"mail.{_d('phuquoc')}"),
    ("mail.tls.cert-key", f"mail.{_d('phuquoc')}"),
    ("mail.smtp.open-relay", f"mail.{_d('rachgia')}"),
    ("mail.tls.cert-signature", f"mail.{_d('rachgia')}"),
    ("mail.smtp.vrfy", f"mail.{_d('bqlkkt')}"),
    ("mail.smtp.vrfy-enabled", f"mail.{_d('bqlkkt')}"),
    ("mail.smtp.auth-plaintext", f"mail.{_d('bqlkkt')}"),
    ("mail.imap.plaintext-login", f"mail.{_d('bqlkkt')}"),
    ("mail.pop3.plaintext-login", f"mail.{_d('bqlkkt')}"),
    ("mail.dnsbl.listed", "mail.baokiengiang.test"),
    ("mail.smtp.rdns", "mail.baokiengiang.test"),
    ("mail.tls.protocols", "mail.baokiengiang.test"),
    ("mail.tls.ciphers", "mail.baokiengiang.test"),
    # its legacy "ALL" cipher list also accepts static-RSA suites (every accepted suite is judged)
    ("mail.tls.forward-secrecy", "mail.baokiengiang.test"),
)


def _cert_for(plan: MailHostPlan) -> tuple[str, str]:
    return certificate(plan.host, plan.cert, plan.aliases)


def _spki_sha256(chain_pem: str) -> str:
    leaf = x509.load_pem_x509_certificate(chain_pem.encode())
    spki = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


Records = dict[tuple[str, str], list[str]]


def _txt(value: str) -> str:
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def dns_additions(zone_head: Callable[[str, list[tuple[str, str]]], Records]) -> dict[str, Records]:
    """Records to add (zone origin -> records): PTRs, the DNS blocklist zone, TLSA, webmail."""
    ns = [("ns1.nic.test", "127.53.201.1")]
    reverse = zone_head("127.in-addr.arpa", ns)
    rbl = zone_head(DNSBL_ZONE, ns)
    rbl[("2.0.0.127", "A")] = ["127.0.0.2"]  # RFC 5782 test entry: the zone is alive
    rbl[("2.0.0.127", "TXT")] = [_txt("RFC 5782 test entry")]
    additions: dict[str, Records] = {"127.in-addr.arpa": reverse, DNSBL_ZONE: rbl}
    for plan in HOSTS:
        octets = plan.address.split(".")
        if plan.ptr:
            reverse[(".".join(reversed(octets[1:])), "PTR")] = [f"{plan.host}."]
        if plan.listed:
            owner = ".".join(reversed(octets))
            rbl[(owner, "A")] = ["127.0.0.2"]
            rbl[(owner, "TXT")] = [_txt(f"Listed in the lab blocklist: spam seen from {plan.address}")]
        if plan.tlsa:
            digest = _spki_sha256(_cert_for(plan)[0])
            if plan.tlsa == "mismatch":
                digest = hashlib.sha256(b"a key this server no longer uses").hexdigest()
            zone = additions.setdefault(plan.domain, {})
            zone[(f"_25._tcp.{plan.host}.", "TLSA")] = [f"3 1 1 {digest}"]
    for number, host, _ in WEBMAIL:
        domain = host.split(".", 1)[1]
        additions.setdefault(domain, {})[(f"{host}.", "A")] = [f"127.45.{number}.1"]
    return additions


def _policy(mx: tuple[str, ...]) -> Route:
    lines = ["version: STSv1", "mode: enforce", *(f"mx: {m}" for m in mx), "max_age: 86400", ""]
    return Route.text("\r\n".join(lines))


def _servers(plan: MailHostPlan) -> list[Any]:
    cert = _cert_for(plan)
    tls_context = None
    if plan.legacy_tls:
        import ssl

        tls_context = server_context(
            cert, minimum_version=ssl.TLSVersion.TLSv1, ciphers="ALL:3DES:@SECLEVEL=0"
        )
    local = (plan.domain,)
    servers: list[Any] = [
        LabSmtpServer(
            address=plan.address,
            port=PORTS["smtp"],
            banner=plan.banner or f"{plan.host} ESMTP",
            tls=cert if plan.starttls and tls_context is None else None,
            tls_context=tls_context if plan.starttls else None,
            auth_before_tls=plan.auth_before_tls,
            vrfy=plan.vrfy,
            open_relay=plan.open_relay,
            local_domains=local,
        ),
        LabImapServer(address=plan.address, port=PORTS["imap"], config=plan.imap, cert=cert),
        LabPop3Server(address=plan.address, port=PORTS["pop3"], config=plan.pop3, cert=cert),
    ]
    if plan.submission is not None:
        servers.append(
            LabSmtpServer(
                address=plan.address,
                port=PORTS["submission"],
                banner=f"{plan.host} ESMTP",
                tls=cert,
                vrfy=plan.submission.vrfy,
                open_relay=plan.submission.open_relay,
                local_domains=local,
            )
        )
    if plan.serve_policy:
        servers.append(_policy_server(plan.number, plan.domain, plan.policy_mx or (plan.host,)))
    return servers


def _policy_server(number: int, domain: str, mx: tuple[str, ...]) -> LabHttpsServer:
    host = f"mta-sts.{domain}"
    return LabHttpsServer(
        address=f"127.44.{number}.1",
        https_port=PORTS["https"],
        http_port=None,
        cert=certificate(host, CertSpec()),
        routes={"/.well-known/mta-sts.txt": _policy(mx)},
    )


@dataclass
class MailLab(ServerGroup):
    """The running mail servers. The SMTP servers count no internal errors: aiosmtpd puts every
    session error in their ``errors``, and nearly all are clients' doing (refused handshakes)."""

    ca_pem: str


async def start_mail_lab() -> MailLab:
    """Start every mail, policy and webmail server on its standard port (needs root or a netns)."""
    wanted: list[Any] = []
    for plan in HOSTS:
        wanted += _servers(plan)
    wanted += [_policy_server(n, d, mx) for n, d, mx in EXTRA_POLICIES]
    wanted += [webmail_server(n, h, redirects=r) for n, h, r in WEBMAIL]
    started: list[Any] = []
    try:
        for server in wanted:
            await server.start()
            started.append(server)
    except BaseException:
        await MailLab(started, "").stop()
        raise
    await asyncio.sleep(0)
    return MailLab(started, lab_ca().ca_pem)
