"""The offline pwned-password service for the CLI: import, check, serve.

A facade, so that front ends depend on services only; the work lives in ``canhgac.creds.pwned``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.creds.pwned import (
    ENV_STORE,
    ENV_URL,
    HashKind,
    ImportResult,
    PwnedStore,
    RangeClient,
    RangeClientError,
    StoreError,
    digest_of,
    import_corpus,
    is_pwned,
    open_store,
)
from canhgac.creds.pwned.server import is_loopback, serve
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ENV_STORE",
    "ENV_URL",
    "HashKind",
    "ImportResult",
    "PwnedStore",
    "RangeClient",
    "RangeClientError",
    "StoreError",
    "digest_of",
    "import_corpus",
    "is_loopback",
    "is_pwned",
    "open_for_serving",
    "open_store",
    "serve_stores",
]


def open_for_serving(paths: list[Path]) -> dict[HashKind, PwnedStore]:
    """One sorted store per hash kind (a Bloom store lists no range: refused)."""
    stores: dict[HashKind, PwnedStore] = {}
    for path in paths:
        store = PwnedStore(path)
        if store.bloom:
            raise StoreError(_("{path} is a Bloom filter: it cannot answer range queries; serve a sorted "
                               "store (import without --bloom)").format(path=path))
        if store.kind in stores:
            raise StoreError(_("two {kind} stores given: serve one per hash kind").format(
                kind=store.kind.value))
        stores[store.kind] = store
    return stores


def serve_stores(stores: dict[HashKind, PwnedStore], host: str, port: int,
                 ready: Callable[[str, int], None]) -> None:
    """Serve until Ctrl-C; ``ready`` is told the bound address."""

    async def main() -> None:
        started: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve(stores, host, port, started))
        waiting: set[asyncio.Future[object]] = {task, started}  # type: ignore[arg-type]
        done, _pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # the bind failed: its OSError
        ready(*started.result())
        await task

    asyncio.run(main())
