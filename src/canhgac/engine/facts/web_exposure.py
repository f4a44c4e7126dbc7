"""What probing a portal for exposed files found, as facts, and the pure page comparison."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.facts.web_discovery import PathDiscovery
from canhgac.engine.facts.web_page import PageParse
from canhgac.engine.web.signatures import (
    Cms,
    ProbeKind,
    Sample,
)

SIMILARITY = 0.85


NOT_TRIED = "not tried"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    path: str
    kind: ProbeKind
    status: int | None = None
    content_type: str = ""
    length: int = 0  # bytes read (at most PROBE_BODY_CAP)
    head: bytes = b""  # the first KiB, never put in evidence (it may hold secrets)
    verdict: str = ""  # what the signature recognised; "" nothing
    like_baseline: bool = False  # the answer resembles the site's answer for a random path
    error: FetchError | None = None
    detail: str = ""  # the fetch failure's text, or NOT_TRIED
    final_url: str = ""
    found_via: str = ""  # where path discovery found the path ("" the fixed probe list)

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def exposed(self) -> bool:
        return bool(self.verdict) and not self.like_baseline

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "status": self.status}
        if self.found_via:
            out["found_via"] = self.found_via
        if self.exposed:
            out["found"] = self.verdict
            out["length"] = self.length
            if self.content_type:
                out["content_type"] = self.content_type[:100]
        elif self.verdict:
            out["like_baseline"] = self.verdict
        if self.error is not None or self.detail == NOT_TRIED:
            out["error"] = f"{self.error.value if self.error else ''} {self.detail}".strip()[:200]
        if self.final_url and urlsplit(self.final_url).path != self.path:
            out["final_url"] = self.final_url[:300]
        return out


@dataclass(frozen=True, slots=True)
class WebExposureFacts:
    url: str
    origin: str = ""  # scheme://host[:port] probed (where the main page was served)
    root: WebResponse | None = None
    page: PageParse = field(default_factory=PageParse)
    cms: Cms | None = None
    baselines: tuple[ProbeResult, ...] = ()
    baseline_samples: tuple[Sample, ...] = ()  # the answered baselines, as read (error pages)
    probes: tuple[ProbeResult, ...] = ()
    error: FetchError | None = None  # the main page or both baselines could not be read
    detail: str = ""
    stopped: str = ""  # why probing ended before the list did
    discovery: PathDiscovery = field(default_factory=PathDiscovery)  # where the extra paths came from

    def of_kind(self, kind: ProbeKind) -> tuple[ProbeResult, ...]:
        return tuple(p for p in self.probes if p.kind is kind)

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "origin": self.origin}
        if self.cms is not None:
            out["cms"] = self.cms.value
        out["baseline"] = [{"path": b.path, "status": b.status, "length": b.length} for b in self.baselines]
        if self.error is not None:
            out["error"] = f"{self.error.value}: {self.detail}"
        if self.stopped:
            out["stopped"] = self.stopped
        if self.discovery.reads:
            out["discovery"] = self.discovery.as_evidence()
        return out


def resembles(probe: Sample, baseline: Sample) -> bool:
    """Would a visitor take ``probe`` for the site's answer to a path that does not exist?"""
    if probe.status != baseline.status:
        return False
    if probe.body == baseline.body:
        return True
    a, b = probe.text[:4096], baseline.text[:4096]
    if _title(probe) and _title(probe) == _title(baseline):
        longer = max(len(probe.body), len(baseline.body), 1)
        if abs(len(probe.body) - len(baseline.body)) / longer < 0.2:
            return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= SIMILARITY and matcher.quick_ratio() >= SIMILARITY and (
        matcher.ratio() >= SIMILARITY)


def _title(sample: Sample) -> str:
    low = sample.text[:8192].lower()
    start = low.find("<title")
    end = low.find("</title", start)
    return " ".join(low[start:end].split()) if 0 <= start < end else ""

