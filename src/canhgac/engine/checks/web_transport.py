"""Transport protection of web portals (CV2132 clause 2): HTTPS, the HTTP→HTTPS redirect, HSTS,
CAA, and TLS on every address of the portal's HTTPS port.

The TLS checks judge each endpoint with the shared judges of :mod:`canhgac.engine.tls.judge`: a
fault on any endpoint fails the check; otherwise an untested endpoint makes it an error; a host
whose HTTPS port is closed everywhere is not applicable (web.https.available fails instead).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from canhgac.engine.checks.lookups import caa_evidence, judge_caa
from canhgac.engine.facts.web import FetchError, WebResponse, WebTransportFacts, parse_url
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind
from canhgac.engine.tls import judge as j

HSTS_MIN_MAX_AGE = 15_552_000  # 180 days: the usual floor (and what preload lists require at least)


def _unanswered(facts: WebTransportFacts, response: WebResponse) -> Outcome:
    """The outcome for a request that got no HTTP answer: no address is definite, the rest unknown."""
    evidence = {**facts.as_evidence(), "response": response.as_evidence()}
    if response.error is FetchError.DNS and not facts.addresses:
        return not_applicable("no-address", evidence, host=facts.host)
    reason = response.error.error_reason if response.error is not None else ErrorReason.PROTOCOL
    return errored(reason, f"{response.url}: {response.error} {response.detail}".strip(), evidence)


@check("web.https.available", target=TargetKind.URL, needs=WebTransportFacts)
def https_available(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """The portal answers over HTTPS (a certificate problem is judged by the web.tls.cert-* checks)."""
    first = facts.https_first
    evidence = {**facts.as_evidence(), "https": first.as_evidence()}
    if first.status is not None:
        return passed("pass", evidence, url=facts.https_url, status=first.status)
    if first.error is FetchError.REFUSED:
        return failed("no-https", evidence, url=facts.https_url)
    if first.error is FetchError.TLS:
        return failed("tls-failed", evidence, url=facts.https_url, detail=first.detail[:200])
    return _unanswered(facts, first)


def _schemes(facts: WebTransportFacts) -> list[str]:
    return [parse_url(facts.http_url).scheme] + [parse_url(loc).scheme for _, loc in facts.http.redirects]


@check("web.https.redirect", target=TargetKind.URL, needs=WebTransportFacts)
def https_redirect(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """http:// must send visitors to https:// at once, and the chain must not drop back to http://."""
    http = facts.http
    chain = [facts.http_url] + [loc for _, loc in http.redirects]
    evidence = {**facts.as_evidence(), "http": http.as_evidence(), "chain": chain}
    if http.error is FetchError.REFUSED:
        return passed("https-only", evidence, url=facts.http_url)
    schemes = _schemes(facts)
    if "https" in schemes:
        reached = schemes.index("https")
        if "http" in schemes[reached:]:
            back = chain[reached + schemes[reached:].index("http")]
            return failed("leaves-https", evidence, url=facts.http_url, location=back)
        return passed("pass", evidence, url=facts.http_url, location=chain[reached])
    if http.error is FetchError.TOO_MANY_REDIRECTS:
        return failed("loop", evidence, url=facts.http_url, hops=len(http.redirects))
    if http.status is not None and http.error in (None, FetchError.OUT_OF_SCOPE_REDIRECT):
        return failed("no-redirect", evidence, url=facts.http_url, status=http.status, final=chain[-1])
    return _unanswered(facts, http)


def parse_hsts(value: str) -> tuple[int | None, set[str], str]:
    """(max-age, other directive names, problem) of one Strict-Transport-Security value (RFC 6797 6.1)."""
    seen: dict[str, str] = {}
    for part in value.split(";"):
        name, _, raw = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in seen:
            return None, set(seen), f"directive {name} repeated"
        seen[name] = raw.strip().strip('"')
    age = seen.get("max-age")
    if age is None:
        return None, set(seen), "no max-age"
    if not age.isdigit():
        return None, set(seen), f"max-age {age!r} is not a number"
    return int(age), set(seen) - {"max-age"}, ""


