"""The offline Pwned Passwords service (issue 16, item 3): import, look up, serve, check.

- :func:`import_corpus` turns the downloaded corpus (or a subset, or a downloader's range files)
  into a store (``layout``): sorted with a prefix index, or a Bloom filter for small disks;
- :func:`is_pwned` answers in process from a store, or from a range service (``client``);
- ``server`` answers ``GET /range/{prefix}`` as api.pwnedpasswords.com does.

Passwords are hashed in memory and never kept; no function here logs a hash.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.creds.pwned.bloom import import_bloom
from canhgac.creds.pwned.client import RangeClient, RangeClientError
from canhgac.creds.pwned.hashes import HashKind, digest_of, parse_hex_hash
from canhgac.creds.pwned.importer import DEFAULT_MEMORY, ImportResult, import_sorted
from canhgac.creds.pwned.layout import StoreError
from canhgac.creds.pwned.rangeapi import PrefixError, parse_prefix, range_body
from canhgac.creds.pwned.store import PwnedStore
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ENV_STORE",
    "ENV_URL",
    "HashKind",
    "ImportResult",
    "PrefixError",
    "PwnedStore",
    "RangeClient",
    "RangeClientError",
    "StoreError",
    "digest_of",
    "import_corpus",
    "is_pwned",
    "open_store",
    "parse_prefix",
    "range_body",
]

ENV_STORE = "CANHGAC_PWNED_STORE"
ENV_URL = "CANHGAC_PWNED_URL"

_open: dict[tuple[str, int, int], PwnedStore] = {}
_lock = threading.Lock()


def import_corpus(files: list[Path], out: Path, *, kind: HashKind = HashKind.SHA1,
                  bloom_fpr: float | None = None, memory: int = DEFAULT_MEMORY, tmp_dir: Path | None = None,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import ``files`` into a store at ``out``: sorted, or a Bloom filter at ``bloom_fpr``."""
    if bloom_fpr is not None:
        return import_bloom(files, out, kind, bloom_fpr, progress=progress)
    return import_sorted(files, out, kind, memory=memory, tmp_dir=tmp_dir, progress=progress)


def open_store(path: str | os.PathLike[str]) -> PwnedStore:
    """The store at ``path``, opened once per process (again when the file is replaced)."""
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise StoreError(_("{path}: no such store").format(path=path)) from None
    key = (os.fspath(path), info.st_ino, int(info.st_mtime_ns))
    with _lock:
        store = _open.get(key)
        if store is None:
            store = _open[key] = PwnedStore(path)
        return store


def is_pwned(password_or_hash: str, *, store: str | os.PathLike[str] | PwnedStore | None = None,
             url: str | None = None, kind: HashKind | None = None, hashed: bool | None = None,
             timeout: float = 3.0) -> int:
    """Times a password (or its hex hash) was seen in breaches; 0 when never.

    Asks ``store`` (a path or an open store), else the range service at ``url``, else the store
    or service named by ``CANHGAC_PWNED_STORE`` / ``CANHGAC_PWNED_URL``. A value of 40 hex
    digits (32 for an NTLM store) is taken as the hash itself unless ``hashed=False``. A Bloom
    store answers 1 for "probably seen".
    """
    if store is None and url is None:
        store = os.environ.get(ENV_STORE) or None
        url = os.environ.get(ENV_URL) or None
        if store is None and url is None:
            raise StoreError(_("no pwned-password store nor range service is configured "
                               "({store} or {url})").format(store=ENV_STORE, url=ENV_URL))
    opened = store if isinstance(store, PwnedStore) else open_store(store) if store is not None else None
    if opened is not None and kind is not None and kind is not opened.kind:
        raise StoreError(_("{path} holds {held} hashes, not {asked}").format(
            path=opened.path, held=opened.kind.value.upper(), asked=kind.value.upper()))
    kind = kind or (opened.kind if opened is not None else HashKind.SHA1)
    digest = parse_hex_hash(password_or_hash, kind) if hashed is not False else None
    if digest is None:
        if hashed:
            raise ValueError("not a hex hash of the store's kind")
        digest = digest_of(password_or_hash, kind)
    if opened is not None:
        return opened.count(digest)
    assert url is not None
    return RangeClient(url, timeout=timeout).count(digest, kind)
