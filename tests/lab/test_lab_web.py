"""The lab's web portals: each planted case is really served, the control and the soft-404 site are
clean, EXPECTED follows from the plans, and the hostile sites misbehave as promised."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import io
import re
import ssl
import zipfile
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from lab_support import running

from canhgac.lab.certificates import lab_ca
from canhgac.lab.names import ORG
from canhgac.lab.web_hostile import OUT_OF_SCOPE_URL, Hostile, hostile_server
from canhgac.lab.web_lab import portal_server, start_web_lab, webmail_server
from canhgac.lab.web_plan import CONTROL_URL, EXPECTED, PORTALS, Plant, dns_additions
from canhgac.lab.web_server import LabWebServer

WEB_CHECKS = {
    "web.https.available", "web.https.redirect", "web.hsts", "web.caa", "web.tls.protocols",
    "web.tls.ciphers", "web.tls.forward-secrecy", "web.tls.dh-params", "web.tls.cert-trusted",
    "web.tls.cert-name",
    "web.tls.cert-expired", "web.tls.cert-expiring", "web.tls.cert-key", "web.tls.cert-signature",
    "web.headers.csp", "web.headers.frame", "web.headers.content-type-options", "web.headers.referrer-policy",
    "web.headers.permissions-policy", "web.cookies.flags", "web.cors.credentials", "web.methods.risky",
    "web.disclosure.version", "web.exposure.directory-listing", "web.exposure.vcs", "web.exposure.config",
    "web.exposure.backup", "web.exposure.phpinfo", "web.exposure.server-status", "web.exposure.admin",
    "web.security-txt", "web.mixed-content", "web.third-party-scripts", "web.defacement",
    "web.components.vulnerable",
}
# What each planted case must make a scan report (the specification EXPECTED is checked against).
PLANT_FINDINGS: dict[Plant, tuple[str, ...]] = {
    Plant.SOFT_404: (),
    Plant.JOOMLA: ("web.components.vulnerable", "web.exposure.admin"),  # generator without a version
    Plant.JOOMLA_15: ("web.components.vulnerable", "web.disclosure.version"),  # 1.5.26; generator 1.5
    Plant.WORDPRESS_ASSETS: ("web.components.vulnerable",),  # 4.7.1 from ?ver=
    Plant.DNN: (),  # identified without a version: not applicable, never a finding nor a pass
    Plant.GIT: ("web.exposure.vcs",),
    Plant.LISTING: ("web.exposure.directory-listing",),
    Plant.DEFACED: ("web.defacement",),
    Plant.NO_REDIRECT: ("web.https.redirect",),
    Plant.NO_HSTS: ("web.hsts",),
    Plant.NO_HEADERS: ("web.headers.csp", "web.headers.frame", "web.headers.content-type-options"),
    Plant.WEAK_COOKIE: ("web.cookies.flags",),
    Plant.CORS: ("web.cors.credentials",),
    Plant.TRACE: ("web.methods.risky",),
    Plant.PHPINFO: ("web.exposure.phpinfo",),
    Plant.SERVER_STATUS: ("web.exposure.server-status",),
    Plant.BACKUP: ("web.exposure.backup",),
    Plant.ENV: ("web.exposure.config",),
    Plant.OLD_APACHE: ("web.components.vulnerable", "web.disclosure.version"),
    Plant.MIXED: ("web.mixed-content",),
    Plant.NO_SRI: ("web.third-party-scripts",),
    Plant.SECTXT_EXPIRED: ("web.security-txt",),
    Plant.CERT_EXPIRED: ("web.tls.cert-expired",),
    Plant.STATIC_RSA: ("web.tls.forward-secrecy", "web.tls.ciphers"),
    Plant.SITEMAP_LISTING: ("web.exposure.directory-listing",),
    Plant.VANBAN_LISTING: ("web.exposure.directory-listing",),
    Plant.ROBOTS_BACKUP: ("web.exposure.backup",),
}
PROBES = ("/.git/HEAD", "/.git/config", "/.svn/entries", "/.env", "/web.config", "/backup.zip", "/db.sql",
          "/phpinfo.php", "/info.php", "/server-status", "/nginx_status", "/elmah.axd", "/administrator/",
          "/wp-login.php", "/user/login", "/Login.aspx", "/phpmyadmin/", "/admin/", "/uploads/")
GOOD_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}
PLANS = {plan.number: plan for plan in PORTALS}


def client_context() -> ssl.SSLContext:
    return ssl.create_default_context(cadata=lab_ca().ca_pem)


async def fetch(server: LabWebServer, path: str = "/", *, method: str = "GET", scheme: str = "https",
                headers: dict[str, str] | None = None, verify: bool = True, limit: float = 5.0,
                host: str | None = None) -> httpx.Response:
    name = host or (server.plan.host if server.plan else "localhost")
    port = server.https_port if scheme == "https" else server.http_port
    async with httpx.AsyncClient(verify=client_context() if verify else False, timeout=limit,
                                 trust_env=False) as client:
        url = f"{scheme}://{server.address}:{port}{path}"
        sent = {"Host": name, **(headers or {})}
        return await client.request(method, url, headers=sent, extensions={"sni_hostname": name})


def portal(number: int) -> AbstractAsyncContextManager[LabWebServer]:
    return running(portal_server(PLANS[number], https_port=0, http_port=0))


def title(response: httpx.Response) -> str:
    found = re.search(r"<title>(.*?)</title>", response.text, re.S)
    return found.group(1) if found else ""


def expiry(security_txt: str) -> dt.datetime:
    found = re.search(r"^Expires: (\S+)$", security_txt, re.M)
    assert found, security_txt
    return dt.datetime.fromisoformat(found.group(1))


def without_nonce(body: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", body)


# --- the plans and the expected findings ---------------------------------------------------------


def test_expected_follows_from_the_plans_and_uses_only_web_check_ids() -> None:
    derived = {(check, p.url) for p in PORTALS for plant in p.plants for check in PLANT_FINDINGS[plant]}
    dns_caused = {("web.caa", "https://www.baokiengiang.test/")}  # no CAA anywhere up baokiengiang.test
    assert set(EXPECTED) == derived | dns_caused
    assert len(EXPECTED) == len(set(EXPECTED))
    assert {check for check, _ in EXPECTED} <= WEB_CHECKS
    assert not [url for _, url in EXPECTED if url in (CONTROL_URL, PLANS[11].url)]  # control, soft-404
    planted = [plan for plan in PORTALS if plan.plants]
    assert len(planted) == len(PORTALS) - 1 and PLANS[2].url == CONTROL_URL and not PLANS[2].plants
    assert set(PLANT_FINDINGS) == set(Plant) == {p for plan in PORTALS for p in plan.plants}


def test_dns_additions_point_www_at_the_portal_addresses() -> None:
    additions = dns_additions(lambda origin, ns: {})
    assert additions[ORG][(f"www.{ORG}.", "A")] == ["127.46.1.1"]
    assert additions[f"stttt.{ORG}"][(f"www.stttt.{ORG}.", "A")] == ["127.46.2.1"]
    assert additions["baokiengiang.test"][("www.baokiengiang.test.", "A")] == ["127.46.12.1"]
    assert sum(len(records) for records in additions.values()) == len(PORTALS) == 12


# --- the whole lab, the control ------------------------------------------------------------------


async def test_every_portal_starts_answers_and_stops() -> None:
    lab = await start_web_lab(https_port=0, http_port=0)
    try:
        assert set(lab.servers) == {plan.url for plan in PORTALS}
        for url, server in lab.servers.items():
            expired = server.plan is not None and Plant.CERT_EXPIRED in server.plan.plants
            if expired:
                with pytest.raises(httpx.ConnectError, match="expired"):
                    await fetch(server)
            response = await fetch(server, verify=not expired)
            assert response.status_code == 200, url
            assert server.plan is not None and server.server_names[-1] == server.plan.host
        assert lab.internal_errors == 0
    finally:
        await lab.stop()
    with pytest.raises(httpx.ConnectError):
        await fetch(lab.servers[CONTROL_URL], limit=1.0)


async def test_control_portal_has_every_good_header_and_answer() -> None:
    async with portal(2) as server:
        home = await fetch(server)
        assert {k: home.headers.get(k) for k in GOOD_HEADERS} == GOOD_HEADERS
        assert home.headers["permissions-policy"].startswith("camera=()")
        csp = home.headers["content-security-policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        scripts = re.findall(r"<script[^>]*>", home.text)
        assert scripts and all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts)
        assert all("integrity=" in tag for tag in scripts if "https://" in tag) and "http://" not in home.text
        cookie = home.headers["set-cookie"]
        assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Lax"))
        assert not {"server", "x-powered-by", "x-aspnet-version", "x-generator"} & set(home.headers)
        assert 'name="generator"' not in home.text and title(home).startswith("Cổng thông tin điện tử")
        again = await fetch(server)
        assert again.headers["content-security-policy"] != csp  # a fresh nonce per response
        for path in (*PROBES, "/khong-ton-tai-8f3a1c"):
            assert (await fetch(server, path)).status_code == 404, path
        cors = await fetch(server, headers={"Origin": "https://canhgac-cors-probe.invalid"})
        assert "access-control-allow-origin" not in cors.headers


async def test_control_transport_methods_and_security_txt() -> None:
    async with portal(2) as server:
        plain = await fetch(server, "/tin-tuc/?page=2", scheme="http")
        assert (plain.status_code, plain.headers["location"]) == (301, f"https://www.stttt.{ORG}/tin-tuc/?page=2")
        options = await fetch(server, method="OPTIONS")
        assert options.status_code == 200 and options.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        assert (await fetch(server, method="TRACE")).status_code == 405
        assert (await fetch(server, method="PUT")).status_code == 405
        head = await fetch(server, method="HEAD")
        assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 500
        txt = await fetch(server, "/.well-known/security.txt")
        assert txt.headers["content-type"].startswith("text/plain")
        assert f"Contact: mailto:attt@stttt.{ORG}" in txt.text
        expires = expiry(txt.text)
        assert dt.timedelta(days=300) < expires - dt.datetime.now(dt.UTC) < dt.timedelta(days=365)


# --- the planted cases -----------------------------------------------------------------------------


async def test_soft_404_site_answers_the_same_page_everywhere() -> None:
    async with portal(11) as server:
        home = await fetch(server)
        for path in (*PROBES, "/khong-ton-tai-8f3a1c", "/a/b/c.php?x=1"):
            answer = await fetch(server, path)
            assert answer.status_code == 200, path
            assert without_nonce(answer.text) == without_nonce(home.text), path
        assert "Expires:" in (await fetch(server, "/.well-known/security.txt")).text
        assert {k: home.headers.get(k) for k in GOOD_HEADERS} == GOOD_HEADERS


async def test_old_joomla_shows_its_generator_manifest_and_admin_login() -> None:
    async with portal(1) as server:
        home = await fetch(server)
        assert '<meta name="generator" content="Joomla! - Open Source Content Management">' in home.text
        manifest = await fetch(server, "/administrator/manifests/files/joomla.xml")
        assert "<version>4.2.7</version>" in manifest.text and "files_joomla" in manifest.text
        admin = await fetch(server, "/administrator/")
        assert admin.status_code == 200 and "mod-login-username" in admin.text and "com_login" in admin.text
        assert "Secure; HttpOnly" in home.headers["set-cookie"]


async def test_exposed_git_and_directory_listing() -> None:
    async with portal(3) as server:
        assert (await fetch(server, "/.git/HEAD")).text == "ref: refs/heads/main\n"
        config = (await fetch(server, "/.git/config")).text
        assert config.startswith("[core]") and "repositoryformatversion = 0" in config
        listing = await fetch(server, "/uploads/")
        assert title(listing) == "Index of /uploads" and "Parent Directory" in listing.text


async def test_defaced_page_with_expired_security_txt() -> None:
    async with portal(4) as server:
        assert title(await fetch(server)) == "Hacked by xXx - bị hack bởi"
        txt = (await fetch(server, "/.well-known/security.txt")).text
        expires = expiry(txt)
        assert expires < dt.datetime.now(dt.UTC)


async def test_no_https_redirect_no_hsts_and_a_script_without_sri() -> None:
    async with portal(5) as server:
        plain = await fetch(server, scheme="http")
        assert plain.status_code == 200 and not {"location", "set-cookie"} & set(plain.headers)
        home = await fetch(server)
        assert "strict-transport-security" not in home.headers
        assert '<script src="https://counter.thongke-truycap.test/dem.js" nonce=' in home.text
        assert "x-frame-options" in home.headers


async def test_missing_headers_and_a_weak_cookie() -> None:
    async with portal(6) as server:
        home = await fetch(server)
        missing = {"content-security-policy", "x-frame-options", "x-content-type-options"}
        assert not missing & set(home.headers)
        cookie = home.headers["set-cookie"]
        assert cookie.startswith("ASP.NET_SessionId=")
        assert not re.search("secure|httponly|samesite", cookie, re.I)
        assert home.headers["strict-transport-security"] == GOOD_HEADERS["strict-transport-security"]


async def test_cors_echo_and_trace() -> None:
    async with portal(7) as server:
        origin = "https://canhgac-cors-probe.invalid"
        cors = await fetch(server, headers={"Origin": origin})
        assert cors.headers["access-control-allow-origin"] == origin
        assert cors.headers["access-control-allow-credentials"] == "true"
        trace = await fetch(server, "/?t=1", method="TRACE", headers={"X-Probe": "canhgac"})
        assert trace.status_code == 200 and trace.headers["content-type"] == "message/http"
        assert trace.text.startswith("TRACE /?t=1 HTTP/1.1\r\n") and "X-Probe: canhgac" in trace.text
        assert "TRACE" in (await fetch(server, method="OPTIONS")).headers["allow"]


async def test_phpinfo_and_server_status() -> None:
    async with portal(8) as server:
        info = await fetch(server, "/phpinfo.php")
        assert "phpinfo()" in title(info) and '<h1 class="p">PHP Version' in info.text
        status = await fetch(server, "/server-status")
        assert title(status) == "Apache Status" and "Apache Server Status for" in status.text
        assert (await fetch(server, "/info.php")).status_code == 404


async def _tls_answer(server: LabWebServer, ciphers: str | None = None) -> tuple[str | None, str | None]:
    """(version, suite) a client gets: a default one, or a TLS 1.2 one offering only ``ciphers``."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    if ciphers is not None:
        client.maximum_version = ssl.TLSVersion.TLSv1_2
        client.set_ciphers(ciphers)
    _, writer = await asyncio.open_connection(server.address, server.https_port, ssl=client)
    try:
        sslobj = writer.get_extra_info("ssl_object")
        return sslobj.version(), (sslobj.cipher() or (None,))[0]
    finally:
        writer.close()


