"""web.tls.* against a real Debian nginx (issue 11 item 1): a forward-secret default suite must
not hide a static-RSA suite the server also accepts.

nginx is started by the test itself (never the system service), in the foreground, on a random
loopback address and free high ports, with a certificate of the lab CA. CI installs it with
``apt-get install -y nginx-light``; without an nginx binary the tests are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_web_fetch_support import FAST, HOST, context, loopback, zone

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_transport as checks
from canhgac.engine.collectors import web_transport as collector
from canhgac.engine.collectors.web_transport import collect_web_transport
from canhgac.engine.context import TargetOptions
from canhgac.engine.facts.tls import CipherFamily, TlsProtocol
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls.legacy import NASSL_ERROR
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.pki import LabCA

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian: apt-get install -y nginx-light)"
)
CA = LabCA()
CATALOG = load_catalog()
REGISTRY = build_registry([collector, checks])
STATIC_RSA_EXTRA = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA"
CONTROL = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
CONF = """worker_processes 1;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    server {{
        listen {address}:{https} ssl;
        server_name {host};
        ssl_certificate {prefix}/cert.pem;
        ssl_certificate_key {prefix}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {ciphers};
        ssl_prefer_server_ciphers on;
        location / {{
            add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
            default_type text/html;
            return 200 "<title>Portal</title>";
        }}
    }}
    server {{
        listen {address}:{http};
        return 301 https://{host}:{https}$request_uri;
    }}
}}
"""


def _free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        port: int = sock.getsockname()[1]
        return port


async def _listening(address: str, port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(100):
        if process.returncode is not None:
            errors = await process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"nginx exited: {errors.decode(errors='replace')}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(address, port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("nginx did not start listening")


@contextlib.asynccontextmanager
async def nginx(prefix: Path, ciphers: str) -> AsyncIterator[tuple[str, int, int]]:
    """A foreground nginx on a loopback address: (address, https port, http port)."""
    address = loopback()
    https, http = _free_port(address), _free_port(address)
    cert, key = CA.issue([HOST])
    (prefix / "cert.pem").write_text(cert)
    (prefix / "key.pem").write_text(key)
    conf = prefix / "nginx.conf"
    conf.write_text(CONF.format(prefix=prefix, address=address, https=https, http=http, host=HOST,
                                ciphers=ciphers))
    assert NGINX is not None
    process = await asyncio.create_subprocess_exec(
        NGINX, "-c", str(conf), "-p", str(prefix), "-e", str(prefix / "error.log"),
        "-g", f"daemon off; pid {prefix}/nginx.pid;",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _listening(address, https, process)
        yield address, https, http
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        async with asyncio.timeout(10):
            await process.wait()


async def scan(tmp_path: Path, ciphers: str) -> dict[str, Outcome]:
    async with nginx(tmp_path, ciphers) as (address, https, http), \
            LabDnsServer(zones={"gov.test": zone({"portal.agency": address})}, address=loopback()) as dns:
        target = Target(kind=TargetKind.URL, name=f"https://{HOST}:{https}/", agency="so-tttt")
        options = {target.key: TargetOptions(role="portal", ports=(http,))}
        ctx = context(dns, ca_file=str(CA.write_ca(tmp_path)), net=FAST, options=options)
        facts = await collect_web_transport(target, ctx)
    results = {}
    for check_id, spec in REGISTRY.checks.items():
        if check_id.startswith("web.tls."):
            results[check_id] = spec.evaluate((facts,), CheckParams())
    return results


@pytest.mark.skipif(bool(NASSL_ERROR), reason="nassl is needed for the legacy suites (RC4, 3DES, EXPORT)")
async def test_nginx_static_rsa_extra_suite_fails_forward_secrecy_and_ciphers(tmp_path: Path) -> None:
    results = await scan(tmp_path, STATIC_RSA_EXTRA)
    fs = results["web.tls.forward-secrecy"]
    assert (fs.status, fs.message.key) == (Status.FAIL, "static-kx")
    assert fs.message.values["cipher"] == "TLS_AES_256_GCM_SHA384"
    assert fs.message.values["suites"] == "TLSv1.2: AES128-SHA"
    endpoint = fs.evidence["endpoints"][0]
    assert endpoint["static_kx_suites"] == {TlsProtocol.TLS12.value: ["AES128-SHA"]}
    ciphers = results["web.tls.ciphers"]
    assert (ciphers.status, ciphers.message.key) == (Status.FAIL, "weak")
    assert ciphers.message.values["families"] == CipherFamily.CBC_SHA1.value
    assert ciphers.evidence["endpoints"][0]["accepted_suites"] == {"CBC_SHA1": {"TLSv1.2": ["AES128-SHA"]}}
    for lang in ("vi", "en"):
        assert "TLSv1.2: AES128-SHA" in CATALOG.message(
            "web.tls.forward-secrecy", "static-kx", dict(fs.message.values), lang)
    assert results["web.tls.protocols"].status is Status.PASS
    assert results["web.tls.dh-params"].message.key == "no-dhe"


@pytest.mark.skipif(bool(NASSL_ERROR), reason="nassl is needed for the legacy suites (RC4, 3DES, EXPORT)")
async def test_nginx_ecdhe_aead_only_control_passes(tmp_path: Path) -> None:
    results = await scan(tmp_path, CONTROL)
    assert {cid: (o.status, o.message.key) for cid, o in results.items()
            if cid in ("web.tls.forward-secrecy", "web.tls.ciphers", "web.tls.dh-params")} == {
        "web.tls.forward-secrecy": (Status.PASS, "pass"),
        "web.tls.ciphers": (Status.PASS, "pass"),
        "web.tls.dh-params": (Status.PASS, "no-dhe"),
    }
