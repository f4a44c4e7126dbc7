"""web-headers checks against loopback servers: a faultless portal passes; planted faults fail."""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_web_fetch_support import FAST, HOST, RawHttpServer, answer, context, lab_dns, loopback

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_headers as checks
from canhgac.engine.collectors import web_headers as collector
from canhgac.engine.collectors.web_headers import TRACE_MARKER_HEADER, collect_web_headers
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import CORS_PROBE_ORIGIN
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
CATALOG = load_catalog()
REGISTRY = build_registry([collector, checks])
GOOD_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'nonce-r4nd0m'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Set-Cookie": "PHPSESSID=abc123; Path=/; Secure; HttpOnly; SameSite=Lax",
}


async def judge(target: Target, ctx: CollectContext) -> dict[str, tuple[Status, str]]:
    facts = await collect_web_headers(target, ctx)
    results = {}
    for check_id, spec in REGISTRY.checks.items():
        outcome = spec.evaluate((facts,), CheckParams())
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), "en")
        results[check_id] = (outcome.status, outcome.message.key)
    return results


async def test_faultless_portal_passes_every_header_check(tmp_path: Path) -> None:
    address = loopback()
    page = Route(body=b"<html><title>Portal</title></html>", headers=GOOD_HEADERS)
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes={"/": page}) as server, \
            lab_dns({"portal.agency": address}) as dns:
        target = Target(kind=TargetKind.URL, name=f"https://{HOST}:{server.https_port}/", agency="x")
        results = await judge(target, context(dns, ca_file=str(CA.write_ca(tmp_path)), net=FAST))
        seen = [(r.method, r.target) for r in server.requests]
    assert {cid: r for cid, r in results.items() if r != (Status.PASS, "pass")} == {}
    assert sorted(seen) == [("GET", "/"), ("GET", "/"), ("OPTIONS", "/"), ("TRACE", "/")]


async def hostile(head: bytes, writer: asyncio.StreamWriter) -> None:
    """Reflects CORS with credentials, echoes TRACE, advertises WebDAV, sets a bare session cookie."""
    text = head.decode("latin-1")
    method = text.split(" ", 1)[0]
    if method == "TRACE":
        await answer(200, {"Content-Type": "message/http"}, head)(head, writer)
    elif method == "OPTIONS":
        await answer(200, {"Allow": "OPTIONS, GET, HEAD, POST, PUT, DELETE, PROPFIND, MKCOL"})(head, writer)
    else:
        origin = next((line.split(":", 1)[1].strip() for line in text.split("\r\n")
                       if line.lower().startswith("origin:")), "")
        cors = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
        headers = {"Content-Type": "text/html", "X-Frame-Options": "ALLOW-FROM https://x.test",
                   "Referrer-Policy": "unsafe-url",
                   "Content-Security-Policy": "script-src 'self' 'unsafe-inline'", **(cors if origin else {})}
        await answer(200, headers, b"<title>Hostile</title>")(head, writer)


async def test_planted_header_faults_fail() -> None:
    async with RawHttpServer(hostile) as server, lab_dns({"portal.agency": server.address}) as dns:
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{server.port}/", agency="x")
        results = await judge(target, context(dns, net=FAST))
        trace_head = next(h for h in server.heads if h.startswith(b"TRACE"))
        origins = [h for h in server.heads if CORS_PROBE_ORIGIN.encode() in h]
    assert results["web.headers.csp"] == (Status.FAIL, "unsafe-inline")
    assert results["web.headers.frame"] == (Status.FAIL, "invalid")
    assert results["web.headers.content-type-options"] == (Status.FAIL, "missing")
    assert results["web.headers.referrer-policy"] == (Status.FAIL, "unsafe")
    assert results["web.headers.permissions-policy"] == (Status.FAIL, "missing")
    assert results["web.cors.credentials"] == (Status.FAIL, "reflected")
    assert results["web.methods.risky"] == (Status.FAIL, "trace")
    # an http:// portal that never moves to HTTPS: nothing to judge (issue 11 item 9: was an error)
    assert results["web.cookies.flags"] == (Status.NOT_APPLICABLE, "plain-http")
    assert TRACE_MARKER_HEADER.lower().encode() in trace_head.lower() and len(origins) == 1


async def test_unreachable_portal_is_an_error_for_every_check() -> None:
    async with RawHttpServer(answer()) as server, lab_dns({"portal.agency": server.address}) as dns:
        await server.__aexit__(None, None, None)
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{server.port}/", agency="x")
        results = await judge(target, context(dns, net=FAST))
    assert {r[0] for r in results.values()} == {Status.ERROR}
