"""collect_web_hygiene and the web.security-txt, web.mixed-content, web.third-party-scripts and
web.defacement checks against loopback sites: planted faults, a faultless control, a soft-404
site, a hostile page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_web_fetch_support import HOST, RawHttpServer, context, lab_dns, loopback, path_of

from canhgac.engine.checks import web_hygiene as checks
from canhgac.engine.collectors.web_hygiene import collect_web_hygiene
from canhgac.engine.facts.web_page import WebHygieneFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Outcome, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
HTML = "text/html; charset=utf-8"
P = CheckParams()


def security_txt(expires: datetime, contact: bool = True) -> Route:
    lines = ["# Sở Thông tin và Truyền thông"]
    lines += ["Contact: mailto:attt@agency.gov.test"] if contact else []
    lines += [f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}", "Preferred-Languages: vi, en"]
    return Route.text("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def judged(facts: WebHygieneFacts) -> dict[str, tuple[Status, str]]:
    outcomes: dict[str, Outcome] = {
        "web.security-txt": checks.security_txt(facts, P),
        "web.mixed-content": checks.mixed_content(facts, P),
        "web.third-party-scripts": checks.third_party_scripts(facts, P),
        "web.defacement": checks.defacement(facts, P),
    }
    return {cid: (o.status, o.message.key) for cid, o in outcomes.items()}


async def scan(tmp_path: Path, routes: dict[str, Route]) -> tuple[WebHygieneFacts, LabHttpsServer]:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes=routes) as server, \
            lab_dns({"portal.agency": address, "static.agency": address}) as dns:
        target = Target(kind=TargetKind.URL, name=f"https://{HOST}:{server.https_port}/", agency="so-tc")
        facts = await collect_web_hygiene(target, context(dns, ca_file=str(CA.write_ca(tmp_path))))
        assert server.internal_errors == 0
    return facts, server


DEFACED = ("<html><head><title>Hacked by Vn-Gh0st - bị hack bởi Vn-Gh0st</title>"
           '<script src="http://static.agency.gov.test/old.js"></script>'
           '<script src="https://cdn.example.com/jquery-1.12.4.min.js"></script></head>'
           '<body><h1>Cổng thông tin</h1><img src="http://static.agency.gov.test/logo.png"></body></html>')
CLEAN = ('<html><head><title>Sở Tài chính tỉnh</title><script src="/js/app.js"></script>'
         '<script src="https://static.agency.gov.test/js/menu.js"></script>'
         '<script src="https://cdn.example.com/jquery-3.7.1.min.js" crossorigin="anonymous" '
         'integrity="sha384-1H217gwSVyLSIfaLxHbE7dRb3v4mYCKbpQvzx0cegeju1MVsGrX5xXxAvs/HgeFs"></script></head>'
         "<body><h1>Tin tức</h1><p>Thủ tục hành chính, văn bản chỉ đạo.</p></body></html>")


async def test_planted_faults_all_fail(tmp_path: Path) -> None:
    expired = datetime.now(UTC) - timedelta(days=3)
    facts, server = await scan(tmp_path, {"/": Route.text(DEFACED, content_type=HTML),
                                          "/.well-known/security.txt": security_txt(expired)})
    assert judged(facts) == {
        "web.security-txt": (Status.FAIL, "expired"),
        "web.mixed-content": (Status.FAIL, "active"),
        "web.third-party-scripts": (Status.FAIL, "no-sri"),
        "web.defacement": (Status.FAIL, "defaced-title"),
    }
    defaced = checks.defacement(facts, P)
    assert defaced.message.values["match"] == "Hacked by"
    assert {m["match"] for m in defaced.evidence["matches"]} >= {"Hacked by", "bị hack bởi"}  # type: ignore[union-attr]
    assert checks.third_party_scripts(facts, P).message.values["origins"] == "https://cdn.example.com"
    assert [r.target for r in server.requests] == ["/", "/.well-known/security.txt"]


async def test_faultless_control_passes(tmp_path: Path) -> None:
    valid = datetime.now(UTC) + timedelta(days=180)
    facts, _ = await scan(tmp_path, {"/": Route.text(CLEAN, content_type=HTML),
                                     "/.well-known/security.txt": security_txt(valid)})
    assert judged(facts) == {
        "web.security-txt": (Status.PASS, "pass"),
        "web.mixed-content": (Status.PASS, "pass"),
        "web.third-party-scripts": (Status.PASS, "pass"),
        "web.defacement": (Status.PASS, "pass"),
    }


async def test_security_txt_without_contact_and_missing(tmp_path: Path) -> None:
    valid = datetime.now(UTC) + timedelta(days=30)
    page = Route.text(CLEAN, content_type=HTML)
    no_contact = security_txt(valid, contact=False)
    facts, _ = await scan(tmp_path, {"/": page, "/.well-known/security.txt": no_contact})
    assert judged(facts)["web.security-txt"] == (Status.FAIL, "no-contact")
    facts, server = await scan(tmp_path, {"/": page})
    assert judged(facts)["web.security-txt"] == (Status.FAIL, "missing")
    assert [r.target for r in server.requests] == ["/", "/.well-known/security.txt", "/security.txt"]


async def test_defacement_in_body_text(tmp_path: Path) -> None:
    page = ("<html><head><title>UBND xã</title></head><body><marquee>Website này đã BỊ HACK BỞI nhóm X"
            "</marquee><script>var note = 'hacked by nobody';</script></body></html>")
    facts, _ = await scan(tmp_path, {"/": Route.text(page, content_type=HTML)})
    outcome = checks.defacement(facts, P)
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "defaced-text")
    assert outcome.message.values["match"] == "BỊ HACK BỞI"
    assert "nobody" not in str(outcome.evidence)  # script text is not visible text


async def test_soft_404_site_has_no_security_txt_and_odd_bytes_do_not_crash() -> None:
    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        missing = b"Kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i " + path_of(head).encode()
        body = b"<html><head><meta charset='utf-8'><title>Trang ch\xff</title></head><p>" + missing + b"</p>"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)

    server = RawHttpServer(handle, loopback())
    async with server, lab_dns({"portal.agency": server.address}) as dns:
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:{server.port}/", agency="so-tc")
        facts = await collect_web_hygiene(target, context(dns))
    assert judged(facts) == {
        "web.security-txt": (Status.FAIL, "missing"),
        "web.mixed-content": (Status.NOT_APPLICABLE, "not-https"),
        "web.third-party-scripts": (Status.PASS, "none"),
        "web.defacement": (Status.PASS, "pass"),
    }


async def test_unreachable_page_errors() -> None:
    async with lab_dns({"portal.agency": loopback()}) as dns:
        target = Target(kind=TargetKind.URL, name=f"http://{HOST}:9/", agency="so-tc")
        facts = await collect_web_hygiene(target, context(dns))
    assert {status for status, _ in judged(facts).values()} == {Status.ERROR}