@check("web.hsts", target=TargetKind.URL, needs=WebTransportFacts)
def hsts(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """Strict-Transport-Security with max-age of at least 180 days (RFC 6797)."""
    first, final = facts.https_first, facts.https
    if first.status is None:
        if first.error in (FetchError.REFUSED, FetchError.TLS):
            return not_applicable("no-https", {"https": first.as_evidence()}, url=facts.https_url)
        return _unanswered(facts, first)
    same_host = parse_url(final.final_url).host == facts.host
    values = first.headers_all("strict-transport-security") or (
        final.headers_all("strict-transport-security") if same_host and final.status is not None else [])
    evidence: dict[str, Any] = {"url": facts.https_url, "status": first.status, "headers": values[:3],
                                "sent_over_http": facts.http.headers_all("strict-transport-security")[:3]}
    if first.tls_error:
        evidence["ignored_by_browsers"] = f"certificate or handshake problem: {first.tls_error}"
    if not values:
        return failed("missing", evidence, url=facts.https_url)
    age, directives, problem = parse_hsts(values[0])  # browsers heed only the first (RFC 6797 8.1)
    evidence.update(include_subdomains="includesubdomains" in directives, preload="preload" in directives)
    if age is None:
        return failed("invalid", evidence, value=values[0][:200], problem=problem)
    if age < HSTS_MIN_MAX_AGE:
        return failed("short", evidence, max_age=age, minimum=HSTS_MIN_MAX_AGE)
    return passed("pass", evidence, max_age=age)


@check("web.caa", target=TargetKind.URL, needs=WebTransportFacts)
def caa(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """A CAA set (found climbing from the host, RFC 8659) names who may issue its certificates."""
    if _is_address(facts.host):  # a portal declared by IP address: no name for CAA to govern
        return not_applicable("ip-address", {"host": facts.host}, host=facts.host)
    evidence = {"host": facts.host, **caa_evidence(facts.caa)}
    return judge_caa(facts.caa, evidence, missing={"host": facts.host}, present={"host": facts.host})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def over_endpoints(facts: WebTransportFacts, judge: j.Judge, params: CheckParams) -> Outcome:
    """One outcome for the portal from the verdicts on each of its HTTPS endpoints. With none
    judged, a port closed on every address in the scope makes it not applicable even when other
    addresses lie outside the scope."""
    return j.over_endpoints(
        facts, facts.tls, judge, params, outside=() if facts.closed else facts.out_of_scope,
        none=lambda evidence: not_applicable("no-https", evidence, url=facts.https_url),
    )


@check("web.tls.protocols", target=TargetKind.URL, needs=WebTransportFacts)
def tls_protocols(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """SSLv2, SSLv3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996); TLS 1.2+ is required."""
    return over_endpoints(facts, j.judge_protocols, params)


@check("web.tls.ciphers", target=TargetKind.URL, needs=WebTransportFacts)
def tls_ciphers(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """NULL, EXPORT, anonymous, RC4, DES, 3DES and CBC-SHA-1 suites (RFC 9325 4.2)."""
    return over_endpoints(facts, j.judge_ciphers, params)


@check("web.tls.forward-secrecy", target=TargetKind.URL, needs=WebTransportFacts)
def tls_forward_secrecy(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """Without an ephemeral key exchange, a stolen server key decrypts recorded sessions."""
    return over_endpoints(facts, j.judge_forward_secrecy, params)


@check("web.tls.dh-params", target=TargetKind.URL, needs=WebTransportFacts)
def tls_dh_params(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """Small finite-field DH groups are breakable (Logjam)."""
    return over_endpoints(facts, j.judge_dh_params, params)


@check("web.tls.cert-trusted", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_trusted(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """Browsers warn on a chain that does not validate; visitors learn to click through."""
    return over_endpoints(facts, j.judge_cert_trusted, params)


@check("web.tls.cert-name", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_name(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """The certificate must name the portal's host."""
    return over_endpoints(facts, j.judge_cert_name, params)


@check("web.tls.cert-expired", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_expired(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """An expired (or not yet valid) certificate is refused by every browser."""
    return over_endpoints(facts, j.judge_cert_expired, params)


@check("web.tls.cert-expiring", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_expiring(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """Expiry within the warning window: renew before visitors see errors."""
    return over_endpoints(facts, j.judge_cert_expiring, params)


@check("web.tls.cert-key", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_key(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """RSA keys under 2048 bits and EC keys under 256 bits are too weak."""
    return over_endpoints(facts, j.judge_cert_key, params)


@check("web.tls.cert-signature", target=TargetKind.URL, needs=WebTransportFacts)
def tls_cert_signature(facts: WebTransportFacts, params: CheckParams) -> Outcome:
    """SHA-1 and MD5 signatures can be forged by collision."""
    return over_endpoints(facts, j.judge_cert_signature, params)
