"""``canhgac lab up``: start the built-in lab on loopback and keep it running."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer

from canhgac.cli.common import console, state
from canhgac.i18n import gettext as _
from canhgac.lab.netns import MARKER, needs_private_netns, reexec_in_private_netns
from canhgac.netguard import install_loopback_guard
from canhgac.services.lab_thread import LabThread

app = typer.Typer(no_args_is_help=True)


@app.command("up")
def up(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="Port for every lab server (default: 53 if allowed, else a free port)")] = None,
) -> None:
    """Start the lab's servers on loopback addresses and wait (Ctrl-C stops them)."""
    st = state(ctx)
    if needs_private_netns() and reexec_in_private_netns():  # pragma: no cover - replaces the process
        return
    install_loopback_guard()
    lab_dir = st.workspace / "lab"
    lab_dir.mkdir(parents=True, exist_ok=True)
    with LabThread(port) as lab:
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
        console.print(f"  canhgac scan {inventory} --resolver {lab.resolver} --nameserver-port {lab.nameserver_port}"
                      f" --ca-file {ca_file} --dnsbl-zone {' --dnsbl-zone '.join(lab.dnsbl_zones)}")
        if needs_private_netns() is False and lab.mail is not None and os.environ.get(MARKER) == "1":
            console.print(_("(inside canhgac's private network namespace: scan from the same namespace)"))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print(_("Stopping the lab."))
