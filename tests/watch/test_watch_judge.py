"""The pure judgement of probe facts against a baseline, the page fingerprint, the monitors an
inventory implies, the severities from the catalog — no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.options import DEFAULT_DEFACEMENT_KEYWORDS
from canhgac.i18n import language
from canhgac.inventory.loader import loads_inventory
from canhgac.watch.facts import CertFacts, DnsFacts, HttpFacts, SmtpFacts
from canhgac.watch.fingerprint import fingerprint, normalise, overlap, resemblance
from canhgac.watch.from_inventory import monitors_from_inventory
from canhgac.watch.judge import JudgeParams, judge, network_of
from canhgac.watch.monitors import HolidayWindow, Monitor, MonitorKind
from canhgac.watch.problems import RULES, Problem, describe, severity_table

NOW = datetime(2027, 2, 5, 8, 0, tzinfo=UTC)
URL = "https://www.so-a.gov.test/"
PAGE = (
    "<html><title>Sở Y tế</title><body>{text}"
    "<a href='/a'>A</a><a href='/b'>B</a><a href='/c'>C</a></body></html>"
)
TEXT = " ".join(f"tin tức số {i} về công tác phòng chống dịch bệnh của ngành y tế tỉnh" for i in range(30))


def page(text: str = TEXT, html: str = PAGE) -> HttpFacts:
    body = html.format(text=text)
    return HttpFacts(
        URL, 200, 0.2, "10.1.2.3", "", fingerprint(body.encode(), body, URL, DEFAULT_DEFACEMENT_KEYWORDS)
    )


def test_fingerprint_normalises_and_compares() -> None:
    assert normalise("  Cổng  THÔNG tin\n<b>") == "cổng thông tin b"
    a, b = page(), page(TEXT.replace("số 3 ", "số 33 "))
    assert a.page and b.page and a.page.text_hash != b.page.text_hash
    assert resemblance(a.page.shingles, b.page.shingles) > 0.8
    assert resemblance(a.page.shingles, a.page.shingles) == 1.0 and resemblance((), ()) == 1.0
    assert overlap(a.page.links, b.page.links) == 1.0 and len(a.page.links) == 3
    assert overlap(("x",), ("y",)) == 0.0


@pytest.mark.parametrize(
    "hostile",
    ["<a href=", "<<<>>>" * 1000, "\x00\xff<title>", "<a href='javascript:x'>", "<a " + "x=1 " * 5000 + ">"],
)
def test_fingerprint_is_total_on_hostile_markup(hostile: str) -> None:
    found = fingerprint(hostile.encode("utf-8", "replace"), hostile, URL, DEFAULT_DEFACEMENT_KEYWORDS)
    assert found.size >= 0 and len(found.shingles) <= 128


def test_http_verdicts() -> None:
    base = judge(page(), None, NOW)
    assert base.ok and base.baseline and base.latency == 0.2
    assert judge(page(TEXT + " thêm một tin mới"), base.baseline, NOW).ok
    defaced = judge(page("Hacked by Ghost Team, greetz"), base.baseline, NOW)
    assert defaced.problem is Problem.DEFACED and defaced.baseline == base.baseline and defaced.cause == ""
    vi = judge(page("Trang này đã bị hack bởi nhóm X"), base.baseline, NOW)
    assert vi.problem is Problem.DEFACED
    gone = judge(
        page("Xin lỗi, trang đang bảo trì, vui lòng quay lại sau", "<html><body>{text}</body></html>"),
        base.baseline,
        NOW,
    )
    assert gone.problem is Problem.CONTENT_DRIFT and gone.values["links"] == 0
    down = judge(HttpFacts(URL, None, 5.0, "10.1.2.3", "timeout: no answer in time"), base.baseline, NOW)
    assert down.problem is Problem.DOWN and down.cause == "net:10.1.2.0/24" and down.baseline == base.baseline
    error = judge(HttpFacts(URL, 503, 0.1, "2001:db8::5"), None, NOW)
    assert error.problem is Problem.DOWN and error.values["reason"] == "HTTP 503"
    assert error.cause == "net:2001:db8::/64"
    slow = judge(HttpFacts(URL, 200, 12.5, "10.1.2.3"), None, NOW, JudgeParams(slow_after=10))
    assert slow.problem is Problem.SLOW and slow.values["latency"] == 12.5


def test_certificate_verdicts() -> None:
    def cert(days: float) -> CertFacts:
        return CertFacts(URL, "10.1.2.3", NOW + timedelta(days=days), "CN=www")

    assert judge(cert(60), None, NOW).ok
    assert judge(cert(5), None, NOW).problem is Problem.CERT_EXPIRING
    assert judge(cert(-1), None, NOW).problem is Problem.CERT_EXPIRED
    unreadable = judge(CertFacts(URL, "10.1.2.3", error="handshake: alert"), None, NOW)
    assert unreadable.problem is Problem.CERT_UNREADABLE and unreadable.cause == "net:10.1.2.0/24"


def dns(**records: tuple[str, ...]) -> DnsFacts:
    base = {
        "A": ("10.1.2.3",),
        "AAAA": (),
        "MX": ("10 mail.so-a.gov.test.",),
        "NS": ("ns1.gov.test.",),
        "SPF": ("v=spf1 mx -all",),
        "DMARC": ("v=DMARC1; p=reject",),
    }
    return DnsFacts("so-a.gov.test", tuple({**base, **records}.items()))


@pytest.mark.parametrize(
    ("record", "value", "problem"),
    [
        ("NS", ("ns.attacker.example.",), Problem.DNS_HIJACK),
        ("MX", ("10 mx.attacker.example.",), Problem.DNS_HIJACK),
        ("MX", (), Problem.DNS_HIJACK),
        ("A", ("10.9.9.9",), Problem.DNS_DRIFT),
        ("SPF", ("v=spf1 +all",), Problem.DNS_DRIFT),
        ("DMARC", (), Problem.DNS_DRIFT),
    ],
)
def test_dns_drift(record: str, value: tuple[str, ...], problem: Problem) -> None:
    base = judge(dns(), None, NOW)
    assert base.ok and judge(dns(), base.baseline, NOW).ok
    verdict = judge(dns(**{record: value}), base.baseline, NOW)
    assert verdict.problem is problem and verdict.values["record"] == record
    assert verdict.baseline == base.baseline  # the drift stays until it reverts


def test_a_failed_lookup_is_not_drift_and_all_failed_is_a_failure() -> None:
    base = judge(dns(), None, NOW)
    partial = DnsFacts(
        "so-a.gov.test", tuple((t, r) for t, r in dns().records if t != "NS"), (("NS", "timeout"),)
    )
    assert judge(partial, base.baseline, NOW).ok
    failed = judge(DnsFacts("so-a.gov.test", (), (("A", "timeout"),)), base.baseline, NOW)
    assert failed.problem is Problem.DNS_FAILED and failed.cause == "dns"


def test_smtp_verdicts() -> None:
    ok = judge(SmtpFacts("mail.so-a.gov.test", 25, "10.1.2.4", True, True, True), None, NOW)
    assert ok.ok and ok.baseline == {"starttls": True}
    broken = judge(SmtpFacts("mail.so-a.gov.test", 25, "10.1.2.4", True, True, False), ok.baseline, NOW)
    assert broken.problem is Problem.STARTTLS_BROKEN
    stripped = judge(SmtpFacts("mail.so-a.gov.test", 25, "10.1.2.4", True, False), ok.baseline, NOW)
    assert stripped.problem is Problem.STARTTLS_MISSING
    never = judge(SmtpFacts("mail.so-a.gov.test", 25, "10.1.2.4", True, False), None, NOW)
    assert never.ok  # never offered: a scan's finding (mail.smtp.starttls), not a watch alert
    down = judge(SmtpFacts("mail.so-a.gov.test", 25, "10.1.2.4", error="refused"), ok.baseline, NOW)
    assert down.problem is Problem.SMTP_DOWN and down.cause == "net:10.1.2.0/24"


def test_network_of_bad_addresses() -> None:
    assert network_of("", JudgeParams()) == "" and network_of("not-an-ip", JudgeParams()) == ""


def test_severities_come_from_the_catalog_where_a_check_exists() -> None:
    catalog = load_catalog()
    table = severity_table(catalog)
    for problem, rule in RULES.items():
        if rule.check_id:
            assert table[problem.value] == str(catalog.check(rule.check_id).severity), problem
        else:
            assert table[problem.value] == rule.severity.value
    assert severity_table(None)[Problem.DEFACED.value] == "critical"


def test_every_problem_is_said_in_both_languages() -> None:
    values = {
        "target": "x",
        "reason": "r",
        "latency": 1,
        "match": "m",
        "similarity": 1,
        "links": 2,
        "days": 3,
        "record": "MX",
        "before": "a",
        "after": "b",
        "changes": 6,
        "minutes": 30,
        "address": "192.0.2.1",
        "zone": "bl.test",
        "answer": "127.0.0.2",
        "txt": "t",
        "run": 4,
        "count": 2,
        "agency": "SO-A",
        "findings": ["net.telnet.exposed 192.0.2.1:23"],
        "rule": "logs.auth.brute-force",
        "last_seen": "2026-12-07T08:00:00+00:00",
        "detections": ["client=203.0.113.9 (12)"],
    }
    for problem in Problem:
        with language("vi"):
            vi = describe(problem.value, values)
        with language("en"):
            en = describe(problem.value, values)
        assert "{" not in vi and "{" not in en and vi != en, problem
    assert describe("no-such-problem", {}) == "no-such-problem"
    assert describe(Problem.DOWN.value, {}) != ""  # missing values: the text, never an exception


INVENTORY = """version: 1
province: {code: LAB, name: "Tỉnh"}
scope: {public_suffixes: [gov.test]}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    portals: ["https://www.so-a.gov.test/", "http://old.so-a.gov.test/"]
    webmail: ["https://mail.so-a.gov.test/webmail"]
    domains:
      - name: so-a.gov.test
        mail_hosts: [{host: mx.so-a.gov.test, ports: [25, 587, 993]}]
  - code: SO-B
    name: "Sở B"
    kind: department
    portals: ["https://www.so-a.gov.test/"]
    domains: [{name: so-b.gov.test}]
