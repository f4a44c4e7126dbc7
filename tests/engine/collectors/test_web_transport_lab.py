"""web-transport checks on the lab web server: a faultless portal passes everything; planted faults fail.

The portal declares its HTTPS port in the URL and its plain-HTTP port in the target options
(the lab outside a network namespace cannot use 80/443).
"""

from __future__ import annotations

from pathlib import Path

from test_web_fetch_support import FAST, HOST, context, loopback, zone

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_transport as checks
from canhgac.engine.collectors import web_transport as collector
from canhgac.engine.collectors.web_transport import collect_web_transport
from canhgac.engine.context import TargetOptions
from canhgac.engine.facts.web import WebTransportFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
CATALOG = load_catalog()
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
REGISTRY = build_registry([collector, checks])


async def collect(
    tmp_path: Path, *, cert: tuple[str, str] | None = None, page: Route | None = None,
    http_routes: dict[str, Route] | None = None, caa: bool = True,
) -> tuple[WebTransportFacts, dict[str, tuple[Status, str]], LabHttpsServer]:
    address = loopback()
    records = {"portal.agency": address}
    extra = '\nagency IN CAA 0 issue "letsencrypt.org"' if caa else ""
    page = page or Route(body=b"<title>Portal</title>", headers={"Content-Type": "text/html", **HSTS})
    async with LabHttpsServer(address=address, cert=cert or CA.issue([HOST]), routes={"/": page},
                              http_port=0) as server, \
            LabDnsServer(zones={"gov.test": zone(records) + extra}, address=loopback()) as dns:
        https = f"https://{HOST}:{server.https_port}/"
        server.http_routes = http_routes if http_routes is not None else {"/": Route.redirect(https)}
        target = Target(kind=TargetKind.URL, name=https, agency="so-tttt")
        options = {target.key: TargetOptions(role="portal", ports=(server.http_port or 0,))}
        ctx = context(dns, ca_file=str(CA.write_ca(tmp_path)), net=FAST, options=options)
        facts = await collect_web_transport(target, ctx)
        assert server.internal_errors == 0
    results = {}
    for check_id, spec in REGISTRY.checks.items():
        outcome = spec.evaluate((facts,), CheckParams())
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), "vi")
        results[check_id] = (outcome.status, outcome.message.key)
    return facts, results, server


async def test_faultless_portal_passes_every_transport_check(tmp_path: Path) -> None:
    facts, results, server = await collect(tmp_path)
    assert {cid: r for cid, r in results.items() if r[0] is not Status.PASS} == {}
    assert results["web.https.redirect"] == (Status.PASS, "pass")
    assert results["web.caa"] == (Status.PASS, "present")
    assert facts.caa.owner == "agency.gov.test"
    https_gets = [r for r in server.requests if r.scheme == "https" and r.method == "GET"]
    assert len(https_gets) == 1  # the redirect target, the page and its first hop share one request


async def test_planted_transport_faults_fail(tmp_path: Path) -> None:
    bare = Route(body=b"<title>Portal</title>", headers={"Strict-Transport-Security": "max-age=600"})
    _, results, _ = await collect(tmp_path, cert=CA.issue([HOST], expired=True), page=bare,
                                  http_routes={"/": Route.text("plain page")}, caa=False)
    assert results["web.https.redirect"] == (Status.FAIL, "no-redirect")
    assert results["web.hsts"] == (Status.FAIL, "short")
    assert results["web.caa"] == (Status.FAIL, "missing")
    assert results["web.tls.cert-expired"] == (Status.FAIL, "expired")
    assert results["web.tls.cert-expiring"] == (Status.NOT_APPLICABLE, "expired")
    assert results["web.https.available"] == (Status.PASS, "pass")


async def test_wrong_name_and_self_signed_certificates_fail(tmp_path: Path) -> None:
    cert = CA.issue(["other.agency.gov.test"], self_signed=True)
    facts, results, server = await collect(tmp_path, cert=cert, page=Route.redirect("/x"))
    assert results["web.tls.cert-name"] == (Status.FAIL, "mismatch")
    assert results["web.tls.cert-trusted"] == (Status.FAIL, "self-signed")
    assert results["web.hsts"] == (Status.FAIL, "missing")
    assert facts.https_first.tls_error is not None
    assert server.server_names.count(HOST) >= 2


async def test_closed_https_port_fails_availability_and_silences_tls(tmp_path: Path) -> None:
    address = loopback()
    async with LabHttpsServer(address=address, cert=None, http_port=0,
                              http_routes={"/": Route.text("plain only")}) as server, \
            LabDnsServer(zones={"gov.test": zone({"portal.agency": address})}, address=loopback()) as dns:
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{server.http_port}/", agency="x")
        ctx = context(dns, net=FAST)
        facts = await collect_web_transport(target, ctx)
    outcome = {cid: spec.evaluate((facts,), CheckParams()) for cid, spec in REGISTRY.checks.items()}
    assert (outcome["web.https.available"].status, outcome["web.https.available"].message.key) == (
        Status.FAIL, "no-https")
    assert outcome["web.https.redirect"].message.key == "no-redirect"
    assert outcome["web.tls.protocols"].status is Status.NOT_APPLICABLE
    assert outcome["web.hsts"].status is Status.NOT_APPLICABLE
