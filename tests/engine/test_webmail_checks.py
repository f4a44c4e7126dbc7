"""mail.webmail.https on hand-built facts: redirect states, certificate problems, errors."""

from __future__ import annotations

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_webmail import webmail_https
from canhgac.engine.collectors.webmail import CertProblem, FetchFailure, HttpFetch, WebmailFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status

CATALOG = load_catalog()
URL = "https://webmail.agency.gov.test/"
HTTP = "http://webmail.agency.gov.test/"
OK_HTTPS = HttpFetch(URL, "127.0.0.80", 200, "text/html")
REDIRECT = HttpFetch(HTTP, "127.0.0.80", 301, location=URL)
CLEAR = HttpFetch(HTTP, "127.0.0.80", 200, "text/html")
CLOSED = HttpFetch(HTTP, failure=FetchFailure.REFUSED)


def verdict(chain: tuple[HttpFetch, ...], https: HttpFetch | None = OK_HTTPS, role: str = "webmail"
            ) -> tuple[Status, str]:
    outcome = webmail_https(WebmailFacts(URL, role, chain, https), CheckParams())
    for lang in ("vi", "en"):
        CATALOG.message("mail.webmail.https", outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_redirect_states() -> None:
    assert verdict((REDIRECT,)) == (Status.PASS, "pass")
    assert verdict((CLOSED,)) == (Status.PASS, "https-only")
    assert verdict((CLEAR,)) == (Status.FAIL, "no-redirect")
    # a redirect to another http:// page that is then served in clear
    hop = HttpFetch(HTTP, status=302, location="http://webmail.agency.gov.test/login")
    assert verdict((hop, HttpFetch("http://webmail.agency.gov.test/login", status=200))) == (
        Status.FAIL, "no-redirect")
    assert verdict((), role="portal") == (Status.NOT_APPLICABLE, "not-webmail")


@pytest.mark.parametrize(
    ("problem", "key"),
    [(CertProblem.EXPIRED, "cert-expired"), (CertProblem.NOT_YET_VALID, "cert-expired"),
     (CertProblem.SELF_SIGNED, "cert-untrusted"), (CertProblem.UNTRUSTED, "cert-untrusted"),
     (CertProblem.NAME, "cert-name"), (CertProblem.OTHER, "cert-untrusted")],
)
def test_certificate_problems_outrank_the_redirect(problem: CertProblem, key: str) -> None:
    bad = HttpFetch(URL, "127.0.0.80", failure=FetchFailure.CERTIFICATE, cert_problem=problem, detail="x")
    assert verdict((REDIRECT,), bad) == (Status.FAIL, key)
    assert verdict((CLEAR,), bad) == (Status.FAIL, key)


def test_unreachable_is_an_error_unless_a_fault_is_already_seen() -> None:
    timeout = HttpFetch(URL, failure=FetchFailure.TIMEOUT)
    outcome = webmail_https(WebmailFacts(URL, "webmail", (REDIRECT,), timeout), CheckParams())
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    assert verdict((CLEAR,), timeout) == (Status.FAIL, "no-redirect")
    stalled_http = HttpFetch(HTTP, failure=FetchFailure.TIMEOUT)
    assert verdict((stalled_http,)) == (Status.ERROR, "error")
    handshake = HttpFetch(URL, failure=FetchFailure.TLS, detail="wrong version number")
    assert verdict((REDIRECT,), handshake) == (Status.FAIL, "tls-failed")
