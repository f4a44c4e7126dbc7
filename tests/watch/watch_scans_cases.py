"""The watch's scheduled scans on a real store, on a fake clock: a night launched once through the
console's launch queue, a restart that launches nothing twice, the first start that skips the
night it finds due, a missed night caught up once inside its window (lost after it), a blackout
respected; and end to end, a scheduled scan of a loopback host that newly exposes a port (a
Telnet service) opening one alert that is queued for delivery, recovered when the port closes.

Not collected directly: ``test_watch_scans_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

# The cases are coroutines that read the store between two stretches of fake time, when the
# loop's store thread is idle: allowed here, not in the daemon.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-watch-scans-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from canhgac.catalog.loader import load_catalog  # noqa: E402
from canhgac.console.store import models  # noqa: E402
from canhgac.console.store.delivery_models import WatchDelivery  # noqa: E402
from canhgac.console.store.delivery_store import DjangoDeliveryStore  # noqa: E402
from canhgac.inventory.loader import loads_inventory  # noqa: E402
from canhgac.lab.text_responders import TelnetResponder  # noqa: E402
from canhgac.services.watch_scans import WatchScans  # noqa: E402
from canhgac.watch.channel_config import ChannelConfig, EmailChannel, Recipient, ScansTable  # noqa: E402
from canhgac.watch.clock import FakeClock  # noqa: E402
from canhgac.watch.scan_findings import findings_monitor  # noqa: E402

VN = timedelta(hours=7)
DAY = date(2027, 2, 9)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - VN


def inventory(agencies: str) -> str:
    return f"""version: 1
province: {{code: LAB, name: "Tỉnh"}}
scope: {{loopback_only: true, resolvers: ["127.0.0.1"]}}
mail: {{dnsbl_zones: []}}
agencies:
{agencies}"""


WINDOWS = inventory("""  - code: SO-A
    name: Sở A
    kind: department
    ranges: [127.88.1.0/30]
    policy: {windows: [{start: "22:00", end: "05:00"}]}
  - code: SO-B
    name: Sở B
    kind: department
    ranges: [127.88.2.0/30]
    policy: {windows: [{start: "22:00", end: "02:00"}]}
""")


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    for model in (models.WatchScanSlot, models.ScanLaunch, WatchDelivery, models.WatchAlertEntry,
                  models.WatchAlertMember, models.WatchAlert, models.WatchMonitor, models.EventCursor):
        model.objects.all().delete()


def earlier_night(agency: str, day: date) -> None:
    """A night recorded before (the schedule has run for this agency already)."""
    models.WatchScanSlot.objects.create(agency_code=agency, day=day, due=local(day, 1, 30),
                                        recorded_at=local(day, 1, 30), skipped=True)


async def live(text: str, clock: FakeClock, seconds: float, config: ScansTable | None = None,
               launched: list[int] | None = None) -> WatchScans:
    """One daemon's life on the fake clock."""
    sink = launched if launched is not None else []
    # an hour between two reads of the findings: fewer wakes over the fake days (slots wake it anyway)
    chosen = config or ScansTable(findings_interval=3600)
    scans = WatchScans(loads_inventory(text, "inventory.yaml"), chosen, catalog=None, clock=clock,
                       submit=sink.append)
    task = asyncio.create_task(scans.run())
    await clock.advance(seconds, scans.settle)
    scans.stop()
    await task
    return scans


def launches() -> list[tuple[str, str]]:
    return [(row.agency, row.requested_by) for row in models.ScanLaunch.objects.order_by("pk")]


def slots() -> list[tuple[str, date, bool, bool]]:
    return [(s.agency_code, s.day, s.skipped, s.launch_id is not None)
            for s in models.WatchScanSlot.objects.order_by("day", "agency_code")]


async def test_each_night_is_launched_once_and_a_restart_never_launches_it_again() -> None:
    earlier_night("SO-A", DAY - timedelta(days=1))
    earlier_night("SO-B", DAY - timedelta(days=1))
    clock = FakeClock(local(DAY, 1, 0))
    first = await live(WINDOWS, clock, 40 * 60)  # 01:00 -> 01:40
    assert len(first.launched) == 2 and launches() == [("SO-A", "canhgac-watch"), ("SO-B", "canhgac-watch")]
    assert models.ScanLaunch.objects.filter(state="queued").count() == 2  # the console's queue
    restarted = await live(WINDOWS, clock, 3 * 3600)  # a restart at 01:40, until 04:40
    assert restarted.launched == [] and len(launches()) == 2
    await live(WINDOWS, clock, 24 * 3600)  # the next night
    assert len(launches()) == 4
    assert slots()[-2:] == [("SO-A", DAY + timedelta(days=1), False, True),
                            ("SO-B", DAY + timedelta(days=1), False, True)]


