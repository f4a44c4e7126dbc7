"""mail.smtp.* against a real Debian Postfix (issue 11 item 6): VRFY and the relay probe on every
SMTP port, judged as Postfix really answers.

Each test starts a private Postfix instance (never the system one): its own config, queue and
data directories under a fresh temporary directory, ``master`` in the foreground, three
``smtpd`` listeners on free high ports of a random loopback address standing for 25 (plain),
587 (STARTTLS, and TLS required before MAIL FROM) and 465 (implicit TLS). The planted instance
has ``disable_vrfy_command = no`` and a submission listener that relays for anyone without
AUTH; the control is strict. Postfix's ``master`` starts as root (its daemons then run as the
``postfix`` user); CI installs the package (``.ci/run``); elsewhere the tests are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks import mail_smtp as m
from canhgac.engine.collectors.smtp import SmtpPorts, probe_host
from canhgac.engine.context import NetworkLimits, TargetOptions
from canhgac.engine.facts.smtp import SmtpFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.pki import LabCA

MASTER = Path("/usr/lib/postfix/sbin/master")
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"


def _why_not() -> str | None:
    if not MASTER.is_file() or not Path(POSTFIX).is_file():
        return "Postfix is not installed (Debian: apt-get install postfix; .ci/run does)"
    if os.geteuid() != 0:
        return "a Postfix master starts as root (it then runs its daemons as the postfix user)"
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "the postfix user or the postdrop group is missing (installed by Debian's postfix package)"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")

HOST = "mail.lab.test"
TARGET = Target(kind=TargetKind.MAIL_HOST, name=HOST, agency="so-tttt")
LIMITS = NetworkLimits(connect_timeout=2.0, read_timeout=4.0, max_line_bytes=2048, max_reply_bytes=8192)
CA = LabCA()
CHECKS = {
    "reachable": m.smtp_reachable,
    "banner": m.smtp_banner,
    "starttls": m.smtp_starttls,
    "auth-plaintext": m.smtp_auth_plaintext,
    "vrfy": m.smtp_vrfy,
    "vrfy-enabled": m.smtp_vrfy_enabled,
    "open-relay": m.smtp_open_relay,
}
MAIN_CF = """compatibility_level = 3.6
queue_directory = {base}/spool
data_directory = {base}/data
myhostname = {host}
mydomain = lab.test
myorigin = lab.test
mydestination = lab.test, {host}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# the scanner is outside: nothing on loopback is a trusted network (unless a listener says so)
mynetworks = 192.0.2.1/32
local_recipient_maps = inline:{{postmaster=ok, root=ok}}
alias_maps =
alias_database =
smtpd_peername_lookup = no
smtpd_tls_cert_file = {base}/cert.pem
smtpd_tls_key_file = {base}/key.pem
smtpd_tls_security_level = may
maillog_file = /dev/stdout
disable_vrfy_command = {disable_vrfy}
"""
# 587 relays for anyone without AUTH when planted: the scanner's loopback address is in its
# mynetworks, as a whole office network (or 0.0.0.0/0) often is on real submission services
SUBMISSION_RELAY = "-o mynetworks=127.0.0.0/8 -o smtpd_relay_restrictions=permit_mynetworks,reject"
MASTER_CF = """{address}:{p25} inet n - n - - smtpd
{address}:{p587} inet n - n - - smtpd -o smtpd_tls_security_level=encrypt {submission}
{address}:{p465} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
cleanup unix n - n - 0 cleanup
rewrite unix - - n - - trivial-rewrite
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
postlog unix-dgram n - n - 1 postlogd
"""


@dataclass(frozen=True)
class Instance:
    address: str
    ports: SmtpPorts
    base: Path

    def queued(self) -> list[str]:
        """Every queue file Postfix holds (a relay probe must leave none)."""
        spool = self.base / "spool"
        return [str(p) for d in ("incoming", "active", "deferred", "hold") for p in (spool / d).rglob("*")
                if p.is_file()]


def _free_ports(address: str) -> SmtpPorts:
    """Three distinct free ports (every socket held open until all three are chosen)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(3)]
        for sock in socks:
            sock.bind((address, 0))
        p25, p587, p465 = (int(sock.getsockname()[1]) for sock in socks)
    return SmtpPorts(smtp=p25, submission=p587, smtps=p465)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def _listening(instance: Instance, master: asyncio.subprocess.Process, log: Path) -> None:
    ports = instance.ports
    for _ in range(200):
        if master.returncode is not None:
            raise RuntimeError(f"postfix master exited: {_tail(log)}")
        with contextlib.suppress(OSError):
            for port in (ports.smtp, ports.submission, ports.smtps):
                _, writer = await asyncio.open_connection(instance.address, port)
                writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"postfix did not start listening: {_tail(log)}")


