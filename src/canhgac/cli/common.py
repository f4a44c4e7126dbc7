"""Options and helpers shared by the CLI's commands: workspace, store set-up, console output."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from canhgac.catalog import Catalog, CatalogError, load_catalog
from canhgac.i18n import gettext as _

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    workspace: Path
    database_url: str | None
    lang: str
    catalog_dir: Path | None = None

    def vuln_db(self) -> str | None:
        """The workspace's imported vulnerability index, when there is one (else: bundled data)."""
        path = self.workspace / "vulns.sqlite3"
        return str(path) if path.exists() else None

    def catalog(self) -> Catalog:
        """The catalog every command judges with: packaged, or the CSIRT's own copy."""
        try:
            return load_catalog(self.catalog_dir)
        except CatalogError as exc:
            raise fail(str(exc)) from None


T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, with the result carried outside the main task.

    On leaving, ``asyncio.run`` asks ``signal.getsignal`` for its SIGINT handler, a partial
    holding the main task; CPython's Enum lookup formats ``repr(task)`` for its error, and a
    task's repr includes its result: for a province-wide scan, the repr of every result, about
    a second of CPU for nothing. A main task that returns None costs nothing to print.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def workspace_default() -> Path:
    return Path(os.environ.get("CANHGAC_WORKSPACE", "canhgac-workspace"))


def open_store(st: CliState) -> None:
    """Configure Django for the store (SQLite in the workspace unless a database URL is given)."""
    from canhgac.console.bootstrap import migrate, setup_django

    st.workspace.mkdir(parents=True, exist_ok=True)
    setup_django(database_url=st.database_url, workspace=st.workspace.resolve())
    migrate()


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error (never folded: ``file:line:col`` stays on one line) and the exit to raise."""
    err_console.print(f"[bold red]{_('Error')}:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)
