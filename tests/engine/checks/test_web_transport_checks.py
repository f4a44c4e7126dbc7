"""web-transport checks on hand-built facts: redirect chains, HSTS parsing, CAA, TLS aggregation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from canhgac.catalog import load_catalog
from canhgac.engine.checks import web_transport as t
from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.facts.tls import StartTls, TlsFacts, TlsFailure
from canhgac.engine.facts.web import FetchError, WebResponse, WebTransportFacts
from canhgac.engine.facts.zone import CaaFacts, CaaLookup
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.engine.web.urls import http_twin

CATALOG = load_catalog()
HOST = "portal.agency.gov.test"
HTTPS = f"https://{HOST}/"
HTTP = f"http://{HOST}/"
PAGE = WebResponse(HTTPS, HTTPS, 200, (("strict-transport-security", "max-age=31536000; includeSubDomains"),))
BASE = WebTransportFacts(
    url=HTTPS, host=HOST, http_url=HTTP, https_url=HTTPS,
    http=WebResponse(HTTP, HTTPS, 200, redirects=((301, HTTPS),)), https=PAGE, https_first=PAGE,
    caa=CaaFacts(owner="agency.gov.test", records=('0 issue "letsencrypt.org"',)), addresses=("127.0.0.9",),
)


def run(check: object, facts: WebTransportFacts) -> tuple[Status, str]:
    outcome: Outcome = check(facts, CheckParams())  # type: ignore[operator]
    check_id = check.__canhgac_check__.id  # type: ignore[attr-defined]
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def http(final: str, status: int, *locations: str, error: FetchError | None = None) -> WebTransportFacts:
    return replace(BASE, http=WebResponse(HTTP, final, status, redirects=tuple((301, x) for x in locations),
                                          error=error))


def test_redirect_chains() -> None:
    assert run(t.https_redirect, BASE) == (Status.PASS, "pass")
    back = http("http://portal.agency.gov.test/x", 200, HTTPS, "http://portal.agency.gov.test/x")
    assert run(t.https_redirect, back) == (Status.FAIL, "leaves-https")
    assert run(t.https_redirect, http(HTTP, 200)) == (Status.FAIL, "no-redirect")
    loop = http(HTTP, 302, *[f"http://{HOST}/{i}" for i in range(6)], error=FetchError.TOO_MANY_REDIRECTS)
    assert run(t.https_redirect, loop) == (Status.FAIL, "loop")
    away = http(HTTP, 301, "https://portal.example.com/", error=FetchError.OUT_OF_SCOPE_REDIRECT)
    assert run(t.https_redirect, away) == (Status.PASS, "pass")  # reaches https at once, not followed
    away_clear = http(HTTP, 301, "http://portal.example.com/", error=FetchError.OUT_OF_SCOPE_REDIRECT)
    assert run(t.https_redirect, away_clear) == (Status.FAIL, "no-redirect")
    closed = replace(BASE, http=WebResponse(HTTP, HTTP, error=FetchError.REFUSED))
    assert run(t.https_redirect, closed) == (Status.PASS, "https-only")
    slow = replace(BASE, http=WebResponse(HTTP, HTTP, error=FetchError.TIMEOUT))
    assert run(t.https_redirect, slow)[0] is Status.ERROR
    gone = replace(BASE, addresses=(), http=WebResponse(HTTP, HTTP, error=FetchError.DNS))
    assert run(t.https_redirect, gone) == (Status.NOT_APPLICABLE, "no-address")


def test_hsts_values() -> None:
    def with_hsts(*values: str) -> WebTransportFacts:
        answer = WebResponse(HTTPS, HTTPS, 200, tuple(("strict-transport-security", v) for v in values))
        return replace(BASE, https=answer, https_first=answer)

    assert run(t.hsts, BASE) == (Status.PASS, "pass")
    assert run(t.hsts, with_hsts("max-age=15552000; preload")) == (Status.PASS, "pass")
    assert run(t.hsts, with_hsts("max-age=86400; includeSubDomains")) == (Status.FAIL, "short")
    assert run(t.hsts, with_hsts('max-age="31536000"')) == (Status.PASS, "pass")
    assert run(t.hsts, with_hsts("includeSubDomains")) == (Status.FAIL, "invalid")
    assert run(t.hsts, with_hsts("max-age=1e9")) == (Status.FAIL, "invalid")
    assert run(t.hsts, with_hsts("max-age=31536000; max-age=1")) == (Status.FAIL, "invalid")
    assert run(t.hsts, with_hsts("max-age=10", "max-age=31536000")) == (Status.FAIL, "short")  # 1st only
    assert run(t.hsts, with_hsts()) == (Status.FAIL, "missing")
    refused = WebResponse(HTTPS, HTTPS, error=FetchError.REFUSED)
    no_https = replace(BASE, https=refused, https_first=refused)
    assert run(t.hsts, no_https) == (Status.NOT_APPLICABLE, "no-https")
    redirecting = WebResponse(HTTPS, HTTPS, 302)
    # the first answer redirects without HSTS; the same host's page has it
    assert run(t.hsts, replace(BASE, https_first=redirecting)) == (Status.PASS, "pass")


def test_availability() -> None:
    assert run(t.https_available, BASE) == (Status.PASS, "pass")
    for error, expected in ((FetchError.REFUSED, "no-https"), (FetchError.TLS, "tls-failed")):
        broken = replace(BASE, https_first=WebResponse(HTTPS, HTTPS, error=error, detail="x"))
        assert run(t.https_available, broken) == (Status.FAIL, expected)
    stalled = replace(BASE, https_first=WebResponse(HTTPS, HTTPS, error=FetchError.TIMEOUT))
    outcome = t.https_available(stalled, CheckParams())
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


def test_caa() -> None:
    assert run(t.caa, BASE) == (Status.PASS, "present")
    assert run(t.caa, replace(BASE, caa=CaaFacts())) == (Status.FAIL, "missing")
    iodef = CaaFacts(owner="agency.gov.test", records=('0 iodef "mailto:a@b"',))
    assert run(t.caa, replace(BASE, caa=iodef)) == (Status.FAIL, "no-issue-property")
    lookups = (CaaLookup(HOST, DnsStatus.SERVFAIL),)
    failed = CaaFacts(lookups=lookups, failed_at=HOST, failure=DnsStatus.SERVFAIL)
    assert run(t.caa, replace(BASE, caa=failed))[0] is Status.ERROR


def test_tls_aggregation() -> None:
    now = dt.datetime.now(dt.UTC)
    stalled = TlsFacts(HOST, "127.0.0.9", 443, StartTls.NONE, now, failure=TlsFailure.TIMEOUT, detail="slow")
    assert run(t.tls_protocols, replace(BASE, tls=(stalled,)))[0] is Status.ERROR
    assert run(t.tls_protocols, BASE) == (Status.NOT_APPLICABLE, "no-https")
    assert run(t.tls_protocols, replace(BASE, addresses=())) == (Status.NOT_APPLICABLE, "no-address")
    outside = replace(BASE, out_of_scope=("10.0.0.1",))
    assert t.tls_cert_name(outside, CheckParams()).error_reason is ErrorReason.OUT_OF_SCOPE


def test_http_twin() -> None:
    import httpx

    assert http_twin(httpx.URL("https://a.gov.test/p?q=1"), ()) == "http://a.gov.test/p?q=1"
    assert http_twin(httpx.URL("https://a.gov.test:8443/"), (8443, 8080)) == "http://a.gov.test:8080/"
    assert http_twin(httpx.URL("http://a.gov.test:81/"), (9,)) == "http://a.gov.test:81/"
