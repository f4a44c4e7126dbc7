"""NVD importer: CVE API 2.0 documents (``{"vulnerabilities": [{"cve": {...}}, ...]}``).

Per CVE: ``id``; the English ``descriptions`` entry as the summary; severity from
``metrics`` (CVSS v3.1, else v3.0, else v4.0, else v2 — the NVD's ``Primary`` entry first);
``configurations[].nodes[].cpeMatch[]`` entries with ``vulnerable: true``: the CPE 2.3
``criteria`` gives vendor, product and version. A ``*`` version takes its range from
``versionStartIncluding``/``versionStartExcluding`` and ``versionEndExcluding`` (the fixed
version) or ``versionEndIncluding`` (last affected); an exact version is listed as such; ``-``
(not applicable) cannot be matched and is ignored. ``vulnerable: false`` entries describe the
platform a flaw needs (the CMS a plugin runs on) and are not affected components.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from canhgac.engine.vulns import components
from canhgac.engine.vulns.entries import import_entries
from canhgac.engine.vulns.feeds import FeedError, FeedResult, entry_label, read_json
from canhgac.engine.vulns.models import (
    MAX_TEXT,
    Advisory,
    AdvisoryError,
    Affected,
    Level,
    Severity,
    VersionRange,
)
from canhgac.engine.vulns.version import parse_version
from canhgac.i18n import gettext as _

_CPE_SPLIT = re.compile(r"(?<!\\):")
_METRICS = ("cvssMetricV31", "cvssMetricV30", "cvssMetricV40", "cvssMetricV2")


def _items(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("vulnerabilities"), list):
        return list(data["vulnerabilities"])
    if isinstance(data, dict) and "cve" in data:
        return [data]
    if isinstance(data, list):
        return data
    raise FeedError(_("{path}: not an NVD CVE API 2.0 file (expected {shape})").format(
        path=path, shape='{"vulnerabilities": [...]}'))


def parse_cpe(criteria: str) -> tuple[str, str, str] | None:
    """(vendor, product, version) of a ``cpe:2.3:part:vendor:product:version:...`` name."""
    parts = _CPE_SPLIT.split(criteria)
    if len(parts) < 6 or parts[0] != "cpe" or parts[1] != "2.3":
        return None
    vendor, product, version = (re.sub(r"\\(.)", r"\1", p) for p in parts[3:6])
    return vendor, product, version


def _range(match: Mapping[str, Any]) -> VersionRange:
    def field(name: str) -> str | None:
        value = match.get(name)
        if value is not None and not isinstance(value, str):
            raise AdvisoryError(f"{name!r} must be a string")
        if value is not None:
            parse_version(value)
        return value

    start_inc, start_exc = field("versionStartIncluding"), field("versionStartExcluding")
    end_exc, end_inc = field("versionEndExcluding"), field("versionEndIncluding")
    return VersionRange(start_inc or start_exc or "0", start_exc is not None and start_inc is None,
                        end_exc, end_inc if end_exc is None else None)


def _matches(cve: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    configurations = cve.get("configurations") or []
    if not isinstance(configurations, list):
        raise AdvisoryError("'configurations' must be a list")
    for config in configurations:
        nodes = config.get("nodes") if isinstance(config, Mapping) else None
        if not isinstance(nodes, list):
            raise AdvisoryError("a configuration must have a 'nodes' list")
        for node in nodes:
            matches = node.get("cpeMatch") if isinstance(node, Mapping) else None
            if not isinstance(matches, list):
                raise AdvisoryError("a node must have a 'cpeMatch' list")
            if node.get("negate"):
                continue
            found += [m for m in matches if isinstance(m, Mapping) and m.get("vulnerable") is True]
    return found


def _affected(cve: Mapping[str, Any]) -> tuple[Affected, ...]:
    ranges: dict[str, list[VersionRange]] = {}
    versions: dict[str, list[str]] = {}
    for match in _matches(cve):
        criteria = match.get("criteria")
        cpe = parse_cpe(criteria) if isinstance(criteria, str) else None
        if cpe is None:
            raise AdvisoryError(f"unreadable CPE criteria {str(criteria)[:80]!r}")
        vendor, product, version = cpe
        name = components.from_cpe(vendor, product)
        if version == "*":
            ranges.setdefault(name, []).append(_range(match))
        elif version != "-":
            parse_version(version)
            versions.setdefault(name, []).append(version)
    names = list(dict.fromkeys([*ranges, *versions]))
    return tuple(
        Affected(n, tuple(dict.fromkeys(ranges.get(n, []))), tuple(dict.fromkeys(versions.get(n, []))))
        for n in names
    )


def _severity(cve: Mapping[str, Any]) -> Severity:
    metrics = cve.get("metrics")
    if not isinstance(metrics, Mapping):
        return Severity()
    for name in _METRICS:
        entries = [e for e in metrics.get(name) or [] if isinstance(e, Mapping)]
        entries.sort(key=lambda e: e.get("type") != "Primary")
        for entry in entries:
            data = entry.get("cvssData")
            if not isinstance(data, Mapping) or not isinstance(data.get("baseScore"), int | float):
                continue
            word = data.get("baseSeverity") or entry.get("baseSeverity") or ""
            vector = str(data.get("vectorString") or "")
            return Severity(Level.of(str(word)), float(data["baseScore"]), vector)
    return Severity()


def _summary(cve: Mapping[str, Any]) -> str:
    for item in cve.get("descriptions") or []:
        if isinstance(item, Mapping) and item.get("lang") == "en" and isinstance(item.get("value"), str):
            return str(item["value"])[:MAX_TEXT]
    return ""


def advisory_from_nvd(item: Any) -> Advisory | None:
    """One ``vulnerabilities[]`` item as an advisory; None when no affected product is usable."""
    cve = item.get("cve") if isinstance(item, Mapping) else None
    if not isinstance(cve, Mapping):
        raise AdvisoryError("an item must have a 'cve' object")
    ident = cve.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise AdvisoryError("'cve.id' is missing")
    if cve.get("vulnStatus") == "Rejected":
        return None
    affected = _affected(cve)
    if not affected:
        return None
    return Advisory(
        id=ident.strip(), summary=_summary(cve), severity=_severity(cve), affected=affected,
        source=f"https://nvd.nist.gov/vuln/detail/{ident.strip()}",
        published=str(cve.get("published") or ""), modified=str(cve.get("lastModified") or ""),
    )


def _label(index: int, item: Any) -> str:
    return entry_label(index, item.get("cve") if isinstance(item, dict) else None)


def load_nvd(path: Path, data: Any = None) -> FeedResult:
    """Read an NVD CVE API 2.0 file; bad items are problems naming the file and the CVE."""
    items = _items(read_json(path) if data is None else data, path)
    return import_entries(path, "nvd", items, advisory_from_nvd, _label)
