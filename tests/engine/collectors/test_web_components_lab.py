"""collect_web_components against loopback web servers, judged by web.components.vulnerable:
planted vulnerable and fixed versions, a site that answers 200 to everything (soft 404), and
hostile servers (stalls, huge bodies, a redirect out of scope)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks.web_components import components_vulnerable
from canhgac.engine.collectors.web_components import collect_web_components
from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.web_components import WebComponentFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.vulns.identify import Confidence
from canhgac.lab.certificates import lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA
from canhgac.lab.web_lab import portal_server
from canhgac.lab.web_plan import PORTALS

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
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")
    # the random path is a real 404, but /readme.html is routed to the main page
    facts, outcome, _, _ = await scan(tmp_path, {"/": page, "/readme.html": page})
    assert any("like the main page" in p for p in facts.probes)
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")


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
    # nothing recognised in 64 KiB of "x": Joomla's version stays unknown, so it is not judged
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")
    assert elapsed < 8
    stalled = {"/": joomla_page("Apache/2.4.62"), MANIFEST: Route(stall=True)}
    facts, outcome, _, elapsed = await scan(tmp_path, stalled)
    assert any("timeout" in p for p in facts.probes) and outcome.status is Status.NOT_APPLICABLE
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


JOOMLA15_HOME = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "">
<html><head><meta name="generator" content="Joomla! 1.5 - Open Source Content Management" />
<script type="text/javascript" src="/media/system/js/mootools.js"></script>
<title>Sở Tư pháp</title></head><body><h1>Cổng thông tin điện tử</h1></body></html>"""
JOOMLA15_LANGUAGE = """<?xml version="1.0" encoding="utf-8"?>
<metafile version="1.5" client="site" >
\t<tag>en-GB</tag>
\t<name>English(United Kingdom)</name>
\t<version>1.5.26</version>
\t<creationDate>2008-03-15</creationDate>
</metafile>"""
LANGUAGE = "/language/en-GB/en-GB.xml"


async def test_issue11_joomla_15_version_from_the_language_file_alone(tmp_path: Path) -> None:
    """Issue 11 item 2: generator "Joomla! 1.5" and en-GB.xml with 1.5.26 was reported pass, no-version."""
    home = Route(200, JOOMLA15_HOME.encode(), {"Content-Type": "text/html; charset=utf-8"})
    language = Route.text(JOOMLA15_LANGUAGE, content_type="text/xml")
    facts, outcome, server, _ = await scan(tmp_path, {"/": home, LANGUAGE: language})
    joomla = next(c for c in facts.components if c.name == "joomla")
    assert (joomla.version, joomla.branch) == ("1.5.26", False)
    assert joomla.evidence == f"{LANGUAGE}: <version>1.5.26"
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "vulnerable")
    assert outcome.message.values["cves"] == "CVE-2015-8562"
    assert outcome.message.values["fixed"] == "joomla ≥ 3.4.6"
    assert f"{LANGUAGE}: 200, recognised" in facts.probes and f"{MANIFEST}: 404" in facts.probes
    assert sorted(p for p in paths(server) if not p.startswith("/canhgac-")) == ["/", MANIFEST, LANGUAGE]
    # without the language file, the generator's branch alone: possibly vulnerable, patch level unknown
    facts, outcome, _, _ = await scan(tmp_path, {"/": home})
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "possibly-vulnerable")
    assert outcome.message.values["components"] == "joomla 1.5.x"
    assert {"component": "joomla", "confidence": "high", "version": "1.5", "patch_level": "unknown",
            "seen": '<meta name="generator" content="Joomla! 1.5 - Open Source Content Management">'} \
        in outcome.evidence["components"]  # type: ignore[operator]


def wordpress_home(version: str) -> Route:
    html = f"""<!DOCTYPE html><html lang="vi"><head><title>Sở Y tế</title>
<link rel='stylesheet' href='/wp-includes/css/dist/block-library/style.min.css?ver={version}' media='all' />
<link rel='stylesheet' href='/wp-content/themes/tintuc/style.css?ver=2.3' media='all' />
<script src='/wp-includes/js/jquery/jquery.min.js?ver=3.6.0'></script>
<script src='/wp-includes/js/wp-embed.min.js?ver={version}'></script></head><body></body></html>"""
    return Route(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


async def test_issue11_wordpress_version_from_asset_query_strings(tmp_path: Path) -> None:
    """No generator tag (removed, as hardening plugins do): the core assets' ?ver= tells the version."""
    facts, outcome, server, _ = await scan(tmp_path, {"/": wordpress_home("4.7.1")})
    assert {c.name: c.version for c in facts.components} == {"wordpress": "4.7.1", "jquery": "3.6.0"}
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "vulnerable")
    assert "CVE-2017-1001000" in str(outcome.message.values["cves"])
    assert {"/readme.html", "/feed/"} <= set(paths(server))
    facts, outcome, _, _ = await scan(tmp_path, {"/": wordpress_home("5.8.1")})
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")
    assert outcome.message.values["components"] == "jquery 3.6.0, wordpress 5.8.1"


