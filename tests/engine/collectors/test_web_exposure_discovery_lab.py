"""Path discovery in collect_web_exposure against loopback sites: listings, dumps and config files
that no page links to, reached through a sitemap (index, gzip), robots.txt, a linked page or a
common Vietnamese folder name, with the evidence saying where; and hostile discovery documents
(redirect loops, endless or bombed sitemaps, stalls, other hosts) that stay bounded."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path
from typing import Any

import pytest
from lab_dns_support import lab_context, zone_file
from test_web_fetch_support import FAST, HOST, RawHttpServer, context, lab_dns, loopback, path_of

from canhgac.engine.checks import web_exposure as checks
from canhgac.engine.collectors.web_exposure import MAX_DISCOVERED_PROBES, collect_web_exposure
from canhgac.engine.facts.web_exposure import WebExposureFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.path_discovery import MAX_LINKED_PAGES, MAX_SITEMAPS
from canhgac.lab.certificates import lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA
from canhgac.lab.web_lab import portal_server
from canhgac.lab.web_plan import PORTALS

CA = LabCA()
HTML = "text/html; charset=utf-8"
HOME = Route.text('<html><head><title>Sở Y tế</title></head><body><h1>Tin tức</h1><a href="/">Trang chủ</a>'
                  "</body></html>", content_type=HTML)
NGINX_LISTING = ('<html>\r\n<head><title>Index of /ho-so-luu-tru/</title></head>\r\n<body>\r\n<h1>'
                 'Index of /ho-so-luu-tru/</h1><hr><pre><a href="../">../</a>\r\n<a href="ke-hoach.pdf">'
                 "ke-hoach.pdf</a>   12-May-2024 08:14    250880\r\n</pre><hr></body>\r\n</html>\r\n")
APACHE_LISTING = ('<html><head><title>Index of /tai-lieu-hop</title></head><body><h1>Index of '
                  '/tai-lieu-hop</h1><a href="?C=N;O=D">Name</a><a href="/">Parent Directory</a>'
                  "</body></html>")
IIS_LISTING = ("<html><head><title>www.soyte.gov.test - /vanban/</title></head><body><H1>www.soyte.gov.test"
               ' - /vanban/</H1><hr><pre><A HREF="/">[To Parent Directory]</A><br><br> 5/12/2024  8:14 AM'
               '  &lt;dir&gt; <A HREF="/vanban/2024/">2024</A><br></pre><hr></body></html>')
URLSET = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          "<url><loc>https://portal.agency.gov.test/</loc></url>"
          "<url><loc>https://portal.agency.gov.test/ho-so-luu-tru/ke-hoach.pdf</loc></url>"
          "<url><loc>https://elsewhere.agency.gov.test/bi-mat/</loc></url></urlset>")
INDEX = ('<?xml version="1.0" encoding="UTF-8"?>'
         '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
         "<loc>https://portal.agency.gov.test/sitemaps/tailieu.xml.gz</loc></sitemap></sitemapindex>")
DUMP = ("-- MySQL dump 10.13  Distrib 8.0.36\n--\nCREATE TABLE `can_bo` (`id` int);\n"
        "INSERT INTO `can_bo` VALUES (1);\n")
ENV = "APP_KEY=base64:abc\nDB_HOST=10.0.0.5\nDB_PASSWORD=lab-only\n"


async def scan(tmp_path: Path, routes: dict[str, Route]) -> tuple[WebExposureFacts, LabHttpsServer]:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes=routes) as server, \
            lab_dns({"portal.agency": address}) as dns:
        ctx = context(dns, ca_file=str(CA.write_ca(tmp_path)))
        url = f"https://{HOST}:{server.https_port}/"
        facts = await collect_web_exposure(Target(kind=TargetKind.URL, name=url, agency="so-yt"), ctx)
        assert server.internal_errors == 0
    return facts, server


async def scan_raw(server: RawHttpServer) -> tuple[WebExposureFacts, float]:
    async with server, lab_dns({"portal.agency": server.address}) as dns:
        started = time.monotonic()
        url = f"http://{HOST}:{server.port}/"
        target = Target(kind=TargetKind.URL, name=url, agency="so-yt")
        facts = await collect_web_exposure(target, context(dns))
        return facts, time.monotonic() - started


def reply(writer: asyncio.StreamWriter, body: bytes) -> None:
    """200 with ``body``, or 404 when it is empty."""
    status = b"200 OK" if body else b"404 Not Found"
    length = str(len(body)).encode()
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: " + length + b"\r\n\r\n" + body)


def probe(outcome: Outcome, path: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in outcome.evidence["probes"] if p["path"] == path)
    return found


def asked(server: LabHttpsServer) -> list[str]:
    return [r.target for r in server.requests]


async def test_unlinked_listing_found_through_robots_a_sitemap_index_and_gzip(tmp_path: Path) -> None:
    routes = {
        "/": HOME,
        "/robots.txt": Route.text("User-agent: *\nAllow: /\nSitemap: https://portal.agency.gov.test/sitemap_index.xml\n"
                                  "Sitemap: https://evil.example.com/sitemap.xml\n"),
        "/sitemap_index.xml": Route.text(INDEX, content_type="application/xml"),
        "/sitemaps/tailieu.xml.gz": Route(body=gzip.compress(URLSET.encode()),
                                          headers={"Content-Type": "application/gzip"}),
        "/ho-so-luu-tru/": Route.text(NGINX_LISTING, content_type=HTML),
    }
    facts, server = await scan(tmp_path, routes)
    listing = checks.exposure_directory_listing(facts, CheckParams())
    assert (listing.status, listing.message.values["paths"]) == (Status.FAIL, "/ho-so-luu-tru/")
    assert listing.message.values["found"] == "nginx directory listing (autoindex)"
    assert probe(listing, "/ho-so-luu-tru/")["found_via"] == "sitemap /sitemaps/tailieu.xml.gz"
    assert sorted(listing.evidence["discovery"]["read"]) == [
        "/robots.txt: 200, 0 paths", "/sitemap.xml: 404, 0 paths",
        "/sitemap_index.xml: 200, 0 paths, sitemap index",
        "/sitemaps/tailieu.xml.gz: 200, 1 paths, gzip"]
    # never another host: neither the sitemap named on evil.example.com nor the entry on elsewhere.
    assert {r.host.split(":")[0] for r in server.requests} == {HOST}
    assert "/bi-mat/" not in asked(server)
    # the other checks are untouched by the extra paths
    assert checks.exposure_backup(facts, CheckParams()).status is Status.PASS


async def test_robots_disallow_lines_lead_to_a_dump_and_a_config_file(tmp_path: Path) -> None:
    routes = {
        "/": HOME,
        "/robots.txt": Route.text("User-agent: *\nDisallow: /quan-tri/\nDisallow: /sao-luu/csdl-2023.sql\n"
                                  "Disallow: /cau-hinh/.env\nDisallow: /*.php$\n"),
        "/sao-luu/csdl-2023.sql": Route.text(DUMP),
        "/cau-hinh/.env": Route.text(ENV),
    }
    facts, server = await scan(tmp_path, routes)
    backup = checks.exposure_backup(facts, CheckParams())
    assert (backup.status, backup.message.values) == (Status.FAIL, {"paths": "/sao-luu/csdl-2023.sql",
                                                                    "found": "MySQL dump"})
    assert probe(backup, "/sao-luu/csdl-2023.sql")["found_via"] == "robots.txt"
    config = checks.exposure_config(facts, CheckParams())
    assert (config.status, config.message.values["paths"]) == (Status.FAIL, "/cau-hinh/.env")
    assert probe(config, "/cau-hinh/.env")["found_via"] == "robots.txt"
    assert "lab-only" not in str(config.evidence)
    # the disallowed folders were asked for too (candidates, not exclusions), and answered 404
    listing = checks.exposure_directory_listing(facts, CheckParams())
    assert listing.status is Status.PASS
    assert {"/quan-tri/", "/sao-luu/", "/cau-hinh/"} <= set(asked(server))


async def test_a_linked_page_and_a_common_vietnamese_folder_name(tmp_path: Path) -> None:
    home = ('<html><head><title>Sở Y tế</title></head><body><nav><a href="/gioi-thieu/">Giới thiệu</a>'
            '<a href="/lien-he.html">Liên hệ</a><a href="/tin-tuc/">Tin tức</a></nav></body></html>')
    about = '<html><body><a href="/tai-lieu-hop/2024/bien-ban.pdf">Biên bản họp</a></body></html>'
    routes = {
        "/": Route.text(home, content_type=HTML),
        "/gioi-thieu/": Route.text(about, content_type=HTML),
        "/tai-lieu-hop/": Route.text(APACHE_LISTING, content_type=HTML),
        "/vanban/": Route.text(IIS_LISTING, content_type=HTML),
    }
    facts, server = await scan(tmp_path, routes)
    listing = checks.exposure_directory_listing(facts, CheckParams())
    assert listing.status is Status.FAIL
    assert listing.message.values["paths"] == "/tai-lieu-hop/, /vanban/"
    assert probe(listing, "/tai-lieu-hop/")["found_via"] == "link on /gioi-thieu/"
    assert probe(listing, "/vanban/")["found_via"] == "common folder name"
    assert probe(listing, "/tin-tuc/")["found_via"] == "link on /"
    # two levels: the home page's links, then the links of the first MAX_LINKED_PAGES pages
    pages = [t for t in asked(server) if t in ("/gioi-thieu/", "/lien-he.html", "/tin-tuc/")]
    assert pages.count("/gioi-thieu/") == 2 and len(set(pages)) == 3  # read once, probed once
    read = [r for r in facts.discovery.reads if r.path in ("/gioi-thieu/", "/lien-he.html")]
    assert len(read) == MAX_LINKED_PAGES


async def test_discovered_probes_are_capped_and_politely_paced() -> None:
    folders = "".join(f"Disallow: /an-{i}/\n" for i in range(200))
    sitemap = "<urlset>" + "".join(f"<url><loc>http://{HOST}/muc-{i}/p.html</loc></url>" for i in range(200))
    bodies = {"/robots.txt": folders.encode(), "/sitemap.xml": sitemap.encode()}

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        body = bodies.get(path, b"<html><title>Trang chu</title></html>" if path == "/" else b"")
        reply(writer, body)

    server = RawHttpServer(handle, loopback())
    facts, _ = await scan_raw(server)
    discovered = [p for p in facts.probes if p.found_via]
    assert len(discovered) == MAX_DISCOVERED_PROBES
    # robots.txt, the sitemap and the common names take turns
    turns = [p.found_via for p in discovered[:3]]
    assert turns == ["robots.txt", "sitemap /sitemap.xml", "common folder name"]
    assert server.most_open <= FAST.http_per_host
    assert len(server.heads) <= 39 + 2 + MAX_DISCOVERED_PROBES


async def test_catch_all_listing_site_gives_no_finding_for_discovered_folders() -> None:
    """A site answering every path with the same 'Index of /' page: nothing discovered is evidence."""
    listing = (b'<html><head><title>Index of /</title></head><body><h1>Index of /</h1><hr><pre>'
               b'<a href="../">../</a>')

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        body = {"/robots.txt": b"Disallow: /noi-bo/\n", "/": b"<html><title>Trang chu</title></html>"}.get(
            path, listing)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    facts, _ = await scan_raw(RawHttpServer(handle, loopback()))
    assert checks.exposure_directory_listing(facts, CheckParams()).status is Status.PASS
    assert any(p.path == "/noi-bo/" and p.like_baseline for p in facts.probes)


async def test_hostile_sitemaps_stay_bounded() -> None:
    """A sitemap index naming fifty sitemaps: a gzip bomb, an endless body; only MAX_SITEMAPS read."""
    bomb = gzip.compress(b"<urlset>" + b" " * (64 << 20))
    index = ("<sitemapindex>" + "<sitemap><loc>/sm-bom.xml.gz</loc></sitemap><sitemap><loc>/sm-dai.xml</loc>"
             "</sitemap>" + "".join(f"<sitemap><loc>/sm-{i}.xml</loc></sitemap>" for i in range(50))
             + "</sitemapindex>").encode()

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        if path == "/sm-dai.xml":  # endless body
            writer.write(b"HTTP/1.1 200 OK\r\n\r\n<urlset>")
            for _ in range(400):
                writer.write(b"<url><loc>/x/</loc></url>" * 2000)
                await writer.drain()
            return
        body = {"/": b"<html><title>x</title></html>", "/sitemap.xml": index,
                "/sm-bom.xml.gz": bomb}.get(path, b"")
        reply(writer, body)

    server = RawHttpServer(handle, loopback())
    facts, elapsed = await scan_raw(server)
    assert elapsed < 10
    reads = {r.path: r for r in facts.discovery.reads}
    assert [p for p in reads if p.startswith("/s")] == ["/sitemap.xml", "/sm-bom.xml.gz", "/sm-dai.xml"]
    assert len(reads) == 1 + MAX_SITEMAPS  # and robots.txt
    assert reads["/sitemap.xml"].note == "sitemap index"
    assert reads["/sm-bom.xml.gz"].note == "gzip, truncated"
    assert (reads["/sm-dai.xml"].found, reads["/sm-dai.xml"].note) == (1, "first 5000 entries, truncated")
    assert not any(h.startswith(b"GET /sm-1") for h in server.heads)


async def test_hostile_robots_loops_and_stalls_end_within_the_budget() -> None:
    """Garbage robots.txt declaring a redirect-looping sitemap and another host's; linked pages that stall."""
    home = b'<html><title>x</title><a href="/cham-1/">1</a><a href="/cham-2/">2</a></html>'
    robots = (b"\x00\xff\xfeDisallow /x\r\n\x1b[31m" * 500 + b"\nSitemap: /vong.xml\n"
              b"Sitemap: http://evil.example.com/s.xml\nDisallow: /<script>/\nDisallow: /../../etc/\n")

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        if path.startswith("/cham-"):  # linked pages that never answer
            await asyncio.sleep(30)
        if path.startswith("/vong.xml"):  # /vong.xml -> /vong.xml?N -> ... for ever
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /vong.xml?" + str(time.monotonic()).encode()
                         + b"\r\nContent-Length: 0\r\n\r\n")
            return
        body = {"/": home, "/robots.txt": robots}.get(path, b"")
        reply(writer, body)

    server = RawHttpServer(handle, loopback())
    facts, elapsed = await scan_raw(server)
    assert elapsed < 10
    reads = {r.path: r for r in facts.discovery.reads}
    assert reads["/robots.txt"].found == 0
    assert reads["/vong.xml"].note.startswith("too-many-redirects")
    assert reads["/cham-1/"].note.startswith("timeout")
    assert sum(h.startswith(b"GET /vong.xml") for h in server.heads) == 1 + FAST.http_max_redirects
    assert not any(b"evil" in h or b"script" in h or b"etc" in h for h in server.heads)
    # the stalled pages were still probed as folders: they are links of the home page
    assert sorted(p.path for p in facts.probes if p.found_via == "link on /") == ["/cham-1/", "/cham-2/"]