async def test_an_agency_with_its_own_time_is_launched_then_and_the_others_at_the_common_time() -> None:
    earlier_night("SO-A", DAY - timedelta(days=2))  # SO-A's night of DAY - 1 starts at 23:30 that day
    earlier_night("SO-B", DAY - timedelta(days=1))
    clock = FakeClock(local(DAY - timedelta(days=1), 23, 0))
    config = ScansTable(at="01:30", times={"SO-A": "23:30"}, findings_interval=3600)
    first = await live(WINDOWS, clock, 40 * 60, config)  # 23:00 -> 23:40: SO-A's own time passed
    assert launches() == [("SO-A", "canhgac-watch")] and len(first.launched) == 1
    await live(WINDOWS, clock, 2 * 3600, config)  # -> 01:40: SO-B at the common 01:30
    assert launches() == [("SO-A", "canhgac-watch"), ("SO-B", "canhgac-watch")]


async def test_the_first_start_skips_the_night_it_finds_due_and_scans_the_next() -> None:
    clock = FakeClock(local(DAY, 3, 0))
    scans = await live(WINDOWS, clock, 60)
    assert scans.launched == [] and launches() == []
    # SO-A's night (due until 05:00) and SO-B's (over at 02:00) were before the schedule: skipped
    assert slots() == [("SO-A", DAY, True, False), ("SO-B", DAY, True, False)]
    await live(WINDOWS, clock, 23 * 3600)  # 03:01 -> 02:01 next day
    assert launches() == [("SO-A", "canhgac-watch"), ("SO-B", "canhgac-watch")]


async def test_a_night_missed_is_caught_up_once_inside_its_window_and_lost_after_it() -> None:
    for agency in ("SO-A", "SO-B"):
        earlier_night(agency, DAY - timedelta(days=3))  # then down for two nights and most of this one
    clock = FakeClock(local(DAY, 3, 0))  # back at 03:00: SO-A's window open until 05:00, SO-B's closed
    scans = await live(WINDOWS, clock, 2 * 3600)
    assert launches() == [("SO-A", "canhgac-watch")] and len(scans.launched) == 1  # once, not three times
    caught = models.WatchScanSlot.objects.get(agency_code="SO-A", day=DAY)
    assert (caught.due, caught.recorded_at) == (local(DAY, 1, 30), local(DAY, 3, 0))
    clock2 = FakeClock(local(DAY + timedelta(days=1), 1, 29))
    await live(WINDOWS, clock2, 120)
    assert launches() == [("SO-A", "canhgac-watch"), ("SO-A", "canhgac-watch"), ("SO-B", "canhgac-watch")]


async def test_a_blackout_holds_the_scan_until_it_ends_inside_the_window() -> None:
    tet = inventory(f"""  - code: SO-A
    name: Sở A
    kind: department
    ranges: [127.88.1.0/30]
    policy:
      windows: [{{start: "22:00", end: "05:00"}}]
      blackouts: [{{start: "{local(DAY, 0, 0).isoformat()}", end: "{local(DAY, 3, 0).isoformat()}"}}]
""")
    earlier_night("SO-A", DAY - timedelta(days=1))
    clock = FakeClock(local(DAY, 1, 0))
    await live(tet, clock, 100 * 60)  # 01:00 -> 02:40: inside the blackout
    assert launches() == []
    await live(tet, clock, 30 * 60)  # -> 03:10
    assert launches() == [("SO-A", "canhgac-watch")]
    assert models.WatchScanSlot.objects.get(day=DAY).due == local(DAY, 3, 0)


def loopback() -> str:
    return f"127.{random.randint(90, 119)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


