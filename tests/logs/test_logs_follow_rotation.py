"""Rotation while lines are being written: a writer thread writes N numbered lines and rotates
the file several times (by rename, or by copytruncate), while the follower polls; every line
must come out exactly once. A third run stops the follower midway and restarts it from its state
file, as a service restart during rotation would."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from canhgac.logs.follow import FileFollower, load_positions, save_positions

N = 3000
EVERY = 400  # lines between two rotations


def writer(log: Path, how: str, done: threading.Event) -> None:
    fh = open(log, "a", encoding="utf-8")  # noqa: SIM115 (reopened at each rotation)
    try:
        for i in range(1, N + 1):
            fh.write(f"line {i}\n")
            fh.flush()
            if i % 50 == 0:
                time.sleep(0.001)  # let the follower interleave
            if i % EVERY == 0:
                time.sleep(0.005)  # rotations are minutes apart in life: a few ms here
                if how == "rename":
                    fh.close()
                    for k in range(8, 0, -1):
                        older = log.with_name(f"{log.name}.{k}")
                        if older.exists():
                            older.rename(log.with_name(f"{log.name}.{k + 1}"))
                    log.rename(log.with_name(f"{log.name}.1"))
                    fh = open(log, "a", encoding="utf-8")  # noqa: SIM115
                else:
                    for k in range(8, 0, -1):
                        older = log.with_name(f"{log.name}.{k}")
                        if older.exists():
                            older.rename(log.with_name(f"{log.name}.{k + 1}"))
                    shutil.copyfile(log, log.with_name(f"{log.name}.1"))
                    os.truncate(log, 0)
                time.sleep(0.005)
    finally:
        fh.close()
        done.set()


def numbers(lines: list[tuple[int, bytes]]) -> list[int]:
    return [int(raw.split()[1]) for _, raw in lines]


def follow_until_done(f: FileFollower, done: threading.Event, got: list[int],
                      stop_after: int | None = None, pause: float = 0.002) -> None:
    while True:
        finished = done.is_set()
        got.extend(numbers(f.poll()))
        if finished or (stop_after is not None and len(got) >= stop_after):
            got.extend(numbers(f.poll()))
            return
        time.sleep(pause)


@pytest.mark.parametrize("pause", [0.002, 0.05], ids=["poll-often", "several-rotations-per-poll"])
@pytest.mark.parametrize("how", ["rename", "copytruncate"])
def test_rotation_while_writing_loses_no_line_and_duplicates_none(
        tmp_path: Path, how: str, pause: float) -> None:
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log, grace_polls=5)
    done = threading.Event()
    t = threading.Thread(target=writer, args=(log, how, done))
    t.start()
    got: list[int] = []
    follow_until_done(f, done, got, pause=pause)
    t.join()
    for _ in range(10):  # the draining of rotated-away files ends
        got.extend(numbers(f.poll()))
    dup = [n for n, c in Counter(got).items() if c > 1]
    assert not dup, f"duplicated: {dup[:10]}"
    assert sorted(got) == list(range(1, N + 1)), f"missing: {sorted(set(range(1, N + 1)) - set(got))[:10]}"
    assert 1 <= f.rotations <= N // EVERY


@pytest.mark.parametrize("how", ["rename", "copytruncate"])
def test_restart_during_rotations_resumes_without_loss(tmp_path: Path, how: str) -> None:
    log, state = tmp_path / "mail.log", tmp_path / "positions.json"
    log.touch()
    f = FileFollower(log, grace_polls=0)
    done = threading.Event()
    t = threading.Thread(target=writer, args=(log, how, done))
    t.start()
    got: list[int] = []
    follow_until_done(f, done, got, stop_after=N // 3)
    pos = f.position()
    assert pos is not None
    save_positions(state, {str(log): pos})
    f.close()
    time.sleep(0.01)  # stopped while the writer goes on (and rotates)
    g = FileFollower(log, saved=load_positions(state)[str(log)], start_at_end=True, grace_polls=0)
    follow_until_done(g, done, got)
    t.join()
    got.extend(numbers(g.poll()))
    dup = [n for n, c in Counter(got).items() if c > 1]
    assert not dup, f"duplicated: {dup[:10]}"
    assert sorted(got) == list(range(1, N + 1)), f"missing: {sorted(set(range(1, N + 1)) - set(got))[:10]}"
