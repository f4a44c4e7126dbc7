"""collect_webmail against the lab web server (HTTPS on one port, plain HTTP on another),
judged by mail.webmail.https.

The webmail URL declares its HTTPS port; the plain-HTTP port is declared in the target's
options (the lab outside a network namespace cannot use 80/443).
"""

from __future__ import annotations

import time
from pathlib import Path

from lab_dns_support import lab_context, zone_file
from loopback_support import random_loopback

from canhgac.engine.checks.mail_webmail import webmail_https
from canhgac.engine.collectors.webmail import collect_webmail
from canhgac.engine.context import NetworkLimits, TargetOptions
from canhgac.engine.facts.web import WebmailFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
HOST = "webmail.agency.gov.test"
PAGE = Route.text("<html>login</html>", content_type="text/html")


def zone(web: str) -> str:
    return zone_file("gov.test", f"webmail.agency IN A {web}\nold.agency IN A {web}\n")


async def scan(
    tmp_path: Path,
    *,
    http_routes: dict[str, Route] | None = None,
    cert: tuple[str, str] | None = None,
    https_route: Route = PAGE,
    role: str = "webmail",
    serve_http: bool = True,
) -> tuple[WebmailFacts, Outcome, LabHttpsServer]:
    web = random_loopback()
    async with LabHttpsServer(address=web, cert=cert or CA.issue([HOST]), routes={"/": https_route},
                              http_port=0 if serve_http else None, http_routes=http_routes or {}) as server, \
            LabDnsServer(zones={"gov.test": zone(web)}, address=random_loopback()) as dns:
        target = Target(kind=TargetKind.URL, name=f"https://{HOST}:{server.https_port}/", agency="so-tttt")
        ctx = lab_context(
            dns,
            domains=["agency.gov.test"],
            target_options={target.key: TargetOptions(role=role, ports=(server.http_port or 9,))},
            net=NetworkLimits(connect_timeout=1.0, read_timeout=1.0),
            ca_file=str(CA.write_ca(tmp_path)),
        )
        facts = await collect_webmail(target, ctx)
        assert server.internal_errors == 0
        return facts, webmail_https(facts, CheckParams()), server


def key(outcome: Outcome) -> tuple[Status, str]:
    return outcome.status, outcome.message.key


async def test_redirect_and_valid_certificate_pass(tmp_path: Path) -> None:
    web = random_loopback()
    async with LabHttpsServer(address=web, cert=CA.issue([HOST]), routes={"/": PAGE}, http_port=0) as server:
        server.http_routes = {"/": Route.redirect(f"http://old.agency.gov.test:{server.http_port}/mail"),
                              "/mail": Route.redirect(f"https://{HOST}:{server.https_port}/", 308)}
        async with LabDnsServer(zones={"gov.test": zone(web)}, address=random_loopback()) as dns:
            target = Target(kind=TargetKind.URL, name=f"https://{HOST}:{server.https_port}/", agency="x")
            ctx = lab_context(
                dns,
                domains=["agency.gov.test"],
                target_options={target.key: TargetOptions(role="webmail", ports=(server.http_port or 0,))},
                ca_file=str(CA.write_ca(tmp_path)),
            )
            facts = await collect_webmail(target, ctx)
    assert key(webmail_https(facts, CheckParams())) == (Status.PASS, "pass")
    assert [hop.status for hop in facts.http_chain] == [301, 308]
    assert [(r.scheme, r.target, r.host.split(":")[0]) for r in server.requests] == [
        ("http", "/", HOST), ("http", "/mail", "old.agency.gov.test"), ("https", "/", HOST)]
    assert server.server_names == [HOST]


async def test_page_served_in_clear_fails(tmp_path: Path) -> None:
    _, outcome, _ = await scan(tmp_path, http_routes={"/": PAGE})
    assert key(outcome) == (Status.FAIL, "no-redirect")
    assert outcome.message.values["status"] == 200


async def test_redirect_leaving_the_scope_is_not_followed(tmp_path: Path) -> None:
    facts, outcome, server = await scan(tmp_path, http_routes={"/": Route.redirect("http://mail.example.com/")})
    assert facts.stopped == "left-scope"
    assert key(outcome) == (Status.FAIL, "no-redirect")
    assert [r.scheme for r in server.requests] == ["http", "https"]


async def test_no_plain_http_at_all_passes(tmp_path: Path) -> None:
    _, outcome, _ = await scan(tmp_path, serve_http=False)
    assert key(outcome) == (Status.PASS, "https-only")


async def test_bad_certificates_fail(tmp_path: Path) -> None:
    cases = {
        "cert-expired": CA.issue([HOST], expired=True),
        "cert-untrusted": CA.issue([HOST], self_signed=True),
        "cert-name": CA.issue(["portal.agency.gov.test"]),
    }
    for expected, cert in cases.items():
        _, outcome, _ = await scan(tmp_path, cert=cert, serve_http=False)
        assert key(outcome) == (Status.FAIL, expected)


async def test_other_roles_are_not_applicable_and_not_contacted(tmp_path: Path) -> None:
    _, outcome, server = await scan(tmp_path, role="portal")
    assert key(outcome) == (Status.NOT_APPLICABLE, "not-webmail")
    assert server.requests == [] and server.server_names == []


async def test_stalling_webmail_is_an_error_in_time(tmp_path: Path) -> None:
    started = time.monotonic()
    _, outcome, _ = await scan(tmp_path, https_route=Route(stall=True), serve_http=False)
    assert time.monotonic() - started < 6
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
