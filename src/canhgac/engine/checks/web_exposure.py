"""What a portal exposes by mistake (CV2132 clauses 2 and 5): versions, files, diagnostics, logins.

Each web.exposure.* check reads the probes of its kind from :class:`WebExposureFacts`: a probe
whose content signature matched, on an answer unlike the site's soft-404 baseline, fails the
check (every such path is in the evidence, never the file's content); otherwise a probe that
got no answer, or a site that could not be read, makes it an error; only when every probe was
answered and nothing was recognised does it pass. web.disclosure.version reads the main page's
headers and generator tags and the site's own error page.
"""

from __future__ import annotations

import re
from typing import Any

from canhgac.engine.facts.web import FetchError
from canhgac.engine.facts.web_exposure import NOT_TRIED, ProbeResult, WebExposureFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, passed
from canhgac.engine.targets import TargetKind
from canhgac.engine.web.signatures import ProbeKind, Sample

# Headers that name software; a version number in them tells an attacker which CVEs to try.
DISCLOSURE_HEADERS = (
    "server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator",
    "liferay-portal", "microsoftsharepointteamservices", "x-powered-cms",
)
_VERSION = re.compile(r"(?:^|[\s/(v])(\d+(?:\.\d+)*)")
# Default error pages that print the server's version: Apache's "<address>Apache/x Server at",
# nginx's "<center>nginx/x</center>", Tomcat's "<h3>Apache Tomcat/x</h3>", ASP.NET's yellow
# screen "Version Information: ... ASP.NET Version:x", IIS detailed errors "Microsoft-IIS/x".
_ERROR_PAGE_VERSIONS = (
    re.compile(r"<address>\s*(Apache/[^<]*?\d[^<]*?)\s+Server at", re.IGNORECASE),
    re.compile(r"<center>\s*(nginx/\d[\w.]*)\s*</center>", re.IGNORECASE),
    re.compile(r"(Apache Tomcat/\d[\w.-]*)"),
    re.compile(r"(ASP\.NET Version:\s*\d[\d.]*)"),
    re.compile(r"(Microsoft-IIS/\d[\d.]*)"),
)


def version_in(value: str) -> str | None:
    """The first version-like number in a product string (``nginx/1.18.0`` -> ``1.18.0``)."""
    found = _VERSION.search(value)
    return found.group(1) if found else None


def error_page_versions(sample: Sample) -> tuple[str, ...]:
    """Server products with versions printed in a default error page."""
    text = sample.text[:65536]
    return tuple(dict.fromkeys(m.group(1).strip() for p in _ERROR_PAGE_VERSIONS for m in p.finditer(text)))


# Headers that exist only to advertise software: disclosure even without a version number.
_ADVERTISING_HEADERS = frozenset({"x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator",
                                  "x-powered-cms"})


def _reason(error: FetchError | None) -> ErrorReason:
    return error.error_reason if error is not None else ErrorReason.TIMEOUT


def _unreadable(facts: WebExposureFacts, evidence: dict[str, Any]) -> Outcome:
    return errored(_reason(facts.error), f"{facts.url}: {facts.error} {facts.detail}".strip(), evidence)


def over_probes(facts: WebExposureFacts, kind: ProbeKind) -> Outcome:
    """One outcome from the probes of one kind (see the module docstring)."""
    probes = facts.of_kind(kind)
    evidence: dict[str, Any] = {**facts.as_evidence(), "probes": [p.as_evidence() for p in probes]}
    if facts.error is not None:
        return _unreadable(facts, evidence)
    exposed = [p for p in probes if p.exposed]
    if exposed:
        return failed("exposed", evidence, paths=", ".join(p.path for p in exposed),
                      found="; ".join(dict.fromkeys(p.verdict for p in exposed)))
    silent = [p for p in probes if not p.answered]
    if silent:
        why = "; ".join(f"{p.path}: {_why(p)}" for p in silent[:8])
        return errored(_reason(silent[0].error), f"{len(silent)} of {len(probes)} paths unanswered: {why}",
                       evidence)
    return passed("pass", evidence, count=len(probes), site=facts.origin)


def _why(probe: ProbeResult) -> str:
    if probe.detail == NOT_TRIED:
        return NOT_TRIED
    return f"{probe.error.value if probe.error else ''} {probe.detail}".strip()[:120]


@check("web.exposure.vcs", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_vcs(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """A served .git/.svn/.hg folder gives away the whole source code and its history."""
    return over_probes(facts, ProbeKind.VCS)


@check("web.exposure.config", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_config(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """.env, web.config, configuration backups: database passwords and application keys."""
    return over_probes(facts, ProbeKind.CONFIG)


@check("web.exposure.backup", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_backup(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """Archives and database dumps left in the web root (recognised by magic bytes)."""
    return over_probes(facts, ProbeKind.BACKUP)


@check("web.exposure.phpinfo", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_phpinfo(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """phpinfo() pages print versions, paths, environment variables and sometimes secrets."""
    return over_probes(facts, ProbeKind.PHPINFO)


@check("web.exposure.server-status", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_server_status(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """Apache server-status/server-info, nginx stub_status, ASP.NET trace.axd, ELMAH."""
    return over_probes(facts, ProbeKind.STATUS)


@check("web.exposure.admin", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_admin(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """An administration login reachable from anywhere invites password guessing."""
    return over_probes(facts, ProbeKind.ADMIN)


@check("web.exposure.directory-listing", target=TargetKind.URL, needs=WebExposureFacts)
def exposure_directory_listing(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """A folder listing shows every file, including documents never linked from the site."""
    return over_probes(facts, ProbeKind.LISTING)


def disclosures(facts: WebExposureFacts) -> list[str]:
    """What the site says about its software: headers, generator tags, error pages."""
    found: list[str] = []
    headers = facts.root.headers if facts.root is not None else ()
    for name, value in headers:
        if name in DISCLOSURE_HEADERS and (version_in(value) or name in _ADVERTISING_HEADERS):
            found.append(f"{name}: {value.strip()[:120]}")
    found += [f"generator: {g[:120]}" for g in facts.page.generators if version_in(g)]
    for sample in facts.baseline_samples:
        found += [f"error page: {v[:120]}" for v in error_page_versions(sample)]
    return list(dict.fromkeys(found))


@check("web.disclosure.version", target=TargetKind.URL, needs=WebExposureFacts)
def disclosure_version(facts: WebExposureFacts, params: CheckParams) -> Outcome:
    """Software names and versions in headers and pages tell attackers which exploits to try."""
    headers = facts.root.headers if facts.root is not None else ()
    shown = {n: v[:120] for n, v in headers if n in DISCLOSURE_HEADERS}
    evidence: dict[str, Any] = {**facts.as_evidence(), "headers": shown,
                                "generators": list(facts.page.generators)}
    if facts.root is None or facts.root.status is None:
        return _unreadable(facts, evidence)
    found = disclosures(facts)
    if found:
        evidence["disclosed"] = found
        return failed("disclosed", evidence, items="; ".join(found))
    if not facts.baseline_samples:  # the error page, which often prints versions, was not read
        return _unreadable(facts, evidence)
    return passed("pass", evidence, site=facts.origin or facts.url)
