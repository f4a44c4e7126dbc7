"""web.components.vulnerable: a portal runs a component version that published advisories say
is affected (CV2132 clause 2: security misconfiguration and known-vulnerable components).

Only identifications of high or medium confidence make a finding; a low-confidence one (a
distribution's banner, which backports fixes without changing the number; an IIS banner, which
Windows Update patches silently) is listed in the evidence and the message, never failed. A
branch whose patch level is unknown ("Joomla! 1.5") that some affected version belongs to is
"possibly vulnerable", a finding that says the patch level is unknown. Nothing is passed that
was not judged: a component identified without a version, nothing identified at all, or only
unconfirmable banner matches are not applicable (not covered), never a pass. A page that could
not be read, or vulnerability data that could not be opened while a version was identified, is
an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from canhgac.engine.facts.web_components import ComponentVuln, WebComponentFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
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


def _named(vulns: tuple[ComponentVuln, ...], branches: frozenset[str] = frozenset()) -> str:
    return _listed(f"{v.component} {v.version}" + (".x" if v.component in branches else "") for v in vulns)


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
    branches = frozenset(c.name for c in facts.components if c.branch and c.version)
    confirmed = tuple(v for v in facts.vulnerabilities if v.confidence is not Confidence.LOW)
    if confirmed:
        key = "possibly-vulnerable" if all(v.component in branches for v in confirmed) else "vulnerable"
        worst = _worst(confirmed)
        return failed(key, evidence, components=_named(confirmed, branches), cves=_cves(confirmed),
                      count=len({v.advisory for v in confirmed}), severity=worst.severity,
                      fixed=_fixed_in(confirmed))
    if facts.vulnerabilities:
        unconfirmed = facts.vulnerabilities
        return not_applicable("unconfirmed", evidence, components=_named(unconfirmed, branches),
                              cves=_cves(unconfirmed))
    unknown = [c.name for c in facts.components if not c.version]
    versioned = [c for c in facts.components if c.version]
    judged = _listed(f"{c.name} {c.version}" + (".x" if c.branch else "") for c in versioned)
    if unknown:
        return not_applicable("no-version", evidence, components=_listed(unknown), judged=judged or "—",
                              data=facts.data_source or "—")
    if judged:
        return passed("pass", evidence, components=judged, data=facts.data_source)
    return not_applicable("none-identified", evidence, url=facts.url)
