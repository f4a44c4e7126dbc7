"""Webmail over HTTPS: plain HTTP must send users to https://, and the certificate must be valid.

Judged only on URLs the inventory marks as webmail. A certificate problem outranks a missing
redirect (both are in the evidence); a closed plain-HTTP port is fine (nothing is served in
clear); what could not be reached is an error.
"""

from __future__ import annotations

from typing import Any

from canhgac.engine.collectors.webmail import CertProblem, FetchFailure, HttpFetch, WebmailFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

_CERT_KEYS = {
    CertProblem.EXPIRED: "cert-expired",
    CertProblem.NOT_YET_VALID: "cert-expired",
    CertProblem.NAME: "cert-name",
}
_ERROR_REASONS = {
    FetchFailure.DNS: ErrorReason.DNS_SERVFAIL,
    FetchFailure.TIMEOUT: ErrorReason.TIMEOUT,
    FetchFailure.OUT_OF_SCOPE: ErrorReason.OUT_OF_SCOPE,
    FetchFailure.REFUSED: ErrorReason.CONNECTION,
    FetchFailure.NO_ADDRESS: ErrorReason.CONNECTION,
    FetchFailure.PROTOCOL: ErrorReason.PROTOCOL,
}


def _unread(fetch: HttpFetch, evidence: dict[str, Any]) -> Outcome:
    reason = _ERROR_REASONS.get(fetch.failure or FetchFailure.PROTOCOL, ErrorReason.PROTOCOL)
    return errored(reason, f"{fetch.url}: {fetch.failure or ''} {fetch.detail}".strip(), evidence)


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
    if last.failure is FetchFailure.REFUSED and len(facts.http_chain) == 1:
        return "closed"
    return "unknown"


@check("mail.webmail.https", target=TargetKind.URL, needs=WebmailFacts)
def webmail_https(facts: WebmailFacts, params: CheckParams) -> Outcome:
    """Webmail passwords must never cross the network in clear (CV430 clause 2)."""
    if facts.role != "webmail":
        return not_applicable("not-webmail", {"url": facts.url, "role": facts.role})
    evidence: dict[str, Any] = {
        "url": facts.url,
        "http": [hop.as_evidence() for hop in facts.http_chain],
        "https": facts.https.as_evidence() if facts.https is not None else None,
    }
    if facts.stopped:
        evidence["redirects_stopped"] = facts.stopped
    https = facts.https or HttpFetch(facts.url, failure=FetchFailure.PROTOCOL, detail="no HTTPS fetch")
    if https.failure is FetchFailure.CERTIFICATE:
        key = _CERT_KEYS.get(https.cert_problem or CertProblem.OTHER, "cert-untrusted")
        return failed(key, evidence, url=https.url, detail=https.detail)
    if https.failure is FetchFailure.TLS:
        return failed("tls-failed", evidence, url=https.url, detail=https.detail)
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