async def test_issue11_wordpress_version_from_the_feed(tmp_path: Path) -> None:
    html = b"<html><head><link rel='stylesheet' href='/wp-content/themes/x/style.css'></head></html>"
    page = Route(200, html, {"Content-Type": "text/html"})
    feed = Route.text('<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title>'
                      "<generator>https://wordpress.org/?v=4.7.1</generator></channel></rss>",
                      content_type="application/rss+xml")
    facts, outcome, _, _ = await scan(tmp_path, {"/": page, "/feed/": feed})
    assert [(c.name, c.version, c.confidence) for c in facts.components] == [
        ("wordpress", "4.7.1", Confidence.HIGH)]
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "vulnerable")


DNN_HOME = """<!DOCTYPE html><html lang="vi-VN"><head id="Head">
<!--**********************************************************************************-->
<!-- DNN Platform - http://www.dnnsoftware.com                                        -->
<!-- Copyright (c) 2002-2018, by DNN Corporation                                      -->
<!--**********************************************************************************-->
<meta id="MetaGenerator" name="GENERATOR" content="DotNetNuke " /><title>Sở Tài chính</title>
<script src="/js/dnn.js?cdv=120" type="text/javascript"></script></head>
<body><div id="dnn_ContentPane"></div></body></html>"""


async def test_issue11_dnn_site_is_identified_and_not_judged_without_a_version(tmp_path: Path) -> None:
    home = Route(200, DNN_HOME.encode(), {"Content-Type": "text/html; charset=utf-8",
                                          "Server": "Microsoft-IIS/10.0", "X-Powered-By": "ASP.NET"})
    api = "var __dnn_m_aNamespaces = new Array();\nvar dnn = {apiversion: new Number('04.02')};"
    script = Route.text(api, content_type="application/javascript")
    licence = Route.text("DotNetNuke® - http://www.dotnetnuke.com\nCopyright (c) 2002-2018 DNN Corp.")
    facts, outcome, server, _ = await scan(tmp_path, {"/": home, "/js/dnn.js": script,
                                                      "/Documentation/License.txt": licence})
    assert {c.name: c.version for c in facts.components} == {
        "aspnet": "", "dotnetnuke": "", "microsoft-iis": "10.0"}
    assert "/js/dnn.js: 200, recognised" in facts.probes
    assert "/Documentation/License.txt: 200, recognised" in facts.probes
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")
    assert outcome.message.values["components"] == "aspnet, dotnetnuke"
    assert len(paths(server)) <= 4


async def test_issue11_site_without_any_version_is_not_a_pass(tmp_path: Path) -> None:
    plain = Route(200, "<html><head><title>Sở Nội vụ</title></head><body>Tin tức</body></html>".encode(),
                  {"Content-Type": "text/html; charset=utf-8", "Server": "nginx"})
    _, outcome, server, _ = await scan(tmp_path, {"/": plain})
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-version")
    assert paths(server) == ["/"]  # no CMS suspected: no extra request
    bare = Route(200, b"<html><body>Trang chu</body></html>", {"Content-Type": "text/html"})
    _, outcome, _, _ = await scan(tmp_path, {"/": bare})
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "none-identified")


@pytest.mark.parametrize(("number", "status", "key", "versions"), [
    (8, Status.FAIL, "vulnerable", {"joomla": "1.5.26"}),  # generator 1.5, language file 1.5.26
    (9, Status.FAIL, "vulnerable", {"wordpress": "4.7.1"}),  # core assets' ?ver=
    (6, Status.NOT_APPLICABLE, "no-version", {"dotnetnuke": ""}),  # DNN shows no version
    (2, Status.NOT_APPLICABLE, "none-identified", {}),  # the control: nothing to judge, no finding
])
async def test_issue11_demo_portals_planted_cms_cases(tmp_path: Path, number: int, status: Status, key: str,
                                                     versions: dict[str, str]) -> None:
    """The demo lab's planted CMS cases, as web.components.vulnerable judges them."""
    plan = next(p for p in PORTALS if p.number == number)
    server = portal_server(plan, https_port=0, http_port=0)
    await server.start()
    try:
        zone = zone_file(plan.domain, f"{plan.host.split('.', 1)[0]} IN A {plan.address}\n")
        async with LabDnsServer(zones={plan.domain: zone}, address=address()) as dns:
            url = f"https://{plan.host}:{server.https_port}/"
            ctx = lab_context(dns, domains=[plan.domain], net=NET,
                              ca_file=str(LabCA.write_ca(lab_ca(), tmp_path)))
            facts = await asyncio.wait_for(
                collect_web_components(Target(kind=TargetKind.URL, name=url, agency="lab"), ctx), 15)
    finally:
        await server.stop()
    outcome = components_vulnerable(facts, CheckParams())
    assert (outcome.status, outcome.message.key) == (status, key)
    assert {c.name: c.version for c in facts.components} == versions
    assert len(server.requests) <= 4
