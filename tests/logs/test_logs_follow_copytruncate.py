"""copytruncate interleavings that once repeated or lost lines (issue 18), driven by hand: the
follower polls while a copy of the live file exists beside it and the file is not truncated yet
(logrotate copies, then truncates), after several copies since the last poll, and when the file
is copied and truncated inside a poll (between the truncation check and the read, or between the
read and the hashing of the file's first bytes), and when the copy being read is renamed by the
next rotation. Every line must come out exactly once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from canhgac.logs import follow
from canhgac.logs.follow import FileFollower


def write(log: Path, a: int, b: int) -> None:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write("".join(f"line {i}\n" for i in range(a, b + 1)))


def nums(f: FileFollower) -> list[int]:
    return [int(raw.split()[1]) for _, raw in f.poll()]


def shift(log: Path) -> None:
    for k in range(8, 0, -1):
        older = log.with_name(f"{log.name}.{k}")
        if older.exists():
            older.rename(log.with_name(f"{log.name}.{k + 1}"))


def copy(log: Path) -> None:
    """logrotate's copytruncate, first half: older copies shifted, the file copied to log.1."""
    shift(log)
    shutil.copyfile(log, log.with_name(f"{log.name}.1"))


def truncate(log: Path) -> None:
    os.truncate(log, 0)


def test_poll_between_copy_and_truncate_with_nothing_read_of_the_file(tmp_path: Path) -> None:
    """The issue's case: the file was empty at the last poll (just truncated); it is then filled,
    copied, and polled before the truncation. The copy holds the live file's lines: reading it
    whole and then the file repeated them all."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    copy(log)
    truncate(log)
    assert nums(f) == []  # truncation seen, the file empty: nothing of it read yet
    write(log, 4, 6)
    copy(log)
    assert nums(f) == [4, 5, 6]  # from the file; its copy log.1 is not read again
    truncate(log)
    write(log, 7, 8)
    assert nums(f) == [7, 8]
    assert nums(f) == []


def test_several_copies_since_the_last_poll_the_last_not_truncated_yet(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    write(log, 4, 5)
    copy(log)
    truncate(log)
    write(log, 6, 9)
    copy(log)
    truncate(log)
    write(log, 10, 12)
    copy(log)  # log.3 = 1..5, log.2 = 6..9, log.1 = 10..12 = the file, not truncated yet
    assert nums(f) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    truncate(log)
    assert nums(f) == []  # the truncation of what was read from the file: nothing to add
    write(log, 13, 14)
    assert nums(f) == [13, 14]


def test_copies_whose_first_bytes_are_equal(tmp_path: Path) -> None:
    """Two copies start with the same bytes (a file copied twice, the second time after more lines
    were written): the one read from the live file is not read again, the other's tail is."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 2)
    assert nums(f) == [1, 2]
    shutil.copyfile(log, tmp_path / "access.log-early")  # an admin's copy: not a rotated name
    write(log, 3, 4)
    copy(log)
    truncate(log)
    write(log, 5, 5)
    assert nums(f) == [3, 4, 5]
    assert nums(f) == []


def during_read(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None], *,
                after: bool) -> None:
    """Run ``action`` once, inside the next read of the followed file (before or after it)."""
    real = follow._Reader.read
    pending = [action]

    def read(self: follow._Reader, out: list[tuple[int, bytes]]) -> None:
        if pending and not after:
            pending.pop()()
        real(self, out)
        if pending and after:
            pending.pop()()

    monkeypatch.setattr(follow._Reader, "read", read)


def test_copied_and_truncated_between_the_truncation_check_and_the_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    copy(log)
    truncate(log)
    write(log, 4, 6)

    def rotate_again() -> None:
        write(log, 7, 8)
        copy(log)
        truncate(log)
        write(log, 9, 10)

    during_read(monkeypatch, rotate_again, after=False)
    got = nums(f)  # the truncation is seen, then log.1 (4..8) appears before the file is read
    assert sorted(got) == list(range(4, 11))
    assert nums(f) == []


def test_copied_and_truncated_between_the_read_and_the_hash_of_the_first_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)

    def rotate() -> None:
        copy(log)
        truncate(log)
        write(log, 10, 40)  # refilled past the old offset, with other first bytes

    during_read(monkeypatch, rotate, after=True)
    assert nums(f) == [1, 2, 3]
    assert nums(f) == list(range(10, 41))
    assert nums(f) == []


def test_rotated_again_while_the_copy_is_read(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy found by its first bytes is renamed (log.2 -> log.3) while it is read, and log.2
    becomes the next copy: the follower keeps to the file it opened, never to its old name."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    copy(log)
    truncate(log)
    write(log, 4, 6)
    copy(log)
    truncate(log)
    write(log, 7, 8)  # log.2 = 1..3, log.1 = 4..6, the file 7..8

    def rotate_again() -> None:
        copy(log)
        truncate(log)
        write(log, 9, 9)

    real = follow._Reader.read_all
    pending = [rotate_again]

    def read_all(self: follow._Reader, out: list[tuple[int, bytes]]) -> None:
        if pending:
            pending.pop()()
        real(self, out)

    monkeypatch.setattr(follow._Reader, "read_all", read_all)
    assert nums(f) == list(range(4, 10))
    assert nums(f) == []


def test_a_copy_just_begun_is_not_taken_for_read(tmp_path: Path) -> None:
    """Polled while logrotate has created log.1 but not written it yet: the empty file is not
    remembered as read, so once filled it is still found as the copy of what was read."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    copy(log)
    truncate(log)
    write(log, 4, 6)
    shift(log)
    (tmp_path / "access.log.1").touch()  # the copy begun
    assert nums(f) == [4, 5, 6]
    shutil.copyfile(log, tmp_path / "access.log.1")
    truncate(log)
    write(log, 7, 9)
    copy(log)
    truncate(log)
    write(log, 10, 10)
    assert nums(f) == [7, 8, 9, 10]
    assert nums(f) == []


def test_a_copy_renamed_while_the_folder_is_listed_is_still_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next rotation shifts log.1 to log.2 between the listing of the folder and the stat of
    its entries: the copy is looked for again, not skipped (its lines would be lost)."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    write(log, 1, 3)
    assert nums(f) == [1, 2, 3]
    write(log, 4, 5)
    copy(log)
    truncate(log)
    write(log, 6, 7)
    real = os.scandir
    pending = [lambda: shift(log)]

    def scandir(path: Path) -> list[os.DirEntry[str]]:
        entries = list(real(path))
        if pending:
            pending.pop()()
        return entries

    monkeypatch.setattr(follow.os, "scandir", scandir)
    assert nums(f) == [4, 5, 6, 7]
    assert nums(f) == []


@pytest.mark.parametrize("polls_between", [0, 1])
def test_many_copytruncates_polled_at_every_step(tmp_path: Path, polls_between: int) -> None:
    """Every interleaving of poll with the writer's steps (write, copy, truncate) in one run."""
    log = tmp_path / "access.log"
    log.touch()
    f = FileFollower(log)
    got: list[int] = []
    n = 0
    for rotation in range(12):
        steps: list[Callable[[], None]] = []
        for _ in range(rotation % 3 + 1):
            def add(a: int = n + 1) -> None:
                write(log, a, a + 2)
            steps.append(add)
            n += 3
        steps += [lambda: copy(log), lambda: truncate(log)]
        for i, step in enumerate(steps):
            step()
            if (i + rotation) % (polls_between + 2) == 0:
                got += nums(f)
    got += nums(f) + nums(f)
    assert got == list(range(1, n + 1))
