"""Webmail over HTTPS: plain HTTP must send users to https://, and the certificate must be valid.

Judged only on URLs the inventory marks as webmail. A certificate problem outranks a missing
redirect (both are in the evidence); a closed plain-HTTP port is fine (nothing is served in
clear); what could not be reached is an error.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.facts.web import FetchError, WebmailFacts, WebResponse
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

# OpenSSL X509 verify codes: 9 not yet valid, 10 expired, 62 host name mismatch; any other
# certificate failure (self-signed, unknown issuer, broken chain) is "untrusted"
_CERT_KEYS = {9: "cert-expired", 10: "cert-expired", 62: "cert-name"}
_EVIDENCE_HEAD = ("content-type", "location")


def _unread(fetch: WebResponse, evidence: dict[str, Any]) -> Outcome:
    error = fetch.error or FetchError.PROTOCOL
    return errored(error.error_reason, f"{fetch.url}: {fetch.error or ''} {fetch.detail}".strip(), evidence)


def _tls_outcome(https: WebResponse, evidence: dict[str, Any]) -> Outcome | None:
    """A certificate or handshake a browser would refuse (whatever an unverified retry read)."""
    if https.tls_error is None:
        return None
    detail = https.tls_error.partition(": ")[2] or https.tls_error
    if https.tls_verify_code is None:
        return failed("tls-failed", evidence, url=https.url, detail=detail)
    key = _CERT_KEYS.get(https.tls_verify_code, "cert-untrusted")
    return failed(key, evidence, url=https.url, detail=detail)


def _plain_http(facts: WebmailFacts) -> str:
    """Where plain HTTP leaves users: "https" (redirected), "clear" (served a page, or a
    redirect that never reaches https://), "closed" (nothing listens) or "unknown"."""
    if facts.https_redirect is not None:
        return "https"
    if not facts.http_chain:
        return "unknown"
    last = facts.http_chain[-1]
    if last.status is not None:
        return "clear"
    if last.error is FetchError.REFUSED and len(facts.http_chain) == 1:
        return "closed"
    return "unknown"


@check("mail.webmail.https", target=TargetKind.URL, needs=WebmailFacts)
def webmail_https(facts: WebmailFacts, params: CheckParams) -> Outcome:
    """Webmail passwords must never cross the network in clear (CV430 clause 2)."""
    if facts.role != "webmail":
        return not_applicable("not-webmail", {"url": facts.url, "role": facts.role})
    evidence: dict[str, Any] = {
        "url": facts.url,
        "http": [hop.as_evidence(head=_EVIDENCE_HEAD) for hop in facts.http_chain],
        "https": facts.https.as_evidence(head=_EVIDENCE_HEAD) if facts.https is not None else None,
    }
    if facts.stopped:
        evidence["redirects_stopped"] = facts.stopped
    https = facts.https or WebResponse(facts.url, facts.url, error=FetchError.PROTOCOL,
                                       detail="no HTTPS fetch")
    tls = _tls_outcome(https, evidence)
    if tls is not None:
        return tls
    plain = _plain_http(facts)
    if plain == "clear":
        last = facts.http_chain[-1]
        return failed("no-redirect", evidence, url=facts.http_chain[0].url, status=last.status or 0)
    if plain == "unknown":
        return _unread(facts.http_chain[-1] if facts.http_chain else https, evidence)
    if https.status is None:
        return _unread(https, evidence)
    if plain == "closed":
        return passed("https-only", evidence, url=https.url)
    return passed("pass", evidence, url=https.url, http=facts.http_chain[0].url)
