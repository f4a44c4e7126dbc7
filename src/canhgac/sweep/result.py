"""The sweep's result: host facts, hits with evidence, what was skipped and why, packs, timings.

Written atomically (a temporary file, then renamed) and signed with the host's Ed25519 key: the
console that imports it (``canhgac sweep import``, the API's upload) pins each host's key on
first import, so a result edited on the USB stick between the host and the CSIRT is refused.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from canhgac.i18n import gettext as _

FORMAT = "canhgac-sweep-result/1"


class ResultError(ValueError):
    """A result file that cannot be read or whose signature fails, in one line."""


class BadSignatureError(ResultError):
    """A well-formed result whose signature does not hold: changed after the sweep."""


@dataclass(slots=True)
class Skips:
    """Skip counts per reason, and a few example paths of each."""

    max_examples: int = 20
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, path: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        kept = self.examples.setdefault(reason, [])
        if len(kept) < self.max_examples:
            kept.append(path)

    def as_dict(self) -> dict[str, Any]:
        return {
            reason: {"count": n, "examples": self.examples.get(reason, [])}
            for reason, n in sorted(self.counts.items())
        }


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def host_key_path() -> Path:
    """Where this host's signing key lives (created on the first sweep)."""
    if env := os.environ.get("CANHGAC_SWEEP_KEY"):
        return Path(env)
    if sys.platform == "win32":  # pragma: no cover - Windows
        return Path(os.environ.get("ProgramData", "C:\\ProgramData")) / "canhgac-sweep" / "host.key"  # noqa: SIM112 - Windows' own spelling
    if os.geteuid() == 0:
        return Path("/var/lib/canhgac-sweep/host.key")
    return Path.home() / ".local" / "share" / "canhgac-sweep" / "host.key"


def host_key(path: Path) -> Ed25519PrivateKey:
    """This host's key, made (mode 0600) if missing."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, Ed25519PrivateKey):
            return key
    except FileNotFoundError:
        pass
    except (OSError, ValueError, TypeError):
        raise ResultError(_("cannot read the host key {path}").format(path=path)) from None
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return key


def write_signed(body: dict[str, Any], out: Path, key: Ed25519PrivateKey) -> None:
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    doc = {
        "format": FORMAT,
        "body": body,
        "signature": {
            "alg": "ed25519",
            "public_key": base64.b64encode(public).decode(),
            "value": base64.b64encode(key.sign(canonical(body))).decode(),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(out)


def verify_document(doc: Any, name: str) -> tuple[dict[str, Any], str]:
    """The body of a parsed result document whose signature holds, and its public key (base64);
    ``name`` names it in the one-line error."""
    try:
        sig = doc["signature"]
        public_b64 = str(sig["public_key"])
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(str(sig["value"]), validate=True), canonical(doc["body"]))
    except (ValueError, KeyError, TypeError, RecursionError):
        raise ResultError(_("{path} is not a sweep result file").format(path=name)) from None
    except InvalidSignature:
        raise BadSignatureError(
            _("{path}: bad signature, the result was changed after the sweep").format(path=name)
        ) from None
    if doc.get("format") != FORMAT or not isinstance(doc.get("body"), dict):
        raise ResultError(_("{path} is not a sweep result file").format(path=name))
    body: dict[str, Any] = doc["body"]
    return body, public_b64


def read_verified(path: Path, pinned_public_key: str | None = None) -> dict[str, Any]:
    """The body of a result file whose signature holds (and whose key is ``pinned_public_key``,
    base64, when one is given)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        raise ResultError(_("{path} is not a sweep result file").format(path=path)) from None
    body, public_b64 = verify_document(doc, str(path))
    if pinned_public_key is not None and pinned_public_key != public_b64:
        raise ResultError(_("{path}: signed by another key than this host's").format(path=path))
    return body
