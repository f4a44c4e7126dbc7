"""The file-system walk: regular files only, never a symlink followed, excluded paths pruned.

Iterative (no recursion limit), with ``os.scandir`` (the kind of an entry comes from the
directory listing, no extra ``stat`` on Linux and Windows). A symlink is never followed, so a
link out of the tree or a link loop costs nothing; a directory reached twice (bind mounts,
overlapping roots) is walked once, by its (device, inode). FIFOs, sockets and devices are
reported, never opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

SkipFn = Callable[[str, str], None]


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path)).rstrip("/\\") or os.sep  # noqa: PTH100 - str paths on the hot path


class Walker:
    def __init__(self, excludes: list[str], skip: SkipFn, stop: Callable[[], bool]) -> None:
        self.excludes = tuple(_norm(e) for e in excludes if e)
        self.skip = skip
        self.stop = stop
        self.seen_dirs: set[tuple[int, int]] = set()
        self.dirs = 0

    def excluded(self, path: str) -> bool:
        norm = os.path.normcase(path)
        return any(norm == e or norm.startswith(e + os.sep) for e in self.excludes)

    def walk(self, root: Path) -> Iterator[tuple[str, os.stat_result]]:
        """(path, lstat) of every regular file under ``root`` (or ``root`` itself if a file)."""
        top = os.path.abspath(root)  # noqa: PTH100 - str paths on the hot path
        try:
            st = os.lstat(top)
        except OSError as exc:
            self.skip(_reason(exc), top)
            return
        if self.excluded(top):
            self.skip("excluded", top)
            return
        if stat.S_ISREG(st.st_mode):
            yield top, st
            return
        if not stat.S_ISDIR(st.st_mode):
            self.skip("symlink" if stat.S_ISLNK(st.st_mode) else "special", top)
            return
        stack = [top]
        while stack and not self.stop():
            current = stack.pop()
            try:
                dst = os.lstat(current)
            except OSError as exc:
                self.skip(_reason(exc), current)
                continue
            key = (dst.st_dev, dst.st_ino)
            if key in self.seen_dirs:
                continue
            self.seen_dirs.add(key)
            self.dirs += 1
            try:
                with os.scandir(current) as it:
                    entries = list(it)
            except OSError as exc:
                self.skip(_reason(exc), current)
                continue
            subdirs: list[str] = []
            for entry in entries:
                path = entry.path
                try:
                    if entry.is_symlink():
                        self.skip("symlink", path)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if self.excluded(path):
                            self.skip("excluded", path)
                        else:
                            subdirs.append(path)
                        continue
                    est = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    self.skip(_reason(exc), path)
                    continue
                if stat.S_ISREG(est.st_mode):
                    yield path, est
                else:
                    self.skip("special", path)
            stack.extend(reversed(subdirs))


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "unreadable"
    if isinstance(exc, FileNotFoundError):
        return "vanished"
    return "error"
