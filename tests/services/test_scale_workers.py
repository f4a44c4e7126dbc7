"""Sharded scans on real Celery workers, the machine's real Redis and PostgreSQL (issue 19).

The same scan of a lab province's domains is run in-process, then sharded over 1 and over 3
``canhgac worker`` processes: the stored results must be identical. Then a worker is killed
outright (its whole process group, SIGKILL) while a shard of its is half done: the broker
redelivers that shard to the surviving worker, which resumes it, and the run ends with every
target's results, none twice, and the same findings as the in-process run.

Needs ``CANHGAC_TEST_DATABASE_URL`` (a throw-away schema, dropped afterwards) and
``CANHGAC_TEST_BROKER_URL`` (a private key prefix and queue, deleted afterwards); skipped with
the reason otherwise. Run with ``/work/tools/wt-run --pg``.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from scale_support import (
    BROKER_URL,
    forget_keys,
    inventory_yaml,
    kill_group,
    lab_dns,
    query,
    run_results,
    runs,
    scale_env,
    scan,
    scan_args,
    worker_logs,
    workers,
)
from test_store_backends import pg_schema_url

__all__ = ["pg_schema_url"]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not BROKER_URL,
                       reason="CANHGAC_TEST_BROKER_URL is not set: sharded-scan tests need Redis"),
]


@pytest.fixture
def env_of(pg_schema_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = scale_env(pg_schema_url, tmp_path / "ws")
    try:
        yield env
    finally:
        forget_keys(env)


def _ok(done: subprocess.CompletedProcess[str], logs: Path | None = None) -> None:
    said = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, said + (worker_logs(logs) if logs else "")


def test_sharded_over_1_and_3_workers_stores_what_the_in_process_scan_stores(
        env_of: dict[str, str], pg_schema_url: str, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    with lab_dns(24, delay=0.02) as (port, names):
        inventory.write_text(inventory_yaml(names))
        local = {k: v for k, v in env_of.items() if k != "CANHGAC_BROKER_URL"}
        _ok(scan(local, inventory, port))
        sharded = env_of | {"CANHGAC_SHARD_TARGETS": "3"}
        for count in (1, 3):
            logs = tmp_path / f"logs-{count}"
            logs.mkdir()
            with workers(sharded, count, logs):
                done = scan(sharded, inventory, port)
                _ok(done, logs)
            assert "Sharded scan" in done.stderr
    reference, one, three = runs(pg_schema_url)
    expected = run_results(pg_schema_url, reference[0])
    assert len(expected) == reference[3] > 24  # several checks per domain
    for run_id, status, targets, results in (one, three):
        assert (status, targets, results) == ("finished", 24, reference[3])
        assert run_results(pg_schema_url, run_id) == expected
        shards = query(pg_schema_url, "SELECT state, target_count, result_count, worker FROM store_scanshard "
                       "WHERE run_id = %s", run_id)
        assert len(shards) == 8 and {s[0] for s in shards} == {"done"}
        assert sum(s[1] for s in shards) == 24 and sum(s[2] for s in shards) == results
    workers_of_three = query(pg_schema_url, "SELECT DISTINCT worker FROM store_scanshard WHERE run_id = %s",
                             three[0])
    assert len(workers_of_three) >= 2  # the shards did spread over the workers
    # the sharded runs reconcile like any other: the same findings, still open
    changes = query(pg_schema_url, "SELECT run_id, kind, count(*) FROM store_findingchange "
                    "GROUP BY run_id, kind ORDER BY run_id, kind")
    by_run = {(r, k): n for r, k, n in changes}
    new = by_run[(reference[0], "new")]
    assert by_run.get((one[0], "still_open")) == new and by_run.get((three[0], "still_open")) == new


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")  # the logs follow in the caller's failure


def test_a_worker_killed_mid_shard_loses_no_target_and_duplicates_nothing(
        env_of: dict[str, str], pg_schema_url: str, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    logs = tmp_path / "logs"
    logs.mkdir()
    with lab_dns(12, delay=0.25) as (port, names):  # slow answers: a shard takes seconds
        inventory.write_text(inventory_yaml(names))
        local = {k: v for k, v in env_of.items() if k != "CANHGAC_BROKER_URL"}
        one_at_a_time = ("--concurrency", "1")  # a shard's targets one after another: it can be half done
        _ok(scan(local, inventory, port, *one_at_a_time))
        sharded = env_of | {"CANHGAC_SHARD_TARGETS": "4", "CANHGAC_BROKER_VISIBILITY_TIMEOUT": "6"}
        with workers(sharded, 2, logs) as procs, (tmp_path / "scan.out").open("w+") as out, \
                (tmp_path / "scan.err").open("w+") as err:
            coordinator = subprocess.Popen(scan_args(inventory, port, *one_at_a_time), env=sharded,
                                           stdout=out, stderr=err, text=True)
            try:
                victim: list[str] = []

                def half_done() -> bool:
                    rows = query(pg_schema_url, "SELECT worker, jsonb_array_length(done_keys), target_count "
                                 "FROM store_scanshard WHERE state = 'running'")
                    victim[:] = [w for w, done, total in rows if 0 < done < total][:1]
                    return bool(victim)

                _wait_for(half_done, 120, "a shard half done")
                pid = int(victim[0].rsplit(":", 1)[1])  # the pool process running it
                owner = next(p for p in procs if _in_group(pid, p.pid))
                kill_group(owner, signal.SIGKILL)
                owner.wait()
                coordinator.wait(timeout=240)
            finally:
                if coordinator.poll() is None:
                    coordinator.kill()
                    coordinator.wait()
        said = (tmp_path / "scan.out").read_text()[-3000:] + (tmp_path / "scan.err").read_text()[-3000:]
        assert coordinator.returncode == 0, said + worker_logs(logs)
    reference, killed = runs(pg_schema_url)
    assert killed[1:] == ("finished", 12, reference[3])
    assert run_results(pg_schema_url, killed[0]) == run_results(pg_schema_url, reference[0])
    redelivered = query(pg_schema_url, "SELECT index, attempts FROM store_scanshard "
                        "WHERE run_id = %s AND attempts > 1", killed[0])
    assert redelivered, "the killed worker's shard was never redelivered"
    findings = query(pg_schema_url, "SELECT count(*), count(DISTINCT fingerprint) FROM store_finding")
    assert findings[0][0] == findings[0][1]
    changes = dict(query(pg_schema_url, "SELECT kind, count(*) FROM store_findingchange WHERE run_id = %s "
                         "GROUP BY kind", killed[0]))
    opened = query(pg_schema_url, "SELECT count(*) FROM store_findingchange WHERE run_id = %s",
                   reference[0])[0][0]
    assert changes == {"still_open": opened}  # every finding seen again, none new, none fixed


def _in_group(pid: int, group: int) -> bool:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[2]) == group
    except (OSError, ValueError, IndexError):
        return False


def test_stopping_a_sharded_scan_keeps_what_finished_and_stops_the_workers(
        env_of: dict[str, str], pg_schema_url: str, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    logs = tmp_path / "logs"
    logs.mkdir()
    with lab_dns(16, delay=0.25) as (port, names):
        inventory.write_text(inventory_yaml(names))
        sharded = env_of | {"CANHGAC_SHARD_TARGETS": "4"}
        with workers(sharded, 1, logs), (tmp_path / "scan.out").open("w+") as out, \
                (tmp_path / "scan.err").open("w+") as err:
            coordinator = subprocess.Popen(scan_args(inventory, port, "--concurrency", "1"), env=sharded,
                                           stdout=out, stderr=err, text=True)
            try:
                def a_target_done() -> bool:
                    try:
                        return bool(query(pg_schema_url, "SELECT count(*) FROM store_scanshard "
                                          "WHERE jsonb_array_length(done_keys) > 0")[0][0])
                    except psycopg.errors.UndefinedTable:  # the store is not migrated yet
                        return False

                _wait_for(a_target_done, 120, "a target done")
                coordinator.send_signal(signal.SIGINT)
                coordinator.wait(timeout=120)
            finally:
                if coordinator.poll() is None:
                    coordinator.kill()
                    coordinator.wait()
            time.sleep(2)  # a worker that went on writing would show here
            ((run_id, status, _, results),) = runs(pg_schema_url)
            stored = query(pg_schema_url, "SELECT count(*) FROM store_result WHERE run_id = %s", run_id)[0][0]
    said = (tmp_path / "scan.out").read_text()[-3000:] + (tmp_path / "scan.err").read_text()[-3000:]
    assert coordinator.returncode == 130, said + worker_logs(logs)
    assert status == "interrupted" and 0 < results == stored < 16 * 20
    states = dict(query(pg_schema_url, "SELECT state, count(*) FROM store_scanshard WHERE run_id = %s "
                        "GROUP BY state", run_id))
    assert set(states) <= {"done", "cancelled"} and states.get("cancelled", 0) >= 1
    done_targets = query(pg_schema_url, "SELECT count(DISTINCT target_key) FROM store_result "
                         "WHERE run_id = %s", run_id)[0][0]
    assert done_targets < 16  # the rest never ran
