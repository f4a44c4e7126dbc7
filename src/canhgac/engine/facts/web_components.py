"""A portal's identified components and their known vulnerabilities, as facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canhgac.engine.facts.web import FetchError
from canhgac.engine.vulns.identify import Component, Confidence


@dataclass(frozen=True, slots=True)
class ComponentVuln:
    """One advisory that the data says affects an identified component's version."""

    component: str
    version: str
    confidence: Confidence
    advisory: str
    cves: tuple[str, ...]
    severity: str  # level: low, medium, high, critical, unknown
    score: float | None
    fixed: str  # the first fixed version after this one, "" when none is published
    summary: str
    source: str

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "component": self.component, "version": self.version, "confidence": self.confidence.value,
            "advisory": self.advisory, "cves": list(self.cves), "severity": self.severity,
            "fixed": self.fixed or None, "summary": self.summary[:300], "source": self.source,
        }
        if self.score is not None:
            out["cvss"] = self.score
        return out


@dataclass(frozen=True, slots=True)
class WebComponentFacts:
    url: str
    final_url: str = ""
    status: int | None = None
    components: tuple[Component, ...] = ()
    vulnerabilities: tuple[ComponentVuln, ...] = ()
    probes: tuple[str, ...] = ()  # "path: status, verdict" of each version file asked for
    data_source: str = ""  # which vulnerability data was used
    data_error: str = ""  # the vulnerability data could not be read
    error: FetchError | None = None  # the page could not be read
    detail: str = ""

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "status": self.status,
                               "components": [c.as_evidence() for c in self.components]}
        if self.final_url and self.final_url != self.url:
            out["final_url"] = self.final_url
        if self.vulnerabilities:
            out["vulnerabilities"] = [v.as_evidence() for v in self.vulnerabilities]
        for key in ("probes", "data_source", "data_error", "detail"):
            value = getattr(self, key)
            if value:
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.error is not None:
            out["error"] = self.error.value
        return out