async def test_a_scheduled_scan_that_exposes_a_port_opens_one_alert_queued_for_delivery() -> None:
    from canhgac.services.inventory_store import record_scanned_file
    from canhgac.services.scan_jobs import run_launch

    address = loopback()
    text = inventory(f"""  - code: SO-A
    name: Sở A
    kind: department
    ranges: [{address}/32]
""")
    path = _WORKSPACE / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    inv = loads_inventory(text, "inventory.yaml")
    record_scanned_file(inv, path, actor="test")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    at = (now + VN + timedelta(minutes=2)).time()
    earlier_night("SO-A", (now + VN + timedelta(minutes=2)).date() - timedelta(days=1))
    config = ScansTable(at=f"{at.hour:02d}:{at.minute:02d}")
    clock = FakeClock(now)
    queued: list[int] = []
    async with TelnetResponder(address, banner="Router R1") as telnet:
        (_WORKSPACE / "canhgac.toml").write_text(f'[scan]\nports = "{telnet.port}"\ntimeout = 0.5\n',
                                                 encoding="utf-8")
        scans = WatchScans(inv, config, catalog=load_catalog(), clock=clock, submit=queued.append)
        task = asyncio.create_task(scans.run())
        await clock.advance(3 * 60, scans.settle)  # the slot comes: the scan is queued
        assert len(queued) == 1
        await asyncio.to_thread(run_launch, queued[0])  # what the scan worker does with it
        launch = models.ScanLaunch.objects.get(pk=queued[0])
        assert launch.state == "finished", launch.error
        opened = set(models.Finding.objects.values_list("check_id", flat=True))
        assert "net.telnet.exposed" in opened
        await clock.advance(60, scans.settle)  # the findings loop reads the outbox
        alerts = list(models.WatchAlert.objects.all())
        assert len(alerts) == 1  # one alert for the agency's scan, however many findings
        alert = alerts[0]
        assert alert.problem == "new_findings" and alert.agency_code == "SO-A" and alert.status == "open"
        assert alert.monitor_key == f"findings:SO-A@run:{launch.run_id}"
        assert any("net.telnet.exposed" in f for f in alert.values["findings"])
        assert alert.severity == "high"  # the worst of its findings (net.telnet.exposed)
        assert models.Event.objects.filter(kind="alert.opened").count() == 1
        # the console shows it as any alert: on the agency officer's board and the alert page
        from canhgac.console.store.queries import ViewerScope
        from canhgac.services.watch_pages import alert_detail, board

        officer = ViewerScope.everything().narrowed(["SO-A"])
        shown = board(officer, clock.now())
        assert [a.id for a in shown.alerts] == [alert.pk]
        assert any(m.kind == "findings" for m in shown.monitors)
        page = alert_detail(officer, alert.pk)
        assert page is not None and "net.telnet.exposed" in page.problem and page.agencies == ("SO-A",)
        assert alert_detail(ViewerScope.everything().narrowed(["SO-B"]), alert.pk) is None
        config_out = ChannelConfig(email=EmailChannel(host="127.0.0.1", sender="canhgac@stttt.gov.test"),
                                   recipients=(Recipient(name="CSIRT", email="csirt@stttt.gov.test"),))
        assert DjangoDeliveryStore(config_out).feed(clock.now()) >= 1
        mail = WatchDelivery.objects.get(channel="email", address="csirt@stttt.gov.test")
        assert mail.alert_id == alert.pk and "net.telnet.exposed" in mail.body
        await clock.advance(60, scans.settle)
        assert models.WatchAlert.objects.count() == 1  # level-triggered: still open, nothing doubled

    # the CSIRT triages the findings away (a closed host leaves no target to pass, so no scan can
    # fix them): the alert recovers at the next read, and its monitor leaves the board
    from canhgac.console.store import services

    for fingerprint in alert.values["fingerprints"]:
        services.triage(fingerprint, triage=models.Triage.FALSE_POSITIVE, actor="test", note="lab")
    await clock.advance(60, scans.settle)
    scans.stop()
    await task
    alert.refresh_from_db()
    assert alert.status == "recovered"
    assert not models.WatchMonitor.objects.get(key=alert.monitor_key).watched  # settled: off the board


async def test_a_runs_events_wait_until_its_scheduled_launch_names_the_run() -> None:
    """The worker writes a run's events when the scan finishes and names the run on its launch
    just after: in between, the events are not taken (as anyone's), then taken once."""
    from canhgac.console.store import outbox, watch_scans

    launch = models.ScanLaunch.objects.create(created_at=local(DAY, 1, 30), requested_by="canhgac-watch",
                                              kind="scan", agency="SO-A", state="running")
    models.WatchScanSlot.objects.create(agency_code="SO-A", day=DAY, due=local(DAY, 1, 30),
                                        recorded_at=local(DAY, 1, 30), launch=launch)
    run = models.ScanRun.objects.create(started_at=local(DAY, 1, 30))
    outbox.write([outbox.event("finding.opened", run, "ab" * 16, "SO-A",
                               {"check_id": "net.telnet.exposed", "target": "host:127.88.0.5"})])

    def take() -> int:
        return watch_scans.take_scan_findings(lambda check: True,
                                              lambda agency, n: findings_monitor(agency, n))

    assert take() == 0 and not models.WatchMonitor.objects.exists()  # not known yet: waits
    launch.run, launch.state = run, "finished"
    launch.save()
    assert take() == 1
    row = models.WatchMonitor.objects.get()
    assert row.key == f"findings:SO-A@run:{run.pk}" and row.baseline["fingerprints"] == ["ab" * 16]
    assert take() == 0  # taken once
    models.Event.objects.all().delete()
    run.delete()
