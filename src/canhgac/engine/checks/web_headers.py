"""Security headers, cookies, CORS and HTTP methods of web portals (CV2132 clause 2: misconfiguration).

Each check reads the page's answer (or the probes) from :class:`WebHeaderFacts`; a page that gave
no HTTP answer makes every check an error. Parsing follows the browsers: CSP (W3C CSP3), the
first X-Frame-Options, the last known Referrer-Policy token, cookies as RFC 6265 sets them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from canhgac.engine.facts.web import CORS_PROBE_ORIGIN, FetchError, WebHeaderFacts, WebResponse
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_WILD_SOURCES = frozenset({"*", "http:", "https:", "data:", "blob:", "filesystem:"})
_NONCE_OR_HASH = ("'nonce-", "'sha256-", "'sha384-", "'sha512-")
_REFERRER_TOKENS = frozenset({
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
    "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"})
_UNSAFE_REFERRER = frozenset({"unsafe-url", "no-referrer-when-downgrade"})
_SESSION = re.compile(r"sess|^sid$|_sid$|auth|login|token|jwt|remember|^wordpress_|^wp-|aspx|dotnetnuke|"
                      r"fedauth|^rtfa$|^ci_|laravel|^[0-9a-f]{32}$", re.IGNORECASE)
_ANTI_CSRF = re.compile(r"csrf|xsrf", re.IGNORECASE)
_RISKY_METHODS = ("PUT", "DELETE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
                  "CONNECT", "SEARCH")


def _no_page(facts: WebHeaderFacts) -> Outcome | None:
    page = facts.page
    if page.status is not None:
        return None
    reason = page.error.error_reason if page.error is not None else ErrorReason.PROTOCOL
    return errored(reason, f"{page.url}: {page.error} {page.detail}".strip(), {"page": page.as_evidence()})


def _one_value(value: str, accepted: bool, evidence: Mapping[str, Any], url: str, **how: str) -> Outcome:
    """A header that takes one value: pass when ``accepted``, else invalid when set, else missing."""
    if accepted:
        return passed("pass", evidence, url=url, **how)
    if value:
        return failed("invalid", evidence, url=url, value=value[:100])
    return failed("missing", evidence, url=url)


def meta_values(page: WebResponse, attribute: str, value: str) -> list[str]:
    """``content`` of the page's <meta> tags whose ``attribute`` equals ``value`` (case-insensitive)."""
    found = []
    for tag in _META.findall(page.text()[:262144]):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _ATTR.finditer(tag)}
        if attrs.get(attribute, "").strip().lower() == value and "content" in attrs:
            found.append(attrs["content"])
    return found


def parse_csp(text: str) -> list[dict[str, list[str]]]:
    """The policies of one CSP header value (comma-separated), each directive -> sources (first wins)."""
    policies = []
    for chunk in text.split(","):
        policy: dict[str, list[str]] = {}
        for directive in chunk.split(";"):
            tokens = directive.split()
            if tokens and tokens[0].lower() not in policy:
                policy[tokens[0].lower()] = [t.lower() for t in tokens[1:]]
        if policy:
            policies.append(policy)
    return policies


def script_weakness(policy: dict[str, list[str]]) -> tuple[str, str]:
    """("", "") when the policy restricts scripts, else (message key, the offending sources)."""
    sources = policy.get("script-src", policy.get("default-src"))
    if sources is None:
        return "no-script-policy", ""
    pinned = any(s.startswith(_NONCE_OR_HASH) for s in sources)
    if "'unsafe-inline'" in sources and not pinned:
        return "unsafe-inline", "'unsafe-inline'"
    if pinned and "'strict-dynamic'" in sources:
        return "", ""  # CSP3 browsers then ignore host and scheme sources
    wild = [s for s in sources if s in _WILD_SOURCES or s.startswith(("*", "http://*", "https://*"))]
    return ("wildcard", " ".join(wild)) if wild else ("", "")


