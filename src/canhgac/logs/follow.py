"""Following log files as they grow, like ``tail -F``, without losing or repeating a line.

A :class:`FileFollower` watches one path by polling (``poll()`` is cheap: one ``fstat``, one
``stat``, one short ``pread`` of the file's head, and reads only when the file grew). It copes
with what log rotation does to a path:

- **rename + new file** (logrotate's default, nginx ``USR1``): the old file, still open, is read
  to its end before the follower switches to the new file; files rotated more than once between
  two polls (``log`` → ``log.1`` → ``log.2``) are found beside the path and read in order;
- **copytruncate**: the file shrinks, or its first bytes change; what was written between the
  last read and the truncation is read from the copy beside it (``log.1``, same first bytes), then
  later copies whole, then the truncated file from its start. A copy with the first bytes of the
  open file (copied, not truncated yet) or of what was read of it is never read whole: its lines
  come from the file. Files beside the path are opened once and checked by inode (a rotation may
  rename them meanwhile), and the first bytes are those read, never re-read later;
- deleted and recreated files, and files that do not exist yet (followed once they appear);
- compressed rotated files (``.gz``, ``.bz2``, ``.xz``, ``.zst``) are never read.

A file is recognised by its device and inode and by a hash of its first bytes
(:data:`HEAD_BYTES`), which also tells a copytruncate that refilled a file past the old offset.
Positions are saved in a JSON state file (written atomically: temporary file, ``fsync``,
``rename``), so a restart resumes where the last saved position was: no line is lost, and a line
is read twice only when the process died after reading it and before the next save
(**at-least-once**). Memory is bounded: a line longer than ``max_line`` bytes is cut (its start
kept, counted in ``cut``), and one poll reads at most ``max_read`` bytes per file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from canhgac.i18n import gettext as _

HEAD_BYTES = 256  # how much of a file's start identifies it
MAX_LINE = 64 * 1024  # bytes of a line kept; the rest of an overlong line is dropped
MAX_READ = 4 * 1024 * 1024  # bytes read per file per poll (the next poll continues)
CLOCK_SLACK_NS = 20_000_000  # file times lag the clock by up to a tick: look this far back
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip", ".Z")


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading a file stopped: what the state file holds per followed path."""

    dev: int
    ino: int
    offset: int  # bytes read and handed out (complete lines only)
    head: str  # sha256 (hex) of the file's first ``head_len`` bytes
    head_len: int
    line_no: int  # lines handed out so far for this path (for evidence)


def head_hash(fd: int, length: int) -> tuple[str, int]:
    """The hash of a file's first ``min(length, HEAD_BYTES)`` bytes, and how many were hashed."""
    data = os.pread(fd, min(length, HEAD_BYTES), 0)
    return hashlib.sha256(data).hexdigest(), len(data)


def _same_head(fd: int, pos_head: str, pos_len: int) -> bool:
    data = os.pread(fd, pos_len, 0)
    return len(data) == pos_len and hashlib.sha256(data).hexdigest() == pos_head


class _Reader:
    """Reading one open file: its offset, the partial last line held until its newline, and the
    offset of the last complete line (what a restart resumes from)."""

    def __init__(self, fd: int, ino: int, offset: int, follower: FileFollower) -> None:
        self.fd, self.ino = fd, ino
        self.offset = self.done = offset
        self.partial = b""
        self.skipping = False  # inside an overlong line: drop bytes until the next newline
        self.f = follower
        # The file's first bytes as read (up to HEAD_BYTES), when reading began at its start:
        # what identifies it is what was read, never a later re-read of a file since truncated.
        self.first: bytes | None = b"" if offset == 0 else None

    def read(self, out: list[tuple[int, bytes]]) -> None:
        budget = self.f.max_read
        while budget > 0:
            chunk = os.pread(self.fd, min(65536, budget), self.offset)
            if not chunk:
                return
            if self.first is not None and self.offset < HEAD_BYTES:
                self.first += chunk[: HEAD_BYTES - self.offset]
            self.offset += len(chunk)
            budget -= len(chunk)
            self._split(chunk, out)

    def read_all(self, out: list[tuple[int, bytes]]) -> None:
        """To the end, however long: a rotated-away file, whose last line may lack its newline."""
        while True:
            before = self.offset
            self.read(out)
            if self.offset == before:
                break
        if self.partial:
            self.f.emit(self.partial, out)
            self.partial = b""
            self.done = self.offset

    def _split(self, chunk: bytes, out: list[tuple[int, bytes]]) -> None:
        start = 0
        base = self.offset - len(chunk)
        while (nl := chunk.find(b"\n", start)) >= 0:
            if self.skipping:
                self.skipping = False
            else:
                piece = chunk[start:nl]
                self.f.emit(self.partial + piece if self.partial else piece, out)
            self.partial = b""
            start = nl + 1
            self.done = base + start
        if self.skipping or start == len(chunk):
            return
        self.partial += chunk[start:]
        if len(self.partial) > self.f.max_line:  # overlong: keep its start, drop the rest
            self.f.emit(self.partial, out)
            self.partial = b""
            self.skipping = True

    def close(self) -> None:
        os.close(self.fd)


