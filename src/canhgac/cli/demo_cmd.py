"""``canhgac demo``: start the lab, scan its province, check the planted cases, write the report.

The demo runs in a private network namespace of its own (lab and scan together), so demos and
test runs never meet on loopback; demos sharing a workspace take turns (a lock on the folder),
so each scan is reconciled against a finished run, never against one still being written.
"""

from __future__ import annotations

import shlex
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from canhgac.cli.common import CliState, cli_actor, console, fail, open_store, state
from canhgac.cli.global_options import Source
from canhgac.cli.lab_session import NETNS_HELP, enter_lab_namespace, folder_lock, running_lab
from canhgac.cli.scan_cmd import render_summary, run_with_progress
from canhgac.engine.options import NetworkLimits
from canhgac.engine.results import CheckResult, Status
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.lab.netns import Namespace
from canhgac.netguard import install_loopback_guard
from canhgac.reports.model import Language
from canhgac.services.inventory import InventoryError, load_inventory
from canhgac.services.inventory_store import record_scanned_file
from canhgac.services.reporting import write_reports
from canhgac.services.scan import ScanRequest, settings_for

HELP = N_("Start the built-in lab, scan its sample province, verify the planted cases, write the report.")
# What the demo suggests next, in this order (the README's "After the demo" block is the same);
# the console's commands follow as a sentence (``_console_hint``): ``users add`` asks a password.
EXPLORE = ("findings list", "events list", "report")


def demo(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help=N_("Port for the lab servers (default: 53 if allowed, else a free port)"))] = None,
    netns: Annotated[bool, typer.Option(help=NETNS_HELP)] = True,
    watch: Annotated[bool, typer.Option("--watch", help=N_(
        "Show the holiday watch instead of a scan: deface a portal, see the alert reach the person on duty's "
        "mailbox, the escalation to the backup and the recovery"))] = False,
    interval: Annotated[float, typer.Option(min=5, max=60, help=N_(
        "With --watch: seconds between two checks of a monitor"))] = 5.0,
    escalation_minutes: Annotated[float, typer.Option(min=0.1, max=5, help=N_(
        "With --watch: minutes without acknowledgement before the backup is told"))] = 0.5,
) -> None:
    """Start the built-in lab, scan its sample province, verify the planted cases, write the report."""
    st = state(ctx)
    namespace = enter_lab_namespace(netns)  # first: no thread may run yet
    install_loopback_guard()  # the demo talks to loopback only, whatever happens
    if watch:
        from canhgac.cli.demo_watch import demo_watch

        if not demo_watch(st, port, namespace, interval=interval, escalation_minutes=escalation_minutes):
            raise typer.Exit(1)
        console.print(_("Read its alerts with: canhgac --workspace {workspace} alerts list").format(
            workspace=shlex.quote(str(st.workspace))), markup=False, highlight=False, soft_wrap=True)
        return
    st.workspace = st.workspace / "demo"
    with folder_lock(st.workspace, wait=True):
        failed = _demo(st, port, namespace)
    console.print(_("Explore the results:"))
    for line in next_commands(st, ctx.find_root().command):
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    _console_hint(st)
    if failed:
        raise typer.Exit(1)


def next_commands(st: CliState, root: object) -> list[str]:
    """The commands that read what the demo stored, exactly as they are to be typed: its store is
    in WORKSPACE/demo, apart from a real province's (README, "After the demo")."""
    where = f" --workspace {shlex.quote(str(st.workspace))}"
    if st.sources.get("lang") == Source.FLAG:
        where += f" --lang {st.lang}"
    commands = getattr(root, "commands", {})
    return [f"canhgac {name}{where}" for name in EXPLORE if name.split()[0] in commands]