@check("web.headers.csp", target=TargetKind.URL, needs=WebHeaderFacts)
def csp(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """A Content-Security-Policy that restricts scripts is the main defence in depth against XSS."""
    if (missing := _no_page(facts)) is not None:
        return missing
    page = facts.page
    headers = page.headers_all("content-security-policy")
    metas = meta_values(page, "http-equiv", "content-security-policy")
    evidence: dict[str, Any] = {"url": page.final_url, "headers": [h[:500] for h in headers[:3]],
                                "meta": [m[:500] for m in metas[:3]]}
    policies = [p for text in headers + metas for p in parse_csp(text)]
    if not policies:
        report_only = page.headers_all("content-security-policy-report-only")
        evidence["report_only"] = [h[:500] for h in report_only[:3]]
        return failed("report-only" if report_only else "missing", evidence, url=page.final_url)
    weaknesses = [script_weakness(p) for p in policies]
    if any(key == "" for key, _ in weaknesses):  # policies intersect: one strict policy suffices
        return passed("pass", evidence, url=page.final_url)
    key, sources = weaknesses[0]
    return failed(key, evidence, url=page.final_url, sources=sources)


@check("web.headers.frame", target=TargetKind.URL, needs=WebHeaderFacts)
def frame(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors stop clickjacking."""
    if (missing := _no_page(facts)) is not None:
        return missing
    page = facts.page
    xfo = (page.header("x-frame-options") or "").strip()
    ancestors = [p["frame-ancestors"] for h in page.headers_all("content-security-policy")
                 for p in parse_csp(h) if "frame-ancestors" in p]
    evidence = {"url": page.final_url, "x_frame_options": xfo,
                "frame_ancestors": [" ".join(a) for a in ancestors]}
    wild = [[s for s in a if s in _WILD_SOURCES or s.startswith("*")] for a in ancestors]
    if any(not w for w in wild):  # one restricting policy suffices (policies intersect)
        return passed("pass", evidence, url=page.final_url, how="CSP frame-ancestors")
    if ancestors:
        return failed("wildcard", evidence, url=page.final_url, sources=" ".join(wild[0]))
    return _one_value(xfo, xfo.upper() in ("DENY", "SAMEORIGIN"), evidence, page.final_url,
                      how=f"X-Frame-Options {xfo.upper()}")


@check("web.headers.content-type-options", target=TargetKind.URL, needs=WebHeaderFacts)
def content_type_options(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """``X-Content-Type-Options: nosniff`` stops browsers from guessing a script out of an upload."""
    if (missing := _no_page(facts)) is not None:
        return missing
    page = facts.page
    value = (page.header("x-content-type-options") or "").strip()
    evidence = {"url": page.final_url, "value": value}
    return _one_value(value, value.lower() == "nosniff", evidence, page.final_url)


@check("web.headers.referrer-policy", target=TargetKind.URL, needs=WebHeaderFacts)
def referrer_policy(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """A Referrer-Policy keeps full URLs (with tokens in query strings) from leaking to other sites."""
    if (missing := _no_page(facts)) is not None:
        return missing
    page = facts.page
    declared = page.headers_all("referrer-policy") + meta_values(page, "name", "referrer")
    tokens = [t.strip().lower() for text in declared for t in text.split(",")]
    known = [t for t in tokens if t in _REFERRER_TOKENS]
    evidence = {"url": page.final_url, "declared": declared[:5]}
    if not known:
        return failed("missing", evidence, url=page.final_url)
    effective = known[-1]  # the last token the browser understands wins
    if effective in _UNSAFE_REFERRER:
        return failed("unsafe", evidence, url=page.final_url, policy=effective)
    return passed("pass", evidence, url=page.final_url, policy=effective)


@check("web.headers.permissions-policy", target=TargetKind.URL, needs=WebHeaderFacts)
def permissions_policy(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """A Permissions-Policy denies camera, microphone, geolocation... to injected or framed content."""
    if (missing := _no_page(facts)) is not None:
        return missing
    page = facts.page
    value = (page.header("permissions-policy") or "").strip()
    legacy = (page.header("feature-policy") or "")[:500]
    evidence = {"url": page.final_url, "value": value[:500], "feature_policy": legacy}
    if value:
        return passed("pass", evidence, url=page.final_url)
    return failed("missing", evidence, url=page.final_url)


def parse_cookie(text: str) -> tuple[str, dict[str, str]]:
    """(name, lower-cased attribute -> value) of one Set-Cookie value."""
    first, *rest = text.split(";")
    name = first.split("=", 1)[0].strip()
    attributes = {}
    for part in rest:
        key, _, value = part.strip().partition("=")
        attributes[key.strip().lower()] = value.strip()
    return name, attributes


def cookie_problems(name: str, attributes: dict[str, str]) -> list[str]:
    session = bool(_SESSION.search(name)) and not _ANTI_CSRF.search(name)
    problems = [] if "secure" in attributes else ["Secure"]
    if session and "httponly" not in attributes:
        problems.append("HttpOnly")
    if session and "samesite" not in attributes:
        problems.append("SameSite")
    return problems


def _no_https_hop(facts: WebHeaderFacts) -> Outcome:
    """Cookies set over HTTPS cannot be judged: not applicable when the portal has no HTTPS (the
    web.https.* checks report that) or serves the page over plain HTTP without sending visitors to
    HTTPS (web.https.redirect reports that); an error only when HTTPS could not be read."""
    page = facts.page
    context = {"page": page.as_evidence()}
    if facts.https_failure in (FetchError.REFUSED, FetchError.TLS):
        return not_applicable("no-https", context, url=facts.url)
    if facts.https_failure is None and page.final_url.startswith("http://"):
        return not_applicable("plain-http", context, url=page.final_url)
    if facts.https_failure is not None:
        why = f"no HTTPS answer to judge cookies on: {facts.https_failure.value} on {facts.url}"
        return errored(facts.https_failure.error_reason, why, context)
    why = f"{page.final_url}: the redirect chain could not be read again"
    return errored(ErrorReason.PROTOCOL, why, context)


@check("web.cookies.flags", target=TargetKind.URL, needs=WebHeaderFacts)
def cookie_flags(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """Cookies set over HTTPS need Secure; session cookies also HttpOnly and SameSite."""
    if (missing := _no_page(facts)) is not None:
        return missing
    hops = facts.https_hops
    if not hops:
        return _no_https_hop(facts)
    cookies: dict[str, dict[str, str]] = {}
    for hop in hops:
        for text in hop.headers_all("set-cookie"):
            name, attributes = parse_cookie(text)
            cookies.setdefault(name, attributes)
    flawed = {name: p for name, attrs in cookies.items() if (p := cookie_problems(name, attrs))}
    evidence: dict[str, Any] = {"url": facts.page.final_url,
                                "cookies": {n: sorted(a) for n, a in list(cookies.items())[:30]}}
    if not cookies:
        return passed("no-cookies", evidence, url=facts.page.final_url)
    if flawed:
        listed = "; ".join(f"{n} ({', '.join(p)})" for n, p in list(flawed.items())[:10])
        return failed("flags-missing", evidence, cookies=listed, count=len(flawed))
    return passed("pass", evidence, count=len(cookies))


@check("web.cors.credentials", target=TargetKind.URL, needs=WebHeaderFacts)
def cors_credentials(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """A foreign origin allowed to read answers with the visitor's cookies can act as the visitor."""
    if (missing := _no_page(facts)) is not None:
        return missing
    probe = facts.cors
    if probe is None or probe.status is None:
        detail = f"CORS probe: {probe.error} {probe.detail}" if probe else "CORS probe not made"
        reason = probe.error.error_reason if probe and probe.error else ErrorReason.INTERNAL
        return errored(reason, detail.strip(), {"page": facts.page.as_evidence()})
    allowed = (probe.header("access-control-allow-origin") or "").strip()
    credentials = (probe.header("access-control-allow-credentials") or "").strip().lower() == "true"
    evidence = {"url": probe.url, "origin_sent": CORS_PROBE_ORIGIN, "allow_origin": allowed,
                "allow_credentials": credentials}
    if credentials and allowed in (CORS_PROBE_ORIGIN, "*"):
        return failed("reflected", evidence, url=probe.url, origin=allowed)
    return passed("pass", evidence, url=probe.url)


@check("web.methods.risky", target=TargetKind.URL, needs=WebHeaderFacts)
def risky_methods(facts: WebHeaderFacts, params: CheckParams) -> Outcome:
    """TRACE echoing requests (cross-site tracing) or WebDAV/PUT/DELETE methods open to anyone."""
    if (missing := _no_page(facts)) is not None:
        return missing
    trace, options = facts.trace, facts.options
    echoed = bool(trace and trace.status == 200 and facts.trace_marker and facts.trace_marker in trace.text())
    allow = ",".join(options.headers_all("allow") + options.headers_all("public")) if options else ""
    listed = {m.strip().upper() for m in allow.split(",")}
    answered = options is not None and options.status is not None and options.status < 300
    risky = [m for m in _RISKY_METHODS if m in listed] if answered else []
    evidence: dict[str, Any] = {"trace_status": trace.status if trace else None, "trace_echoed": echoed,
                                "options_status": options.status if options else None, "allow": allow[:300]}
    if echoed:
        return failed("trace", evidence, url=facts.page.final_url)
    if risky:
        return failed("methods", evidence, url=facts.page.final_url, methods=", ".join(risky))
    for name, probe in (("TRACE", trace), ("OPTIONS", options)):
        if probe is None or probe.error is FetchError.TIMEOUT:
            return errored(ErrorReason.TIMEOUT, f"{name} probe got no answer in time", evidence)
    return passed("pass", evidence, url=facts.page.final_url)
