"""collect_web_components against loopback web servers, judged by web.components.vulnerable:
planted vulnerable and fixed versions, a site that answers 200 to everything (soft 404), and
hostile servers (stalls, huge bodies, a redirect out of scope)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks.web_components import components_vulnerable
from canhgac.engine.collectors.web_components import collect_web_components
from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.web_components import WebComponentFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
HOST = "portal.agency.gov.test"
NET = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0)
MANIFEST = "/administrator/manifests/files/joomla.xml"


def address() -> str:
    return random_loopback((121, 250), (2, 250))


def joomla_page(server: str) -> Route:
    html = """<!DOCTYPE html><html><head>
    <meta name="generator" content="Joomla! - Open Source Content Management">
    <link href="/media/jui/css/bootstrap.min.css" rel="stylesheet">
    <title>Cổng thông tin điện tử</title></head>
    <body><h1>Sở Thông tin và Truyền thông</h1></body></html>"""
    return Route(200, html.encode(), {"Content-Type": "text/html; charset=utf-8", "Server": server})


def manifest(version: str) -> Route:
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<extension type="file" method="upgrade"><name>files_joomla</name><version>{version}</version></extension>"""
    return Route.text(xml, content_type="application/xml")


async def scan(tmp_path: Path, routes: dict[str, Route], *, url_path: str = "/", vuln_db: str | None = None,
               catch_all: bool = False) -> tuple[WebComponentFacts, Outcome, LabHttpsServer, float]:
    web = address()
    zone = zone_file("gov.test", f"portal.agency IN A {web}\n")
    async with LabHttpsServer(address=web, cert=CA.issue([HOST]), routes=routes) as server, \
            LabDnsServer(zones={"gov.test": zone}, address=address()) as dns:
        if catch_all:
            server.routes = _Always200(routes["/"])
        url = f"https://{HOST}:{server.https_port}{url_path}"
        target = Target(kind=TargetKind.URL, name=url, agency="stttt")
        ctx = lab_context(dns, domains=["agency.gov.test"], net=NET, ca_file=str(CA.write_ca(tmp_path)),
                          vuln_db_path=vuln_db)
        started = time.monotonic()
        facts = await asyncio.wait_for(collect_web_components(target, ctx), 15)
        elapsed = time.monotonic() - started
        assert server.internal_errors == 0
        return facts, components_vulnerable(facts, CheckParams()), server, elapsed


def paths(server: LabHttpsServer) -> list[str]:
    return [r.target for r in server.requests]


async def test_planted_joomla_and_apache_fail(tmp_path: Path) -> None:
    routes = {"/": joomla_page("Apache/2.4.49 (Unix)"), MANIFEST: manifest("4.2.7")}
    facts, outcome, server, _ = await scan(tmp_path, routes)
    assert {c.name: c.version for c in facts.components} == {"joomla": "4.2.7", "apache-httpd": "2.4.49"}
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "vulnerable")
    cves = str(outcome.message.values["cves"])
    assert "CVE-2023-23752" in cves and "CVE-2021-41773" in cves and "CVE-2021-42013" in cves
    assert outcome.message.values["severity"] == "critical"
    asked = paths(server)
    assert MANIFEST in asked and "/CHANGELOG.txt" not in asked and "/readme.html" not in asked
    assert sum(p.startswith("/canhgac-") for p in asked) == 1  # the soft-404 baseline
    assert len(asked) <= 4


async def test_fixed_versions_pass(tmp_path: Path) -> None:
    routes = {"/": joomla_page("Apache/2.4.62 (Unix)"), MANIFEST: manifest("4.2.8")}
    facts, outcome, _, _ = await scan(tmp_path, routes)
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")
    assert facts.vulnerabilities == ()


async def test_cms_in_a_subfolder_reads_its_own_version_file(tmp_path: Path) -> None:
    routes = {"/portal/": joomla_page("nginx"), "/portal" + MANIFEST: manifest("4.2.7")}
    facts, outcome, _, _ = await scan(tmp_path, routes, url_path="/portal/")
    assert outcome.status is Status.FAIL
    assert {c.name: c.version for c in facts.components}["joomla"] == "4.2.7"


async def test_site_answering_200_to_everything_gives_no_false_finding(tmp_path: Path) -> None:
    page = Route.text("<html><head><title>Blog</title><link href='/wp-content/themes/x/style.css'></head>"
                      "<body><h1>WordPress tips</h1><br /> Version 4.7.1 of our guide</body></html>",
                      content_type="text/html")
    facts, outcome, server, _ = await scan(tmp_path, {"/": page}, catch_all=True)
    assert "/readme.html" in paths(server)
    assert any("like a missing page" in p for p in facts.probes)
    assert (outcome.status, outcome.message.key) == (Status.PASS, "no-version")
    # the random path is a real 404, but /readme.html is routed to the main page
    facts, outcome, _, _ = await scan(tmp_path, {"/": page, "/readme.html": page})
    assert any("like the main page" in p for p in facts.probes)
    assert (outcome.status, outcome.message.key) == (Status.PASS, "no-version")


class _Always200(dict[str, Route]):
    """Routes that answer every path with the same page (a soft-404 site)."""

    def __init__(self, page: Route) -> None:
        super().__init__({"/": page})
        self.page = page

    def get(self, key: str, default: Route | None = None) -> Route:  # type: ignore[override]
        return self.page


async def test_jquery_banner_of_a_local_file(tmp_path: Path) -> None:
    page = Route.text('<html><script src="/js/jquery.min.js"></script></html>', content_type="text/html")
    banner = Route.text("/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n!function(){}",
                        content_type="application/javascript")
    facts, outcome, _, _ = await scan(tmp_path, {"/": page, "/js/jquery.min.js": banner})
    assert {c.name: c.version for c in facts.components} == {"jquery": "1.12.4"}
    assert outcome.status is Status.FAIL and "CVE-2020-11022" in str(outcome.message.values["cves"])


async def test_stalling_portal_is_an_error_in_time(tmp_path: Path) -> None:
    _, outcome, _, elapsed = await scan(tmp_path, {"/": Route(stall=True)})
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    assert elapsed < 8


async def test_hostile_version_files_do_not_hang_or_crash(tmp_path: Path) -> None:
    routes = {"/": joomla_page("Apache/2.4.62"), MANIFEST: Route(body_size=20_000_000),
              "/canhgac-x": Route(stall=True)}
    facts, outcome, _, elapsed = await scan(tmp_path, routes)
    assert outcome.status is Status.PASS  # nothing recognised in 64 KiB of "x"
    assert elapsed < 8
    stalled = {"/": joomla_page("Apache/2.4.62"), MANIFEST: Route(stall=True)}
    facts, outcome, _, elapsed = await scan(tmp_path, stalled)
    assert any("timeout" in p for p in facts.probes) and outcome.status is Status.PASS
    assert elapsed < 8


async def test_redirect_out_of_scope_is_not_followed(tmp_path: Path) -> None:
    _, outcome, server, _ = await scan(tmp_path, {"/": Route.redirect("https://evil.example.net/")})
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.OUT_OF_SCOPE)
    assert paths(server) == ["/"]


async def test_unreadable_vulnerability_data_is_an_error(tmp_path: Path) -> None:
    junk = tmp_path / "vulns.sqlite3"
    junk.write_bytes(b"garbage" * 100)
    routes = {"/": joomla_page("Apache/2.4.49 (Unix)"), MANIFEST: manifest("4.2.7")}
    facts, outcome, _, _ = await scan(tmp_path, routes, vuln_db=str(junk))
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.INTERNAL)
    assert "vulns.sqlite3" in facts.data_error
