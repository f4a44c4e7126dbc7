"""Stream a breach file of any size, keep the agencies' accounts, resume where it stopped.

The file is read in chunks cut at a line end. A chunk is lower-cased (ASCII, same length; with
IDN domains declared, folded: ``domains.fold``) and searched in C for the agencies' domains
(``DomainMatcher.needles``); only lines holding one are
decoded and parsed, so a 20-million-line combo list with a thousandth of agency hits costs a few
passes of C over its bytes. Lines with no ``@`` (blank ones too) are counted malformed the same
way, in C; a candidate
line that does not read (binary, no separator, bad JSON) is malformed too. Never fatal.

After each chunk the sink commits the chunk's hits *and* the checkpoint (file identity, byte
offset, counts, layout) in one transaction, so an import killed at any point resumes at the last
committed offset and ends with exactly the rows and counts of an uninterrupted one. The
checkpoint holds no line text; the plaintext exists only in this process's memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from canhgac.creds.breach.domains import DomainMatcher, fold
from canhgac.creds.breach.formats import Layout, Shape, detect, read_line
from canhgac.creds.breach.secrets import KeptSecret, SecretKeeper

CHUNK = 8 << 20
_IDENTITY_BYTES = 1 << 16
_NOT_MARKS = bytes(b for b in range(256) if b not in b"@\n")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class BreachMeta:
    """What the operator says about the file: its source (breach name), date and service."""

    source: str
    date: dt.date
    service: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One kept account: no plaintext, only what may be stored."""

    address: str
    agency: str
    breach: str
    date: dt.date
    service: str
    secret: KeptSecret


@dataclass(frozen=True, slots=True)
class Counts:
    lines: int = 0
    malformed: int = 0
    candidates: int = 0
    kept: int = 0
    agencies: frozenset[str] = frozenset()

    def plus(self, other: Counts) -> Counts:
        return Counts(
            self.lines + other.lines,
            self.malformed + other.malformed,
            self.candidates + other.candidates,
            self.kept + other.kept,
            self.agencies | other.agencies,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "malformed": self.malformed,
            "candidates": self.candidates,
            "kept": self.kept,
            "agencies": sorted(self.agencies),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Counts:
        def number(key: str) -> int:
            value = data.get(key, 0)
            return value if isinstance(value, int) else 0

        agencies = data.get("agencies") or []
        return cls(
            number("lines"),
            number("malformed"),
            number("candidates"),
            number("kept"),
            frozenset(str(a) for a in agencies) if isinstance(agencies, list) else frozenset(),
        )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    identity: str
    size: int
    offset: int = 0
    counts: Counts = field(default_factory=Counts)
    layout: Layout | None = None

    @property
    def done(self) -> bool:
        return self.offset >= self.size


class Sink(Protocol):
    """Where hits go: the store, or a list in tests and benchmarks."""

    def checkpoint(self, identity: str, meta: BreachMeta) -> Checkpoint | None: ...

    def commit(self, hits: list[Hit], checkpoint: Checkpoint, meta: BreachMeta, name: str) -> None: ...


def file_identity(path: Path) -> tuple[str, int]:
    """A name for the file's content that survives a move or rename: its size and the SHA-256
    of its first 64 KiB (a file replaced by another of the same start and size is not told
    apart; such a file is the same leak list)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_IDENTITY_BYTES)
    return f"{size}:{hashlib.sha256(head).hexdigest()}", size


class Filter:
    """The per-chunk work: find candidate lines, parse them, keep the agencies' accounts."""

    def __init__(self, matcher: DomainMatcher, keeper: SecretKeeper) -> None:
        self.matcher = matcher
        self.keeper = keeper
        self._needles = matcher.needles()
        self._folds = any(not n.isascii() for n in self._needles)  # IDN domains: fold non-ASCII text too

    def candidates(self, chunk: bytes) -> list[bytes]:
        """The chunk's lines that hold a needle, each once, in order, from the original bytes."""
        lowered = fold(chunk) if self._folds else chunk.lower()
        starts: set[int] = set()
        for needle in self._needles:
            at = lowered.find(needle)
            while at >= 0:
                start = lowered.rfind(b"\n", 0, at) + 1
                starts.add(start)
                end = lowered.find(b"\n", at)
                if end < 0:
                    break
                at = lowered.find(needle, end)
        lines = []
        for start in sorted(starts):
            end = chunk.find(b"\n", start)
            lines.append(chunk[start:] if end < 0 else chunk[start:end])
        return lines

    def chunk(self, chunk: bytes, layout: Layout, meta: BreachMeta) -> tuple[list[Hit], Counts]:
        lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") or not chunk else 1)
        if layout.at_sign:
            marks = chunk.translate(None, _NOT_MARKS)  # only the "@" and line ends are left
            addressed = marks.count(b"@\n") + (1 if marks.endswith(b"@") else 0)
            malformed = lines - addressed
        else:  # addresses as an alias and a domain: only the candidates are read, and judged
            malformed = 0
        hits: list[Hit] = []
        candidates = 0
        for raw in self.candidates(chunk):
            if layout.at_sign and b"@" not in raw:
                continue  # counted malformed above
            candidates += 1
            row = read_line(layout, raw)
            if row is None:
                malformed += 1
                continue
            matched = self.matcher.match(row.address)
            if matched is None:
                continue
            address, agency = matched
            service = row.service or meta.service
            hits.append(
                Hit(
                    address,
                    agency,
                    row.breach or meta.source,
                    row.date or meta.date,
                    service.lower(),
                    self.keeper.keep(row.secret, is_hash=row.is_hash),
                )
            )
        return hits, Counts(lines, malformed, candidates, len(hits), frozenset(h.agency for h in hits))


def _chunks(handle: BinaryIO, offset: int, size: int) -> Iterator[tuple[int, bytes]]:
    """(end offset, bytes) of whole-line chunks from ``offset``."""
    handle.seek(offset)
    pending = b""
    while True:
        block = handle.read(CHUNK)
        if not block:
            if pending:
                yield offset + len(pending), pending
            return
        data = pending + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            pending = data
            continue
        offset += cut
        pending = data[cut:]
        yield offset, data[:cut]


def import_file(
    path: Path,
    matcher: DomainMatcher,
    keeper: SecretKeeper,
    meta: BreachMeta,
    sink: Sink,
    progress: Progress | None = None,
) -> Checkpoint:
    """Import one file into ``sink``, from its checkpoint when an earlier import stopped; the
    final checkpoint (its counts are the whole file's)."""
    identity, size = file_identity(path)
    point = sink.checkpoint(identity, meta) or Checkpoint(identity, size)
    if point.done:
        return point
    work = Filter(matcher, keeper)
    with path.open("rb") as handle:
        if point.layout is None:
            first = handle.readline()
            found, header = detect(first)
            point = replace(point, layout=found, offset=len(first) if header else 0,
                            counts=Counts(lines=1 if header else 0))
        layout = point.layout
        assert layout is not None
        for end, chunk in _chunks(handle, point.offset, size):
            hits, counts = work.chunk(chunk, layout, meta)
            point = replace(point, offset=end, counts=point.counts.plus(counts))
            sink.commit(hits, point, meta, path.name)
            if progress is not None:
                progress(end, size)
    return point


def layout_of(path: Path) -> Layout:
    with path.open("rb") as handle:
        return detect(handle.readline())[0]


__all__ = [
    "BreachMeta",
    "Checkpoint",
    "Counts",
    "Filter",
    "Hit",
    "Layout",
    "Shape",
    "Sink",
    "file_identity",
    "import_file",
    "layout_of",
]