async def test_static_rsa_suite_beside_a_forward_secret_default() -> None:
    """Issue 11 item 1: TLS 1.3 by default, yet static-RSA AES128-SHA under TLS 1.2."""
    async with portal(8) as server:
        assert await _tls_answer(server) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
        assert await _tls_answer(server, "kRSA") == ("TLSv1.2", "AES128-SHA")
    async with portal(2) as control:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await _tls_answer(control, "kRSA")


async def test_backup_archive_and_env_file() -> None:
    async with portal(9) as server:
        backup = await fetch(server, "/backup.zip")
        assert backup.content[:4] == b"PK\x03\x04" and backup.headers["content-type"] == "application/zip"
        assert "db/portal.sql" in zipfile.ZipFile(io.BytesIO(backup.content)).namelist()
        env = (await fetch(server, "/.env")).text
        assert "DB_PASSWORD=" in env and "APP_KEY=" in env


async def test_exposures_no_page_links_to_are_named_by_robots_or_a_sitemap_or_nothing() -> None:
    """Issue 11: a listing named only in a gzip sitemap behind robots.txt's sitemap index, a
    listing at the common folder name /vanban/, a dump named only by robots.txt."""
    async with portal(10) as server:
        home = (await fetch(server)).text
        robots = (await fetch(server, "/robots.txt")).text
        assert f"Sitemap: https://www.congbao.{ORG}/sitemap_index.xml" in robots
        index = (await fetch(server, "/sitemap_index.xml")).text
        assert "<sitemapindex" in index and "/sitemaps/cong-bao.xml.gz</loc>" in index
        packed = (await fetch(server, "/sitemaps/cong-bao.xml.gz")).content
        assert "/ho-so-luu-tru/cong-bao-so-12-2024.pdf</loc>" in gzip.decompress(packed).decode()
        assert title(await fetch(server, "/ho-so-luu-tru/")) == "Index of /ho-so-luu-tru"
        assert "ho-so-luu-tru" not in home and (await fetch(server, "/sitemap.xml")).status_code == 404
    async with portal(7) as server:
        assert title(await fetch(server, "/vanban/")) == "Directory Listing For [/vanban/]"
        assert "/vanban/" not in (await fetch(server)).text + (await fetch(server, "/robots.txt")).text
    async with portal(5) as server:
        robots = (await fetch(server, "/robots.txt")).text
        assert "Disallow: /sao-luu/csdl-congthongtin-2023.sql" in robots
        dump = (await fetch(server, "/sao-luu/csdl-congthongtin-2023.sql")).text
        assert dump.startswith("-- MySQL dump") and "sao-luu" not in (await fetch(server)).text
    async with portal(2) as control:
        assert (await fetch(control, "/robots.txt")).text == "User-agent: *\nAllow: /\n"
        for path in ("/vanban/", "/ho-so-luu-tru/", "/sitemap.xml", "/sitemap_index.xml",
                     "/sao-luu/csdl-congthongtin-2023.sql"):
            assert (await fetch(control, path)).status_code == 404, path


