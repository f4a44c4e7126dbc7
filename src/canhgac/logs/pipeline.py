"""Batch scan: read log files, run the rules over their records, return detections and counts.

Several files are combined into one stream in time order: each file is read in its own order
(streaming, by ``canhgac.logs.reader.read_records``) and the files' records are merged by time
with one pending record per file (``heapq.merge``), so rotated pieces of one log
(``access.log.2.gz``, ``access.log.1``, ``access.log``) and logs of different servers are judged
together as they happened, in bounded memory. A file whose lines go back in time (clock changes)
is merged as written; the rules tolerate slightly late records. Ties keep the order of ``paths``.

Memory: the detector's state is bounded (capped groups, memos, evidence); the detections are
the output. ``on_detections`` hands them out as the detector completes them and keeps none, so
a scan of any length stays within the detector's bound (about 75 MB measured for 10 million
lines, docs/benchmarks.md); without it they are returned together (about 10 KB each with their
evidence lines).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Protocol

from canhgac.logs.detection import Detection
from canhgac.logs.detector import RuleDetector, RuleSet
from canhgac.logs.reader import read_records
from canhgac.logs.records import LogRecord, ParseStats

PROGRESS_EVERY = 10_000  # records between progress calls


class RecordReader(Protocol):
    def __call__(self, path: Path, *, fmt: str | None, tz: tzinfo, year: int | None,
                 stats: ParseStats, source: str | None = None) -> Iterator[LogRecord]: ...


@dataclass
class ScanOutcome:
    detections: list[Detection] = field(default_factory=list)  # empty when handed out as found
    stats: dict[str, ParseStats] = field(default_factory=dict)  # per source (the file's path)
    detected: int = 0  # how many detections the scan made (kept or handed out)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.stats.values())


def _tagged(stream: Iterable[LogRecord], index: int) -> Iterator[tuple[datetime, int, LogRecord]]:
    for record in stream:
        yield record.time, index, record


def merge_by_time(streams: Sequence[Iterable[LogRecord]]) -> Iterator[LogRecord]:
    """The records of several streams, in time order (each stream read in its own order)."""
    if len(streams) == 1:
        return iter(streams[0])
    keyed = [_tagged(stream, index) for index, stream in enumerate(streams)]
    return (item[2] for item in heapq.merge(*keyed, key=lambda item: (item[0], item[1])))


def scan_paths(paths: Sequence[Path], *, fmt: str | None, tz: tzinfo, rules: RuleSet,
               progress: Callable[[int], None] | None = None,
               reader: RecordReader | None = None, year: int | None = None,
               silence_sources: dict[str, float] | None = None,
               on_detections: Callable[[list[Detection]], None] | None = None) -> ScanOutcome:
    """Scan ``paths`` with ``rules``; ``progress`` is called with the records read so far
    (every 10,000 and at the end). A file that cannot be read raises ``OSError``/``ValueError``
    with a one-line message (from the reader), before any detection is returned. With
    ``on_detections``, each batch of detections goes there as soon as it is complete (in the
    order found) instead of into the outcome."""
    read: RecordReader = reader or read_records
    outcome = ScanOutcome()
    streams = []
    for path in paths:
        stats = outcome.stats.setdefault(str(path), ParseStats())
        streams.append(read(path, fmt=fmt, tz=tz, year=year, stats=stats, source=str(path)))
    detector = RuleDetector(rules, silence_sources=silence_sources, eager=False)
    found = outcome.detections
    keep = on_detections or found.extend
    count = 0
    for record in merge_by_time(streams):
        hits = detector.feed(record)
        if hits:
            outcome.detected += len(hits)
            keep(hits)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    last = detector.finish()
    outcome.detected += len(last)
    if last:
        keep(last)
    if progress is not None:
        progress(count)
    found.sort(key=lambda d: (d.first_seen, d.rule_id, d.group))
    return outcome
