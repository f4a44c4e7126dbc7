"""What a log detection is as a finding, pure (no store): its target (the agency's logs,
``log:CODE``), its fingerprint, its evidence and message values, and several detections of one
fingerprint merged into one window. ``services.log_store`` stores what these build; the CLI shows
``evidence_of`` as its JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from canhgac.catalog.schema import Severity
from canhgac.engine.results import CheckResult, Message, Status, fingerprint
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import current_language
from canhgac.logs.detection import MAX_EVIDENCE, Detection, EvidenceLine

MESSAGE_KEY = "detected"
MAX_NAMES = 20  # clients and accounts kept per finding
MAX_RAW = 2048  # characters of an evidence line kept


def target_of(agency: str) -> Target:
    return Target(kind=TargetKind.LOG, name=agency, agency=agency)


def fingerprint_of(agency: str, detection: Detection) -> str:
    return fingerprint(detection.rule_id, target_of(agency).key, detection.discriminator[:300])


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return -1


def merge(detections: Sequence[Detection]) -> Detection:
    """Detections of one rule and group as one window: the earliest start, the latest end, the
    counts added, the worst severity, names and lines joined (capped)."""
    if len(detections) == 1:
        return detections[0]
    ordered = sorted(detections, key=lambda d: (d.first_seen, d.last_seen))
    lines: list[EvidenceLine] = []
    seen: set[tuple[str, int, str]] = set()
    for d in ordered:
        for line in d.evidence:
            key = (line.source, line.line_no, line.raw)
            if key not in seen:
                seen.add(key)
                lines.append(line)
    if len(lines) > MAX_EVIDENCE:
        half = MAX_EVIDENCE // 2
        lines = lines[:half] + lines[-(MAX_EVIDENCE - half) :]
    values: dict[str, str | int | float] = {}
    for d in ordered:
        values.update(d.values)
    return Detection(
        rule_id=ordered[0].rule_id,
        severity=max((d.severity for d in ordered), key=_rank),
        group=ordered[0].group,
        source=ordered[0].source,
        first_seen=min(d.first_seen for d in ordered),
        last_seen=max(d.last_seen for d in ordered),
        count=sum(d.count for d in ordered),
        clients=tuple(dict.fromkeys(c for d in ordered for c in d.clients))[:MAX_NAMES],
        accounts=tuple(dict.fromkeys(a for d in ordered for a in d.accounts))[:MAX_NAMES],
        evidence=tuple(lines),
        values=values,
    )


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def evidence_of(detection: Detection) -> dict[str, Any]:
    """What a finding keeps of a detection (JSON)."""
    return {
        "rule": detection.rule_id,
        "severity": detection.severity,
        "group": detection.group[:300],
        "source": detection.source[:600],
        "sources": sorted({line.source[:600] for line in detection.evidence} | {detection.source[:600]})[:20],
        "first_seen": aware(detection.first_seen).isoformat(),
        "last_seen": aware(detection.last_seen).isoformat(),
        "count": int(detection.count),
        "clients": [c[:100] for c in detection.clients[:MAX_NAMES]],
        "accounts": [a[:320] for a in detection.accounts[:MAX_NAMES]],
        "values": {str(k)[:60]: v if isinstance(v, int | float) else str(v)[:300]
                   for k, v in list(detection.values.items())[:30]},
        "lines": [
            {
                "source": line.source[:600],
                "line_no": int(line.line_no),
                "time": aware(line.time).isoformat(),
                "raw": line.raw[:MAX_RAW],
            }
            for line in detection.evidence[:MAX_EVIDENCE]
        ],
    }


def _message_values(detection: Detection) -> dict[str, str | int | float]:
    values: dict[str, str | int | float] = {
        k: v if isinstance(v, int | float) else str(v)[:300] for k, v in detection.values.items()
    }
    values.update({
        "count": int(detection.count),
        "group": detection.group[:300],
        "first_seen": aware(detection.first_seen).isoformat(timespec="seconds"),
        "last_seen": aware(detection.last_seen).isoformat(timespec="seconds"),
        "clients": ", ".join(detection.clients[:5]),
        "accounts": ", ".join(detection.accounts[:5]),
    })
    return values


def result_of(agency: str, detection: Detection, now: datetime) -> CheckResult:
    return CheckResult(
        check_id=detection.rule_id,
        target=target_of(agency),
        status=Status.FAIL,
        message=Message(key=MESSAGE_KEY, values=_message_values(detection)),
        evidence=evidence_of(detection),
        discriminator=detection.discriminator[:300],
        observed_at=now,
    )


@cache
def _catalog() -> Any:
    from canhgac.services.dashboard import console_catalog

    return console_catalog()


def rule_title(rule_id: str, lang: str | None = None) -> str:
    """The rule's title in ``lang`` (the reader's by default) from the catalog the console judges
    with; the rule id when the catalog has no entry for it."""
    entry = _catalog().checks.get(rule_id)
    return entry.title.get(lang or current_language()) if entry is not None else rule_id
