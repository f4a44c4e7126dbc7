"""collect_web_exposure and the web.exposure.* / web.disclosure.version checks against loopback
sites: a planted portal, a faultless control, soft-404 sites, and hostile or dying servers."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from pathlib import Path

from test_web_fetch_support import FAST, HOST, RawHttpServer, context, lab_dns, loopback, path_of

from canhgac.engine.checks import web_exposure as checks
from canhgac.engine.collectors.web_exposure import MAX_DISCOVERED_PROBES, collect_web_exposure
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web_exposure import WebExposureFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.signatures import Cms
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
HTML = "text/html; charset=utf-8"
HOME = Route.text("<html><head><title>Sở Tài chính</title></head><body><h1>Tin tức</h1>"
                  '<img src="/static/img/logo.png"></body></html>', content_type=HTML)
ALL = ("web.disclosure.version", "web.exposure.vcs", "web.exposure.config", "web.exposure.backup",
       "web.exposure.phpinfo", "web.exposure.server-status", "web.exposure.admin",
       "web.exposure.directory-listing")
FUNCS = {
    "web.disclosure.version": checks.disclosure_version, "web.exposure.vcs": checks.exposure_vcs,
    "web.exposure.config": checks.exposure_config, "web.exposure.backup": checks.exposure_backup,
    "web.exposure.phpinfo": checks.exposure_phpinfo,
    "web.exposure.server-status": checks.exposure_server_status,
    "web.exposure.admin": checks.exposure_admin,
    "web.exposure.directory-listing": checks.exposure_directory_listing,
}


def backup_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("www/index.php", "<?php echo 1;")
    return out.getvalue()


PLANTED = {
    "/": Route(body=HOME.body, headers={"Content-Type": HTML, "Server": "Apache/2.4.41 (Ubuntu)",
                                        "X-Powered-By": "PHP/7.4.3"}),
    "/.git/": Route.text("Forbidden", 403),
    "/.git/HEAD": Route.text("ref: refs/heads/master\n"),
    "/.env": Route.text("APP_KEY=base64:xyz\nDB_HOST=10.0.0.5\nDB_PASSWORD=hunter2\n"),
    "/backup.zip": Route(body=backup_zip(), headers={"Content-Type": "application/zip"}),
    "/phpinfo.php": Route.text('<html><head><title>PHP 7.4.3 - phpinfo()</title></head><body>'
                               '<h1 class="p">PHP Version 7.4.3</h1></body></html>', content_type=HTML),
    "/server-status": Route.text("<html><head><title>Apache Status</title></head><body>"
                                 "<h1>Apache Server Status for portal</h1></body></html>", content_type=HTML),
    "/administrator/": Route.text('<html><body><form id="form-login"><input type="password" name="pw">'
                                  '<input type="hidden" name="option" value="com_login"></form></body>',
                                  content_type=HTML),
    "/static/img/": Route.text('<html><head><title>Index of /static/img</title></head><body><h1>Index of '
                               '/static/img</h1><a href="/static/">Parent Directory</a></body></html>',
                               content_type=HTML),
}


def target_for(url: str) -> Target:
    return Target(kind=TargetKind.URL, name=url, agency="so-tc")


def judge_all(facts: WebExposureFacts) -> dict[str, tuple[Status, str]]:
    outcomes = {cid: FUNCS[cid](facts, CheckParams()) for cid in ALL}
    return {cid: (o.status, o.message.key) for cid, o in outcomes.items()}


async def scan_lab(tmp_path: Path, routes: dict[str, Route]) -> tuple[WebExposureFacts, LabHttpsServer,
                                                                       CollectContext]:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes=routes) as server, \
            lab_dns({"portal.agency": address}) as dns:
        ctx = context(dns, ca_file=str(CA.write_ca(tmp_path)))
        facts = await collect_web_exposure(target_for(f"https://{HOST}:{server.https_port}/"), ctx)
        assert server.internal_errors == 0
    return facts, server, ctx


async def test_planted_portal_fails_every_check(tmp_path: Path) -> None:
    facts, server, ctx = await scan_lab(tmp_path, PLANTED)
    verdicts = judge_all(facts)
    assert verdicts == {cid: (Status.FAIL, "disclosed" if cid == "web.disclosure.version" else "exposed")
                        for cid in ALL}
    vcs = checks.exposure_vcs(facts, CheckParams())
    assert vcs.message.values == {"paths": "/.git/HEAD", "found": "git HEAD (ref: refs/heads/master)"}
    config = checks.exposure_config(facts, CheckParams())
    assert "DB_PASSWORD" in str(config.message.values) and "hunter2" not in str(config.evidence)
    listing = checks.exposure_directory_listing(facts, CheckParams())
    assert listing.message.values["paths"] == "/static/img/"
    disclosed = checks.disclosure_version(facts, CheckParams()).message.values
    assert "server: Apache/2.4.41 (Ubuntu)" in str(disclosed)
    # polite: GETs only, the planned paths only, at most 40 requests for the whole site plus path
    # discovery's (robots.txt, /sitemap.xml, the common folder names)
    assert {r.method for r in server.requests} == {"GET"}
    assert len(server.requests) == WebClient.for_run(ctx).requests_sent <= 40 + 2 + MAX_DISCOVERED_PROBES
    assert "/.git/" not in [r.target for r in server.requests]


async def test_faultless_control_passes(tmp_path: Path) -> None:
    facts, server, _ = await scan_lab(tmp_path, {"/": Route(body=HOME.body, headers={"Content-Type": HTML,
                                                                                     "Server": "nginx"})})
    assert judge_all(facts) == {cid: (Status.PASS, "pass") for cid in ALL}
    assert facts.cms is None and not facts.stopped
    assert len(server.requests) <= 40 + 2 + MAX_DISCOVERED_PROBES


async def test_recognised_cms_narrows_the_probes(tmp_path: Path) -> None:
    wordpress = Route.text('<html><head><link rel="stylesheet" href="/wp-content/themes/t/style.css"></head>'
                           "<body>Tin tức</body></html>", content_type=HTML)
    login = Route.text('<html><body><form name="loginform" id="loginform"><input type="password" name="pwd">'
                       '<input type="submit" id="wp-submit"></form></body></html>', content_type=HTML)
    facts, server, _ = await scan_lab(tmp_path, {"/": wordpress, "/wp-login.php": login})
    assert facts.cms is Cms.WORDPRESS
    asked = [r.target for r in server.requests]
    assert "/administrator/" not in asked and "/configuration.php.bak" not in asked
    assert "/wp-content/uploads/" in asked
    outcome = checks.exposure_admin(facts, CheckParams())
    assert outcome.status is Status.FAIL
    assert outcome.message.values["found"] == "WordPress login (wp-login.php)"


def soft_404_site(body_for: dict[str, bytes], fallback: bytes) -> RawHttpServer:
    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        body = body_for.get(path_of(head), fallback.replace(b"{path}", path_of(head).encode()))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return RawHttpServer(handle, loopback())


async def scan_raw(server: RawHttpServer) -> tuple[WebExposureFacts, float]:
    async with server, lab_dns({"portal.agency": server.address}) as dns:
        started = time.monotonic()
        facts = await collect_web_exposure(target_for(f"http://{HOST}:{server.port}/"), context(dns))
        return facts, time.monotonic() - started


async def test_soft_404_site_yields_no_exposure_finding() -> None:
    home = ("<html><head><title>Cổng thông tin</title></head><body><h1>Trang chủ</h1>"
            + "<p>Tin tức hoạt động của sở.</p>" * 40 + "<!-- {path} --></body></html>").encode()
    facts, _ = await scan_raw(soft_404_site({}, home))
    verdicts = judge_all(facts)
    assert [cid for cid, (status, _) in verdicts.items() if status is not Status.PASS] == []


async def test_catch_all_login_page_is_not_an_exposed_admin() -> None:
    login = ('<html><head><title>Đăng nhập</title></head><body><form><input name="u">'
             '<input type="password" name="p"></form><p>{path}</p></body></html>').encode()
    facts, _ = await scan_raw(soft_404_site({}, login))
    assert checks.exposure_admin(facts, CheckParams()).status is Status.PASS
    real_head = soft_404_site({"/.git/HEAD": b"ref: refs/heads/main\n"}, login)
    facts, _ = await scan_raw(real_head)
    assert checks.exposure_vcs(facts, CheckParams()).status is Status.FAIL


async def test_site_redirecting_unknown_paths_home_has_no_admin_finding() -> None:
    home = ('<html><head><title>Cổng thông tin</title></head><body><form action="/login"><input name="u">'
            '<input type="password" name="p"><button>Đăng nhập</button></form></body></html>').encode()

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        if path_of(head) != "/":
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n")
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                     + str(len(home)).encode() + b"\r\n\r\n" + home)

    facts, _ = await scan_raw(RawHttpServer(handle, loopback()))
    assert judge_all(facts) == {cid: (Status.PASS, "pass") for cid in ALL}


async def test_dying_site_stops_early_and_errors() -> None:
    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        if path != "/" and not path.startswith("/canhgac-"):
            await asyncio.sleep(30)  # the site stops answering after its home page and error page
        body = b"<html><title>x</title></html>"
        status = b"200 OK" if path == "/" else b"404 Not Found"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                     + body)

    server = RawHttpServer(handle, loopback())
    facts, elapsed = await scan_raw(server)
    assert facts.stopped == "the site stopped answering"
    assert elapsed < 8
    # home, baselines, robots.txt and /sitemap.xml (silent too), two silent batches
    assert server.connections == 5 + 2 * FAST.http_per_host
    assert sorted(r.as_evidence() for r in facts.discovery.reads) == [
        "/robots.txt: no answer, 0 paths, timeout: no answer in time",
        "/sitemap.xml: no answer, 0 paths, timeout: no answer in time"]
    for cid in ALL[1:]:
        outcome = FUNCS[cid](facts, CheckParams())
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT), cid
    assert FUNCS["web.disclosure.version"](facts, CheckParams()).status is Status.PASS


async def test_site_down_from_the_start_errors() -> None:
    async with lab_dns({"portal.agency": loopback()}) as dns:  # nothing listens there
        facts = await collect_web_exposure(target_for(f"http://{HOST}:9/"), context(dns))
    assert {FUNCS[cid](facts, CheckParams()).status for cid in ALL} == {Status.ERROR}
    assert facts.probes == ()


async def test_hostile_answers_end_as_findings_or_errors() -> None:
    zip_head = backup_zip()[:30]

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        path = path_of(head)
        if path == "/backup.zip":  # an endless archive: read up to the cap, judged by its magic bytes
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\n\r\n" + zip_head)
            for _ in range(200):
                writer.write(b"\x00" * 65536)
                await writer.drain()
            return
        if path == "/admin/":  # an endless redirect loop
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /admin/\r\nContent-Length: 0\r\n\r\n")
            return
        if path == "/wp-login.php":  # out of scope: never followed
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: https://evil.example.com/\r\n"
                         b"Content-Length: 0\r\n\r\n")
            return
        if path == "/.env":  # gigantic headers
            writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-Junk: " + b"a" * 60000 + b"\r\n")
            writer.write(b"X-More: " + b"b" * 60000 + b"\r\n\r\n")
            return
        body = "<html><title>Trang chủ</title><p>\xff\xfe không hợp lệ</p></html>".encode("utf-8", "replace")
        body = body.replace(b"\xc3\xbf", b"\xff")  # invalid UTF-8 on purpose
        status = b"200 OK" if path == "/" else b"404 Not Found"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)

    server = RawHttpServer(handle, loopback())
    facts, elapsed = await scan_raw(server)
    assert elapsed < 15
    backup = checks.exposure_backup(facts, CheckParams())
    assert (backup.status, backup.message.values["found"]) == (Status.FAIL, "ZIP archive")
    assert checks.exposure_admin(facts, CheckParams()).status is Status.PASS
    assert b"evil.example.com" not in b"".join(server.heads)
    config = checks.exposure_config(facts, CheckParams())  # /.env could not be read: unknown
    assert (config.status, config.error_reason) == (Status.ERROR, ErrorReason.PROTOCOL)
