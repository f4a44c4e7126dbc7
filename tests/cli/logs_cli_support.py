"""A stand-in for the rules' pipeline (``canhgac.logs.pipeline.scan_paths``, built in parallel by
another part of issue 18) with its interface: it reads each file's lines, counts malformed
(``garbage``) and binary (NUL) lines, calls ``progress`` with the bytes read, and reports one
detection per client with a ``Failed password`` line. Tests inject it with monkeypatch: no copy
of the pipeline lives in ``src``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from canhgac.logs.detection import Detection, EvidenceLine
from canhgac.logs.records import ParseStats

CLIENT = re.compile(r"from (\d+\.\d+\.\d+\.\d+)")
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@dataclass
class Outcome:
    detections: list[Detection] = field(default_factory=list)
    stats: dict[str, ParseStats] = field(default_factory=dict)


def fake_scan_paths(paths: Sequence[Path], *, fmt: str | None, tz: tzinfo, rules: Any,
                    progress: Callable[[int], None] | None = None) -> Outcome:
    out = Outcome()
    hits: dict[str, list[EvidenceLine]] = {}
    for path in paths:
        stats = out.stats.setdefault(str(path), ParseStats())
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if progress is not None:
                    progress(len(raw))
                stats.lines += 1
                if b"\x00" in raw:
                    stats.binary += 1
                    continue
                text = raw.decode("utf-8", "replace").rstrip("\n")
                if text.startswith("garbage"):
                    stats.malformed += 1
                    continue
                stats.records += 1
                found = CLIENT.search(text)
                if "Failed password" in text and found:
                    hits.setdefault(found.group(1), []).append(
                        EvidenceLine(str(path), n, T0 + timedelta(seconds=n), text))
    for client, lines in sorted(hits.items()):
        out.detections.append(Detection(
            "logs.auth.brute-force", "high", f"client={client}", lines[0].source, lines[0].time,
            lines[-1].time,
            len(lines), (client,), ("root",), tuple(lines[:20]), {"threshold": 3}))
    return out


def write_log(path: Path, clients: Sequence[str] = ("203.0.113.9",), failures: int = 5) -> Path:
    lines = [f"Dec  7 08:00:{i:02d} mail sshd[1]: Failed password for root from {c} port 22 ssh2\n"
             for c in clients for i in range(failures)]
    lines += ["garbage line\n", "Dec  7 08:01:00 mail sshd[1]: Accepted password for an from 10.0.0.1\n"]
    path.write_bytes("".join(lines).encode() + b"\x00\x01\x02 binary\n")
    return path
