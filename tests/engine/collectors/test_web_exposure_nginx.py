"""web.exposure.* against a real Debian nginx (issue 11 item 4): a folder with ``autoindex on`` that
no page links to is reached through the sitemap (an index naming a gzip sitemap) or its common
Vietnamese name, never by guessing; a folder that nothing names stays unasked; the same site with
``autoindex off`` passes."""

from __future__ import annotations

import getpass
import grp
import gzip
import os
from pathlib import Path

from nginx_support import TEMP_PATHS, free_port, requires_nginx, running_nginx
from test_web_fetch_support import HOST, context, lab_dns, loopback

from canhgac.engine.checks import web_exposure as checks
from canhgac.engine.collectors.web_exposure import collect_web_exposure
from canhgac.engine.facts.web_exposure import WebExposureFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Status
from canhgac.engine.targets import Target, TargetKind

pytestmark = requires_nginx
# Workers run as the test's own user (as root, nginx would switch them to nobody, who cannot read
# pytest's private temporary folders); an unprivileged nginx ignores the directive.
CONF = """user {user} {group};
worker_processes 1;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    {temp_paths}
    server_tokens off;
    types {{ text/html html; application/xml xml; application/gzip gz; application/pdf pdf; text/plain txt; }}
    default_type application/octet-stream;
    server {{
        listen {address}:{port};
        server_name {host};
        root {prefix}/www;
        location /ho-so-luu-tru/ {{ autoindex {autoindex}; }}
        location /vanban/ {{ autoindex {autoindex}; }}
        location /khong-ai-biet/ {{ autoindex {autoindex}; }}
    }}
}}
"""
HOME = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Sở Y tế</title></head><body>'
        '<h1>Sở Y tế</h1><a href="/">Trang chủ</a></body></html>')
INDEX = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f"<sitemap><loc>http://{HOST}/sitemaps/tailieu.xml.gz</loc></sitemap></sitemapindex>")
URLSET = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          f"<url><loc>http://{HOST}/</loc></url><url><loc>http://{HOST}/ho-so-luu-tru/ke-hoach-2024.pdf</loc>"
          "</url></urlset>")


def site(root: Path) -> None:
    """The portal's files: a home page linking nothing, robots.txt, a sitemap index, the folders."""
    files = {
        "index.html": HOME.encode(),
        "robots.txt": b"User-agent: *\nDisallow: /sao-luu/\n",
        "sitemap.xml": INDEX.encode(),
        "sitemaps/tailieu.xml.gz": gzip.compress(URLSET.encode()),
        "ho-so-luu-tru/ke-hoach-2024.pdf": b"%PDF-1.4 lab\n",
        "vanban/qd-01-2024.pdf": b"%PDF-1.4 lab\n",
        "sao-luu/ghi-chu.txt": b"lab\n",  # no index file, autoindex off: 403
        "khong-ai-biet/bi-mat.pdf": b"%PDF-1.4 lab\n",  # listed, but named nowhere
    }
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)


async def scan(tmp_path: Path, autoindex: str) -> tuple[WebExposureFacts, str]:
    site(tmp_path / "www")
    address = loopback()
    port = free_port(address)
    conf = CONF.format(user=getpass.getuser(), group=grp.getgrgid(os.getgid()).gr_name, prefix=tmp_path,
                       address=address, port=port, host=HOST, autoindex=autoindex,
                       temp_paths=TEMP_PATHS.format(prefix=tmp_path))
    async with running_nginx(tmp_path, conf, address, port), lab_dns({"portal.agency": address}) as dns:
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{port}/", agency="so-yt")
        facts = await collect_web_exposure(target, context(dns))
    return facts, (tmp_path / "access.log").read_text()


async def test_nginx_autoindex_folder_reached_only_through_the_sitemap(tmp_path: Path) -> None:
    facts, log = await scan(tmp_path, "on")
    listing = checks.exposure_directory_listing(facts, CheckParams())
    assert (listing.status, listing.message.key) == (Status.FAIL, "exposed")
    assert listing.message.values == {"paths": "/ho-so-luu-tru/, /vanban/",
                                      "found": "nginx directory listing (autoindex)"}
    via = {p["path"]: p.get("found_via") for p in listing.evidence["probes"] if "found" in p}
    assert via == {"/ho-so-luu-tru/": "sitemap /sitemaps/tailieu.xml.gz", "/vanban/": "common folder name"}
    assert sorted(listing.evidence["discovery"]["read"]) == [
        "/robots.txt: 200, 1 paths", "/sitemap.xml: 200, 0 paths, sitemap index",
        "/sitemaps/tailieu.xml.gz: 200, 1 paths, gzip"]
    assert "GET /sao-luu/ " in log  # robots.txt's Disallow is a candidate (403 here: no finding)
    assert "/khong-ai-biet/" not in log  # nothing names it: discovery never guesses beyond its lists


async def test_nginx_with_autoindex_off_passes(tmp_path: Path) -> None:
    facts, log = await scan(tmp_path, "off")
    for check in (checks.exposure_directory_listing, checks.exposure_backup, checks.exposure_config):
        outcome = check(facts, CheckParams())
        assert (outcome.status, outcome.message.key) == (Status.PASS, "pass"), outcome.message
    assert "GET /ho-so-luu-tru/ " in log and "GET /vanban/ " in log
