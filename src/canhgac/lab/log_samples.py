"""Realistic logs with planted attacks, for the tests, the benchmark and the demo of issue 18.

:func:`write_samples` writes three logs of a provincial agency and a JSON manifest:

- ``access.log``: nginx ``combined``, a portal with news pages, a search box, a contact form,
  Roundcube webmail, a monitoring probe and a crawler (times with ``+0700``);
- ``mail.log``: Postfix and Dovecot through syslog, classic stamps without a year (Vietnam's
  time, starting before New Year so the file runs into January), with a three-hour silence;
- ``auth.log``: sshd and PAM, with rsyslog's high-precision RFC 3339 stamps.

A share of the lines (``attack_share``, 3 % by default, at least one of each class) is attack
traffic: campaigns of every rule id of issue 18, each from its own attacker address or against its
own account, compact in time (within the rules' windows) so that each should fire exactly once.
Benign look-alikes that must not fire are planted too (a user mistyping a password twice, a
search for "select", the contact form everyone posts to, an authorised mailing list, a monitoring
probe...). The manifest lists every campaign (rule id, the keys it is grouped by, first and last
time, how many lines match) and every look-alike. Only documentation and private addresses
appear (198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24, 2001:db8::/32, 10.0.0.0/8): nothing in
these files is ever contacted. Deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import heapq
import json
import os
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from canhgac.lab.log_samples_auth import auth_log
from canhgac.lab.log_samples_base import (
    LOCAL_OFFSET,
    MONTHS,
    START,
    TZ_NAME,
    Addresses,
    Campaigns,
    Event,
    Planted,
)
from canhgac.lab.log_samples_mail import mail_log
from canhgac.lab.log_samples_web import web_log


class StampCache:
    """Formats stamps, remembering the last second (logs write many lines per second)."""

    def __init__(self, style: str) -> None:
        self._style = style
        self._sec = -1
        self._text = ""

    def __call__(self, t: float) -> str:
        sec = int(t)
        if sec != self._sec:
            tm = time.gmtime(sec + LOCAL_OFFSET)
            if self._style == "clf":
                self._text = (
                    f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}:"
                    f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0700"
                )
            elif self._style == "syslog":
                self._text = (
                    f"{MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d} "
                    f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
                )
            else:
                self._text = (
                    f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T"
                    f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
                )
            self._sec = sec
        if self._style == "rfc3339":
            return f"{self._text}.{min(999_999, int((t - sec) * 1e6 + 0.5)):06d}+07:00"
        return self._text


def write_log(path: Path, benign: Iterable[Event], planted: Campaigns, style: str) -> tuple[int, list[float]]:
    """Merge benign and planted events by time and write them; returns (lines, every gap's
    (before, after) times longer than an hour, flattened)."""
    planted.events.sort()
    stamp = StampCache(style)
    out: list[str] = []
    lines = 0
    last = None
    gaps: list[float] = []
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for t, _seq, before, after in heapq.merge(benign, planted.events):
            if last is not None and t - last > 3600:
                gaps += [last, t]
            last = t
            out.append(before + stamp(t) + after)
            if len(out) >= 8192:
                fh.write("\n".join(out) + "\n")
                lines += len(out)
                out.clear()
        if out:
            fh.write("\n".join(out) + "\n")
            lines += len(out)
    if last is not None:  # as a server leaves it: modified at its last line (readers infer the year)
        os.utime(path, (last, last))
    return lines, gaps


@dataclass(slots=True)
class SampleSet:
    """Where :func:`write_samples` wrote, and what it planted."""

    web: Path
    mail: Path
    auth: Path
    manifest: Path
    lines: dict[str, int]
    attacks: list[Planted]
    benign: list[Planted]
    year: int = START.year
    tz: str = TZ_NAME


def write_samples(
    out_dir: Path,
    *,
    web_lines: int = 100_000,
    mail_lines: int = 100_000,
    auth_lines: int | None = None,
    attack_share: float = 0.03,
    seed: int = 18,
    start: datetime = START,
) -> SampleSet:
    """Write ``access.log``, ``mail.log``, ``auth.log`` and ``manifest.json`` into ``out_dir``."""

    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = start.timestamp()
    addresses = Addresses()
    paths = {"web": out_dir / "access.log", "mail": out_dir / "mail.log", "auth": out_dir / "auth.log"}
    auth_n = auth_lines if auth_lines is not None else max(2000, mail_lines // 10)
    lines: dict[str, int] = {}
    attacks: list[Planted] = []
    benign: list[Planted] = []
    makers = (("web", web_log, web_lines), ("mail", mail_log, mail_lines), ("auth", auth_log, auth_n))
    for index, (name, maker, n) in enumerate(makers):
        rng = random.Random(f"{seed}:{name}:{index}")
        stream, planted = maker(rng, n, t0, attack_share, addresses, str(paths[name]))
        style = {"web": "clf", "mail": "syslog", "auth": "rfc3339"}[name]
        count, gaps = write_log(paths[name], stream, planted, style)
        for attack in planted.attacks:
            if attack.rule_id == "logs.source.silent" and len(gaps) >= 2:
                attack.first, attack.last = gaps[0], gaps[1]
        lines[name] = count
        attacks += planted.attacks
        benign += planted.benign
    manifest = out_dir / "manifest.json"
    body = {
        "generator": "canhgac.lab.log_samples",
        "seed": seed,
        "attack_share": attack_share,
        "timezone": TZ_NAME,
        "year": start.year,
        "files": {k: {"path": str(p), "lines": lines[k]} for k, p in paths.items()},
        "attacks": [a.as_json() for a in attacks],
        "benign": [b.as_json() for b in benign],
    }
    manifest.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return SampleSet(
        paths["web"], paths["mail"], paths["auth"], manifest, lines, attacks, benign, year=start.year
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m canhgac.lab.log_samples OUT_DIR [LINES]``: write the samples (a lab tool)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m canhgac.lab.log_samples OUT_DIR [LINES_PER_LOG]")
        return 2
    n = int(args[1]) if len(args) > 1 else 100_000
    sample = write_samples(Path(args[0]), web_lines=n, mail_lines=n)
    print(
        json.dumps({"lines": sample.lines, "attacks": len(sample.attacks), "manifest": str(sample.manifest)})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