"""


def test_monitors_from_the_inventory() -> None:
    inv = loads_inventory(INVENTORY, "inventory.yaml")
    holiday = HolidayWindow(NOW, NOW + timedelta(days=7), 30)
    monitors = monitors_from_inventory(inv, interval=120, holiday=holiday)
    keys = {m.key for m in monitors}
    assert keys == {
        "http:https://www.so-a.gov.test/",
        "tls_cert:https://www.so-a.gov.test/",
        "http:http://old.so-a.gov.test/",
        "http:https://mail.so-a.gov.test/webmail",
        "tls_cert:https://mail.so-a.gov.test/webmail",
        "dns:so-a.gov.test",
        "smtp:mx.so-a.gov.test:25",
        "smtp:mx.so-a.gov.test:587",
        "dns:so-b.gov.test",
        "blocklist:mx.so-a.gov.test",  # the mail host and each portal's host, hourly
        "blocklist:www.so-a.gov.test",
        "blocklist:old.so-a.gov.test",
        "blocklist:mail.so-a.gov.test",
    }
    blocklist = next(m for m in monitors if m.key == "blocklist:mx.so-a.gov.test")
    assert blocklist.interval_at(NOW) == 3600 and blocklist.holiday is None
    shared = next(m for m in monitors if m.key == "http:https://www.so-a.gov.test/")
    assert shared.agency == "SO-A"  # the first agency naming a shared portal owns its monitor
    assert shared.interval_at(NOW - timedelta(hours=1)) == 120 and shared.interval_at(NOW) == 30


def test_offsets_are_deterministic_and_spread() -> None:
    monitors = [Monitor(MonitorKind.HTTP, f"https://p{i}.gov.test/", "A") for i in range(1000)]
    offsets = [m.offset(60) for m in monitors]
    assert offsets == [m.offset(60) for m in monitors] and all(0 <= o < 60 for o in offsets)
    per_ten_seconds = [sum(1 for o in offsets if k * 10 <= o < (k + 1) * 10) for k in range(6)]
    assert min(per_ten_seconds) > 120  # about 167 each
    assert Monitor(MonitorKind.HTTP, "x", "A", interval=1).interval_at(NOW) == 5  # a floor
