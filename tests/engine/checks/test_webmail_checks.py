"""mail.webmail.https on hand-built facts: redirect states, certificate problems, errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_webmail import webmail_https
from canhgac.engine.facts.web import FetchError, WebmailFacts, WebResponse
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status

CATALOG = load_catalog()
URL = "https://webmail.agency.gov.test/"
HTTP = "http://webmail.agency.gov.test/"
HTML = (("content-type", "text/html"),)
OK_HTTPS = WebResponse(URL, URL, 200, HTML, address="127.0.0.80")
REDIRECT = WebResponse(HTTP, HTTP, 301, (("location", URL),), address="127.0.0.80")
CLEAR = WebResponse(HTTP, HTTP, 200, HTML, address="127.0.0.80")
CLOSED = WebResponse(HTTP, HTTP, error=FetchError.REFUSED)


def verdict(chain: tuple[WebResponse, ...], https: WebResponse | None = OK_HTTPS, role: str = "webmail"
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
    login = "http://webmail.agency.gov.test/login"
    hop = WebResponse(HTTP, HTTP, 302, (("location", login),))
    assert verdict((hop, WebResponse(login, login, 200))) == (Status.FAIL, "no-redirect")
    assert verdict((), role="portal") == (Status.NOT_APPLICABLE, "not-webmail")


@pytest.mark.parametrize(
    ("code", "key"),  # OpenSSL verify codes: expired, not yet valid, self-signed, unknown issuer...
    [(10, "cert-expired"), (9, "cert-expired"), (18, "cert-untrusted"), (20, "cert-untrusted"),
     (62, "cert-name"), (50, "cert-untrusted")],
)
@pytest.mark.parametrize("read", [True, False])  # the unverified retry read the page, or not
def test_certificate_problems_outrank_the_redirect(code: int, key: str, read: bool) -> None:
    bad = WebResponse(URL, URL, tls_error="certificate: x", tls_verify_code=code, error=FetchError.TLS)
    if read:
        bad = replace(bad, status=200, headers=HTML, error=None)
    assert verdict((REDIRECT,), bad) == (Status.FAIL, key)
    assert verdict((CLEAR,), bad) == (Status.FAIL, key)


def test_unreachable_is_an_error_unless_a_fault_is_already_seen() -> None:
    timeout = WebResponse(URL, URL, error=FetchError.TIMEOUT)
    outcome = webmail_https(WebmailFacts(URL, "webmail", (REDIRECT,), timeout), CheckParams())
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    assert verdict((CLEAR,), timeout) == (Status.FAIL, "no-redirect")
    stalled_http = WebResponse(HTTP, HTTP, error=FetchError.TIMEOUT)
    assert verdict((stalled_http,)) == (Status.ERROR, "error")
    handshake = WebResponse(URL, URL, error=FetchError.TLS, tls_error="handshake: WRONG_VERSION_NUMBER")
    assert verdict((REDIRECT,), handshake) == (Status.FAIL, "tls-failed")
    # an old protocol: the lenient retry read the page
    old_protocol = WebResponse(URL, URL, 200, HTML, tls_error="handshake: UNSUPPORTED_PROTOCOL")
    assert verdict((REDIRECT,), old_protocol) == (Status.FAIL, "tls-failed")
