"""web-headers checks on hand-built facts: parsing corner cases, exact statuses, catalog messages."""

from __future__ import annotations

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_headers as w
from canhgac.engine.facts.web import CORS_PROBE_ORIGIN, FetchError, WebHeaderFacts, WebResponse
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PASS, FAIL = Status.PASS, Status.FAIL
CSP, XFO = "Content-Security-Policy", "X-Frame-Options"
URL = "https://portal.agency.gov.test/"


def page(headers: dict[str, str] | list[tuple[str, str]], body: bytes = b"", url: str = URL) -> WebResponse:
    pairs = headers.items() if isinstance(headers, dict) else headers
    return WebResponse(url, url, 200, tuple((k.lower(), v) for k, v in pairs), body)


def facts(response: WebResponse, **kw: object) -> WebHeaderFacts:
    return WebHeaderFacts(URL, response, (response,), **kw)  # type: ignore[arg-type]


def run(check: object, f: WebHeaderFacts) -> tuple[Status, str]:
    outcome: Outcome = check(f, CheckParams())  # type: ignore[operator]
    check_id = check.__canhgac_check__.id  # type: ignore[attr-defined]
    CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), "vi")
    return outcome.status, outcome.message.key


@pytest.mark.parametrize(("policy", "expected"), [
    ("default-src 'self'", (Status.PASS, "pass")),
    ("script-src 'self' 'unsafe-inline' 'nonce-abc'", (Status.PASS, "pass")),
    ("script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'", (Status.PASS, "pass")),
    ("script-src 'self' 'unsafe-inline'", (Status.FAIL, "unsafe-inline")),
    ("default-src *", (Status.FAIL, "wildcard")),
    ("script-src https: 'self'", (Status.FAIL, "wildcard")),
    ("script-src data:", (Status.FAIL, "wildcard")),
    ("script-src *.cdn.example", (Status.FAIL, "wildcard")),
    ("frame-ancestors 'none'", (Status.FAIL, "no-script-policy")),
    ("img-src *, script-src 'self'", (Status.PASS, "pass")),  # two policies: the strict one binds
])
def test_csp(policy: str, expected: tuple[Status, str]) -> None:
    assert run(w.csp, facts(page({"Content-Security-Policy": policy}))) == expected


def test_csp_missing_report_only_and_meta() -> None:
    assert run(w.csp, facts(page({}))) == (Status.FAIL, "missing")
    assert run(w.csp, facts(page({"Content-Security-Policy-Report-Only": "default-src 'self'"}))) == (
        Status.FAIL, "report-only")
    meta = b"<head><meta http-equiv='Content-Security-Policy' content=\"script-src 'self'\"></head>"
    assert run(w.csp, facts(page({}, meta))) == (Status.PASS, "pass")


def test_frame() -> None:
    assert run(w.frame, facts(page({XFO: "sameorigin"}))) == (PASS, "pass")
    assert run(w.frame, facts(page({CSP: "frame-ancestors 'self'"}))) == (PASS, "pass")
    assert run(w.frame, facts(page({CSP: "frame-ancestors *"}))) == (FAIL, "wildcard")
    assert run(w.frame, facts(page({XFO: "ALLOW-FROM https://a"}))) == (FAIL, "invalid")
    assert run(w.frame, facts(page({}))) == (FAIL, "missing")


def test_content_type_options_referrer_and_permissions() -> None:
    nosniff = "X-Content-Type-Options"
    assert run(w.content_type_options, facts(page({nosniff: " NoSniff "})))[0] is PASS
    assert run(w.content_type_options, facts(page({nosniff: "sniff"}))) == (FAIL, "invalid")
    last_wins = page({"Referrer-Policy": "unsafe-url, strict-origin-when-cross-origin, bogus"})
    assert run(w.referrer_policy, facts(last_wins)) == (Status.PASS, "pass")
    assert run(w.referrer_policy, facts(page({"Referrer-Policy": "no-referrer-when-downgrade"}))) == (
        Status.FAIL, "unsafe")
    meta = b'<meta name="referrer" content="no-referrer">'
    assert run(w.referrer_policy, facts(page({}, meta)))[0] is PASS
    assert run(w.permissions_policy, facts(page({"Feature-Policy": "camera 'none'"}))) == (FAIL, "missing")