@dataclass(slots=True)
class _Drain:
    """A rotated-away file still read for a few polls: a writer may not have reopened yet."""

    reader: _Reader
    polls_left: int


class FileFollower:
    """One followed path. ``poll()`` returns the complete lines written since the last poll, as
    ``(line_no, bytes)`` without the newline. Not thread-safe; the caller polls it in a loop.

    ``start_at_end``: a file that already exists when following starts, with no saved position,
    is read from its end (history is what ``logs scan`` is for); a file that appears later, or
    replaces a rotated one, is always read from its start."""

    def __init__(self, path: Path, *, saved: Position | None = None, start_at_end: bool = False,
                 max_line: int = MAX_LINE, max_read: int = MAX_READ, grace_polls: int = 40) -> None:
        self.path = path
        self.max_line = max_line
        self.max_read = max_read
        self.grace_polls = grace_polls  # polls a rotated-away file is still read (late writers)
        self.cut = 0  # overlong lines cut
        self.rotations = 0  # renames, truncations and recreations seen
        self.recovered = 0  # rotated-away files (or tails of copies) read to catch up
        self._cur: _Reader | None = None
        self._dev = 0
        self._head = ""
        self._head_len = 0
        self._line_no = saved.line_no if saved else 0
        self._saved = saved
        self._draining: list[_Drain] = []
        self._known: dict[int, tuple[str, int]] = {}  # inode -> head of files read to the end
        # Opened now, not at the first poll: what is written (or rotated) from this moment on is
        # read; lines a saved position leads to in a rotated file wait for the first poll.
        self._early: list[tuple[int, bytes]] = []
        self._unread_since = 0  # when the open file was (re)started with nothing read from it
        self._start_at_end = start_at_end and saved is None
        self._open(self._early)
        self._start_at_end = False

    # ----------------------------------------------------------------- public

    def poll(self) -> list[tuple[int, bytes]]:
        out, self._early = self._early, []
        if self._cur is None:
            self._open(out)
        cur = self._cur
        if cur is not None:
            if not self._head_len:
                self._check_copied_unread(cur, out)
            self._check_truncated(cur, out)
            unread = not self._head_len
            cur.read(out)
            self._track_head(cur)
            if unread and self._head_len:
                # Copied and truncated between the look for copies and the read: the copy
                # exists now (logrotate copies before it truncates), read it.
                self._check_copied_unread(cur, out)
            self._check_replaced(cur, out)
        self._drain(out)
        return out

    def position(self) -> Position | None:
        """What to save: the file and the offset of the last complete line handed out."""
        if self._cur is None:
            return self._saved
        return Position(self._dev, self._cur.ino, self._cur.done, self._head, self._head_len,
                        self._line_no)

    def close(self) -> None:
        if self._cur is not None:
            self._saved = self.position()
            self._cur.close()
            self._cur = None
        for drain in self._draining:
            drain.reader.close()
        self._draining.clear()

    def emit(self, line: bytes, out: list[tuple[int, bytes]]) -> None:
        if len(line) > self.max_line:
            line = line[: self.max_line]
            self.cut += 1
        self._line_no += 1
        out.append((self._line_no, line.removesuffix(b"\r")))

    # ---------------------------------------------------------------- rotation

    def _check_truncated(self, cur: _Reader, out: list[tuple[int, bytes]]) -> None:
        """copytruncate: the file shrank below our offset, or its first bytes changed (it was
        truncated and refilled since the last poll). What was written between our last read and
        the truncation is in the copy beside the path: read it from there, then restart at 0."""
        size = os.fstat(cur.fd).st_size
        if size >= cur.offset and not (self._head_len and size >= self._head_len
                                       and not _same_head(cur.fd, self._head, self._head_len)):
            return
        copy = self._find_copy(self._head, self._head_len, cur.done)
        if copy is None and self._head_len:  # a listing can miss a file renamed during it
            copy = self._find_copy(self._head, self._head_len, cur.done)
        if copy is not None:
            # by its descriptor: the next rotation may give its name to another copy meanwhile
            st = os.fstat(copy)
            self._read_whole(copy, out, start=cur.done)
            # copied and truncated more than once since the last poll: the later copies too
            self._read_later(st.st_mtime_ns, {st.st_ino, cur.ino}, out)
        self.rotations += 1
        cur.offset = cur.done = 0
        cur.partial, cur.skipping, cur.first = b"", False, b""
        self._head, self._head_len = "", 0
        self._unread_since = time.time_ns() - CLOCK_SLACK_NS

    def _check_copied_unread(self, cur: _Reader, out: list[tuple[int, bytes]]) -> None:
        """copytruncate before anything of the open file was read (it was empty, or had just been
        truncated): nothing identifies its copy but its time. Copies made since are read whole
        (a copy made just before and not yet truncated may repeat lines: at-least-once)."""
        skip = {cur.ino} | {d.reader.ino for d in self._draining}
        self._read_later(self._unread_since, skip, out)

    def _check_replaced(self, cur: _Reader, out: list[tuple[int, bytes]]) -> None:
        """Rename + new file (or delete + recreate): the old file, still open, is read to its
        end and kept open a while for a writer that has not reopened yet; files rotated more
        than once since the last poll are read in order; then the new file from its start."""
        try:
            st = self.path.stat()
        except OSError:
            return  # renamed or deleted, nothing new yet: keep reading the open file
        if (st.st_dev, st.st_ino) == (self._dev, cur.ino):
            return
        old_mtime = os.fstat(cur.fd).st_mtime_ns
        cur.read(out)
        self._remember(cur.fd, cur.ino)
        self._draining.append(_Drain(cur, self.grace_polls))
        self._cur = None
        self.rotations += 1
        self._open(out, fresh=True)
        skip = {cur.ino} | {d.reader.ino for d in self._draining}
        if self._cur is not None:
            skip.add(self._cur.ino)
        self._read_later(old_mtime, skip, out)
        if self._cur is not None:
            self._cur.read(out)
            self._track_head(self._cur)

    def _read_later(self, since_ns: int, skip: set[int], out: list[tuple[int, bytes]]) -> None:
        """Read, oldest first, the files beside the path written since ``since_ns`` that were
        never read: files rotated away (or copies made) more than once between two polls.

        Not a copy of what is read from the open file: one with the same first bytes as the
        open file (copied, not truncated yet: its lines are read from the file), or as what was
        read of it (copied and truncated since: the next poll reads its tail, from our offset)."""
        later = sorted((st.st_mtime_ns, st.st_ino, p) for p, st in self._siblings()
                       if st.st_ino not in skip and st.st_mtime_ns >= since_ns)
        for _mtime, ino, p in later:
            fd = self._open_sibling(p, ino)
            if fd is None:
                continue
            # empty: nothing to read, and maybe a copy just begun (so never taken as read)
            if not os.fstat(fd).st_size or self._known_file(fd, ino) \
                    or self._copy_of_open_file(fd):
                os.close(fd)
            else:
                self._read_whole(fd, out)

    def _copy_of_open_file(self, fd: int) -> bool:
        cur = self._cur
        if cur is None:
            return False
        if self._head_len and _same_head(fd, self._head, self._head_len):
            return True
        start = os.pread(fd, HEAD_BYTES, 0)
        return bool(start) and os.pread(cur.fd, len(start), 0) == start

    def _open_sibling(self, path: Path, ino: int) -> int | None:
        """The file of inode ``ino`` listed as ``path``, opened: if a rotation gave that name to
        another file since the listing, it is looked for under its new name."""
        for attempt in range(3):
            if attempt:
                found = [p for p, st in self._siblings() if st.st_ino == ino]
                if not found:
                    return None
                path = found[0]
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                continue
            if os.fstat(fd).st_ino == ino:
                return fd
            os.close(fd)
        return None

    def _remember(self, fd: int, ino: int) -> None:
        """Note a file read to its end, so it is never taken for an unread rotated file (not an
        empty one: its first bytes, none, would match any file)."""
        head = head_hash(fd, HEAD_BYTES)
        if not head[1]:
            return
        self._known[ino] = head
        while len(self._known) > 64:
            del self._known[next(iter(self._known))]

    def _known_file(self, fd: int, ino: int) -> bool:
        known = self._known.get(ino)
        return known is not None and _same_head(fd, known[0], known[1])

    def _drain(self, out: list[tuple[int, bytes]]) -> None:
        for drain in list(self._draining):
            if drain.polls_left <= 0:
                drain.reader.read_all(out)
                drain.reader.close()
                self._draining.remove(drain)
            else:
                drain.reader.read(out)
                drain.polls_left -= 1

    def _track_head(self, cur: _Reader) -> None:
        """Extend the hash of the file's first bytes as it grows to HEAD_BYTES; never from a
        file truncated since it was read (the next poll sees the truncation)."""
        if cur.first is not None:
            if len(cur.first) > self._head_len:
                self._head = hashlib.sha256(cur.first).hexdigest()
                self._head_len = len(cur.first)
            return
        want = min(cur.offset, HEAD_BYTES)
        if want <= self._head_len:
            return
        data = os.pread(cur.fd, want, 0)
        if len(data) < want or (self._head_len and hashlib.sha256(
                data[: self._head_len]).hexdigest() != self._head):
            return
        self._head, self._head_len = hashlib.sha256(data).hexdigest(), want

    # ---------------------------------------------------------------- opening

    def _open(self, out: list[tuple[int, bytes]], *, fresh: bool = False) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return
        st = os.fstat(fd)
        self._dev = st.st_dev
        self._head, self._head_len = "", 0
        self._unread_since = time.time_ns() - CLOCK_SLACK_NS
        cur = self._cur = _Reader(fd, st.st_ino, 0, self)
        saved, self._saved = self._saved, None
        if fresh:
            return
        if saved is not None:
            if (saved.dev, saved.ino) == (st.st_dev, st.st_ino) and st.st_size >= saved.offset \
                    and (not saved.head_len or _same_head(fd, saved.head, saved.head_len)):
                cur.offset = cur.done = saved.offset
                cur.first = None if saved.offset else b""
                self._head, self._head_len = saved.head, saved.head_len
                return
            # Rotated while we were away: finish the old file if it is still beside the path.
            old = self._find_inode(saved, st.st_ino)
            if old is None:
                old = self._find_copy(saved.head, saved.head_len, saved.offset)
            if old is not None:
                since = os.fstat(old).st_mtime_ns
                self._read_whole(old, out, start=saved.offset)
                self._read_later(since, {saved.ino, st.st_ino}, out)
            self.rotations += 1
            return
        if self._start_at_end:
            cur.offset = cur.done = st.st_size
            cur.first = None if st.st_size else b""
            self._head, self._head_len = head_hash(fd, st.st_size)

    def _read_whole(self, fd: int, out: list[tuple[int, bytes]], *, start: int = 0) -> None:
        """Read a rotated-away file (or a copy), open as ``fd``, from ``start`` to its end; close
        it."""
        self.recovered += 1
        reader = _Reader(fd, 0, start, self)
        try:
            reader.read_all(out)
            self._remember(fd, os.fstat(fd).st_ino)
        finally:
            reader.close()

    # --------------------------------------------------- the files beside a path

    def _siblings(self) -> list[tuple[Path, os.stat_result]]:
        """Regular files beside the path named as rotated copies of it (``log.1``,
        ``log-20261207``, ``log.2026-12-07``), not compressed. A file renamed between the listing
        and its ``stat`` (a rotation shifting ``log.1`` to ``log.2`` right then) would be missed:
        the folder is listed again, a few times at most."""
        rotated = re.compile(re.escape(self.path.name) + r"[.\-_]\d[\w.\-]*")
        found: list[tuple[Path, os.stat_result]] = []
        for _attempt in range(5):
            found, vanished = [], False
            try:
                entries = list(os.scandir(self.path.parent))
            except OSError:
                return []
            for entry in entries:
                if not rotated.fullmatch(entry.name) or entry.name.endswith(COMPRESSED):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    vanished = True
                    continue
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    found.append((Path(entry.path), st))
            if not vanished:
                break
        return found

    def _find_inode(self, saved: Position, current_ino: int) -> int | None:
        for p, st in self._siblings():
            if (st.st_dev, st.st_ino) == (saved.dev, saved.ino) and st.st_ino != current_ino:
                return self._open_sibling(p, st.st_ino)
        return None

    def _find_copy(self, head: str, head_len: int, offset: int) -> int | None:
        """A file beside the path with the same first bytes, at least ``offset`` long, never read
        whole (when two copies start alike, the one that is not already read), oldest first."""
        if not head_len:
            return None
        listed = sorted((st.st_mtime_ns, st.st_ino, p) for p, st in self._siblings()
                        if st.st_size >= max(offset, head_len))
        for _mtime, ino, p in listed:
            fd = self._open_sibling(p, ino)
            if fd is None:
                continue
            if _same_head(fd, head, head_len) and not self._known_file(fd, ino):
                return fd
            os.close(fd)
        return None


# ------------------------------------------------------------------ state file

def load_positions(path: Path) -> dict[str, Position]:
    """The saved positions; an absent file is an empty state; a broken one raises ValueError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
        return {str(k): Position(**v) for k, v in data.get("files", {}).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(_("{path}: not a canhgac follow state file ({error})").format(
            path=path, error=exc)) from None


def save_positions(path: Path, positions: Mapping[str, Position]) -> None:
    """Write the state atomically: a reader (or a crash) sees the old file or the new one."""
    data = {"version": 1, "files": {k: asdict(v) for k, v in sorted(positions.items())}}
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