async def test_trickling_discovery_documents_hit_the_time_budget() -> None:
    """robots.txt and every sitemap trickle a byte at a time: discovery gives up at its budget
    (a connect and two read timeouts), keeps what it read, and probing goes on."""
    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        if path in ("/robots.txt", "/sitemap.xml", "/cham.xml"):
            first = b"Disallow: /noi-bo/\nSitemap: /cham.xml\n" if path == "/robots.txt" else b"<urlset>"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + first)
            for _ in range(100):
                await writer.drain()
                await asyncio.sleep(0.2)
                writer.write(b" ")
            return
        reply(writer, b"<html><title>x</title></html>" if path == "/" else b"")

    server = RawHttpServer(handle, loopback())
    async with server, lab_dns({"portal.agency": server.address}) as dns:
        started = time.monotonic()
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{server.port}/", agency="so-yt")
        slow = FAST.model_copy(update={"http_per_host": 1})
        facts = await collect_web_exposure(target, context(dns, net=slow))
        elapsed = time.monotonic() - started
    assert facts.discovery.stopped == "time budget spent"
    assert elapsed < 8  # the budget (2 s here), then the probes
    assert any(p.path == "/noi-bo/" and p.found_via == "robots.txt" for p in facts.probes)
    assert checks.exposure_vcs(facts, CheckParams()).status is Status.PASS


