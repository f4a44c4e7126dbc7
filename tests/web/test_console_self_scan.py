"""The console defends itself: canhgac's own web-portal checks, run through the services layer
against the console that ``canhgac serve`` serves, find nothing wrong with its headers, cookies,
CORS, methods, disclosures or exposed files.

Twice: directly (plain HTTP on loopback, as after the demo) and behind nginx with TLS, configured
with the sample of docs/console.md itself (only its name, ports and certificate paths replaced),
so the documented set-up is the tested one. Debian's nginx is needed for the second.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from console_server_support import free_port, served_console, wait_for_port
from lab_dns_support import zone_file
from loopback_support import random_loopback

from canhgac.catalog import load_catalog
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.context import TargetOptions
from canhgac.engine.options import NetworkLimits
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.pki import LabCA
from canhgac.services.scan import ScanRequest, execute_scan

DOC = Path(__file__).parents[2] / "docs" / "console.md"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# What the console itself answers for: none of these may fail, on either set-up.
DEFENCES = ("web.headers.", "web.cookies.", "web.cors.", "web.methods.", "web.disclosure.",
            "web.exposure.", "web.mixed-content", "web.third-party-scripts")
# Over plain HTTP the transport checks cannot pass: that is what the TLS proxy is for.
PLAIN_HTTP_FAILURES = {"web.https.available", "web.https.redirect"}
# The console's security.txt names the contact it is configured with (docs/console.md).
CONTACT = ("--security-contact", "mailto:csirt@stttt.gov.test")
# A real server, in a subprocess, on a machine the whole suite shares: the engine's own default
# timeouts, not the lab's sub-second ones (a late answer must not become an error here).
PATIENT = NetworkLimits(http_min_interval=0.0)
pytestmark = pytest.mark.timeout(300)


async def scan(
    url: str, *, ca_file: Path | None = None, http_port: int | None = None
) -> dict[str, CheckResult]:
    """Every URL check of the built-in registry on ``url``, as ``canhgac scan`` runs them."""
    target = Target(kind=TargetKind.URL, name=url, agency="STTTT")
    options = {target.key: TargetOptions(role="portal", ports=(http_port,))} if http_port else {}
    async with LabDnsServer(zones={"gov.test": zone_file("gov.test", "")}, address=random_loopback()) as dns:
        settings = ScanSettings(
            resolvers=(f"{dns.address}:{dns.port}",), scope=ScopeSettings(networks=("127.0.0.1/32",),
                                                                           loopback_only=True),
            ca_file=str(ca_file) if ca_file else None, net=PATIENT, target_timeout=150,
            target_options=options)
        registry = builtin_registry()
        outcome = await execute_scan(ScanRequest(None, settings, targets=(target,)), registry, load_catalog(),
                                     persist=False)
    assert len(outcome.results) == len(registry.for_kind(TargetKind.URL))
    return {r.check_id: r for r in outcome.results}


def _failed(results: dict[str, CheckResult]) -> dict[str, object]:
    return {cid: (r.message.key, r.evidence) for cid, r in results.items() if r.status is Status.FAIL}


def _defences(results: dict[str, CheckResult]) -> dict[str, CheckResult]:
    return {cid: r for cid, r in results.items() if cid.startswith(DEFENCES)}


async def test_the_console_served_directly_fails_no_header_or_cookie_check(tmp_path: Path) -> None:
    with served_console(tmp_path, "--create", *CONTACT) as base:  # an empty workspace: no scan yet
        results = await scan(f"{base}/login/")
    defences = _defences(results)
    judged = {"web.headers.csp", "web.headers.frame", "web.cookies.flags", "web.disclosure.version"}
    assert judged <= set(defences)
    assert _failed(defences) == {}
    assert {cid for cid, r in defences.items() if r.status is Status.ERROR} == set()
    for check in ("web.headers.csp", "web.headers.frame", "web.headers.content-type-options",
                  "web.headers.referrer-policy", "web.headers.permissions-policy", "web.disclosure.version"):
        assert results[check].status is Status.PASS, (check, results[check].message)
    assert set(_failed(results)) <= PLAIN_HTTP_FAILURES
    assert results["web.security-txt"].status is Status.PASS, results["web.security-txt"].message


def nginx_sample() -> str:
    """The first ``nginx`` block of docs/console.md."""
    found = re.search(r"```nginx\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/console.md has no nginx sample"
    return found.group(1)


def _configure(sample: str, *, console: int, http: int, https: int, cert: Path, key: Path) -> str:
    replaced = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{console};",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https}$request_uri;",
        "/etc/ssl/canhgac/console.crt": str(cert),
        "/etc/ssl/canhgac/console.key": str(key),
    }
    for old, new in replaced.items():
        assert sample.count(old) == 1, old  # the sample changed: update this test with it
        sample = sample.replace(old, new)
    return sample


@contextmanager
def nginx(folder: Path, site: str) -> Iterator[None]:
    assert NGINX is not None
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    (folder / "site.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    kinds = (("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
             ("scgi", "scgi"))
    temps = "".join(f"{kind}_temp_path {folder / name};\n" for kind, name in kinds)
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\naccess_log {folder / 'access.log'};\n{temps}"
        f"include {folder / 'site.conf'};\n}}\n", encoding="utf-8")
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e",
                                str(folder / "error.log")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian package nginx-light)")
async def test_the_console_behind_the_documented_nginx_tls_fails_nothing_of_its_own(tmp_path: Path) -> None:
    ca = LabCA()
    chain, private_key = ca.issue(["127.0.0.1"])
    cert, key = tmp_path / "console.crt", tmp_path / "console.key"
    cert.write_text(chain, encoding="ascii")
    key.write_text(private_key, encoding="ascii")
    key.chmod(0o600)
    http, https = free_port(), free_port()
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with served_console(workspace, "--behind-tls", "--create", *CONTACT) as base:
        console = urlsplit(base).port
        assert console is not None
        site = _configure(nginx_sample(), console=console, http=http, https=https, cert=cert, key=key)
        proxy = tmp_path / "nginx"
        proxy.mkdir()
        with nginx(proxy, site):
            for port in (http, https):
                wait_for_port(port, _Alive(), proxy / "error")
            results = await scan(f"https://127.0.0.1:{https}/login/", ca_file=ca.write_ca(tmp_path),
                                 http_port=http)
    failed = _failed(results)
    assert failed == {}, failed
    errors = {cid: r.message for cid, r in results.items() if r.status is Status.ERROR}
    assert errors == {}
    for check in ("web.https.available", "web.https.redirect", "web.hsts", "web.tls.protocols",
                  "web.tls.cert-trusted", "web.cookies.flags", "web.headers.csp", "web.disclosure.version",
                  "web.security-txt"):
        assert results[check].status is Status.PASS, (check, results[check].message)
    cookies = results["web.cookies.flags"].evidence["cookies"]
    assert "secure" in cookies["__Host-canhgac_csrftoken"]  # the check saw a cookie to judge


class _Alive:
    """A stand-in process for ``wait_for_port`` (nginx's own failures show in its error log)."""

    returncode = None

    def poll(self) -> None:
        return None
