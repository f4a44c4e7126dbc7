"""The probes against real loopback servers (the lab's DNS, HTTPS and SMTP servers), driven by
the scheduler on a fake clock: a defaced page, a changed MX, an expiring certificate, a mail
server losing STARTTLS, and hostile servers that stall or send garbage."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from watch_support import START

from canhgac.engine.options import NetworkLimits
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.dns_zones import ZoneSet
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.smtp_server import Hostile, HostileSmtpServer, LabSmtpServer
from canhgac.watch.clock import FakeClock
from canhgac.watch.facts import CertFacts, DnsFacts, HttpFacts, SmtpFacts
from canhgac.watch.judge import judge
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.probes import EngineProber
from canhgac.watch.problems import Problem
from canhgac.watch.rules import AlertPolicy
from canhgac.watch.scheduler import Scheduler, SchedulerOptions
from canhgac.watch.state import MemoryStore

FAST = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0)
DOMAIN = "so-a.gov.test"
PORTAL = f"portal.{DOMAIN}"
PAGE = """<html><head><title>Sở A — Cổng thông tin</title></head><body>
<h1>Cổng thông tin điện tử Sở A</h1><p>{news}</p>
<a href="/gioi-thieu">Giới thiệu</a> <a href="/tin-tuc">Tin tức</a> <a href="/van-ban">Văn bản</a>
<a href="/lien-he">Liên hệ</a> <a href="/dich-vu-cong">Dịch vụ công</a>
</body></html>"""
NEWS = (
    "Thông báo lịch trực Tết Nguyên đán của Sở A, các phòng ban và đơn vị trực thuộc, "
    "đề nghị cán bộ thực hiện nghiêm túc quy định về an toàn thông tin trong dịp nghỉ lễ."
)


def loopback() -> str:
    return f"127.{random.randint(121, 199)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


def zone(web: str, mail: str, mx: str = "mail", ns: str = "ns1") -> str:
    return f"""$TTL 300
