"""Options and helpers shared by the CLI's commands: exit codes, workspace, store set-up,
signals during async work, console output."""

from __future__ import annotations

import asyncio
import getpass
import os
import shlex
import signal
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.text import Text

from canhgac.catalog import Catalog, CatalogError, load_catalog
from canhgac.i18n import gettext as _

console = Console()
err_console = Console(stderr=True)

DEFAULT_WORKSPACE = "canhgac-workspace"
STORE_FILE = "canhgac.sqlite3"  # the store, when no database URL is given
CONFIG_FILE = "canhgac.toml"


class ExitCode(IntEnum):
    """What ``canhgac``'s exit status means (docs/cli.md); scripts and CI rely on these."""

    OK = 0  # done, every target tested
    FINDINGS = 1  # the command checked for findings and found some (retest: still failing; demo: a planted case missed)
    REFUSED = 2  # bad input or usage, refused before anything was contacted or stored
    INCOMPLETE = 3  # done and stored, but some targets could not be tested (error results)
    UNAVAILABLE = 4  # the workspace, database or disk could not be used; what was stored is kept
    INTERRUPTED = 130  # SIGINT or SIGTERM: completed results stored, the run closed as interrupted


class WorkspaceError(Exception):
    """The workspace cannot be used as given; the message says what to change."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


class StoppedError(Exception):
    """SIGINT or SIGTERM stopped async work that had stored nothing (else: ScanInterruptedError)."""


@dataclass
class CliState:
    """What the global options, the environment and the defaults chose (``global_options.resolve``)."""

    workspace: Path
    database_url: str | None
    lang: str
    catalog_dir: Path | None = None
    create: bool = False  # --create: a command that reads the store may create it
    config_file: Path | None = None  # --config / CANHGAC_CONFIG; None: WORKSPACE/canhgac.toml if present
    verbose: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # global setting -> flag, environment or default

    def config_path(self) -> Path:
        """The settings file: the one named, else the workspace's (which may not exist)."""
        return self.config_file if self.config_file is not None else self.workspace / CONFIG_FILE

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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, where SIGINT and SIGTERM take the same orderly way out.

    The first signal cancels the work, which then stores what it completed (a scan closes its
    run as interrupted and raises ``ScanInterruptedError``); later signals only say that it is
    stopping, so a second Ctrl-C cannot cut a write short. Work that stored nothing ends in
    :class:`StoppedError`.

    The result is carried outside the main task: on leaving, ``asyncio.run`` may format
    ``repr(task)``, which includes its result (for a province-wide scan, every result: about
    a second of CPU for nothing).
    """
    box: list[T] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        stopping: list[int] = []

        def stop(signum: int) -> None:
            if stopping:
                err_console.print(_("Already stopping: completed results are being saved, please wait."))
                return
            stopping.append(signum)
            err_console.print(_("Stopping: saving completed results..."))
            task.cancel()

        installed = []
        for signum in STOP_SIGNALS:
            try:
                loop.add_signal_handler(signum, stop, signum)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                continue
            installed.append(signum)
        try:
            box.append(await coro)
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        raise StoppedError from None
    finally:  # asyncio resets what it handled to the defaults: put back the CLI's own
        if threading.current_thread() is threading.main_thread():
            for signum, handler in previous.items():
                if handler is not None:
                    signal.signal(signum, handler)
    return box[0]


def cli_actor() -> str:
    """Who acts from the command line, as the store's audit records name them."""
    return f"cli:{getpass.getuser()}"


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def prepare_workspace(path: Path, *, writable: bool = False) -> Path:
    """The workspace folder, created if missing; refused if it is a file (or, with
    ``writable``, if it cannot be written: a scan must know before its first packet)."""
    if path.exists() and not path.is_dir():
        raise WorkspaceError(
            _("the workspace {path} is a file, not a folder: give --workspace a folder").format(path=path),
            ExitCode.REFUSED,
        )
    path.mkdir(parents=True, exist_ok=True)
    database = path / STORE_FILE
    if writable and not (os.access(path, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))):
        raise WorkspaceError(
            _("the workspace {path} is read-only: make it writable or choose another --workspace").format(path=path),
            ExitCode.UNAVAILABLE,
        )
    return path.resolve()


def require_store(st: CliState) -> None:
    """Refuse a workspace without a store (a typo, or the demo's results looked for one level up),
    rather than creating an empty one; a database URL names a store that exists elsewhere."""
    if st.database_url or (st.workspace / STORE_FILE).is_file() or (st.workspace.exists() and not st.workspace.is_dir()):
        return  # (a file instead of a folder: prepare_workspace says so)
    advice = _("run `canhgac demo` or `canhgac scan INVENTORY` first, or pass --create")
    demo = st.workspace / "demo"
    if (demo / STORE_FILE).is_file():
        advice = _("the demo's results are in {demo}: add --workspace {demo}").format(demo=shlex.quote(str(demo)))
    if st.workspace.is_dir():
        message = _("workspace {path} holds no store yet; {advice}")
    else:
        message = _("workspace {path} does not exist; {advice}")
    raise WorkspaceError(message.format(path=st.workspace, advice=advice), ExitCode.REFUSED)


def store_label(st: CliState, workspace: Path) -> str:
    """The store as the operator names it: the workspace, and the database server if any
    (without its user name or password)."""
    if not st.database_url:
        return str(workspace)
    url = urlsplit(st.database_url)
    server = f"{url.scheme}://{url.hostname or ''}{f':{url.port}' if url.port else ''}{url.path}"
    return _("{workspace} (database {server})").format(workspace=workspace, server=server)


def open_store(st: CliState, *, writable: bool = False, create: bool = False) -> None:
    """Configure Django for the store (SQLite in the workspace unless a database URL is given),
    and close as interrupted the runs whose process died without closing them.

    A workspace without a store is refused unless ``create`` (``scan``, ``demo``) or ``--create``;
    the workspace opened is named on stderr, so stdout stays a clean CSV or JSON."""
    from canhgac.services import store

    if not (create or st.create):
        require_store(st)
    workspace = prepare_workspace(st.workspace, writable=writable)
    abandoned = store.open_store(st.database_url, workspace)
    err_console.print(_("Workspace: {store}").format(store=store_label(st, workspace)), style="dim",
                      markup=False, highlight=False, soft_wrap=True)
    for closed in abandoned:
        owner = f"{closed.owner.pid}@{closed.owner.host}" if closed.owner else "?"
        err_console.print(_("Run #{run} was left running by process {owner}, which has ended: closed as "
                            "interrupted with its {n} stored results.").format(
                                run=closed.run_id, owner=owner, n=closed.result_count), soft_wrap=True)


def fail(message: str, code: int = ExitCode.REFUSED) -> typer.Exit:
    """Print an error (never folded: ``file:line:col`` stays on one line) and the exit to raise."""
    err_console.print(Text.assemble((_("Error") + ":", "bold red"), " ", message), soft_wrap=True)
    return typer.Exit(code)
