"""What ``canhgac demo`` and ``canhgac lab up`` share: the lab's own network namespace, a lock
on the lab's folder, the lab started in a background thread, and the true cause when it cannot start.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer
from rich.markup import escape

from canhgac.cli.common import console, fail
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.lab.netns import Namespace, enter_private_netns

if TYPE_CHECKING:  # the lab's servers load when a lab starts, not with every command
    from canhgac.lab.runtime import Lab, LabAddressInUseError

NETNS_HELP = N_("Run the lab in a private network namespace (the default, where the kernel allows it)")


def enter_lab_namespace(private: bool) -> Namespace:
    """Enter a private network namespace unless ``--no-netns``; say so when the kernel refuses."""
    if not private:
        return Namespace(private=False, reason="--no-netns")
    namespace = enter_private_netns()
    if not namespace.private:
        console.print("[yellow]" + escape(_(
            "No private network namespace ({reason}): the lab shares this machine's loopback "
            "with any other lab or demo running here.").format(reason=namespace.reason)) + "[/]")
    return namespace


@contextmanager
def running_lab(port: int | None, namespace: Namespace) -> Iterator[Lab]:
    """The lab running in a background thread; a taken address ends the command, named."""
    from canhgac.lab.lab_thread import LabThread
    from canhgac.lab.runtime import LabAddressInUseError

    try:
        thread = LabThread(port)
        lab = thread.__enter__()
    except LabAddressInUseError as exc:
        raise address_in_use_error(exc, namespace) from None
    try:
        yield lab
    finally:
        thread.__exit__(None, None, None)


def address_in_use_error(exc: LabAddressInUseError, namespace: Namespace) -> typer.Exit:
    if namespace.private:
        return fail(_("Cannot start the lab: {address} is already in use.").format(address=exc.address))
    return fail(_(
        "Cannot start the lab: {address} is already in use, probably by another canhgac lab or demo "
        "in this network namespace (the lab is not in a private one: {reason}). Stop that one, or "
        "run where the kernel allows a private network namespace.").format(
        address=exc.address, reason=namespace.reason))


@contextmanager
def folder_lock(folder: Path, *, wait: bool) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``.lock`` inside it) for the block.

    When another process holds it: ``wait=True`` says so and waits, ``wait=False`` raises
    :class:`FolderLockedError` at once. The kernel drops the lock when its holder ends, however it ends.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle: IO[bytes] = (folder / ".lock").open("ab")
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise FolderLockedError(folder) from None
            console.print(_("Another demo is using {folder}; waiting for it to finish.").format(folder=folder))
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


class FolderLockedError(Exception):
    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder
