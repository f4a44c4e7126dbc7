"""``canhgac lab up``: start the built-in lab on loopback and keep it running; ``lab break``,
``lab restore`` and ``lab switches``: break an agency of the running lab on demand and put it back.

The lab runs in a private network namespace of its own (see :mod:`canhgac.lab.netns`); it prints
the ``nsenter`` command that scans it from another shell. Ctrl-C and SIGTERM stop it in order:
its servers close, its ``redis-server`` child ends, and the command exits 0. The switches reach
it through its control socket in the workspace's lab folder (:mod:`canhgac.lab.control`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

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
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _
from canhgac.netguard import install_loopback_guard

if TYPE_CHECKING:
    from canhgac.lab.control import ControlServer
    from canhgac.lab.runtime import Lab

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
        with folder_lock(lab_dir, wait=False), running_lab(port, namespace) as lab, _control(lab, lab_dir):
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
            console.print(_("Break an agency on demand (and put it back) from another shell:"))
            where = f"canhgac --workspace {st.workspace}"
            console.print(f"  {where} lab break deface --agency STTTT\n  {where} lab restore",
                          soft_wrap=True, markup=False, highlight=False)
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


class _control:  # noqa: N801 - used as a context manager, like contextlib's
    """The lab's control socket, listening in the lab's event loop for the block."""

    def __init__(self, lab: Lab, folder: Path) -> None:
        from canhgac.lab.control import ControlServer

        self.lab = lab
        self.server: ControlServer = ControlServer(lab, folder)

    def _run(self, coro: Any) -> None:
        assert self.lab.loop is not None
        asyncio.run_coroutine_threadsafe(coro, self.lab.loop).result(timeout=30)

    def __enter__(self) -> None:
        try:
            self._run(self.server.start())
        except OSError as exc:
            raise fail(_("Cannot open the lab's control socket {path}: {error}").format(
                path=self.server.path, error=exc.strerror or exc)) from None

    def __exit__(self, *exc: object) -> None:
        self._run(self.server.stop())


SwitchArg = Annotated[str, typer.Argument(
    metavar="SWITCH", help=N_("portal-down, deface, mx, ns, cert-lapse or cert-expiring"))]
AgencyOpt = Annotated[str, typer.Option("--agency", "-a", help=N_("The agency's code in the lab's inventory (e.g. STTTT)"))]


@app.command("break", help=N_(
    "Break an agency of the running lab: take its portal down, deface it, change its MX or NS record, "
    "serve its portal an expired (cert-lapse) or expiring certificate."))
def break_(ctx: typer.Context, switch: SwitchArg, agency: AgencyOpt) -> None:
    """Break an agency of the running lab."""
    _check_switch(switch)
    answer = _ask(ctx, {"do": "break", "switch": switch, "agency": agency})
    for thrown in answer["changed"]:
        console.print(_("Switched on: {switch} for {agency} ({target}).").format(**thrown),
                      markup=False, highlight=False, soft_wrap=True)
    _say_on(answer)


@app.command("restore", help=N_(
    "Put back what `lab break` changed: every switch, or only SWITCH, only for --agency."))
def restore(
    ctx: typer.Context,
    switch: Annotated[str | None, typer.Argument(metavar="[SWITCH]", help=N_("Only this switch"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", "-a", help=N_("Only for this agency"))] = None,
) -> None:
    """Put back what `lab break` changed."""
    if switch is not None:
        _check_switch(switch)
    answer = _ask(ctx, {"do": "restore", "switch": switch, "agency": agency})
    for thrown in answer["changed"]:
        console.print(_("Put back: {switch} for {agency} ({target}).").format(**thrown),
                      markup=False, highlight=False, soft_wrap=True)
    if not answer["changed"]:
        console.print(_("Nothing to put back."))
    _say_on(answer)


@app.command("switches", help=N_("The switches on in the running lab."))
def switches(ctx: typer.Context) -> None:
    """The switches on in the running lab."""
    _say_on(_ask(ctx, {"do": "status"}))


def _check_switch(name: str) -> None:
    from canhgac.lab.switches import SwitchError, parse_switch

    try:
        parse_switch(name)
    except SwitchError as exc:
        raise fail(switch_error(exc.code, exc.values)) from None


def _say_on(answer: dict[str, Any]) -> None:
    if not answer["on"]:
        console.print(_("No switch is on: the lab serves what it served at start."))
        return
    console.print(_("Switches on:"))
    for thrown in answer["on"]:
        console.print(f"  {thrown['switch']} {thrown['agency']} ({thrown['target']})",
                      markup=False, highlight=False, soft_wrap=True)


def _ask(ctx: typer.Context, message: dict[str, Any]) -> dict[str, Any]:
    """The running lab's answer (the lab of this workspace), or one line saying why there is none."""
    from canhgac.lab.control import ControlProtocolError, LabNotRunningError, request

    folder = state(ctx).workspace / "lab"
    try:
        answer = request(folder, message)
    except LabNotRunningError:
        raise fail(_("No lab is running in {folder}: start one with `canhgac lab up` (with the same "
                     "--workspace).").format(folder=folder)) from None
    except ControlProtocolError as exc:
        raise fail(_("The lab in {folder} did not answer: {detail}").format(folder=folder, detail=exc)) from None
    if not answer["ok"]:
        values = answer.get("values")
        raise fail(switch_error(str(answer.get("error")), values if isinstance(values, dict) else {}))
    return answer


def switch_error(code: str, values: dict[str, Any]) -> str:
    """A :class:`~canhgac.lab.switches.SwitchError` (or a control answer's error), in words."""
    texts = {
        "unknown-switch": N_("Unknown switch {switch}: choose one of {known}."),
        "unknown-agency": N_("The lab has no agency {agency}; its agencies: {known}."),
        "no-portal": N_("Agency {agency} has no portal in the lab."),
        "no-domain": N_("Agency {agency} has no domain in the lab."),
        "no-web": N_("The lab's web servers are not running ({reason})."),
        "failed": N_("The lab could not do it: {detail}"),
    }
    text = texts.get(code)
    if text is None:
        return _("The lab refused the request ({code}).").format(code=code)
    try:
        return translate(text).format(**values)
    except (KeyError, IndexError):
        return _("The lab refused the request ({code}).").format(code=code)
