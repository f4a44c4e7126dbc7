"""web.security-txt, web.mixed-content, web.third-party-scripts, web.defacement on hand-built facts,
and the page and security.txt parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_hygiene as checks
from canhgac.engine.context import DEFAULT_DEFACEMENT_KEYWORDS
from canhgac.engine.facts.web import FetchError
from canhgac.engine.facts.web_page import (
    PageParse,
    SecurityTxt,
    Subresource,
    WebHygieneFacts,
    parse_page,
    parse_security_txt,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
P = CheckParams()
NOW = datetime(2025, 6, 1, tzinfo=UTC)
WELL_KNOWN = "https://p.test/.well-known/security.txt"
GOOD_TXT = "Contact: mailto:attt@p.test\nExpires: 2026-01-01T00:00:00Z\nPreferred-Languages: vi, en\n"


def facts(page: PageParse | None = None, *txt: SecurityTxt, url: str = "https://p.test/") -> WebHygieneFacts:
    return WebHygieneFacts("https://p.test/", url, 200, None, "", page or PageParse(), txt,
                           DEFAULT_DEFACEMENT_KEYWORDS, NOW)


def security(text: str, url: str = WELL_KNOWN, content_type: str = "text/plain") -> SecurityTxt:
    fields, signed = parse_security_txt(text)
    return SecurityTxt(url, 200, content_type, fields, signed)


def key(check_id: str, outcome: Outcome) -> tuple[Status, str]:
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


# --- security.txt ---------------------------------------------------------------------------
def test_security_txt_valid() -> None:
    outcome = checks.security_txt(facts(None, security(GOOD_TXT)), P)
    assert key("web.security-txt", outcome) == (Status.PASS, "pass")
    assert outcome.message.values["contact"] == "mailto:attt@p.test"


@pytest.mark.parametrize(("text", "expected"), [
    ("Contact: mailto:a@p.test\nExpires: 2024-12-31T23:59:59+07:00\n", "expired"),
    ("Expires: 2026-01-01T00:00:00Z\nPolicy: https://p.test/policy\n", "no-contact"),
    ("Contact: mailto:a@p.test\n", "no-expires"),
    ("Contact: mailto:a@p.test\nExpires: next year\n", "bad-expires"),
    ("Contact: mailto:a@p.test\nExpires: 2026-01-01T00:00:00Z\nExpires: 2027-01-01T00:00Z\n", "bad-expires"),
])
def test_security_txt_faults(text: str, expected: str) -> None:
    outcome = checks.security_txt(facts(None, security(text)), P)
    assert key("web.security-txt", outcome) == (Status.FAIL, expected)


def test_security_txt_missing_legacy_and_content_type() -> None:
    missing = SecurityTxt(WELL_KNOWN, 404, "text/html")
    assert key("web.security-txt", checks.security_txt(facts(None, missing, SecurityTxt("https://p.test/security.txt",
                                                                                     404)), P)) == (
        Status.FAIL, "missing")
    legacy = security(GOOD_TXT, "https://p.test/security.txt")
    assert key("web.security-txt", checks.security_txt(facts(None, missing, legacy), P)) == (
        Status.FAIL, "legacy-location")
    html = security(GOOD_TXT, content_type="text/html")
    assert key("web.security-txt", checks.security_txt(facts(None, html), P)) == (Status.FAIL, "content-type")
    home = parse_security_txt("<html><p>Trang chủ</p></html>")[0]
    soft404 = SecurityTxt(WELL_KNOWN, 200, "text/html", home)
    assert checks.security_txt(facts(None, soft404, missing), P).message.key == "missing"


def test_security_txt_unreachable_is_error() -> None:
    down = SecurityTxt(WELL_KNOWN, error=FetchError.TIMEOUT, detail="slow")
    outcome = checks.security_txt(facts(None, down), P)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


def test_signed_security_txt_is_read() -> None:
    signed = ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + GOOD_TXT +
              "- -dash escaped\n-----BEGIN PGP SIGNATURE-----\niQIz...\n-----END PGP SIGNATURE-----\n")
    fields, was_signed = parse_security_txt(signed)
    assert was_signed and ("contact", "mailto:attt@p.test") in fields
    assert all(name != "iqiz..." for name, _ in fields)


# --- page parsing, mixed content, third-party scripts ----------------------------------------
PAGE = """<html><head><title> Cổng thông tin
 điện tử </title><base href="https://p.test/vi/">