def test_cookies() -> None:
    good = page([("Set-Cookie", "JSESSIONID=1; Secure; HttpOnly; SameSite=Strict"),
                 ("Set-Cookie", "XSRF-TOKEN=2; Secure; SameSite=Lax"), ("Set-Cookie", "lang=vi; Secure")])
    assert run(w.cookie_flags, facts(good)) == (Status.PASS, "pass")
    bad = page([("Set-Cookie", "ASP.NET_SessionId=1; path=/; HttpOnly"), ("Set-Cookie", "lang=vi")])
    outcome = w.cookie_flags(facts(bad), CheckParams())
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "flags-missing")
    assert outcome.message.values["cookies"] == "ASP.NET_SessionId (Secure, SameSite); lang (Secure)"
    joomla = page([("Set-Cookie", "0123456789abcdef0123456789abcdef=x; Secure")])
    assert run(w.cookie_flags, facts(joomla)) == (Status.FAIL, "flags-missing")
    assert run(w.cookie_flags, facts(page({}))) == (Status.PASS, "no-cookies")
    plain = page([("Set-Cookie", "PHPSESSID=1")], url="http://portal.agency.gov.test/")
    refused = facts(plain, https_failure=FetchError.REFUSED)
    assert run(w.cookie_flags, refused) == (Status.NOT_APPLICABLE, "no-https")
    assert run(w.cookie_flags, facts(plain, https_failure=FetchError.TIMEOUT))[0] is Status.ERROR


def test_cookies_on_an_http_only_portal_are_not_applicable_not_an_error() -> None:
    """Issue 11 item 9: an http:// portal that never moves to HTTPS was an error ("no HTTPS answer
    to judge cookies on"); its missing HTTPS is web.https.redirect's finding, the cookie check has
    nothing to judge."""
    plain_url = "http://portal.agency.gov.test/"
    plain = page([("Set-Cookie", "PHPSESSID=1")], url=plain_url)
    http_only = WebHeaderFacts(plain_url, plain, (plain,))
    assert run(w.cookie_flags, http_only) == (Status.NOT_APPLICABLE, "plain-http")
    # HTTPS that could not be read stays an error, with the reason of the failure
    outcome = w.cookie_flags(facts(plain, https_failure=FetchError.TIMEOUT), CheckParams())
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    # an https:// page whose redirect chain could not be read again: an error, not a pass
    secure = page([("Set-Cookie", "PHPSESSID=1")])
    outcome = w.cookie_flags(WebHeaderFacts(URL, secure, ()), CheckParams())
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.PROTOCOL)


def test_cors() -> None:
    def probe(headers: dict[str, str]) -> WebHeaderFacts:
        return facts(page({}), cors=page(headers))

    creds = {"Access-Control-Allow-Credentials": "true"}
    acao = "Access-Control-Allow-Origin"
    assert run(w.cors_credentials, probe({acao: CORS_PROBE_ORIGIN, **creds})) == (FAIL, "reflected")
    assert run(w.cors_credentials, probe({acao: "*", **creds}))[0] is FAIL
    assert run(w.cors_credentials, probe({acao: CORS_PROBE_ORIGIN}))[0] is PASS
    assert run(w.cors_credentials, probe({acao: "https://portal.agency.gov.test", **creds}))[0] is PASS
    lost = WebResponse(URL, URL, error=FetchError.TIMEOUT)
    assert run(w.cors_credentials, facts(page({}), cors=lost))[0] is Status.ERROR


def test_methods() -> None:
    marker = "m4rk3r"
    echo = page({}, f"TRACE / HTTP/1.1\r\nX-Canhgac-Trace: {marker}\r\n".encode())
    refused = WebResponse(URL, URL, 405)
    webdav = page({"Allow": "GET,HEAD", "Public": "OPTIONS, PROPFIND, MOVE"})

    def probes(trace: WebResponse, options: WebResponse) -> WebHeaderFacts:
        return facts(page({}), trace=trace, options=options, trace_marker=marker)

    assert run(w.risky_methods, probes(echo, refused)) == (FAIL, "trace")
    assert run(w.risky_methods, probes(refused, webdav)) == (FAIL, "methods")
    ok = page({"Allow": "GET, HEAD, POST, OPTIONS, TRACE"})
    assert run(w.risky_methods, probes(page({}, b"other"), ok)) == (PASS, "pass")
    assert run(w.risky_methods, probes(WebResponse(URL, URL, error=FetchError.CONNECTION), ok))[0] is PASS
    slow = WebResponse(URL, URL, error=FetchError.TIMEOUT)
    assert run(w.risky_methods, probes(slow, ok))[0] is Status.ERROR
