"""``canhgac demo --watch``: the holiday watch on the lab, in real time, told by a local mail sink.

It starts the lab, a mail sink holding the mailboxes of a small duty roster (on duty, backup,
team lead, CSIRT head), and the watch (the daemon of ``canhgac watch run``, with its delivery) on
the control agency with short intervals; then it defaces the agency's portal with the lab's
switch, and waits for the alert in the on-duty person's mailbox, for the escalation to the backup
(nobody acknowledges), puts the page back and waits for the recovery notice. It prints each step
with its time and the time it was allowed, and fails (exit 1) when a step did not happen in time.
Its store is ``WORKSPACE/demo-watch``, made afresh at each run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from rich.table import Table
from rich.text import Text

from canhgac.cli.common import CliState, cli_actor, console, fail, open_store, run_async
from canhgac.cli.lab_session import folder_lock, running_lab
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.lab.netns import Namespace

if TYPE_CHECKING:
    from canhgac.lab.mail_sink import MailSink, SunkMail
    from canhgac.lab.runtime import Lab

T = TypeVar("T")
STORE_FILES = ("canhgac.sqlite3", "canhgac.sqlite3-wal", "canhgac.sqlite3-shm")
SLACK = 10.0  # seconds a step may take beyond the checks it needs (delivery, a busy machine)


@dataclass(frozen=True)
class Step:
    what: str
    after: float | None  # seconds since its start (None: it did not happen)
    allowed: float
    since: str  # what its time is counted from

    @property
    def ok(self) -> bool:
        return self.after is not None and self.after <= self.allowed


def demo_watch(st: CliState, port: int | None, namespace: Namespace, *, interval: float,
               escalation_minutes: float) -> bool:
    """Run the watch demo; whether every step happened in time."""
    st.workspace = st.workspace / "demo-watch"
    st.database_url = None  # the demo's own SQLite store, never the one a URL names
    with folder_lock(st.workspace, wait=True):
        for name in STORE_FILES:
            (st.workspace / name).unlink(missing_ok=True)  # afresh: no alert of an earlier run
        open_store(st, writable=True, create=True)
        with running_lab(port, namespace) as lab:
            steps = _watch_the_lab(st, lab, interval, escalation_minutes)
    table = Table(title=_("The alert's journey"))
    for column in (_("Step"), _("After (s)"), _("Allowed (s)"), _("Counted from"), _("Result")):
        table.add_column(column)
    for step in steps:
        after = "-" if step.after is None else format_number(step.after, decimals=1)
        result = Text(_("on time"), style="green") if step.ok else Text(
            _("late") if step.after is not None else _("did not happen"), style="red")
        table.add_row(step.what, after, format_number(step.allowed, decimals=0), step.since, result)
    console.print(table)
    ok = len(steps) == 3 and all(step.ok for step in steps)
    console.print(_("The alert reached the person on duty, was escalated to the backup and its recovery "
                    "was told: the watch works.") if ok else _("The watch demo failed: a step did not happen in time."))
    return ok


def _watch_the_lab(st: CliState, lab: Lab, interval: float, escalation_minutes: float) -> list[Step]:
    from canhgac.lab.mail_sink import MailSink
    from canhgac.lab.watch_demo import roster_csv, watch_inventory, watch_settings
    from canhgac.services.duty import RosterError, import_roster
    from canhgac.services.inventory import InventoryError, load_inventory
    from canhgac.services.scan import settings_for
    from canhgac.services.watch import monitors_for
    from canhgac.services.watch_delivery import ChannelConfigError, read_channels

    folder = st.workspace / "lab"
    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / "ca.pem"
    ca_file.write_text(lab.ca_pem, encoding="ascii")
    inventory = folder / "watched.yaml"
    inventory.write_text(watch_inventory(), encoding="utf-8")
    try:
        inv = load_inventory(inventory)
    except InventoryError as exc:
        raise fail(str(exc)) from None
    roster = st.workspace / "roster.csv"
    roster.write_text(roster_csv(datetime.now(UTC)), encoding="utf-8")
    try:
        people = import_roster(roster, actor=cli_actor())
    except RosterError as exc:
        raise fail(str(exc)) from None
    settings = settings_for(inv, resolvers=[str(lab.resolver)], nameserver_port=lab.nameserver_port,
                            dns_timeout=5.0, ca_file=str(ca_file), ca_only=True, target_timeout=30.0)
    monitors = monitors_for(inv, interval=interval)
    with MailSink() as sink:
        password = folder / "smtp-password"
        password.touch(mode=0o600)
        password.write_text(sink.password, encoding="utf-8")
        settings_file = st.workspace / "canhgac.toml"
        settings_file.write_text(watch_settings(sink, ca_file, password, escalation_minutes=escalation_minutes),
                                 encoding="utf-8")
        try:
            channels = read_channels(settings_file)
        except ChannelConfigError as exc:
            raise fail(str(exc)) from None
        if channels is None:
            raise fail(_("{path} has no [watch] table.").format(path=settings_file))
        console.print(_("Lab started; mail sink on {address}:{port}; {people} people on the roster; watching "
                        "{n} monitors of {agencies} every {s} s (blocklists hourly), escalation after {minutes} min.").format(
            address=sink.address, port=sink.port, people=format_number(people), n=format_number(len(monitors)),
            agencies=", ".join(a.code for a in inv.agencies), s=format_number(interval),
            minutes=format_number(escalation_minutes, decimals=2)), soft_wrap=True)
        scenario = _Scenario(lab, sink, interval, escalation_minutes * 60, str(inv.agencies[0].portals[0]))
        return run_async(scenario.run(monitors, settings, channels, st.catalog()))


class _Scenario:
    def __init__(self, lab: Lab, sink: MailSink, interval: float, escalation: float, portal: str) -> None:
        self.lab, self.sink, self.interval, self.escalation, self.portal = lab, sink, interval, escalation, portal

    async def run(self, monitors: Any, settings: Any, channels: Any, catalog: Any) -> list[Step]:
        from canhgac.services.watch import run_watch

        ready = asyncio.Event()
        watch = asyncio.create_task(run_watch(monitors, settings, catalog=catalog, channels=channels,
                                              on_ready=lambda _n: ready.set()))
        try:
            await asyncio.wait_for(ready.wait(), 120)
            return await self._journey()
        except TimeoutError:
            raise fail(_("The watch did not start within 120 s.")) from None
        finally:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)

    async def _journey(self) -> list[Step]:
        from canhgac.lab.watch_demo import CHECKS_TO_ALERT, CHECKS_TO_RECOVER, WATCHED_AGENCY, mailbox

        await self._until_portal_up(3 * self.interval + 30)
        on_duty, backup = mailbox("on-duty"), mailbox("backup")
        broke = time.monotonic()
        await self._in_lab(self.lab.switches.break_("deface", WATCHED_AGENCY))
        self._say(_("{at}: the portal {url} is defaced (lab switch `deface`)."))
        opened_within = CHECKS_TO_ALERT * self.interval + SLACK
        first = await self._mail(lambda m: m.to == on_duty and m.at >= broke, opened_within + 20)
        steps = [Step(_("alert in the mailbox of the person on duty"), _since(first, broke), opened_within,
                      _("the defacement"))]
        self._told(first)
        start = first.at if first is not None else time.monotonic()
        escalated = await self._mail(lambda m: m.to == backup and m.at >= start, self.escalation + SLACK + 20)
        steps.append(Step(_("escalated to the backup, nobody acknowledging"), _since(escalated, start),
                          self.escalation + SLACK, _("the first alert")))
        self._told(escalated)
        await self._in_lab(self.lab.switches.restore("deface", WATCHED_AGENCY))
        restored = time.monotonic()
        self._say(_("{at}: the page is put back (lab restore)."))
        recovered_within = CHECKS_TO_RECOVER * self.interval + SLACK
        # the only message the person on duty gets after the restore: the recovery notice
        recovery = await self._mail(lambda m: m.to == on_duty and m.at >= restored, recovered_within + 20)
        if recovery is not None and not await self._recovered():
            recovery = None
        steps.append(Step(_("recovery told to the person on duty"), _since(recovery, restored), recovered_within,
                          _("the restore")))
        self._told(recovery)
        return steps

    async def _recovered(self) -> bool:
        """Whether the store holds the alert as recovered (the mail said so; the store agrees)."""
        from canhgac.services.watch import alert_rows, viewer_scope

        rows = await asyncio.to_thread(alert_rows, viewer_scope(None))
        return bool(rows) and all(row.status == "recovered" for row in rows)

    async def _until_portal_up(self, within: float) -> None:
        from canhgac.services.watch import monitor_rows, viewer_scope

        ends = time.monotonic() + within
        while time.monotonic() < ends:
            rows = await asyncio.to_thread(monitor_rows, viewer_scope(None))
            if any(r.kind == "http" and r.target == self.portal and r.health == "up" for r in rows):
                self._say(_("{at}: the watch sees the portal up; its page is the baseline."))
                return
            await asyncio.sleep(0.5)
        raise fail(_("The watch did not see the portal {url} up within {s} s.").format(
            url=self.portal, s=format_number(within)))

    async def _in_lab(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self.lab.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.lab.loop))

    async def _mail(self, matches: Callable[[SunkMail], bool], within: float) -> SunkMail | None:
        return await asyncio.to_thread(self.sink.wait_for, matches, within)

    def _say(self, text: str) -> None:
        console.print(text.format(at=datetime.now().astimezone().strftime("%H:%M:%S"), url=self.portal),
                      markup=False, highlight=False, soft_wrap=True)

    def _told(self, mail: SunkMail | None) -> None:
        if mail is not None:
            with contextlib.suppress(KeyError, IndexError, ValueError):
                console.print(_("  {to} received: {subject}").format(to=mail.to, subject=mail.subject),
                              markup=False, highlight=False, soft_wrap=True)


def _since(mail: SunkMail | None, start: float) -> float | None:
    return None if mail is None else mail.at - start
