"""web.tls.* against a real Debian nginx (issue 11 item 1): a forward-secret default suite must
not hide a static-RSA suite the server also accepts.

nginx is started by the test itself (never the system service), in the foreground, on a random
loopback address and free high ports, with a certificate of the lab CA. CI installs it with
``apt-get install -y nginx-light``; without an nginx binary the tests are skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nginx_support import TEMP_PATHS, free_port, requires_nginx, running_nginx
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

pytestmark = requires_nginx
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
    {temp_paths}
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


@contextlib.asynccontextmanager
async def nginx(prefix: Path, ciphers: str) -> AsyncIterator[tuple[str, int, int]]:
    """A foreground nginx on a loopback address: (address, https port, http port)."""
    address = loopback()
    https, http = free_port(address), free_port(address)
    cert, key = CA.issue([HOST])
    (prefix / "cert.pem").write_text(cert)
    (prefix / "key.pem").write_text(key)
    conf = CONF.format(prefix=prefix, address=address, https=https, http=http, host=HOST, ciphers=ciphers,
                       temp_paths=TEMP_PATHS.format(prefix=prefix))
    async with running_nginx(prefix, conf, address, https):
        yield address, https, http


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
