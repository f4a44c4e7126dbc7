"""The logs monitor's judgement (``watch.log_alerts``), pure: failing while a detection at or above
the threshold is active (stored within the quiet period, open, not triaged away), its values
naming the detections newest first; quiet, closed or too mild detections let it pass; the alert
rules open one alert at the first failure and recover at the first pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from canhgac.catalog.schema import Severity
from canhgac.watch.log_alerts import ActiveDetection, LogAlertRule, judge_logs, logs_monitor, monitor_parts
from canhgac.watch.problems import Problem, describe
from canhgac.watch.rules import AlertPolicy, Health, MonitorState, OpenAlert, RecoverAlert, step

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
RULE = "logs.auth.brute-force"


def _d(group: str, severity: str = "high", minutes_ago: float = 1, closed: bool = False) -> ActiveDetection:
    at = NOW - timedelta(minutes=minutes_ago)
    return ActiveDetection(f"fp-{group}", group, severity, 12, at, at, closed)


def test_an_active_detection_fails_and_names_the_detections_newest_first() -> None:
    verdict = judge_logs("SO-A", RULE, [_d("client=203.0.113.9", minutes_ago=5), _d("client=198.51.100.7")],
                         NOW, LogAlertRule())
    assert not verdict.ok and verdict.problem is Problem.LOG_DETECTIONS
    assert verdict.values["detections"] == ["client=198.51.100.7 (12)", "client=203.0.113.9 (12)"]
    assert verdict.values["count"] == 2 and verdict.values["severities"] == ["high"]
    text = describe(verdict.problem.value, verdict.values, "en")
    assert "2 detections of logs.auth.brute-force in the logs of SO-A" in text


def test_quiet_closed_or_mild_detections_pass() -> None:
    rule = LogAlertRule(Severity.MEDIUM, timedelta(minutes=30))
    assert judge_logs("SO-A", RULE, [_d("a", minutes_ago=31)], NOW, rule).ok
    assert judge_logs("SO-A", RULE, [_d("a", closed=True)], NOW, rule).ok
    assert judge_logs("SO-A", RULE, [_d("a", severity="low")], NOW, rule).ok
    assert not judge_logs("SO-A", RULE, [_d("a", severity="low")], NOW, LogAlertRule(Severity.LOW)).ok
    assert not judge_logs("SO-A", RULE, [_d("a", severity="bizarre")], NOW, rule).ok  # unknown: told


def test_one_failure_opens_and_one_pass_recovers() -> None:
    monitor = logs_monitor("SO-A", RULE)
    assert monitor.key == "logs:SO-A/logs.auth.brute-force"
    assert monitor_parts(monitor.target) == ("SO-A", RULE)
    policy = AlertPolicy(failures_to_alert={"logs": 1}, successes_to_recover=1)
    failing = judge_logs("SO-A", RULE, [_d("a")], NOW, LogAlertRule())
    opened = step(MonitorState(monitor.key), failing, NOW, monitor, policy)
    assert opened.state.health is Health.DOWN and isinstance(opened.actions[0], OpenAlert)
    again = step(opened.state, failing, NOW + timedelta(minutes=1), monitor, policy)
    assert again.actions == ()  # still the same attack: no second alert
    passing = judge_logs("SO-A", RULE, [], NOW, LogAlertRule())
    recovered = step(again.state, passing, NOW + timedelta(minutes=40), monitor, policy)
    assert isinstance(recovered.actions[0], RecoverAlert) and recovered.state.health is Health.UP
