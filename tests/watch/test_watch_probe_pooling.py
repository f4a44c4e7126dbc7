"""The prober shares what is costly and holds no answer across checks: a new connection (and TLS
handshake) for every check, none left open after it, a page's fingerprint remembered while its
bytes stay the same. Real loopback servers."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import psutil
import pytest

from canhgac.engine.options import NetworkLimits
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.watch.facts import HttpFacts
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.probes import EngineProber

DOMAIN = "so-b.gov.test"
PORTAL = f"portal.{DOMAIN}"
PAGE = ("<html><title>Sở B</title><body><p>Tin tức hôm nay</p>"
        "<a href='/a'>A</a><a href='/b#x'>B</a></body></html>")


def loopback() -> str:
    return f"127.{random.randint(121, 199)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


def zone(web: str) -> str:
    return f"""$TTL 300
@ IN SOA ns1.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 600 86400 300
@ IN NS ns1.{DOMAIN}.
ns1 IN A 127.0.0.53
portal IN A {web}
"""


def settings(dns: LabDnsServer, ca: Path) -> ScanSettings:
    return ScanSettings(
        resolvers=(f"{dns.address}:{dns.port}",), dns_timeout=0.5, dns_attempts=1,
        scope=ScopeSettings(domains=(DOMAIN,), loopback_only=True), ca_file=str(ca), ca_only=True,
        net=NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0),
    )


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    return lab_ca().write_ca(tmp_path)


async def test_checks_make_a_new_connection_each_and_keep_none(ca_file: Path) -> None:
    web = loopback()
    route = Route.text(PAGE, content_type="text/html; charset=utf-8")
    async with (
        LabDnsServer(zones={DOMAIN: zone(web)}, address=loopback()) as dns,
        LabHttpsServer(address=web, http_port=0, cert=certificate(PORTAL, CertSpec()),
                       routes={"/": route}, http_routes={"/": route}) as site,
    ):
        prober = EngineProber(settings(dns, ca_file))
        https = Monitor(MonitorKind.HTTP, f"https://{PORTAL}:{site.https_port}/", "SO-B")
        http = Monitor(MonitorKind.HTTP, f"http://{PORTAL}:{site.http_port}/", "SO-B")
        results = [await prober(m) for m in (https, https, https, http, http)]
        assert all(isinstance(r, HttpFacts) and r.status == 200 and r.error == "" for r in results), results
        assert prober.http.opened == 5
        assert site.server_names == [PORTAL] * 3  # a handshake (a new connection) for every check
        assert len(site.requests) == 5
        first, again = results[0], results[1]
        assert isinstance(first, HttpFacts) and isinstance(again, HttpFacts)
        assert again.page is first.page and prober.pages.reused == 3  # unchanged: not parsed again
        assert first.page is not None and len(first.page.links) == 2

        defaced = PAGE.replace("Tin tức hôm nay", "Hacked by nobody")
        site.routes["/"] = Route.text(defaced, content_type="text/html")
        changed = await prober(https)
        assert isinstance(changed, HttpFacts) and changed.page is not None
        assert changed.page.keyword_hits and changed.page.text_hash != first.page.text_hash

        outside = await prober(Monitor(MonitorKind.HTTP, "http://portal.elsewhere.test/", "SO-B"))
        assert isinstance(outside, HttpFacts) and "out-of-scope" in outside.error  # scope still first
        await asyncio.sleep(0.05)  # the transports' last callbacks
        mine = [c for c in psutil.Process().net_connections("tcp") if c.raddr and c.raddr.ip == web]
        assert mine == []  # every connection closed with its check
        await prober.aclose()
