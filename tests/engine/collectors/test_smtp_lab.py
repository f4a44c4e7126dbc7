"""The SMTP probe against real lab servers: every planted case, a faultless control, hostile servers.

Each test starts a lab DNS server holding ``lab.test`` (the mail host's A record points at a
random 127.x address) and SMTP servers on that address, probes the host with the collector and
judges the facts with the registered mail.smtp.* checks.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks import mail_smtp as m
from canhgac.engine.collectors.smtp import SmtpPorts, probe_host
from canhgac.engine.context import CollectContext, NetworkLimits, TargetOptions
from canhgac.engine.facts.smtp import SmtpFacts, StopReason
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.mailbox_server import LabImapServer, MailboxConfig
from canhgac.lab.pki import LabCA
from canhgac.lab.smtp_server import Hostile, HostileSmtpServer, LabSmtpServer, Vrfy

HOST = "mail.lab.test"
LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=1.0, max_line_bytes=2048, max_reply_bytes=8192)
CHECKS = {
    "reachable": m.smtp_reachable,
    "banner": m.smtp_banner,
    "starttls": m.smtp_starttls,
    "auth-plaintext": m.smtp_auth_plaintext,
    "vrfy": m.smtp_vrfy,
    "vrfy-enabled": m.smtp_vrfy_enabled,
    "open-relay": m.smtp_open_relay,
}
TARGET = Target(kind=TargetKind.MAIL_HOST, name=HOST, agency="so-tttt")
CA = LabCA()
CERT = CA.issue([HOST])


def random_address() -> str:
    return random_loopback((100, 199), (2, 250))


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


def zone(address: str) -> str:
    return zone_file("lab.test", f"@ IN MX 10 mail\nmail IN A {address}\n")


@asynccontextmanager
async def context(
    address: str,
    tmp_path: Path,
    *,
    intrusive: bool = True,
    scope: str = "lab.test",
    ports: tuple[int, ...] = (),
) -> AsyncIterator[CollectContext]:
    async with LabDnsServer(zones={"lab.test": zone(address)}, address=random_address()) as dns_server:
        yield lab_context(
            dns_server,
            domains=[scope],
            net=LIMITS,
            ca_file=str(CA.write_ca(tmp_path)),
            ehlo_name="scanner.csirt.test",
            target_options={
                TARGET.key: TargetOptions(
                    served_domains=("lab.test",), intrusive_probes=intrusive, ports=ports
                )
            },
        )


def judge(facts: SmtpFacts) -> dict[str, tuple[Status, str]]:
    outcomes = {name: func(facts, CheckParams()) for name, func in CHECKS.items()}
    return {name: (o.status, o.message.key) for name, o in outcomes.items()}


async def probe(server_port: int, ctx: CollectContext, **ports: int) -> SmtpFacts:
    return await probe_host(TARGET, ctx, SmtpPorts(smtp=server_port, **ports))


async def test_faultless_control_server_gives_no_finding(tmp_path: Path) -> None:
    address = random_address()
    async with (
        context(address, tmp_path) as ctx,
        LabSmtpServer(
            address=address, banner=f"{HOST} ESMTP", tls=CERT, local_domains=["lab.test"]
        ) as server,
    ):
        facts = await probe(server.port, ctx)
    assert judge(facts) == {name: (Status.PASS, "pass") for name in CHECKS}
    assert facts.starttls[0].ok is True and facts.starttls[0].certificates
    # the relay probe ran (and was refused), never sending message content
    assert {"MAIL", "RCPT", "RSET", "QUIT"} <= set(server.commands)
    assert not {"DATA", "BDAT"} & set(server.commands)


async def test_every_planted_fault_is_found_and_the_relay_probe_is_harmless(tmp_path: Path) -> None:
    address = random_address()
    planted = LabSmtpServer(
        address=address,
        banner=f"{HOST} ESMTP Exim 4.94.2",
        auth_before_tls=True,
        vrfy=Vrfy.VERIFY,
        open_relay=True,
    )
    async with context(address, tmp_path) as ctx, planted as server:
        facts = await probe(server.port, ctx)
    assert judge(facts) == {
        "reachable": (Status.PASS, "pass"),
        "banner": (Status.FAIL, "disclosed"),
        "starttls": (Status.FAIL, "not-offered"),
        "auth-plaintext": (Status.FAIL, "advertised"),
        "vrfy": (Status.FAIL, "vrfy"),
        "vrfy-enabled": (Status.FAIL, "vrfy"),
        "open-relay": (Status.FAIL, "open"),
    }
    assert m.smtp_banner(facts, CheckParams()).message.values["detail"] == "Exim 4.94.2"
    commands = server.commands
    assert commands[commands.index("MAIL") :] == ["MAIL", "RCPT", "RSET", "QUIT"]
    assert "DATA" not in commands and "BDAT" not in commands
    assert facts.mta_sessions[0].transcript[0] == f"S: 220 {HOST} ESMTP Exim 4.94.2"


async def test_expn_disclosure_is_its_own_finding(tmp_path: Path) -> None:
    address = random_address()

    class ExpnOnly(LabSmtpServer):
        def verify(self, argument: str, verb: str) -> str:
            return "252 2.0.0 try it" if verb == "VRFY" else super().verify(argument, verb)

    expn_only = ExpnOnly(address=address, tls=CERT, vrfy=Vrfy.VERIFY)
    async with context(address, tmp_path) as ctx, expn_only as server:
        facts = await probe(server.port, ctx)
    assert judge(facts)["vrfy"] == (Status.FAIL, "expn")
    assert judge(facts)["vrfy-enabled"] == (Status.FAIL, "expn")


async def test_opt_out_sends_no_mail_from_at_all(tmp_path: Path) -> None:
    address = random_address()
    async with (
        context(address, tmp_path, intrusive=False) as ctx,
        LabSmtpServer(address=address, tls=CERT, open_relay=True) as server,
    ):
        facts = await probe(server.port, ctx)
    assert judge(facts)["open-relay"] == (Status.NOT_APPLICABLE, "opt-out")
    assert "MAIL" not in server.commands and "RCPT" not in server.commands
    assert not facts.mta_sessions[0].relay_probed


async def test_submission_and_implicit_tls_ports_when_declared(tmp_path: Path) -> None:
    address = random_address()
    async with (
        LabSmtpServer(address=address, tls=CERT) as mta,
        LabSmtpServer(address=address, tls=CERT, auth_before_tls=True) as submission,
        LabSmtpServer(
            address=address, tls=CERT, implicit_tls=True, banner=f"{HOST} ESMTP Postfix 3.5.6"
        ) as smtps,
        context(address, tmp_path, ports=(submission.port, smtps.port)) as ctx,
    ):
        facts = await probe(mta.port, ctx, submission=submission.port, smtps=smtps.port)
    assert [s.port for s in facts.sessions] == [mta.port, submission.port, smtps.port]
    assert facts.sessions[2].greeted and facts.sessions[2].extension("AUTH") is not None
    verdicts = judge(facts)
    assert verdicts["auth-plaintext"] == (Status.FAIL, "advertised")  # 587 only: 465 is TLS already
    assert (
        m.smtp_auth_plaintext(facts, CheckParams()).message.values["endpoints"]
        == f"{address}:{submission.port}"
    )
    assert verdicts["banner"] == (Status.FAIL, "disclosed")
    # VRFY/EXPN and the relay probe on every port, 587 inside STARTTLS; never DATA anywhere
    assert submission.commands == [
        "EHLO", "STARTTLS", "EHLO", "VRFY", "VRFY", "EXPN", "EXPN", "MAIL", "RCPT", "RSET", "QUIT"]
    assert facts.sessions[1].tls == "starttls" and facts.sessions[2].tls == "implicit"
    for server in (mta, submission, smtps):
        assert {"MAIL", "RCPT", "RSET"} <= set(server.commands)
        assert not {"DATA", "BDAT"} & set(server.commands)


async def test_closed_declared_submission_port_is_a_fact_not_an_error(tmp_path: Path) -> None:
    address = random_address()
    async with (
        LabSmtpServer(address=address, tls=CERT) as mta,
        context(address, tmp_path, ports=(587,)) as ctx,
    ):
        facts = await probe(mta.port, ctx, submission=1)  # nothing listens on port 1
    assert facts.sessions[1].stop is StopReason.REFUSED
    assert judge(facts)["auth-plaintext"] == (Status.PASS, "pass")
    assert judge(facts)["banner"] == (Status.PASS, "pass")


async def test_an_open_relay_on_the_submission_port_alone_is_found(tmp_path: Path) -> None:
    address = random_address()
    async with (
        LabSmtpServer(address=address, tls=CERT, vrfy=Vrfy.CANNOT, local_domains=["lab.test"]) as mta,
        LabSmtpServer(address=address, tls=CERT, open_relay=True, vrfy=Vrfy.VERIFY) as submission,
        context(address, tmp_path) as ctx,  # 587 not declared: probed all the same
    ):
        facts = await probe(mta.port, ctx, submission=submission.port)
    where = f"{address}:{submission.port}"
    verdicts = judge(facts)
    assert verdicts["open-relay"] == (Status.FAIL, "open")
    assert verdicts["vrfy"] == (Status.FAIL, "vrfy") and verdicts["vrfy-enabled"] == (Status.FAIL, "vrfy")
    for check in (m.smtp_open_relay, m.smtp_vrfy, m.smtp_vrfy_enabled):
        assert check(facts, CheckParams()).message.values["endpoints"] == where
    relay = m.smtp_open_relay(facts, CheckParams()).evidence["endpoints"]
    assert [(e["endpoint"], e["state"], e["tls"]) for e in relay] == [
        (f"{address}:{mta.port}", "ok", "none"), (where, "fault", "starttls")]
    assert relay[1]["rcpt_to"] == "250 2.1.5 OK"
    assert submission.commands[:3] == ["EHLO", "STARTTLS", "EHLO"]
    assert not {"DATA", "BDAT"} & set(submission.commands)
    # port 25 answers 252 to every name: neither enumeration nor VRFY "enabled" there
    vrfy = m.smtp_vrfy_enabled(facts, CheckParams()).evidence["endpoints"]
    assert vrfy[0]["state"] == "ok" and vrfy[0]["vrfy_random"].startswith("252 2.0.0")


async def test_a_submission_port_that_drops_mid_starttls_is_untested_not_passed(tmp_path: Path) -> None:
    address = random_address()
    async with (
        LabSmtpServer(address=address, tls=CERT, local_domains=["lab.test"]) as mta,
        HostileSmtpServer(address=address, behaviour=Hostile.DROP_AFTER_STARTTLS) as submission,
        context(address, tmp_path) as ctx,
    ):
        started = time.perf_counter()
        facts = await probe(mta.port, ctx, submission=submission.port)
        elapsed = time.perf_counter() - started
    assert elapsed < LIMITS.connect_timeout + 3 * LIMITS.read_timeout + 1
    dropped = facts.sessions[1]
    assert dropped.starttls is not None and dropped.starttls.code == 220
    assert dropped.stop in (StopReason.CLOSED, StopReason.TLS_FAILED) and dropped.relay_mail is None
    verdicts = judge(facts)
    for name in ("vrfy", "vrfy-enabled", "open-relay"):
        assert verdicts[name] == (Status.ERROR, "error"), name
    assert verdicts["auth-plaintext"] == (Status.PASS, "pass")  # the offer before TLS was seen


async def test_declared_odd_ports_are_recognised_by_their_greeting(tmp_path: Path) -> None:
    address = random_address()
    async with (
        LabSmtpServer(address=address, tls=CERT) as mta,
        LabSmtpServer(address=address, tls=CERT, open_relay=True) as alt_plain,
        LabSmtpServer(address=address, tls=CERT, implicit_tls=True) as alt_tls,
        LabImapServer(address=address, port=0, config=MailboxConfig(), cert=CERT) as imap,
        context(address, tmp_path, ports=(alt_plain.port, alt_tls.port, imap.port)) as ctx,
    ):
        facts = await probe(mta.port, ctx)
    by_port = {s.port: s for s in facts.sessions}
    assert imap.port not in by_port  # speaks IMAP: not an SMTP port of the host
    assert by_port[alt_plain.port].tls == "starttls"
    assert by_port[alt_tls.port].tls == "implicit" and by_port[alt_tls.port].greeted
    outcome = m.smtp_open_relay(facts, CheckParams())
    assert outcome.status is Status.FAIL
    assert outcome.message.values["endpoints"] == f"{address}:{alt_plain.port}"


async def test_a_closed_port_25_is_not_applicable_but_unreachable(tmp_path: Path) -> None:
    address = random_address()
    async with context(address, tmp_path) as ctx:
        facts = await probe(free_port(address), ctx)
    verdicts = judge(facts)
    assert verdicts.pop("reachable") == (Status.FAIL, "unreachable")
    assert set(verdicts.values()) == {(Status.NOT_APPLICABLE, "not-listening")}
    outcome = m.smtp_banner(facts, CheckParams())
    assert outcome.evidence["not_listening"] == [f"{address}:{facts.sessions[0].port} refused",
                                                 f"{address}:587 refused", f"{address}:465 refused"]


async def test_address_outside_the_scope_is_never_contacted(tmp_path: Path) -> None:
    address = random_address()
    async with (
        context(address, tmp_path, scope="elsewhere.test") as ctx,
        LabSmtpServer(address=address, tls=CERT) as server,
    ):
        # no served domains either
        ctx = CollectContext(dns=ctx.dns, scope=ctx.scope, settings=ScanSettings(net=LIMITS))
        facts = await probe(server.port, ctx)
    assert facts.sessions == () and facts.refused[0][0] == address
    assert server.commands == [] and not server.connections
    for name, func in CHECKS.items():
        outcome = func(facts, CheckParams())
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.OUT_OF_SCOPE), name


async def test_host_without_address_is_not_applicable(tmp_path: Path) -> None:
    async with context(random_address(), tmp_path) as ctx:
        target = Target(kind=TargetKind.MAIL_HOST, name="gone.lab.test", agency="x")
        facts = await probe_host(target, ctx, SmtpPorts(smtp=2525))
    assert facts.sessions == ()
    assert {v for v in judge(facts).values()} == {(Status.NOT_APPLICABLE, "no-address")}


HOSTILE_EXPECTED = {
    Hostile.SILENT: ("reachable", Status.FAIL, StopReason.TIMEOUT),
    Hostile.ENDLESS_LINE: ("reachable", Status.FAIL, StopReason.LINE_TOO_LONG),
    Hostile.REPLY_FLOOD: ("reachable", Status.FAIL, StopReason.REPLY_TOO_LARGE),
    Hostile.GARBAGE: ("reachable", Status.FAIL, StopReason.GARBAGE),
    Hostile.REJECT: ("reachable", Status.FAIL, None),
    Hostile.STALL_AFTER_BANNER: ("starttls", Status.ERROR, StopReason.TIMEOUT),
}


@pytest.mark.parametrize("behaviour", list(HOSTILE_EXPECTED))
async def test_hostile_servers_give_a_finding_or_an_error_in_time(behaviour: Hostile, tmp_path: Path) -> None:
    address = random_address()
    check_name, status, stop = HOSTILE_EXPECTED[behaviour]
    async with (
        context(address, tmp_path) as ctx,
        HostileSmtpServer(address=address, behaviour=behaviour) as server,
    ):
        started = time.perf_counter()
        facts = await probe(server.port, ctx)
        elapsed = time.perf_counter() - started
    assert elapsed < LIMITS.connect_timeout + 3 * LIMITS.read_timeout + 1
    assert facts.mta_sessions[0].stop is stop
    verdicts = judge(facts)
    assert verdicts[check_name][0] is status
    # nothing passes that could not be tested
    if behaviour is not Hostile.STALL_AFTER_BANNER:
        assert all(v[0] in (Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE) for v in verdicts.values())


async def test_drop_mid_starttls_is_a_failed_upgrade(tmp_path: Path) -> None:
    address = random_address()
    async with (
        context(address, tmp_path) as ctx,
        HostileSmtpServer(address=address, behaviour=Hostile.DROP_AFTER_STARTTLS) as server,
    ):
        facts = await probe(server.port, ctx)
    outcome = m.smtp_starttls(facts, CheckParams())
    assert facts.starttls[0].ok is False and facts.starttls[0].failure == "handshake"
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "handshake-failed")


async def test_full_scan_on_port_25_completes_despite_a_hostile_host(tmp_path: Path) -> None:
    """The registered collectors, through the runner: a silent host errors, the others finish."""
    from canhgac.engine.collectors import smtp as smtp_collectors
    from canhgac.engine.registry import build_registry
    from canhgac.engine.runner import ScanPlan, run_scan
    from canhgac.engine.settings import ScopeSettings

    good, silent = random_address(), random_address()
    records = f"mail IN A {good}\nsilent IN A {silent}\n"
    text = zone(good).replace(f"mail IN A {good}\n", records)
    targets = [Target(kind=TargetKind.MAIL_HOST, name=n, agency="so-tttt") for n in (HOST, "silent.lab.test")]
    try:
        mta = LabSmtpServer(address=good, port=25, tls=CERT, local_domains=["lab.test"])
        hostile = HostileSmtpServer(address=silent, port=25, behaviour=Hostile.SILENT)
        async with (
            LabDnsServer(zones={"lab.test": text}, address=random_address()) as dns_server,
            mta,
            hostile,
        ):
            settings = ScanSettings(
                resolvers=(f"{dns_server.address}:{dns_server.port}",),
                dns_timeout=0.5,
                dns_attempts=1,
                target_timeout=15,
                scope=ScopeSettings(domains=("lab.test",), loopback_only=True),
                net=LIMITS,
                ca_file=str(CA.write_ca(tmp_path)),
                target_options={t.key: TargetOptions(served_domains=("lab.test",)) for t in targets},
            )
            registry = build_registry([smtp_collectors, m])
            started = time.perf_counter()
            plan = ScanPlan.build(registry, targets, settings.target_options)
            results = await run_scan(plan, settings, registry)
    except PermissionError:
        pytest.skip("port 25 cannot be bound here")
    assert time.perf_counter() - started < 10
    by_host = {(r.target.name, r.check_id): r.status for r in results}
    assert len(by_host) == 2 * len(registry.checks)
    assert by_host[(HOST, "mail.smtp.starttls")] is Status.PASS
    assert by_host[(HOST, "mail.smtp.open-relay")] is Status.PASS
    assert by_host[("silent.lab.test", "mail.smtp.reachable")] is Status.FAIL
    assert by_host[("silent.lab.test", "mail.smtp.starttls")] is Status.ERROR