async def test_old_apache_banner_and_mixed_content() -> None:
    async with portal(10) as server:
        home = await fetch(server)
        assert home.headers["server"] == "Apache/2.4.49 (Unix)"
        assert f'<script src="http://www.congbao.{ORG}/js/thongke.js"' in home.text
        assert (await fetch(server, "/nothing-here")).headers["server"] == "Apache/2.4.49 (Unix)"


async def test_expired_certificate_on_an_otherwise_good_portal() -> None:
    async with portal(12) as server:
        with pytest.raises(httpx.ConnectError, match="expired"):
            await fetch(server)
        home = await fetch(server, verify=False)
        assert {k: home.headers.get(k) for k in GOOD_HEADERS} == GOOD_HEADERS


async def test_webmail_front_end_is_faultless_or_lacks_only_the_redirect() -> None:
    good = webmail_server(2, f"webmail.stttt.{ORG}", redirects=True, https_port=0, http_port=0)
    bad = webmail_server(5, f"webmail.snv.{ORG}", redirects=False, https_port=0, http_port=0)
    for server in (good, bad):
        await server.start()
    try:
        assert good.address == "127.45.2.1"
        assert (await fetch(good, scheme="http")).status_code == 301
        page = await fetch(bad, scheme="http")
        assert page.status_code == 200 and 'name="_pass"' in page.text
        assert "strict-transport-security" in (await fetch(bad)).headers
    finally:
        for server in (good, bad):
            await server.stop()


