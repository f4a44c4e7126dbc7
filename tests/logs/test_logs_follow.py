"""Following files (``canhgac.logs.follow``): new lines, partial lines, rotation by rename and by
copytruncate, deleted and recreated files, files that appear later, compressed rotated files
ignored, overlong lines cut, and a restart from the state file. The follower is polled by hand,
so each interleaving of writes, rotations and polls is exact."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from canhgac.i18n import language
from canhgac.logs.follow import FileFollower, Position, load_positions, save_positions


def write(path: Path, *lines: str, end: str = "\n") -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(f"{line}{end}" for line in lines))


def texts(follower: FileFollower) -> list[str]:
    return [raw.decode() for _, raw in follower.poll()]


def numbered(a: int, b: int) -> list[str]:
    return [f"line {i}" for i in range(a, b + 1)]


def test_new_lines_and_a_partial_last_line_held_until_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, "first")
    f = FileFollower(log)
    assert texts(f) == ["first"]
    assert texts(f) == []
    with open(log, "a") as fh:
        fh.write("sec")
    assert texts(f) == []
    with open(log, "a") as fh:
        fh.write("ond\r\nthird\n")
    assert texts(f) == ["second", "third"]
    write(log, "fourth")
    assert f.poll() == [(4, b"fourth")]  # line numbers continue


def test_start_at_end_skips_history_but_not_a_file_that_appears_later(tmp_path: Path) -> None:
    old = tmp_path / "old.log"
    write(old, *numbered(1, 3))
    f = FileFollower(old, start_at_end=True)
    assert texts(f) == []
    write(old, "line 4")
    assert texts(f) == ["line 4"]
    later = tmp_path / "later.log"
    g = FileFollower(later, start_at_end=True)
    assert texts(g) == []  # does not exist yet
    write(later, *numbered(1, 2))
    assert texts(g) == numbered(1, 2)


def test_rotation_by_rename_reads_the_rest_of_the_old_file_first(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    write(log, *numbered(1, 5))
    f = FileFollower(log)
    assert texts(f) == numbered(1, 5)
    write(log, *numbered(6, 8))
    log.rename(tmp_path / "access.log.1")
    assert texts(f) == numbered(6, 8)  # no new file yet: the old one is still read
    write(log, *numbered(9, 10))
    assert texts(f) == numbered(9, 10)
    assert f.rotations == 1


def test_a_late_writer_to_the_rotated_file_is_still_read(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    write(log, *numbered(1, 2))
    f = FileFollower(log, grace_polls=3)
    assert texts(f) == numbered(1, 2)
    log.rename(tmp_path / "access.log.1")
    write(log, "line 3")
    assert texts(f) == ["line 3"]
    write(tmp_path / "access.log.1", "late 1")  # nginx before its USR1 reopen
    assert texts(f) == ["late 1"]


def test_several_renames_between_two_polls_lose_nothing(tmp_path: Path) -> None:
    log = tmp_path / "mail.log"
    write(log, *numbered(1, 2))
    f = FileFollower(log)
    assert texts(f) == numbered(1, 2)
    write(log, "line 3")
    log.rename(tmp_path / "mail.log.1")
    write(log, *numbered(4, 5))
    (tmp_path / "mail.log.1").rename(tmp_path / "mail.log.2")
    log.rename(tmp_path / "mail.log.1")
    write(log, "line 6")
    got = texts(f)
    assert sorted(got, key=lambda s: int(s.split()[1])) == numbered(3, 6)
    assert len(got) == 4


def test_copytruncate_reads_the_tail_from_the_copy_then_the_file_from_its_start(
        tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, *numbered(1, 4))
    f = FileFollower(log)
    assert texts(f) == numbered(1, 4)
    write(log, *numbered(5, 6))  # written after our last read, before the copy
    shutil.copyfile(log, tmp_path / "app.log.1")
    os.truncate(log, 0)
    write(log, "line 7")
    assert texts(f) == numbered(5, 7)
    assert f.rotations == 1


def test_copytruncate_refilled_past_the_old_offset_is_noticed(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write(log, *numbered(1, 2))
    f = FileFollower(log)
    assert texts(f) == numbered(1, 2)
    shutil.copyfile(log, tmp_path / "app.log.1")
    os.truncate(log, 0)
    write(log, *numbered(3, 30))  # longer than what was read before: size alone cannot tell
    assert texts(f) == numbered(3, 30)


def test_deleted_and_recreated_file(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    write(log, "line 1")
    f = FileFollower(log)
    assert texts(f) == ["line 1"]
    log.unlink()
    assert texts(f) == []
    write(log, "line 2")
    assert texts(f) == ["line 2"]


def test_compressed_rotated_files_are_never_read(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    write(log, "line 1")
    f = FileFollower(log)
    assert texts(f) == ["line 1"]
    with gzip.open(tmp_path / "access.log.1.gz", "wt") as gz:
        gz.write("GZIPPED\n")
    (tmp_path / "access.log.2.gz").write_text("not really gzip\n")
    log.rename(tmp_path / "access.log.1")
    os.utime(tmp_path / "access.log.1.gz")
    write(log, "line 2")
    assert texts(f) == ["line 2"]


def test_overlong_lines_are_cut_and_counted(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    f = FileFollower(log, max_line=100)
    log.write_bytes(b"x" * 1000)
    assert f.poll() == [(1, b"x" * 100)]  # the start is handed out, the rest dropped
    with open(log, "ab") as fh:
        fh.write(b"y" * 1000 + b"\nshort\n" + b"z" * 150 + b"\n")
    assert f.poll() == [(2, b"short"), (3, b"z" * 100)]
    assert f.cut == 2


def test_binary_bytes_pass_through_as_lines(tmp_path: Path) -> None:
    log = tmp_path / "bin.log"
    log.write_bytes(b"\x00\xff\xfe\n\x89PNG\r\n")
    f = FileFollower(log)
    assert f.poll() == [(1, b"\x00\xff\xfe"), (2, b"\x89PNG")]


def restart(f: FileFollower, state: Path) -> FileFollower:
    pos = f.position()
    assert pos is not None
    save_positions(state, {str(f.path): pos})
    f.close()
    saved = load_positions(state)[str(f.path)]
    return FileFollower(f.path, saved=saved, start_at_end=True)


def test_restart_resumes_from_the_state_file(tmp_path: Path) -> None:
    log, state = tmp_path / "a.log", tmp_path / "state.json"
    write(log, *numbered(1, 3))
    with open(log, "a") as fh:
        fh.write("line 4 partial")
    f = FileFollower(log)
    assert texts(f) == numbered(1, 3)
    g = restart(f, state)
    with open(log, "a") as fh:
        fh.write(" done\n")
    write(log, "line 5")
    assert g.poll() == [(4, b"line 4 partial done"), (5, b"line 5")]


@pytest.mark.parametrize("how", ["rename", "copytruncate"])
def test_restart_after_a_rotation_while_stopped(tmp_path: Path, how: str) -> None:
    log, state = tmp_path / "a.log", tmp_path / "state.json"
    write(log, *numbered(1, 3))
    f = FileFollower(log)
    assert texts(f) == numbered(1, 3)
    pos = f.position()
    assert pos is not None
    save_positions(state, {str(log): pos})
    f.close()
    write(log, *numbered(4, 5))
    if how == "rename":
        log.rename(tmp_path / "a.log.1")
    else:
        shutil.copyfile(log, tmp_path / "a.log.1")
        os.truncate(log, 0)
    write(log, *numbered(6, 40))
    g = FileFollower(log, saved=load_positions(state)[str(log)], start_at_end=True)
    assert texts(g) == numbered(4, 40)


def test_state_file_written_atomically_and_a_broken_one_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    assert load_positions(state) == {}
    pos = Position(1, 2, 3, "ab", 2, 7)
    save_positions(state, {"/var/log/x": pos})
    assert load_positions(state) == {"/var/log/x": pos}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    state.write_text("{not json")
    with language("en"), pytest.raises(ValueError, match="not a canhgac follow state file"):
        load_positions(state)


def test_only_rotated_names_are_taken_for_rotated_files(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.touch()
    f = FileFollower(log)
    write(tmp_path / "app.log_ssl", "OTHER LOG")  # another log whose name starts like ours
    write(tmp_path / "app.logger", "OTHER LOG")
    write(log, "line 1")
    shutil.copyfile(log, tmp_path / "app.log-20261207")  # dateext copytruncate, nothing read yet
    os.truncate(log, 0)
    write(log, "line 2")
    assert texts(f) == ["line 1", "line 2"]
    assert texts(f) == []