def _demo(st: CliState, port: int | None, namespace: Namespace) -> bool:
    """Run the demo; whether a planted case was missed or something else found."""
    open_store(st, create=True)
    lab_dir = st.workspace / "lab"
    lab_dir.mkdir(parents=True, exist_ok=True)
    with running_lab(port, namespace) as lab:
        inventory_path = lab_dir / "inventory.yaml"
        inventory_path.write_text(lab.inventory_yaml, encoding="utf-8")
        try:
            inv = load_inventory(inventory_path)
        except InventoryError as exc:
            raise fail(str(exc)) from None
        record_scanned_file(inv, inventory_path, actor=cli_actor())  # the inventory the console shows
        console.print(_("Lab started: resolver {resolver}, {n} agencies.").format(
            resolver=lab.resolver, n=len(inv.agencies)))
        if lab.mail is None:
            console.print(f"[yellow]{escape(lab.mail_error)}[/]")
        ca_file = lab_dir / "ca.pem"
        ca_file.write_text(lab.ca_pem, encoding="ascii")
        # Timeouts shorter than a real scan's (nothing here is far away), yet long enough for
        # demos and test runs sharing a busy machine: a late answer must not become an error.
        # The lab's CA alone is trusted (ca_only): the machine's own CAs change nothing in the lab.
        settings = settings_for(inv, resolvers=[str(lab.resolver)], nameserver_port=lab.nameserver_port,
                                dns_timeout=10.0, dns_max_in_flight=32, ca_file=str(ca_file), ca_only=True,
                                dnsbl_zones=lab.dnsbl_zones, scan_rate=5000)  # loopback: the port scan need not be gentle
        settings = settings.model_copy(update={"net": NetworkLimits(connect_timeout=5.0, read_timeout=8.0)})
        outcome = run_with_progress(ScanRequest(inv, settings, ignore_windows=True), persist=True,
                                    catalog=st.catalog())
        expected = {(c, d) for c, d in lab.expected_findings}
    render_summary(outcome)
    found = {(r.check_id, r.target.name) for r in outcome.results if r.status is Status.FAIL}
    errors = [r for r in outcome.results if r.status is Status.ERROR]
    missed, unexpected = expected - found, found - expected
    if missed or unexpected or errors:
        console.print(planted_table(missed, unexpected, errors))
    console.print(_("{found} of {total} planted cases found; {unexpected} unexpected findings; {errors} errors.").format(
        found=format_number(len(expected & found)), total=format_number(len(expected)),
        unexpected=format_number(len(unexpected)), errors=format_number(len(errors))))
    assert outcome.run_id is not None
    paths = write_reports(outcome.run_id, st.workspace / "reports", lang=cast(Language, st.lang),
                          catalog=st.catalog())
    for path in paths:
        console.print(_("Report written: {path}").format(path=path))
    return bool(missed or unexpected or errors)


def _console_hint(st: CliState) -> None:
    """How to open these results in the web console (docs/console.md)."""
    workspace = shlex.quote(str(st.workspace.resolve()))
    console.print(_("Open these results in the web console: create its first user once with "
                    "`canhgac --workspace {workspace} users add admin --role csirt-admin`, then run "
                    "`canhgac --workspace {workspace} serve` and open http://127.0.0.1:8000/ in a browser."
                    ).format(workspace=workspace), soft_wrap=True)


def planted_table(missed: set[tuple[str, str]], unexpected: set[tuple[str, str]],
                  errors: list[CheckResult]) -> Table:
    """What the demo got wrong: planted cases it missed, findings it did not expect, errors."""
    table = Table(title=_("Planted cases"))
    table.add_column(_("Outcome"))
    table.add_column(_("Check"))
    table.add_column(_("Domain"))
    for check_id, domain in sorted(missed):
        table.add_row(Text(_("missed"), style="red"), check_id, domain)
    for check_id, domain in sorted(unexpected):
        table.add_row(Text(_("unexpected"), style="red"), check_id, domain)
    for r in errors:
        table.add_row(Text(_("error"), style="yellow"), r.check_id, r.target.name)
    return table