# --- hostile sites -----------------------------------------------------------------------------------


@asynccontextmanager
async def hostile(kind: Hostile) -> AsyncIterator[LabWebServer]:
    server = hostile_server(kind, host="hostile.lab.test", address="127.47.0.1")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_endless_redirects_never_end() -> None:
    async with hostile(Hostile.REDIRECT_LOOP) as server:
        hops = [await fetch(server, path, host="hostile.lab.test") for path in ("/", "/r/1", "/r/41")]
        assert [h.headers["location"] for h in hops] == ["/r/1", "/r/2", "/r/42"]
        plain = await fetch(server, "/r/7", scheme="http", host="hostile.lab.test")
        assert plain.headers["location"] == "/r/8"


async def test_redirect_out_of_scope() -> None:
    async with hostile(Hostile.REDIRECT_OUT_OF_SCOPE) as server:
        answer = await fetch(server, "/.git/HEAD", host="hostile.lab.test")
        assert (answer.status_code, answer.headers["location"]) == (302, OUT_OF_SCOPE_URL)


async def test_a_megabyte_of_headers_breaks_a_careful_client() -> None:
    async with hostile(Hostile.HUGE_HEADERS) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await fetch(server, host="hostile.lab.test")


async def test_slow_huge_body_and_silent_server_hit_the_deadline() -> None:
    async with hostile(Hostile.SLOW_BODY) as server:
        async with httpx.AsyncClient(verify=client_context(), timeout=5.0, trust_env=False) as client:
            request = client.build_request("GET", f"https://{server.address}:{server.https_port}/",
                                           headers={"Host": "hostile.lab.test"},
                                           extensions={"sni_hostname": "hostile.lab.test"})
            response = await client.send(request, stream=True)
            assert int(response.headers["content-length"]) >= 1 << 30
            got, start = 0, asyncio.get_running_loop().time()
            async for chunk in response.aiter_bytes():
                got += len(chunk)
                if asyncio.get_running_loop().time() - start > 0.7:
                    break
            await response.aclose()
            assert 0 < got < 200_000  # trickling: well under 1 MiB in 0.7 s
        await asyncio.sleep(0.3)
        assert server.internal_errors == 0
    async with hostile(Hostile.NEVER_ANSWERS) as server:
        with pytest.raises(httpx.ReadTimeout):
            await fetch(server, host="hostile.lab.test", limit=0.5)


async def test_invalid_charset() -> None:
    async with hostile(Hostile.INVALID_CHARSET) as server:
        answer = await fetch(server, host="hostile.lab.test")
        assert "charset=x-lab-no-such-charset" in answer.headers["content-type"]
        with pytest.raises(UnicodeDecodeError):
            answer.content.decode("utf-8")
        assert "\ufffd" in answer.content.decode("utf-8", errors="replace")