@ IN SOA ns1.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 600 86400 300
@ IN NS {ns}.{DOMAIN}.
@ IN MX 10 {mx}.{DOMAIN}.
@ IN TXT "v=spf1 mx -all"
_dmarc IN TXT "v=DMARC1; p=reject"
{ns} IN A 127.0.0.53
portal IN A {web}
{mx} IN A {mail}
mail IN A {mail}
"""


@asynccontextmanager
async def lab_dns(web: str, mail: str) -> AsyncIterator[LabDnsServer]:
    async with LabDnsServer(zones={DOMAIN: zone(web, mail)}, address=loopback()) as dns:
        yield dns


def settings(dns: LabDnsServer, ca: Path | None = None) -> ScanSettings:
    return ScanSettings(
        resolvers=(f"{dns.address}:{dns.port}",),
        dns_timeout=0.5,
        dns_attempts=1,
        scope=ScopeSettings(domains=(DOMAIN,), loopback_only=True),
        ca_file=str(ca) if ca else None,
        ca_only=ca is not None,
        net=FAST,
    )


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    return lab_ca().write_ca(tmp_path)


async def test_a_defaced_page_is_an_alert_at_its_first_check(ca_file: Path) -> None:
    web = loopback()
    page = Route.text(PAGE.format(news=NEWS), content_type="text/html; charset=utf-8")
    async with (
        lab_dns(web, web) as dns,
        LabHttpsServer(address=web, cert=certificate(PORTAL, CertSpec()), routes={"/": page}) as site,
    ):
        monitor = Monitor(MonitorKind.HTTP, f"https://{PORTAL}:{site.port}/", "SO-A")
        clock, store = FakeClock(START), MemoryStore()
        sched = Scheduler(
            [monitor],
            store,
            EngineProber(settings(dns, ca_file)),
            clock=clock,
            policy=AlertPolicy(failures_to_alert={"http": 3}),
            options=SchedulerOptions(jitter=0, check_timeout=10, commit_linger=0),
        )
        await sched.start()
        task = asyncio.create_task(sched.run())
        await clock.advance(3 * 60, sched.settle)
        assert store.states[monitor.key].health.value == "up" and store.alerts == {}
        assert store.states[monitor.key].baseline and store.states[monitor.key].baseline["links"]
        site.routes["/"] = Route.text(
            "<html><title>Hacked by Anonymous Ghost</title><body>owned</body></html>",
            content_type="text/html",
        )
        await clock.advance(60, sched.settle)  # one check: a defacer's words are no flaky probe
        assert store.alerts, store.states[monitor.key]
        (alert,) = store.alerts.values()
        assert alert.problem == Problem.DEFACED.value
        assert "hacked by" in alert.timeline[0][2]["match"].lower()
        sched.stop()
        await clock.advance(0, sched.settle)
        await task


async def test_a_page_replaced_without_keywords_is_content_drift(ca_file: Path) -> None:
    web = loopback()
    page = Route.text(PAGE.format(news=NEWS), content_type="text/html; charset=utf-8")
    async with (
        lab_dns(web, web) as dns,
        LabHttpsServer(address=web, cert=certificate(PORTAL, CertSpec()), routes={"/": page}) as site,
    ):
        prober = EngineProber(settings(dns, ca_file))
        monitor = Monitor(MonitorKind.HTTP, f"https://{PORTAL}:{site.port}/", "SO-A")
        first = await prober(monitor)
        assert isinstance(first, HttpFacts) and first.status == 200 and first.address == web
        base = judge(first, None, START)
        assert base.ok and base.baseline is not None
        site.routes["/"] = Route.text(
            PAGE.format(news=NEWS + " Cập nhật lúc 8 giờ."), content_type="text/html"
        )
        small_change = judge(await prober(monitor), base.baseline, START)
        assert small_change.ok  # news on the page: not an alert
        site.routes["/"] = Route.text(
            "<html><body><p>We are sorry, this site is gone. Contact "
            "the admin at a telegram channel for the data.</p></body></html>",
            content_type="text/html",
        )
        drift = judge(await prober(monitor), base.baseline, START)
        assert not drift.ok and drift.problem is Problem.CONTENT_DRIFT
        assert drift.baseline == base.baseline  # the good baseline is kept while it fails


async def test_an_expiring_certificate(ca_file: Path) -> None:
    web = loopback()
    async with (
        lab_dns(web, web) as dns,
        LabHttpsServer(
            address=web, cert=certificate(PORTAL, CertSpec(expiring=True)), routes={"/": Route.text("ok")}
        ) as site,
    ):
        facts = await EngineProber(settings(dns, ca_file))(
            Monitor(MonitorKind.TLS_CERT, f"https://{PORTAL}:{site.port}/", "SO-A")
        )
    assert isinstance(facts, CertFacts) and facts.not_after is not None and facts.error == ""
    verdict = judge(facts, None, datetime.now(facts.not_after.tzinfo))
    assert verdict.problem is Problem.CERT_EXPIRING and verdict.values["days"] in (9, 10)


async def test_a_changed_mx_is_a_possible_hijack() -> None:
    async with lab_dns("127.0.0.1", "127.0.0.1") as dns:
        prober = EngineProber(settings(dns))
        monitor = Monitor(MonitorKind.DNS, DOMAIN, "SO-A")
        first = await prober(monitor)
        assert isinstance(first, DnsFacts) and first.get("MX") == (f"10 mail.{DOMAIN}.",)
        assert first.get("SPF") == ("v=spf1 mx -all",) and first.get("DMARC") == ("v=DMARC1; p=reject",)
        base = judge(first, None, START)
        assert base.ok and judge(await prober(monitor), base.baseline, START).ok
        dns.zone_set = ZoneSet({DOMAIN: zone("127.0.0.1", "127.0.0.1", mx="evil-mx")})
        verdict = judge(await prober(monitor), base.baseline, START)
    assert verdict.problem is Problem.DNS_HIJACK and verdict.values["record"] == "MX"
    assert "evil-mx" in verdict.values["after"]


async def test_smtp_reachability_and_starttls(ca_file: Path) -> None:
    mail = loopback()
    host = f"mail.{DOMAIN}"
    async with lab_dns("127.0.0.1", mail) as dns:
        prober = EngineProber(settings(dns, ca_file))
        async with LabSmtpServer(address=mail, tls=certificate(host, CertSpec())) as server:
            monitor = Monitor(MonitorKind.SMTP, host, "SO-A", port=server.port)
            facts = await prober(monitor)
            assert (
                isinstance(facts, SmtpFacts)
                and facts.greeted
                and facts.starttls_offered
                and facts.starttls_ok
            )
            base = judge(facts, None, START)
            assert base.ok and base.baseline == {"starttls": True}
            assert "DATA" not in server.commands and "MAIL" not in server.commands
        async with LabSmtpServer(address=mail, port=server.port) as plain:  # STARTTLS gone
            verdict = judge(
                await prober(Monitor(MonitorKind.SMTP, host, "SO-A", port=plain.port)), base.baseline, START
            )
            assert verdict.problem is Problem.STARTTLS_MISSING
        async with HostileSmtpServer(address=mail, port=server.port, behaviour=Hostile.GARBAGE) as bad:
            verdict = judge(
                await prober(Monitor(MonitorKind.SMTP, host, "SO-A", port=bad.port)), base.baseline, START
            )
            assert verdict.problem is Problem.SMTP_DOWN and verdict.values["reason"]
        async with HostileSmtpServer(
            address=mail, port=server.port, behaviour=Hostile.STALL_AFTER_BANNER
        ) as slow:
            verdict = judge(
                await prober(Monitor(MonitorKind.SMTP, host, "SO-A", port=slow.port)), base.baseline, START
            )
            assert verdict.problem is Problem.SMTP_DOWN


async def test_hostile_web_servers_are_failed_checks_with_a_reason(ca_file: Path) -> None:
    web = loopback()
    async with lab_dns(web, web) as dns:
        prober = EngineProber(settings(dns, ca_file))

        async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 50)
            await writer.drain()
            writer.close()

        async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(30)

        for handler in (garbage, stall):
            server = await asyncio.start_server(handler, web, 0)
            port = server.sockets[0].getsockname()[1]
            try:
                facts = await prober(Monitor(MonitorKind.HTTP, f"http://{PORTAL}:{port}/", "SO-A"))
            finally:
                server.close()
            verdict = judge(facts, None, START)
            assert not verdict.ok and verdict.problem is Problem.DOWN and verdict.values["reason"], facts
            assert verdict.cause.startswith("net:127.")
        outside = await prober(Monitor(MonitorKind.HTTP, "http://portal.elsewhere.test/", "SO-A"))
        assert isinstance(outside, HttpFacts) and "out-of-scope" in outside.error
        refused = await prober(Monitor(MonitorKind.DNS, "elsewhere.test", "SO-A"))
        assert "not in the declared scope" in refused.error


async def test_now_is_not_needed_for_probe_timing() -> None:
    """The fake clock drives the schedule only; the probes' own timeouts are real (engine)."""
    assert START + timedelta(seconds=1) > START
