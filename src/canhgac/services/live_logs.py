"""Live log detection for the command line (``canhgac logs follow|listen``): what the CLI may
use of ``canhgac.logs`` (the CLI imports services only): the live configuration's types,
``run_live``, the built-in rule detector, and a detection as JSON. No store here: where
detections go is the sink the caller passes (``cli/logs_cmd.py`` passes the store's)."""

from __future__ import annotations

from typing import Any

from canhgac.logs.detection import Detection, Detector
from canhgac.logs.live import FollowedFile, LiveConfig, LiveStats, OnDetections, SenderRule, run_live
from canhgac.logs.syslog_server import Endpoint, SyslogServerConfig

__all__ = [
    "Detection", "Detector", "Endpoint", "FollowedFile", "LiveConfig", "LiveStats", "OnDetections",
    "SenderRule", "SyslogServerConfig", "detection_json", "rule_detector", "run_live",
]


def detection_json(d: Detection) -> dict[str, Any]:
    """One detection as a JSON object (the default sink's line)."""
    return {
        "rule_id": d.rule_id, "severity": d.severity, "group": d.group, "source": d.source,
        "first_seen": d.first_seen.isoformat(), "last_seen": d.last_seen.isoformat(),
        "count": d.count, "clients": list(d.clients), "accounts": list(d.accounts),
        "values": dict(d.values),
        "evidence": [{"source": e.source, "line_no": e.line_no, "time": e.time.isoformat(),
                      "raw": e.raw} for e in d.evidence],
    }


def rule_detector() -> Detector:
    """The rules (built-in, plus the files named by ``CANHGAC_LOG_RULES``, which the catalog reads
    too, so a user's rule has its title on the console) in a live ``RuleDetector``; ValueError
    when a rule file is broken."""
    from canhgac.logs.detector import RuleDetector, load_rules

    return RuleDetector(load_rules())
