"""Log detections in the store (``services.log_store``), their reads (``services.log_pages``) and
their watch alerts (``services.log_alerts``), once per backend (``test_logs_store_backends.py``):

- storing: a detection becomes a finding of its agency (check id = rule id, target ``log:CODE``,
  discriminator = the detection's group) with its evidence (window, count, clients, accounts,
  capped lines); detections of one fingerprint in one batch are one window;
- re-storing: the same window again stores nothing (a file scanned twice); a later window of the
  same group updates the one finding (still open, the new window's evidence);
- refusals: an unknown agency, or one outside the caller's scope, in one line, nothing stored;
- scope: an officer of B never reads A's detections (list, detail);
- alerts: a detection at or above the threshold opens one watch alert for its agency and rule, a
  milder one none, a second detection of the same rule joins it; once the attack is quiet the
  watch's re-check recovers it;
- end to end: a detection stored reaches the on-duty person's mailbox (a local SMTP sink with
  STARTTLS and AUTH) through the delivery loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the cases read the store between rounds
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-logs-store-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

sys.path.insert(0, str(Path(__file__).parents[1] / "watch"))
from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink  # noqa: E402

from canhgac.catalog.schema import Severity  # noqa: E402
from canhgac.console.store import models, services  # noqa: E402
from canhgac.console.store.delivery_models import DutyShift, WatchDelivery  # noqa: E402
from canhgac.console.store.queries.scope import ViewerScope  # noqa: E402
from canhgac.logs.detection import Detection, EvidenceLine  # noqa: E402
from canhgac.services import log_pages  # noqa: E402
from canhgac.services.log_alerts import recheck  # noqa: E402
from canhgac.services.log_store import LogStoreError, store_detections  # noqa: E402
from canhgac.watch.log_alerts import LogAlertRule  # noqa: E402

A, B = "SO-A", "SO-B"
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
BRUTE = "logs.auth.brute-force"


@pytest.fixture(autouse=True)
def _agencies() -> Iterator[None]:
    services.sync_agencies([{"code": A, "name": "Sở A"}, {"code": B, "name": "Sở B"}])
    yield
    for model in (WatchDelivery, models.WatchAlertEntry, models.WatchAlertMember, models.WatchAlert,
                  models.WatchMonitor, models.Event, models.EventCursor, DutyShift):
        model.objects.all().delete()
    from django.db import connection

    with connection.cursor() as cursor:  # the triage log is append-only: emptied behind its back
        cursor.execute(f"DELETE FROM {models.TriageChange._meta.db_table}")
    models.RiskAcceptance.objects.all().delete()
    models.FindingChange.objects.all().delete()
    models.Finding.objects.all().delete()
    models.Result.objects.all().delete()
    models.ScanRun.objects.all().delete()


def detection(group: str = "client=203.0.113.9", rule: str = BRUTE, severity: str = "high", *,
              start: datetime = T0, minutes: int = 5, count: int = 12, lines: int = 3,
              source: str = "/var/log/so-a/auth.log") -> Detection:
    end = start + timedelta(minutes=minutes)
    evidence = tuple(
        EvidenceLine(source, 100 + i, start + timedelta(seconds=i),
                     f"Dec  7 08:00:0{i} mail sshd[1{i}]: Failed password for root from 203.0.113.9 "
                     f"port 4{i} ssh2")
        for i in range(lines)
    )
    return Detection(rule, severity, group, source, start, end, count, ("203.0.113.9",), ("root", "admin"),
                     evidence, {"threshold": 10, "window": "5m"})


def _to(agency: str) -> object:
    return lambda _d: agency


def _findings() -> list[models.Finding]:
    return list(models.Finding.objects.filter(check_id__startswith="logs.").select_related("last_result"))


# --- storing -----------------------------------------------------------------------------------

def test_a_detection_becomes_a_finding_of_its_agency_with_its_evidence() -> None:
    done = store_detections([detection()], _to(A), alerts=False)  # type: ignore[arg-type]
    assert (done.stored, done.opened, done.unchanged, done.by_agency) == (1, 1, 0, {A: 1})
    [f] = _findings()
    assert (f.check_id, f.target_key, f.agency_code, f.lifecycle) == (BRUTE, "log:SO-A", A, "new")
    assert f.last_result.discriminator == "client=203.0.113.9"
    ev = f.last_result.evidence
    assert ev["count"] == 12 and ev["clients"] == ["203.0.113.9"] and ev["accounts"] == ["root", "admin"]
    assert ev["first_seen"] == T0.isoformat() and ev["last_seen"] == (T0 + timedelta(minutes=5)).isoformat()
    assert len(ev["lines"]) == 3 and ev["lines"][0]["line_no"] == 100
    assert "Failed password" in ev["lines"][0]["raw"]
    run = models.ScanRun.objects.get(pk=done.run_id)
    assert run.filters["source"] == "logs" and run.filters["families"] == ["logs"]
    assert models.Event.objects.filter(kind="finding.opened", subject=f.fingerprint).exists()


def test_the_same_window_twice_stores_nothing_and_a_later_one_updates_the_finding() -> None:
    store_detections([detection()], _to(A), alerts=False)  # type: ignore[arg-type]
    runs = models.ScanRun.objects.count()
    again = store_detections([detection()], _to(A), alerts=False)  # type: ignore[arg-type]
    assert (again.run_id, again.stored, again.unchanged) == (None, 0, 1)
    assert models.ScanRun.objects.count() == runs and len(_findings()) == 1
    later = store_detections([detection(start=T0 + timedelta(hours=1), count=40)], _to(A),  # type: ignore[arg-type]
                             alerts=False)
    assert (later.stored, later.opened, later.seen_again) == (1, 0, 1)
    [f] = _findings()
    assert f.lifecycle == "open" and f.last_result.evidence["count"] == 40


def test_detections_of_one_group_in_one_batch_are_one_window() -> None:
    first = detection(count=10, lines=15)
    second = detection(start=T0 + timedelta(minutes=10), count=5, lines=15, severity="critical")
    done = store_detections([first, second], _to(A), alerts=False)  # type: ignore[arg-type]
    assert done.stored == 1
    ev = _findings()[0].last_result.evidence
    assert ev["count"] == 15 and ev["severity"] == "critical" and len(ev["lines"]) <= 20
    assert ev["first_seen"] == T0.isoformat()
    assert ev["last_seen"] == (T0 + timedelta(minutes=15)).isoformat()


def test_an_unknown_or_out_of_scope_agency_is_refused_in_one_line() -> None:
    with pytest.raises(LogStoreError) as unknown:
        store_detections([detection()], _to("SO-NONE"))  # type: ignore[arg-type]
    assert "SO-NONE" in str(unknown.value) and "\n" not in str(unknown.value)
    with pytest.raises(LogStoreError) as outside:
        store_detections([detection()], _to(A), scope=ViewerScope.agencies([B]))  # type: ignore[arg-type]
    assert A in str(outside.value)
    assert _findings() == []
    done = store_detections([detection()], lambda _d: None)
    assert (done.stored, done.unattributed) == (0, 1)


# --- reads within a scope ----------------------------------------------------------------------

def test_an_officer_of_b_never_reads_the_detections_of_a() -> None:
    store_detections([detection()], _to(A), alerts=False)  # type: ignore[arg-type]
    store_detections([detection("client=198.51.100.7", rule="logs.web.sqli")], _to(B), alerts=False)  # type: ignore[arg-type]
    everything = log_pages.detections(ViewerScope.everything(), log_pages.DetectionFilter())
    assert {r.agency for r in everything} == {A, B}
    only_b = log_pages.detections(ViewerScope.agencies([B]), log_pages.DetectionFilter())
    assert [r.agency for r in only_b] == [B]
    a_print = next(r.fingerprint for r in everything if r.agency == A)
    assert log_pages.detection(ViewerScope.agencies([B]), a_print) is None
    found = log_pages.detection(ViewerScope.everything(), a_print)
    assert found is not None and len(found.lines) == 3 and found.row.group == "client=203.0.113.9"
    severe = log_pages.DetectionFilter(severity="critical")
    assert log_pages.detections(ViewerScope.everything(), severe) == []
    assert [r.rule_id for r in log_pages.detections(ViewerScope.everything(),
                                                    log_pages.DetectionFilter(rule="logs.web.sqli"))] == [
        "logs.web.sqli"]


# --- alerts ------------------------------------------------------------------------------------

def test_a_detection_at_the_threshold_opens_one_alert_per_agency_and_rule() -> None:
    mild = store_detections([detection(severity="low")], _to(A))  # type: ignore[arg-type]
    assert mild.alerts == () and models.WatchAlert.objects.count() == 0
    done = store_detections([detection("client=198.51.100.7", severity="high")], _to(A))  # type: ignore[arg-type]
    [alert] = models.WatchAlert.objects.all()
    assert done.alerts == (alert.pk,)
    assert (alert.problem, alert.severity, alert.agency_code) == ("log_detections", "high", A)
    assert alert.monitor_key == "logs:SO-A/logs.auth.brute-force"
    assert models.Event.objects.filter(kind="alert.opened").count() == 1
    more = store_detections([detection("client=192.0.2.44", severity="critical")], _to(A))  # type: ignore[arg-type]
    assert more.alerts == () and models.WatchAlert.objects.count() == 1  # the same attack: one alert
    other = store_detections([detection(rule="logs.web.sqli")], _to(A))  # type: ignore[arg-type]
    assert len(other.alerts) == 1 and models.WatchAlert.objects.count() == 2


def test_the_alert_recovers_once_the_attack_is_quiet() -> None:
    store_detections([detection()], _to(A))  # type: ignore[arg-type]
    rule = LogAlertRule(Severity.MEDIUM, timedelta(minutes=30))
    assert recheck(datetime.now(UTC) + timedelta(minutes=5), rule) == 1
    assert models.WatchAlert.objects.get().status == "open"
    recheck(datetime.now(UTC) + timedelta(minutes=31), rule)
    assert models.WatchAlert.objects.get().status == "recovered"
    assert recheck(datetime.now(UTC) + timedelta(minutes=32), rule) == 0  # settled: off the board
    store_detections([detection(start=T0 + timedelta(hours=2))], _to(A))  # type: ignore[arg-type]
    assert models.WatchAlert.objects.filter(status="open").count() == 1  # a new attack: a new alert


def test_a_triaged_away_detection_recovers_its_alert() -> None:
    store_detections([detection()], _to(A))  # type: ignore[arg-type]
    [f] = _findings()
    services.triage(f.fingerprint, triage=models.Triage.FALSE_POSITIVE, actor="analyst")
    recheck(datetime.now(UTC), LogAlertRule())
    assert models.WatchAlert.objects.get().status == "recovered"


# --- end to end: the on-duty person's mailbox --------------------------------------------------

async def test_a_stored_detection_reaches_the_on_duty_person_by_mail(tmp_path: Path) -> None:
    from canhgac.console.store import duty_store
    from canhgac.services.watch_delivery import deliverer
    from canhgac.watch.channel_config import channel_config
    from canhgac.watch.roster import Shift

    now = datetime.now(UTC)
    shift = Shift("Trực ban An", "on-duty", now - timedelta(hours=1), now + timedelta(hours=8),
                  email="truc-ban@stttt.test")
    duty_store.import_shifts([shift], source="tet.csv", actor="test")
    tls, port = pki(tmp_path), free_port()
    config = channel_config({
        "console-url": "http://127.0.0.1:8000", "poll": 0.5,
        "email": {"host": "127.0.0.1", "port": port, "sender": "canhgac@stttt.test", "user": USER,
                  "password-env": "PW", "ca-file": str(tls.ca_file), "timeout": 10},
    }, base=tmp_path, environ={"PW": PASSWORD})
    with smtp_sink(tls, port) as sink:
        loop = deliverer(config, owner="test-owner")
        task = asyncio.create_task(loop.run())
        await asyncio.sleep(0.6)  # the loop is running, as in ``serve`` or ``watch run``
        started = time.monotonic()
        store_detections([detection("client=203.0.113.9", severity="high", start=now - timedelta(minutes=5))],
                         _to(A))  # type: ignore[arg-type]
        while not sink.received and time.monotonic() < started + 60:  # noqa: ASYNC110 - the sink is a thread
            await asyncio.sleep(0.05)
        took = time.monotonic() - started
        loop.stop()
        await asyncio.wait_for(task, 30)
    told = list(WatchDelivery.objects.values_list("kind", "address", "status", "last_error"))
    steps = list(models.WatchAlertEntry.objects.values_list("kind", flat=True))
    alerts = list(models.WatchAlert.objects.values_list("key", flat=True))
    assert sink.received, f"no alert mailed: {told} {steps} {alerts}"
    first = sink.received[0]
    assert first.to == ["truc-ban@stttt.test"]
    assert "SO-A" in first.text and BRUTE in first.text and "client=203.0.113.9" in first.text
    print(f"\nlog detection stored -> on-duty mailbox: {took:.2f} s")  # the figure for docs/logs.md