def _configure(base: Path, *, vrfy: bool, relay_on_submission: bool) -> Instance:
    """Write the instance's directories, certificate, main.cf and master.cf under ``base``."""
    base.chmod(0o755)  # Postfix's daemons, running as the postfix user, must reach the queue
    address = random_loopback((100, 199), (2, 250))
    ports = _free_ports(address)
    for sub in ("etc", "spool", "data"):
        (base / sub).mkdir()
    os.chown(base / "data", pwd.getpwnam("postfix").pw_uid, -1)
    cert, key = CA.issue([HOST])
    (base / "cert.pem").write_text(cert)
    (base / "key.pem").write_text(key)
    (base / "key.pem").chmod(0o600)
    (base / "etc" / "main.cf").write_text(
        MAIN_CF.format(base=base, host=HOST, disable_vrfy="no" if vrfy else "yes"))
    (base / "etc" / "master.cf").write_text(MASTER_CF.format(
        address=address, p25=ports.smtp, p587=ports.submission, p465=ports.smtps,
        submission=SUBMISSION_RELAY if relay_on_submission else ""))
    return Instance(address, ports, base)


async def _run(*argv: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {process.returncode}: {out.decode(errors='replace')}")


@contextlib.asynccontextmanager
async def postfix(*, vrfy: bool, relay_on_submission: bool) -> AsyncIterator[Instance]:
    """A private Postfix on a random loopback address; stopped and removed on exit."""
    # not under pytest's tmp_path: that is root-only (0700), out of the postfix user's reach
    base = Path(tempfile.mkdtemp(prefix="canhgac-postfix-"))
    master: asyncio.subprocess.Process | None = None
    try:
        instance = _configure(base, vrfy=vrfy, relay_on_submission=relay_on_submission)
        etc = str(base / "etc")
        await _run(POSTFIX, "-c", etc, "check")  # creates the queue directories
        log = base / "maillog"
        with log.open("wb") as out:
            master = await asyncio.create_subprocess_exec(
                str(MASTER), "-c", etc, "-s", stdout=out, stderr=asyncio.subprocess.STDOUT)
        await _listening(instance, master, log)
        yield instance
    finally:
        if master is not None and master.returncode is None:
            master.terminate()  # the master stops its daemons on SIGTERM
            async with asyncio.timeout(15):
                await master.wait()
        shutil.rmtree(base, ignore_errors=True)


async def scan(instance: Instance, tmp_path: Path) -> SmtpFacts:
    zone = zone_file("lab.test", f"@ IN MX 10 mail\nmail IN A {instance.address}\n")
    async with LabDnsServer(zones={"lab.test": zone}, address=random_loopback((100, 199), (2, 250))) as dns:
        ctx = lab_context(
            dns, domains=["lab.test"], net=LIMITS, ca_file=str(CA.write_ca(tmp_path)),
            ehlo_name="scanner.csirt.test",
            target_options={TARGET.key: TargetOptions(served_domains=("lab.test",))},
        )
        return await probe_host(TARGET, ctx, instance.ports)


def judged(facts: SmtpFacts) -> dict[str, Outcome]:
    return {name: check(facts, CheckParams()) for name, check in CHECKS.items()}


def by_endpoint(outcome: Outcome) -> dict[str, dict[str, str]]:
    return {e["endpoint"]: e for e in outcome.evidence["endpoints"]}


async def test_planted_postfix_vrfy_on_every_port_and_a_submission_relay(tmp_path: Path) -> None:
    async with postfix(vrfy=True, relay_on_submission=True) as pf:
        facts = await scan(pf, tmp_path)
        queued = pf.queued()
    p25, p587, p465 = (f"{pf.address}:{p}" for p in (pf.ports.smtp, pf.ports.submission, pf.ports.smtps))
    outcomes = judged(facts)
    assert {n: (o.status, o.message.key) for n, o in outcomes.items()} == {
        "reachable": (Status.PASS, "pass"),
        "banner": (Status.PASS, "pass"),  # "ESMTP Postfix": a name without a version
        "starttls": (Status.PASS, "pass"),
        "auth-plaintext": (Status.PASS, "pass"),
        "vrfy": (Status.FAIL, "vrfy"),
        "vrfy-enabled": (Status.FAIL, "vrfy"),
        "open-relay": (Status.FAIL, "open"),
    }
    # the relay: the submission port alone, found inside STARTTLS (Postfix wants TLS first there)
    relay = outcomes["open-relay"]
    assert relay.message.values["endpoints"] == p587
    assert relay.message.values["detail"] == "RCPT TO: 250 2.1.5 Ok"
    relays = by_endpoint(relay)
    assert relays[p587]["state"] == "fault" and relays[p587]["tls"] == "starttls"
    refused = "454 4.7.1 <canhgac-relay-probe@example.net>: Relay access denied"
    assert (relays[p25]["state"], relays[p25]["tls"], relays[p25]["rcpt_to"]) == ("ok", "none", refused)
    assert (relays[p465]["state"], relays[p465]["tls"]) == ("ok", "implicit")
    assert relays[p465]["rcpt_to"] == refused
    assert queued == []  # RCPT accepted, then RSET: nothing was ever queued
    # VRFY: Postfix's "252 2.0.0 postmaster" beside "550 5.1.1 ... User unknown" tells names apart
    vrfy = outcomes["vrfy"]
    assert vrfy.message.values["endpoints"] == f"{p25}, {p587}, {p465}"
    assert vrfy.message.values["detail"] == "VRFY postmaster: 252, VRFY <random>: 550"
    for endpoint in by_endpoint(vrfy).values():
        assert endpoint["vrfy_postmaster"] == "252 2.0.0 postmaster"
        assert endpoint["vrfy_random"].startswith("550 5.1.1 <canhgac-")
        assert endpoint["vrfy_random"].endswith("User unknown in local recipient table")
        assert endpoint["expn_postmaster"] == "500 5.5.2 Error: command not recognized"  # no EXPN in Postfix
    assert outcomes["vrfy-enabled"].message.values["detail"] == "VRFY postmaster: 252, VRFY <random>: 550"


async def test_strict_postfix_control_gives_no_finding(tmp_path: Path) -> None:
    async with postfix(vrfy=False, relay_on_submission=False) as pf:
        facts = await scan(pf, tmp_path)
        queued = pf.queued()
    outcomes = judged(facts)
    verdicts = {n: (o.status, o.message.key) for n, o in outcomes.items()}
    assert verdicts == {n: (Status.PASS, "pass") for n in CHECKS}
    endpoints = [f"{pf.address}:{p}" for p in (pf.ports.smtp, pf.ports.submission, pf.ports.smtps)]
    vrfy = by_endpoint(outcomes["vrfy-enabled"])
    assert list(vrfy) == endpoints
    assert {e["vrfy_postmaster"] for e in vrfy.values()} == {"502 5.5.1 VRFY command is disabled"}
    relays = by_endpoint(outcomes["open-relay"])
    assert [(e["tls"], e["rcpt_to"][:9]) for e in relays.values()] == [
        ("none", "454 4.7.1"), ("starttls", "454 4.7.1"), ("implicit", "454 4.7.1")]
    assert queued == []
