"""Which findings of a scheduled scan alert, and the findings monitor's judgement: pure."""

from __future__ import annotations

from datetime import UTC, datetime

from canhgac.catalog.loader import load_catalog
from canhgac.catalog.schema import Severity
from canhgac.watch.facts import FindingsFacts, ScanFinding
from canhgac.watch.judge import judge
from canhgac.watch.problems import Problem, describe
from canhgac.watch.scan_findings import FindingsRule, findings_monitor, worst

NOW = datetime(2027, 2, 9, tzinfo=UTC)
CATALOG = load_catalog()


def finding(check: str, severity: str, *, closed: bool = False, n: int = 1) -> ScanFinding:
    lifecycle = "fixed" if closed else "new"
    return ScanFinding(f"{n:032x}", check, f"service:127.88.0.{n}:23", severity, lifecycle, closed)


def test_exposed_services_and_findings_at_the_threshold_alert_the_rest_do_not() -> None:
    rule = FindingsRule()
    assert rule.reason(CATALOG, "net.telnet.exposed") == "exposed"  # family net.services
    assert rule.reason(CATALOG, "net.ports.new") == "exposed"  # a new port (drift), medium
    assert rule.reason(CATALOG, "mail.spf.missing") == ""
    critical = next(c.id for c in CATALOG.checks.values() if c.severity is Severity.CRITICAL
                    and not c.family.startswith("net"))
    assert rule.reason(CATALOG, critical) == "severity"
    high = next(c.id for c in CATALOG.checks.values() if c.severity is Severity.HIGH
                and not c.family.startswith("net"))
    assert rule.reason(CATALOG, high) == ""
    assert FindingsRule(min_severity=Severity.HIGH).reason(CATALOG, high) == "severity"
    assert FindingsRule(exposed_families=()).reason(CATALOG, "net.ports.new") == ""
    assert rule.severity(CATALOG, "net.telnet.exposed") == "high" and rule.severity(None, "x") == ""


def test_a_scans_findings_fail_the_monitor_until_each_is_closed() -> None:
    monitor = findings_monitor("SO-A", 42)
    assert monitor.key == "findings:SO-A@run:42" and monitor.agency == "SO-A"
    baseline = {"run": 42, "fingerprints": ["01", "02"]}
    both = FindingsFacts("SO-A", 42, (finding("net.telnet.exposed", "high"),
                                      finding("net.ports.new", "medium", n=2)))
    verdict = judge(both, baseline, NOW)
    assert not verdict.ok and verdict.problem is Problem.NEW_FINDINGS and verdict.baseline == baseline
    assert verdict.values["count"] == 2 and verdict.values["run"] == 42
    assert verdict.values["findings"] == ["net.telnet.exposed 127.88.0.1:23", "net.ports.new 127.88.0.2:23"]
    assert verdict.values["severities"] == ["high", "medium"]
    said = describe(verdict.problem.value, verdict.values, "en")
    assert said == ("the scheduled scan (run 42) opened 2 findings for SO-A: "
                    "net.telnet.exposed 127.88.0.1:23, net.ports.new 127.88.0.2:23")
    one_left = FindingsFacts("SO-A", 42, (finding("net.telnet.exposed", "high", closed=True),
                                          finding("net.ports.new", "medium", n=2)))
    assert judge(one_left, baseline, NOW).values["count"] == 1
    closed = FindingsFacts("SO-A", 42, (finding("net.telnet.exposed", "high", closed=True),))
    passed = judge(closed, baseline, NOW)
    assert passed.ok and passed.baseline == baseline


def test_the_alert_is_as_severe_as_the_worst_finding() -> None:
    assert worst(["medium", "critical", "high"], "high") == "critical"
    assert worst(["medium"], "high") == "medium"
    assert worst(["", "bogus"], "high") == "high"
