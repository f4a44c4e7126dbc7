"""Issue 9, defect 8: a portal declared by address (``https://127.46.2.1/``, ``https://[::1]/``)
inside a declared range. An address is an address: no DNS lookup for it, and every web check
runs against it with real results (they all errored with ``A/AAAA 127.46.2.1: REFUSED``)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from lab_dns_support import zone_file
from loopback_support import needs_ipv6_loopback, random_loopback
from test_web_fetch_support import FAST

from canhgac.catalog import load_catalog
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.context import TargetOptions
from canhgac.engine.results import CheckResult, Status
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA
from canhgac.services.scan import ScanRequest, execute_scan

CA = LabCA()
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains", "Content-Type": "text/html"}


async def scan_portal(tmp_path: Path, address: str, network: str) -> tuple[dict[str, CheckResult], str, str]:
    """Every URL check of the built-in registry on ``https://ADDRESS:PORT/``, through the runner,
    with a lab resolver that holds no zone for it; (results by check, the URL, the resolver's address)."""
    page = Route(body=b"<html><title>Portal</title><body>Cong thong tin</body></html>", headers=HSTS)
    async with LabHttpsServer(address=address, cert=CA.issue([address]), routes={"/": page},
                              http_port=0) as web, \
            LabDnsServer(zones={"gov.test": zone_file("gov.test", "")}, address=random_loopback()) as dns:
        host = f"[{address}]" if ":" in address else address
        url = f"https://{host}:{web.https_port}/"
        web.http_routes = {"/": Route.redirect(url)}
        target = Target(kind=TargetKind.URL, name=url, agency="STTTT")
        settings = ScanSettings(
            resolvers=(f"{dns.address}:{dns.port}",),
            scope=ScopeSettings(networks=(network,), loopback_only=True),
            ca_file=str(CA.write_ca(tmp_path)), net=FAST, target_timeout=30,
            target_options={target.key: TargetOptions(role="portal", ports=(web.http_port or 0,))},
        )
        registry = builtin_registry()
        outcome = await execute_scan(ScanRequest(None, settings, targets=(target,)), registry, load_catalog(),
                                     persist=False)
        assert web.internal_errors == 0 and dns.internal_errors == 0
        assert any(r.method == "GET" and r.scheme == "https" for r in web.requests)
    assert len(outcome.results) == len(registry.for_kind(TargetKind.URL))
    return {r.check_id: r for r in outcome.results}, url, dns.address


def _assert_real_results(results: dict[str, CheckResult]) -> None:
    errors = {cid: r.message.values for cid, r in results.items() if r.status is Status.ERROR}
    assert errors == {}
    assert results["web.https.available"].status is Status.PASS
    assert results["web.https.redirect"].status is Status.PASS
    assert results["web.tls.cert-name"].status is Status.PASS  # the certificate names the address
    assert results["web.tls.cert-trusted"].status is Status.PASS
    assert results["web.hsts"].status is Status.PASS
    caa = results["web.caa"]
    assert (caa.status, caa.message.key) == (Status.NOT_APPLICABLE, "ip-address")


async def test_ip_literal_portal_is_checked_without_dns(
    tmp_path: Path, contacts: list[tuple[str, Any]]
) -> None:
    address = random_loopback(second=(46, 46))
    results, _url, resolver = await scan_portal(tmp_path, address, f"{address}/32")
    _assert_real_results(results)
    assert resolver not in {host for host, _ in contacts}  # not one DNS query, for the literal or else
    assert address in {host for host, _ in contacts}


@needs_ipv6_loopback(socket.SOCK_STREAM)
async def test_ipv6_literal_portal_is_checked_without_dns(
    tmp_path: Path, contacts: list[tuple[str, Any]]
) -> None:
    results, url, resolver = await scan_portal(tmp_path, "::1", "::1/128")
    assert url.startswith("https://[::1]:")
    _assert_real_results(results)
    assert resolver not in {host for host, _ in contacts}


async def test_ip_literal_portal_outside_the_ranges_is_neither_contacted_nor_looked_up(
    tmp_path: Path, contacts: list[tuple[str, Any]]
) -> None:
    """The address is judged by the scope as an address: outside the declared range, nothing is
    sent to it, and no DNS query asks about it either (the issue saw queries for the literal)."""
    address = random_loopback(second=(47, 47))
    async with LabDnsServer(zones={"gov.test": zone_file("gov.test", "")}, address=random_loopback()) as dns:
        target = Target(kind=TargetKind.URL, name=f"https://{address}/", agency="STTTT")
        settings = ScanSettings(resolvers=(f"{dns.address}:{dns.port}",), net=FAST,
                                scope=ScopeSettings(networks=("127.46.0.0/16",), loopback_only=True))
        outcome = await execute_scan(ScanRequest(None, settings, targets=(target,)), builtin_registry(),
                                     load_catalog(), persist=False)
    assert outcome.results
    results = {r.check_id: r for r in outcome.results}
    available, protocols = results["web.https.available"], results["web.tls.protocols"]
    assert (available.status, available.message.values["detail"]) == (
        Status.ERROR, f"https://{address}/: out-of-scope {address} is not in the declared scope")
    assert (protocols.status, protocols.message.values["detail"]) == (
        Status.ERROR, f"addresses outside the scope: {address}")
    assert results["web.caa"].status is Status.NOT_APPLICABLE
    assert not [r.check_id for r in outcome.results if r.status is Status.PASS]
    assert {host for host, _ in contacts}.isdisjoint({address, dns.address})
