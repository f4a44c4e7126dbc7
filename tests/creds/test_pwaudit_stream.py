"""Issue 16 item 5: a large dump is streamed: the audit's memory stays well under the file's size
(two bitmaps of at most a quarter of its size together, and the few look-alike keys; never
the lines), and shared passwords at the two ends
of the file are still found."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from pwaudit_support import EMPTY_LM, nt

from canhgac.creds.audit import AuditOptions, audit_files

LINES = 25_000


def test_large_dump_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    dump = tmp_path / "big.ntds"
    shared = nt("Both-Ends-Pw-7")
    with dump.open("w", encoding="ascii") as f:
        f.write(f"BIG\\first:1000:{EMPTY_LM}:{shared}:::\n")
        for i in range(LINES):
            f.write(f"BIG\\user{i:06}:{1001 + i}:{EMPTY_LM}:{os.urandom(16).hex()}::: (status=Enabled)\n")
            if i % 10_000 == 0:
                f.write("not a line of a dump\n")
        f.write(f"BIG\\last:{2001 + LINES}:{EMPTY_LM}:{shared}:::\n")
    size = dump.stat().st_size
    tracemalloc.start()
    try:
        report = audit_files([dump], AuditOptions(suffixes=("",), common=10))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.files[0].accounts == LINES + 2 and report.files[0].malformed == 3
    assert {r.account: [f.kind for f in r.findings] for r in report.accounts} == {
        "BIG\\first": ["shared"], "BIG\\last": ["shared"]}
    assert peak < size / 3, f"peak {peak:,} bytes for a {size:,}-byte file"