<meta name="generator" content="Joomla! - Open Source Content Management">
<link rel="stylesheet" href="http://p.test/style.css"><link rel="icon" href="/favicon.ico">
<script src="https://cdn.example.com/jquery.js" integrity="sha384-abcDEF123+/="></script>
<script src="https://stats.example.net/s.js"></script><script src="js/app.js"></script>
<script>document.title = "Hacked by nobody";</script><style>.x{}</style></head>
<body><h1>Tin tức</h1><img src="http://p.test/logo.png"><a href="javascript:void(0)">x</a>
<img src="data:image/png;base64,AAAA"><iframe src="//maps.example.org/embed"></iframe></body></html>"""


def test_parse_page() -> None:
    parsed = parse_page(PAGE, "https://p.test/")
    assert parsed.title == "Cổng thông tin điện tử"
    assert parsed.text == "Tin tức x"
    assert parsed.generators == ("Joomla! - Open Source Content Management",)
    urls = [(r.tag, r.url, r.active) for r in parsed.resources]
    assert urls == [
        ("link", "http://p.test/style.css", True),
        ("link", "https://p.test/favicon.ico", False),
        ("script", "https://cdn.example.com/jquery.js", True),
        ("script", "https://stats.example.net/s.js", True),
        ("script", "https://p.test/vi/js/app.js", True),
        ("img", "http://p.test/logo.png", False),
        ("iframe", "https://maps.example.org/embed", True),
    ]


def test_parse_page_is_total() -> None:
    for garbage in ("<html><<<>>><script", "\x00\xff<a href='", "<![CDATA[", "<title>" * 10000):
        parse_page(garbage, "https://p.test/")


def test_mixed_content() -> None:
    active = Subresource("script", "http://cdn.p.test/a.js", True)
    passive = Subresource("img", "http://p.test/logo.png", False)
    safe = Subresource("script", "https://p.test/a.js", True)
    def judged(*resources: Subresource) -> tuple[Status, str]:
        return key("web.mixed-content", checks.mixed_content(facts(PageParse(resources=resources)), P))

    assert judged(passive, active, safe) == (Status.FAIL, "active")
    assert judged(passive, safe) == (Status.FAIL, "passive")
    assert judged(safe) == (Status.PASS, "pass")
    plain = checks.mixed_content(facts(PageParse(resources=(active,)), url="http://p.test/"), P)
    assert key("web.mixed-content", plain) == (Status.NOT_APPLICABLE, "not-https")


def test_third_party_scripts() -> None:
    pinned = Subresource("script", "https://cdn.example.com/a.js", True, "sha384-AbC+/0=", True)
    bare = Subresource("script", "https://stats.example.net/s.js", True, "", True)
    broken = Subresource("script", "https://cdn.example.com/b.js", True, "md5-abc", True)
    own = Subresource("script", "https://static.p.test/x.js", True)
    outcome = checks.third_party_scripts(facts(PageParse(resources=(pinned, bare, broken, own))), P)
    assert key("web.third-party-scripts", outcome) == (Status.FAIL, "no-sri")
    assert outcome.message.values["origins"] == "https://stats.example.net, https://cdn.example.com"

    def judged(*resources: Subresource) -> tuple[Status, str]:
        outcome = checks.third_party_scripts(facts(PageParse(resources=resources)), P)
        return key("web.third-party-scripts", outcome)

    assert judged(pinned, own) == (Status.PASS, "pass")
    assert judged(own) == (Status.PASS, "none")


# --- defacement -----------------------------------------------------------------------------
def test_defacement_in_title_and_text() -> None:
    title = checks.defacement(facts(PageParse(title="HACKED BY Vn-Gh0st - BỊ HACK BỞI Vn-Gh0st")), P)
    assert key("web.defacement", title) == (Status.FAIL, "defaced-title")
    assert title.message.values["match"] == "HACKED BY"
    body = PageParse(title="Sở Tài chính", text="Trang này đã bị hack bởi   nhóm X. Liên hệ...")
    outcome = checks.defacement(facts(body), P)
    assert key("web.defacement", outcome) == (Status.FAIL, "defaced-text")
    assert outcome.message.values["match"] == "bị hack bởi"
    assert "bị hack bởi" in str(outcome.message.values["quote"])


def test_defacer_signature_without_keyword() -> None:
    page = PageParse(title="Sở Y tế", text="Greetz to all my friends. Mirror: zone-h.org")
    outcome = checks.defacement(WebHygieneFacts("https://p.test/", "https://p.test/", 200, page=page,
                                                keywords=(), observed_at=NOW), P)
    assert (outcome.status, outcome.message.values["match"]) == (Status.FAIL, "Greetz")


def test_clean_page_passes_and_unreadable_page_errors() -> None:
    page = PageParse(title="Sở Y tế", text="Tin tức, văn bản, thủ tục hành chính")
    clean = checks.defacement(facts(page), P)
    assert key("web.defacement", clean) == (Status.PASS, "pass")
    down = WebHygieneFacts("https://p.test/", error=FetchError.CONNECTION, detail="reset")
    for func in (checks.defacement, checks.mixed_content, checks.third_party_scripts, checks.security_txt):
        outcome = func(down, P)
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.CONNECTION)


def test_defacement_matching_is_case_blind_and_quotes_the_page_as_written() -> None:
    from canhgac.engine.checks.web_hygiene import defacement_matches

    text = "Tin mới: HACKED  BY Anonymous — Đã Bị Tấn Công"
    found = defacement_matches("TRANG CHỦ", text, ("đã bị tấn công",))
    assert [(m["where"], m["match"]) for m in found] == [("text", "Đã Bị Tấn Công"), ("text", "HACKED  BY")]
    # a page whose lower case is longer ('İ' lowers to two characters): the spans stay the page's
    odd = defacement_matches("", "İİİ Hacked by x, ĐÃ BỊ TẤN CÔNG", ("đã bị tấn công",))
    assert [m["match"] for m in odd] == ["ĐÃ BỊ TẤN CÔNG", "Hacked by"]
    assert defacement_matches("Cổng thông tin", "Tin tức hôm nay", ("đã bị tấn công",)) == []
