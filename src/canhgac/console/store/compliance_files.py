"""Evidence files of the directive's answers: checked (name, size, type read from the content, not
trusted from the name alone) and kept in the workspace under their sha256, so one file uploaded
twice is stored once and a stored file can be verified against its row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from canhgac.console.store.errors import StoreError
from canhgac.i18n import gettext as _

MAX_BYTES = 20 * 1024 * 1024  # a scanned plan of a few dozen pages
MAX_FILES = 10  # per answer

# extension -> (content type, the magic bytes its content starts with)
_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class EvidenceError(StoreError):
    """An evidence file is refused: one line saying why."""


@dataclass(frozen=True, slots=True)
class CheckedFile:
    name: str
    data: bytes
    sha256: str
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_file(name: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> CheckedFile:
    """``data`` uploaded as ``name``, checked: a known extension, content of that type, not
    empty, at most ``max_bytes``; :class:`EvidenceError` otherwise."""
    clean = _UNSAFE.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip()[:255]
    if not clean or clean.startswith("."):
        raise EvidenceError(_("an evidence file needs a name"))
    if not data:
        raise EvidenceError(_("{file}: the file is empty").format(file=clean))
    if len(data) > max_bytes:
        raise EvidenceError(
            _("{file}: {size} bytes, more than the limit of {limit} bytes").format(
                file=clean, size=len(data), limit=max_bytes
            )
        )
    ext = Path(clean).suffix.lower()
    kind = _KINDS.get(ext)
    if kind is None:
        raise EvidenceError(
            _("{file}: not an accepted kind of file (accepted: {kinds})").format(
                file=clean, kinds=", ".join(sorted(_KINDS))
            )
        )
    content_type, magic = kind
    if magic and not data.startswith(magic):
        raise EvidenceError(_("{file}: the content is not a {ext} file").format(file=clean, ext=ext))
    if not magic and not _is_text(data):
        raise EvidenceError(_("{file}: the content is not UTF-8 text").format(file=clean))
    return CheckedFile(clean, data, hashlib.sha256(data).hexdigest(), content_type)


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def store_file(workspace: Path, agency: str, checked: CheckedFile, *, folder: str = "compliance") -> str:
    """Write ``checked`` under the workspace's ``folder`` (once per content) and return its
    relative path (the campaign keeps its evidence under ``campaign``)."""
    relative = Path(folder) / _safe_code(agency) / checked.sha256
    path = workspace / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(checked.data)
        partial.replace(path)
    return relative.as_posix()


def read_file(workspace: Path, stored_as: str, sha256: str) -> bytes:
    """A stored file's bytes, verified against its digest (:class:`EvidenceError` when changed)."""
    data = (workspace / stored_as).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceError(_("{file}: the stored file no longer matches its digest").format(file=stored_as))
    return data


def _safe_code(agency: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", agency) or "_"
