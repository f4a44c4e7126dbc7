"""``canhgac lab up``: start the built-in lab on loopback and keep it running.

The lab runs in a private network namespace of its own (see :mod:`canhgac.lab.netns`); it prints
the ``nsenter`` command that scans it from another shell. Ctrl-C and SIGTERM stop it in order:
its servers close, its ``redis-server`` child ends, and the command exits 0.
"""

from __future__ import annotations

import os
import signal
import time
from types import FrameType
from typing import Annotated

import typer

from canhgac.cli.common import console, fail, state
from canhgac.cli.lab_session import (
    NETNS_HELP,
    FolderLockedError,
    enter_lab_namespace,
    folder_lock,
    running_lab,
)
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.netguard import install_loopback_guard

app = TranslatedTyper(no_args_is_help=True)


@app.command("up", help=N_("Start the lab's servers on loopback addresses and wait (Ctrl-C or SIGTERM stops them)."))
def up(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help=N_("Port for every lab server (default: 53 if allowed, else a free port)"))] = None,
    netns: Annotated[bool, typer.Option(help=NETNS_HELP)] = True,
) -> None:
    """Start the lab's servers on loopback addresses and wait (Ctrl-C or SIGTERM stops them)."""
    st = state(ctx)
    namespace = enter_lab_namespace(netns)  # first: no thread may run yet
    install_loopback_guard()
    lab_dir = st.workspace / "lab"
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        with folder_lock(lab_dir, wait=False), running_lab(port, namespace) as lab:
            inventory = lab_dir / "inventory.yaml"
            inventory.write_text(lab.inventory_yaml, encoding="utf-8")
            ca_file = lab_dir / "ca.pem"
            ca_file.write_text(lab.ca_pem, encoding="ascii")
            if lab.mail is None:
                console.print(lab.mail_error)
            console.print(_("Lab running. Resolver: {resolver}; name servers on port {port}.").format(
                resolver=lab.resolver, port=lab.nameserver_port))
            console.print(_("Inventory written to {path}.").format(path=inventory))
            console.print(_("Scan it with:"))
            join = f"{namespace.join_command(os.getpid())} " if namespace.private else ""
            zones = " --dnsbl-zone ".join(lab.dnsbl_zones)
            console.print(f"  {join}canhgac scan {inventory} --resolver {lab.resolver} "
                          f"--nameserver-port {lab.nameserver_port} --ca-file {ca_file} --ca-only --dnsbl-zone {zones}",
                          soft_wrap=True)
            if namespace.private:
                console.print(_("(the lab runs in its own network namespace: nsenter joins it)"))
            try:
                while True:
                    time.sleep(3600)
            except (KeyboardInterrupt, StopRequestedError):
                pass
            console.print(_("Stopping the lab."))
    except StopRequestedError:  # SIGTERM while the lab was starting: it has stopped again
        console.print(_("Stopping the lab."))
    except FolderLockedError as exc:
        raise fail(_("Another `canhgac lab up` is using {folder}; give this one another --workspace.").format(
            folder=exc.folder)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


class StopRequestedError(Exception):
    """SIGTERM arrived: leave the wait, so that the lab stops in order."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequestedError
