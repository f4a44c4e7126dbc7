"""Signed sweep result files made in the tests (no sweep run): a body like the sweep's, signed
with a key of the test's choosing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canhgac.sweep.result import write_signed

SHA = "ab" * 32


def hit(
    check: str = "hash", where: str = "/srv/a/evil.exe", indicator: str = f"sha256:{SHA}"
) -> dict[str, Any]:
    return {
        "check": check,
        "where": where,
        "indicator": indicator,
        "note": "test sample",
        "pack": "pack.zip",
        "hashes": {"sha256": SHA, "md5": "cd" * 16},
        "size": 68,
        "rule": {"rule": "Test", "strings": [{"data": "SECRET-CONTENT"}]},
        "text": "SECRET-CONTENT",
    }


def body(
    host: str = "PC-KT-01",
    *,
    agency: str = "",
    hits: list[dict[str, Any]] | None = None,
    version: str = "2026.12",
    ended: str = "2026-12-07T08:00:00+00:00",
    paths: tuple[str, ...] = ("/",),
    complete: bool = True,
    addresses: tuple[str, ...] = ("eth0:10.20.0.5",),
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "tool": "canhgac-sweep",
        "host": {
            "name": host,
            "os": "Linux",
            "os_release": "6.1",
            "os_version": "#1",
            "machine": "x86_64",
            "addresses": list(addresses),
        },
        "started": "2026-12-07T07:00:00+00:00",
        "ended": ended,
        "interrupted": not complete,
        "interrupted_by": None if complete else "SIGTERM",
        "complete": complete,
        "paths": list(paths),
        "options": {"system": True, "max_size": 100},
        "packs": [
            {"name": "starter", "signed": "packaged", "version": "2026.11"},
            {"name": f"pack-{version}.zip", "signed": "k1", "version": version, "sha256": SHA},
        ],
        "indicator_counts": {"sha256": 3},
        "pack_skipped": {"count": 0, "examples": []},
        "counts": {"files_seen": 120, "files_scanned": 100, "bytes_scanned": 12345},
        "hits": hits or [],
        "skipped": {"too-large": {"count": 2, "examples": ["/srv/big.iso"]}},
        "errors": [],
    }
    if agency:
        found["agency"] = agency
    return found


def signed(path: Path, data: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    write_signed(data, path, key)
    return path.read_bytes()


def tampered(raw: bytes) -> bytes:
    doc = json.loads(raw)
    doc["body"]["hits"] = []
    return json.dumps(doc).encode()
