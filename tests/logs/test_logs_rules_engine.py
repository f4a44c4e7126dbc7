"""The detector's mechanics: bounded state (eviction), live (eager) against batch reporting,
slightly late records, evidence caps, and the batch pipeline over several files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, tzinfo
from pathlib import Path

import pytest
from logs_rules_support import ATTACKER, auth, background, rules, run, web

from canhgac.logs.detection import MAX_EVIDENCE
from canhgac.logs.detector import RuleDetector, load_rules
from canhgac.logs.matchers import MEMO_SIZE, TargetClassifier, decode_target
from canhgac.logs.pipeline import scan_paths
from canhgac.logs.records import LogRecord, ParseStats
from canhgac.logs.rule_schema import builtin_dir


def test_target_is_decoded_once_and_lowercased() -> None:
    assert decode_target("/A%20B+C%2527") == "/a b c%27"  # %25 decodes to %, not again
    assert decode_target("/Plain") == "/plain"


def test_double_encoded_probe_is_not_decoded_twice() -> None:
    assert run([web(0, "/?id=1%2520UNION%2520SELECT%25201")], ["logs.web.sqli"]) == []


def test_classifier_memo_is_bounded() -> None:
    classify = TargetClassifier(list(rules().only(["logs.web.sqli"]).rules))
    for i in range(MEMO_SIZE + 10):
        classify(f"/page/{i}")
    assert len(classify._memo) <= MEMO_SIZE


def test_windows_per_rule_are_capped_and_the_oldest_evicted() -> None:
    ruleset = rules().only(["logs.auth.brute-force"])
    detector = RuleDetector(ruleset)
    handler = detector._handlers[0]
    cap = ruleset.rules[0].max_groups
    for i in range(cap + 5000):
        detector.feed(auth(i * 0.001, client=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"))
    assert len(handler.windows) <= cap  # type: ignore[attr-defined]
    assert "client=10.0.0.0 service=sshd" not in handler.windows  # type: ignore[attr-defined]


def test_a_window_never_holds_more_than_the_threshold_needs() -> None:
    detector = RuleDetector(rules().only(["logs.web.404-storm"]))
    handler = detector._handlers[0]
    for i in range(19):  # one short of the threshold, spread so the window keeps sliding
        detector.feed(web(i * 30.0, f"/x{i}", client=ATTACKER, status=404))
    window = next(iter(handler.windows.values()))  # type: ignore[attr-defined]
    assert len(window.entries) <= 20


def test_live_mode_reports_at_the_threshold_and_batch_at_the_end() -> None:
    records = [auth(5 * i) for i in range(40)]
    live = RuleDetector(rules().only(["logs.auth.brute-force"]))
    fired_at = [i for i, r in enumerate(records) if live.feed(r)]
    assert fired_at == [9] and live.finish() == []
    (batch,) = run(records, ["logs.auth.brute-force"])
    assert batch.count == 40 and len(batch.evidence) == MAX_EVIDENCE


def test_slightly_late_records_join_their_incident() -> None:
    records = [auth(10 * i) for i in range(12)]
    records[5], records[6] = records[6], records[5]  # one pair written out of order
    detector = RuleDetector(rules().only(["logs.auth.brute-force"]), eager=False)
    found = [d for r in records for d in detector.feed(r)] + detector.finish()
    assert [d.count for d in found] == [12]


def test_clients_and_accounts_of_a_detection_are_capped() -> None:
    records = [auth(i, client=f"203.0.113.{i % 200}", account="admin") for i in range(300)]
    (hit,) = run(records, ["logs.auth.account-attack"])
    assert hit.count == 300 and len(hit.clients) == 20 and hit.values["distinct"] == 200


def _reader(data: dict[Path, list[LogRecord]]):  # type: ignore[no-untyped-def]
    def read(path: Path, *, fmt: str | None, tz: tzinfo, year: int | None, stats: ParseStats,
             source: str | None = None) -> Iterator[LogRecord]:
        if path not in data:
            raise OSError(f"{path}: no such file")
        for record in data[path]:
            stats.lines += 1
            stats.records += 1
            yield record
    return read


def test_scan_paths_merges_files_in_time_order(tmp_path: Path) -> None:
    rotated, current = tmp_path / "access.log.1", tmp_path / "access.log"
    # an attack that spans the rotation: half in each file, given newest first
    older = [web(i, f"/x{i}", client=ATTACKER, status=404, source=str(rotated)) for i in range(10)]
    newer = [web(10 + i, f"/y{i}", client=ATTACKER, status=404, source=str(current)) for i in range(10)]
    seen: list[int] = []
    outcome = scan_paths([current, rotated], fmt=None, tz=UTC, rules=rules().only(["logs.web.404-storm"]),
                         progress=seen.append, reader=_reader({rotated: older, current: newer}))
    assert [(d.rule_id, d.count) for d in outcome.detections] == [("logs.web.404-storm", 20)]
    assert outcome.stats[str(current)].records == 10 and outcome.records == 20
    assert seen == [20]


def test_scan_paths_hands_detections_out_as_found_and_keeps_none(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    # two storms an hour apart: the first is complete (handed out) before the second begins
    first = [web(i, f"/x{i}", client=ATTACKER, status=404, source=str(log)) for i in range(20)]
    second = [web(3600 + i, f"/y{i}", client=ATTACKER, status=404, source=str(log)) for i in range(20)]
    batches: list[list[tuple[str, int]]] = []
    outcome = scan_paths([log], fmt=None, tz=UTC, rules=rules().only(["logs.web.404-storm"]),
                         reader=_reader({log: first + second}),
                         on_detections=lambda found: batches.append([(d.rule_id, d.count) for d in found]))
    assert batches == [[("logs.web.404-storm", 20)], [("logs.web.404-storm", 20)]]
    assert outcome.detections == [] and outcome.detected == 2


def test_scan_paths_reports_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="no such file"):
        scan_paths([tmp_path / "gone.log"], fmt=None, tz=UTC, rules=rules(), reader=_reader({}))


def test_all_rules_on_a_benign_day_fire_nothing() -> None:
    day = background(6 * 3600, per_minute=120, clients=300)
    logins = [auth(600 * i, ok=True, client=f"192.0.2.{i % 50}", account=f"user{i % 50}") for i in range(36)]
    assert run([*day, *logins]) == []


def test_sequence_failures_are_capped_per_group_and_in_groups(tmp_path: Path) -> None:
    text = (builtin_dir() / "auth.yaml").read_text(encoding="utf-8")
    small = tmp_path / "small.yaml"
    after = "after: {events: [auth.failure], count: 5, window: 10m}"
    small.write_text(text.replace(after, after + "\n    max_groups: 10"), encoding="utf-8")
    ruleset = load_rules([small]).only(["logs.auth.success-after-failures"])
    assert ruleset.rules[0].max_groups == 10
    detector = RuleDetector(ruleset)
    handler = detector._handlers[0]
    for i in range(200):
        detector.feed(auth(i, client=f"203.0.113.{i % 100}", account="same"))
    assert len(handler.failures) <= 10  # type: ignore[attr-defined]
    assert all(len(d) <= 50 for d in handler.failures.values())  # type: ignore[attr-defined]