EXPOSURE_CHECKS = {
    "web.exposure.vcs": checks.exposure_vcs, "web.exposure.config": checks.exposure_config,
    "web.exposure.backup": checks.exposure_backup, "web.exposure.phpinfo": checks.exposure_phpinfo,
    "web.exposure.server-status": checks.exposure_server_status, "web.exposure.admin": checks.exposure_admin,
    "web.exposure.directory-listing": checks.exposure_directory_listing,
}


@pytest.mark.parametrize(("number", "failing"), [
    (10, {"web.exposure.directory-listing": ("/ho-so-luu-tru/", "sitemap /sitemaps/cong-bao.xml.gz")}),
    (7, {"web.exposure.directory-listing": ("/vanban/", "common folder name")}),
    (5, {"web.exposure.backup": ("/sao-luu/csdl-congthongtin-2023.sql", "robots.txt")}),
    (2, {}),  # the control
    (11, {}),  # the soft-404 portal
])
async def test_issue11_demo_portals_exposures_reached_by_discovery(
    tmp_path: Path, number: int, failing: dict[str, tuple[str, str]]
) -> None:
    """The demo lab's planted cases that only path discovery reaches, and the clean control."""
    plan = next(p for p in PORTALS if p.number == number)
    server = portal_server(plan, https_port=0, http_port=0)
    await server.start()
    try:
        zone = zone_file(plan.domain, f"{plan.host.split('.', 1)[0]} IN A {plan.address}\n")
        async with LabDnsServer(zones={plan.domain: zone}, address=loopback()) as dns:
            ca_file = str(LabCA.write_ca(lab_ca(), tmp_path))
            ctx = lab_context(dns, domains=[plan.domain], net=FAST, ca_file=ca_file)
            url = f"https://{plan.host}:{server.https_port}/"
            facts = await collect_web_exposure(Target(kind=TargetKind.URL, name=url, agency="lab"), ctx)
    finally:
        await server.stop()
    outcomes = {cid: check(facts, CheckParams()) for cid, check in EXPOSURE_CHECKS.items()}
    assert {cid for cid, o in outcomes.items() if o.status is not Status.PASS} == set(failing)
    for cid, (path, via) in failing.items():
        assert outcomes[cid].message.values["paths"] == path
        assert probe(outcomes[cid], path)["found_via"] == via
