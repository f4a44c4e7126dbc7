"""Quarantine, only on request (``--quarantine DIR``): copy the file, check the copy's SHA-256,
then remove the original. The copy is named by its hash, read-only and never executable, and a
line of ``quarantine.jsonl`` says where it came from."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class QuarantineError(OSError):
    pass


def quarantine(path: str, sha256: str, folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{sha256}.quarantined"
    tmp = folder / f".{sha256}.{os.getpid()}.tmp"
    shutil.copyfile(path, tmp, follow_symlinks=False)
    digest = hashlib.sha256()
    with open(tmp, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        tmp.unlink()
        raise QuarantineError(f"{path}: the copy's SHA-256 differs (the file changed), not removed")
    os.chmod(tmp, 0o400)  # noqa: PTH101 - str path
    tmp.replace(target)
    os.remove(path)  # noqa: PTH107 - str path
    record = {
        "path": path,
        "sha256": sha256,
        "to": str(target),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with open(folder / "quarantine.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record
