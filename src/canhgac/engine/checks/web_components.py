"""web.components.vulnerable: a portal runs a component version that published advisories say
is affected (CV2132 clause 2: security misconfiguration and known-vulnerable components).

Only identifications of high or medium confidence make a finding; a low-confidence one (a
distribution's banner, which backports fixes without changing the number; an IIS banner, which
Windows Update patches silently) is listed in the evidence and the message, never failed. A
page that could not be read, or vulnerability data that could not be opened while a version was
identified, is an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from canhgac.engine.facts.web_components import ComponentVuln, WebComponentFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, passed
from canhgac.engine.targets import TargetKind
from canhgac.engine.vulns.identify import Confidence
from canhgac.engine.vulns.models import Level
from canhgac.engine.vulns.version import VersionError, parse_version

MAX_LISTED = 8


def _listed(items: Iterable[str]) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:MAX_LISTED])
    return shown + (f" (+{len(unique) - MAX_LISTED})" if len(unique) > MAX_LISTED else "")


def _worst(vulns: tuple[ComponentVuln, ...]) -> ComponentVuln:
    return max(vulns, key=lambda v: (Level.of(v.severity).rank, v.score or 0.0))


def _fixed_in(vulns: tuple[ComponentVuln, ...]) -> str:
    """Per component, the version that fixes every matched advisory; "—" where none is published."""
    parts: list[str] = []
    for name in dict.fromkeys(v.component for v in vulns):
        fixes = [v.fixed for v in vulns if v.component == name]
        known = [f for f in fixes if f]
        if not known:
            parts.append(f"{name} —")
        else:
            parts.append(f"{name} ≥ {_highest(known)}" + ("" if len(known) == len(fixes) else " (—)"))
    return "; ".join(parts)


def _highest(versions: Iterable[str]) -> str:
    def key(text: str) -> tuple[int, object]:
        try:
            return (1, parse_version(text).key)
        except VersionError:
            return (0, text)

    return max(versions, key=key)


def _named(vulns: tuple[ComponentVuln, ...]) -> str:
    return _listed(f"{v.component} {v.version}" for v in vulns)


def _cves(vulns: tuple[ComponentVuln, ...]) -> str:
    return _listed(cve for v in vulns for cve in (v.cves or (v.advisory,)))


@check("web.components.vulnerable", target=TargetKind.URL, needs=WebComponentFacts)
def components_vulnerable(facts: WebComponentFacts, params: CheckParams) -> Outcome:
    """Known-vulnerable versions of the CMS, web server, PHP or jQuery a portal announces."""
    evidence = facts.as_evidence()
    if facts.status is None:
        reason = facts.error.error_reason if facts.error is not None else ErrorReason.PROTOCOL
        return errored(reason, f"{facts.url}: {facts.detail or 'no answer'}", evidence)
    if facts.error is not None and not facts.components:  # a redirect out of scope, endless redirects
        detail = f"{facts.url}: {facts.detail or facts.error.value}"
        return errored(facts.error.error_reason, detail, evidence)
    if facts.data_error:
        return errored(ErrorReason.INTERNAL, f"vulnerability data: {facts.data_error}", evidence)
    confirmed = tuple(v for v in facts.vulnerabilities if v.confidence is not Confidence.LOW)
    if confirmed:
        worst = _worst(confirmed)
        return failed("vulnerable", evidence, components=_named(confirmed), cves=_cves(confirmed),
                      count=len({v.advisory for v in confirmed}), severity=worst.severity,
                      fixed=_fixed_in(confirmed))
    if facts.vulnerabilities:
        unconfirmed = facts.vulnerabilities
        return passed("unconfirmed", evidence, components=_named(unconfirmed), cves=_cves(unconfirmed))
    versioned = [c for c in facts.components if c.version]
    if versioned:
        shown = _listed(f"{c.name} {c.version}" for c in versioned)
        return passed("pass", evidence, components=shown, data=facts.data_source)
    if facts.components:
        return passed("no-version", evidence, components=_listed(c.name for c in facts.components))
    return passed("none-identified", evidence, url=facts.url)
