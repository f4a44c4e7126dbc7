"""Incidents on a real store: opening (by hand, from an alert, from a finding, from a [TBSC]
mail), the timeline, moves, links, notifications stopping the clock, the capacity flag, the
security log, an agency officer kept to their own agency, and the initial-report warnings
delivered through the watch's delivery outbox on a fake clock.

Not collected directly: ``test_incident_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from store_cases_support import open_case_store

_WORKSPACE = open_case_store("canhgac-incidents-")

from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.delivery_models import WatchDelivery  # noqa: E402
from canhgac.console.store.incident_models import (  # noqa: E402
    Incident,
    IncidentEntry,
    IncidentLink,
    IncidentNotification,
    TimelineAppendOnlyError,
)
from canhgac.console.store.models import RunStatus  # noqa: E402
from canhgac.engine.results import CheckResult, Provenance, failed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.incidents.holidays import HolidayCalendar  # noqa: E402
from canhgac.services import incidents  # noqa: E402
from canhgac.services.incidents_settings import IncidentSettings  # noqa: E402
from canhgac.services.watch_delivery import deliverer  # noqa: E402
from canhgac.watch.channel_config import channel_config  # noqa: E402
from canhgac.watch.clock import FakeClock  # noqa: E402
from canhgac.watch.senders import Outgoing  # noqa: E402

A, B = "SO-A", "SO-B"
ALL = queries.ViewerScope.everything()
ONLY_A, ONLY_B = queries.ViewerScope.agencies({A}), queries.ViewerScope.agencies({B})
ACTOR = incidents.Actor("cli:tester")
# no holidays: the clock's own tests cover them; here a Monday detection is due Saturday 24:00
# → rolled to Monday 24:00 (Vietnam), i.e. Monday 17:00 UTC
SETTINGS = IncidentSettings(holidays=HolidayCalendar(years={2026: "announced"}))
MON = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
DUE = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # 24:00 Monday 9 March, Vietnam


@pytest.fixture(autouse=True)
def _store() -> Iterator[None]:
    services.sync_agencies(
        [
            {"code": A, "name": "Sở A", "domains": ["a.gov.vn"]},
            {"code": B, "name": "Sở B", "domains": ["b.gov.vn"]},
        ]
    )
    yield
    for model in (
        WatchDelivery,
        IncidentNotification,
        IncidentLink,
        models.WatchAlertEntry,
        models.WatchAlertMember,
        models.WatchAlert,
        models.WatchMonitor,
        models.Event,
        models.EventCursor,
        SecurityEvent,
        models.DutyShift,
    ):
        model.objects.all().delete()
    IncidentEntry.objects.all()._raw_delete(
        IncidentEntry.objects.db
    )  # append-only: bypassed for the clean-up
    Incident.objects.all().delete()


def _open(scope: Any = ALL, agency: str = A, **extra: Any) -> int:
    return incidents.open_incident(
        scope,
        SETTINGS,
        ACTOR,
        agency=agency,
        title="Portal defaced",
        detected_at=MON,
        now=MON + timedelta(hours=1),
        **extra,
    )


def _alert(agency: str, at: datetime) -> int:
    url = f"https://www.{agency.lower()}.gov.vn/"
    key = f"http:{url}"
    models.WatchMonitor.objects.get_or_create(
        key=key, defaults={"kind": "http", "target": url, "agency_code": agency}
    )
    alert = models.WatchAlert.objects.create(
        key=f"{key}@{at.isoformat()}",
        problem="down",
        severity="high",
        monitor_key=key,
        agency_code=agency,
        opened_at=at,
        values={"target": url, "reason": "refused"},
    )
    models.WatchAlertMember.objects.create(alert=alert, monitor_key=key, agency_code=agency, joined_at=at)
    return int(alert.pk)


def test_a_phone_call_opens_an_incident_with_its_clock_its_entry_its_event_and_its_log() -> None:
    pk = _open(
        source=incidents.Source.PHONE, source_detail="Anh Nam, 0912 345 678", category_code="defacement"
    )
    row = Incident.objects.get(pk=pk)
    assert (row.state, row.agency_code, row.category, row.source) == ("new", A, "defacement", "phone")
    assert row.report_due_at == DUE and not row.report_due_immediate and row.reported_at is None
    assert [e.kind for e in row.timeline.all()] == ["opened"]
    assert models.Event.objects.filter(kind="incident.opened", agency_code=A).count() == 1
    log = SecurityEvent.objects.get(kind="incident.opened")
    assert log.actor == "cli:tester" and log.detail["incident"] == pk


def test_opening_from_an_alert_takes_its_agency_time_severity_and_links_it_and_its_asset() -> None:
    at = datetime(2026, 2, 5, 1, 0, tzinfo=UTC)
    alert_id = _alert(A, at)
    pk = incidents.open_from_alert(ALL, SETTINGS, ACTOR, alert_id, now=at + timedelta(hours=2))
    row = Incident.objects.get(pk=pk)
    assert (row.agency_code, row.detected_at, row.severity, row.source) == (A, at, "high", "alert")
    links = set(IncidentLink.objects.filter(incident=row).values_list("kind", "ref"))
    assert links == {("alert", str(alert_id)), ("asset", "http:https://www.so-a.gov.vn/")}
    assert [i.pk for i in queries.incidents_linked(ALL, "alert", str(alert_id))] == [pk]


def test_opening_from_a_finding_links_the_finding_and_its_target() -> None:
    run = services.start_run(provenance=Provenance(canhgac_version="0", catalog_version="x"))
    target = Target(kind=TargetKind.URL, name="https://www.so-a.gov.vn/", agency=A)
    outcome = failed("web.defaced")
    services.record_results(
        run,
        [
            CheckResult(
                check_id="web.headers.hsts",
                target=target,
                status=outcome.status,
                message=outcome.message,
                evidence={},
                observed_at=MON,
            )
        ],
    )
    services.finish_run(run, RunStatus.FINISHED)
    fingerprint = models.Finding.objects.get().fingerprint
    pk = incidents.open_from_finding(ALL, SETTINGS, ACTOR, fingerprint[:8], now=MON)
    assert set(IncidentLink.objects.filter(incident_id=pk).values_list("kind", "ref")) == {
        ("finding", fingerprint),
        ("asset", target.key),
    }
    with pytest.raises(incidents.IncidentError):
        incidents.open_from_finding(ONLY_B, SETTINGS, ACTOR, fingerprint, now=MON)


def test_the_lifecycle_is_enforced_and_each_move_is_in_the_timeline_and_the_log() -> None:
    pk = _open()
    for state in ("triage", "containment", "eradication", "recovery"):
        incidents.move(ALL, ACTOR, pk, incidents.State(state))
    with pytest.raises(incidents.IncidentError, match="reason"):
        incidents.move(ALL, ACTOR, pk, incidents.State.CONTAINMENT)  # back without a reason
    incidents.move(ALL, ACTOR, pk, incidents.State.CLOSED)
    with pytest.raises(incidents.IncidentError, match="reason"):
        incidents.move(ALL, ACTOR, pk, incidents.State.TRIAGE)
    incidents.move(ALL, ACTOR, pk, incidents.State.TRIAGE, "reinfected")
    row = Incident.objects.get(pk=pk)
    assert row.state == "triage" and row.closed_at is None
    moves = [(e.detail["from"], e.detail["to"]) for e in row.timeline.filter(kind="state")]
    assert moves[-2:] == [("recovery", "closed"), ("closed", "triage")]
    assert row.timeline.get(kind="state", detail__to="triage", detail__reopened=True).text == "reinfected"
    assert SecurityEvent.objects.filter(kind="incident.changed").count() == 6


def test_the_timeline_is_append_only() -> None:
    entry = IncidentEntry.objects.filter(incident_id=_open()).first()
    assert entry is not None
    entry.text = "rewritten"
    with pytest.raises(TimelineAppendOnlyError):
        entry.save()
    with pytest.raises(TimelineAppendOnlyError):
        IncidentEntry.objects.all().update(text="x")
    with pytest.raises(TimelineAppendOnlyError):
        IncidentEntry.objects.all().delete()


def test_progress_plan_and_request_entries_carry_author_and_time() -> None:
    pk = _open()
    incidents.note(ALL, incidents.Actor("hung"), pk, incidents.EntryKind.PLAN, "Restore from backup")
    incidents.note(ALL, ACTOR, pk, incidents.EntryKind.REQUEST, "Need VNCERT's help")
    detail = incidents.incident_detail(ALL, pk)
    assert detail is not None
    assert [(e.kind, e.author, e.text) for e in detail.timeline[1:]] == [
        ("plan", "hung", "Restore from backup"),
        ("request", "cli:tester", "Need VNCERT's help"),
    ]
    with pytest.raises(incidents.IncidentError):
        incidents.note(ALL, ACTOR, pk, incidents.EntryKind.NOTE, "   ")


def test_links_are_checked_normalised_and_kept_once() -> None:
    pk = _open()
    assert incidents.link(ALL, ACTOR, pk, incidents.LinkKind.INDICATOR, "IP:203.0.113.5", "C2 server")
    assert not incidents.link(ALL, ACTOR, pk, incidents.LinkKind.INDICATOR, "ip:203.0.113.5")
    for kind, ref in (
        (incidents.LinkKind.INDICATOR, "colour:red"),
        (incidents.LinkKind.INDICATOR, "ip:"),
        (incidents.LinkKind.ALERT, "99999"),
        (incidents.LinkKind.ALERT, "x"),
        (incidents.LinkKind.FINDING, "zz"),
    ):
        with pytest.raises(incidents.IncidentError):
            incidents.link(ALL, ACTOR, pk, kind, ref)
    assert list(IncidentLink.objects.filter(incident_id=pk).values_list("kind", "ref", "note")) == [
        ("indicator", "ip:203.0.113.5", "C2 server")
    ]


def test_the_clock_stops_when_the_initial_report_reached_every_party() -> None:
    pk = _open()
    told = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    stopped = incidents.notify(
        ALL,
        ACTOR,
        pk,
        party=incidents.Party.OWNER_AGENCY,
        recipient="Sở A, Giám đốc",
        channel=incidents.Channel.PHONE,
        sent_at=told,
    )
    assert not stopped  # a phone call, not the initial report
    for hour, party in enumerate((incidents.Party.OWNER_AGENCY, incidents.Party.RESPONSE_UNIT)):
        assert not incidents.notify(
            ALL,
            ACTOR,
            pk,
            party=party,
            recipient="x",
            channel=incidents.Channel.EMAIL,
            sent_at=told + timedelta(hours=hour),
            initial_report=True,
            reference="12/BC-STTTT",
        )
    assert Incident.objects.get(pk=pk).reported_at is None
    detail = incidents.incident_detail(ALL, pk)
    assert detail is not None and detail.missing_parties == ["national_coordinator"]
    assert incidents.notify(
        ALL,
        ACTOR,
        pk,
        party=incidents.Party.NATIONAL_COORDINATOR,
        recipient="VNCERT",
        channel=incidents.Channel.EMAIL,
        sent_at=told + timedelta(hours=5),
        initial_report=True,
    )
    row = Incident.objects.get(pk=pk)
    assert row.reported_at == told + timedelta(hours=5) and row.initial_report_ref == "12/BC-STTTT"
    detail = incidents.incident_detail(ALL, pk)
    assert detail is not None and detail.row.clock.value == "reported"
    assert [e.kind for e in detail.timeline].count("notification") == 4
    with pytest.raises(incidents.IncidentError):
        incidents.notify(
            ALL,
            ACTOR,
            pk,
            party=incidents.Party.OTHER,
            recipient="x",
            channel=incidents.Channel.FAX,
            sent_at=datetime.now(UTC) + timedelta(days=1),
        )


def test_beyond_capacity_makes_the_report_due_at_once_and_lifting_it_restores_the_period() -> None:
    pk = _open()
    due = incidents.capacity(
        ALL, SETTINGS, ACTOR, pk, True, "ransomware on every server", now=MON + timedelta(hours=3)
    )
    row = Incident.objects.get(pk=pk)
    assert row.report_due_immediate and row.beyond_capacity and due == row.beyond_capacity_at
    assert (
        incidents.capacity(ALL, SETTINGS, ACTOR, pk, False, "contained", now=MON + timedelta(hours=4)) == DUE
    )
    with pytest.raises(incidents.IncidentError):
        incidents.capacity(ALL, SETTINGS, ACTOR, pk, False)


def test_an_agency_officer_sees_and_acts_on_their_own_agencys_incidents_only() -> None:
    a_incident, b_incident = _open(agency=A), _open(agency=B)
    assert {r.id for r in incidents.incident_rows(ONLY_B)} == {b_incident}
    assert {r.id for r in incidents.incident_rows(ALL)} == {a_incident, b_incident}
    assert incidents.incident_detail(ONLY_B, a_incident) is None
    with pytest.raises(incidents.IncidentNotFoundError):
        incidents.note(ONLY_B, ACTOR, a_incident, incidents.EntryKind.NOTE, "peek")
    with pytest.raises(incidents.IncidentNotFoundError):
        incidents.move(ONLY_B, ACTOR, a_incident, incidents.State.TRIAGE)
    with pytest.raises(incidents.IncidentNotFoundError):
        incidents.notify(
            ONLY_B,
            ACTOR,
            a_incident,
            party=incidents.Party.OTHER,
            recipient="x",
            channel=incidents.Channel.FAX,
        )
    with pytest.raises(incidents.IncidentError, match=A):
        _open(ONLY_B, agency=A)
    a_alert = _alert(A, MON)
    with pytest.raises(incidents.IncidentError):
        incidents.link(ONLY_B, ACTOR, b_incident, incidents.LinkKind.ALERT, str(a_alert))
    with pytest.raises(incidents.IncidentError):
        incidents.open_from_alert(ONLY_B, SETTINGS, ACTOR, a_alert)
    assert Incident.objects.get(pk=a_incident).timeline.count() == 1


def test_an_unknown_agency_or_a_future_detection_is_refused() -> None:
    with pytest.raises(incidents.IncidentError, match="SO-Z"):
        _open(agency="SO-Z")
    with pytest.raises(incidents.IncidentError):
        incidents.open_incident(
            ALL, SETTINGS, ACTOR, agency=A, title="x", detected_at=MON + timedelta(days=2), now=MON
        )


MAIL = """From: =?utf-8?q?Tr=E1=BA=A7n_B=C3=ACnh?= <binh@mail.so-a.a.gov.vn>
To: csirt@stttt.gov.vn
Date: Mon, 02 Mar 2026 08:15:00 +0700
Subject: [TBSC] Cổng thông tin bị thay đổi giao diện
Message-ID: <abc@mail.a.gov.vn>
Content-Type: text/plain; charset=utf-8

Trang chủ hiển thị nội dung lạ từ 07:50.
"""


def test_a_tbsc_mail_opens_an_incident_for_the_senders_agency(tmp_path: Path) -> None:
    path = tmp_path / "tbsc.eml"
    path.write_text(MAIL, encoding="utf-8")
    pk = incidents.import_mail(ALL, SETTINGS, ACTOR, path, now=MON + timedelta(hours=3))
    row = Incident.objects.get(pk=pk)
    assert (row.agency_code, row.source, row.title) == (A, "email", "Cổng thông tin bị thay đổi giao diện")
    assert row.detected_at == datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    assert "nội dung lạ" in row.description and "binh@mail.so-a.a.gov.vn" in row.source_detail
    stranger = tmp_path / "stranger.eml"
    stranger.write_text(MAIL.replace("mail.so-a.a.gov.vn", "example.org"), encoding="utf-8")
    with pytest.raises(incidents.IncidentError, match="--agency"):
        incidents.import_mail(ALL, SETTINGS, ACTOR, stranger)
    assert incidents.import_mail(ALL, SETTINGS, ACTOR, stranger, agency=B, now=MON + timedelta(hours=3))


# --- warnings through the watch's delivery outbox --------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[Outgoing] = []

    def send(self, message: Outgoing) -> None:
        self.delivered.append(message)


def _config() -> Any:
    return channel_config(
        {
            "retry-first": 30,
            "give-up-hours": 1,
            "poll": 1,
            "email": {
                "host": "127.0.0.1",
                "port": 2525,
                "sender": "canhgac@stttt.test",
                "user": "u",
                "password-env": "PW",
                "timeout": 5,
            },
            "recipients": [
                {"name": "CSIRT", "email": "csirt@stttt.test"},
                {"name": "Chỉ SO-B", "email": "b@stttt.test", "agencies": [B]},
                {"name": "Officer A", "email": "a@stttt.test", "language": "en", "agencies": [A]},
            ],
        },
        base=_WORKSPACE,
        environ={"PW": "pw"},
    )


async def _round(at: datetime, recorder: Recorder) -> None:
    loop = deliverer(_config(), clock=FakeClock(at), clients={"email": recorder}, owner="test")
    await loop.round()
    await loop.round()  # twice: nothing is warned twice
    await asyncio.get_running_loop().run_in_executor(loop._store_thread, loop.store.close)
    loop._store_thread.shutdown(wait=True)
    loop._send_threads.shutdown(wait=True)


async def test_due_soon_and_overdue_warnings_reach_the_agencys_recipients_once_each() -> None:
    pk = _open()
    recorder = Recorder()
    await _round(DUE - timedelta(hours=30), recorder)  # more than a day ahead: nothing yet
    assert recorder.delivered == []
    await _round(DUE - timedelta(hours=20), recorder)
    assert sorted(m.address for m in recorder.delivered) == ["a@stttt.test", "csirt@stttt.test"]
    english = next(m for m in recorder.delivered if m.address == "a@stttt.test")
    assert "Initial report due" in english.subject and f"#{pk}" in english.subject
    assert "00:00 10/03/2026" in next(m for m in recorder.delivered if m.address == "csirt@stttt.test").text
    await _round(DUE + timedelta(hours=1), recorder)
    assert [m.subject.split(" · ")[0] for m in recorder.delivered[2:]] != []
    overdue = [m for m in recorder.delivered if m.address == "a@stttt.test"][-1]
    assert "Initial report overdue" in overdue.subject and len(recorder.delivered) == 4
    reminders = IncidentEntry.objects.filter(incident_id=pk, kind="reminder")
    assert reminders.count() == 4 and {e.detail["outcome"] for e in reminders} == {"notified"}
    await _round(DUE + timedelta(hours=5), recorder)
    assert len(recorder.delivered) == 4


async def test_no_warning_once_reported_and_an_immediate_report_is_warned_at_once() -> None:
    reported, urgent = _open(), _open(beyond_capacity=True)
    for party in incidents.Party:
        if party != incidents.Party.OTHER:
            incidents.notify(
                ALL,
                ACTOR,
                reported,
                party=party,
                recipient="x",
                channel=incidents.Channel.EMAIL,
                sent_at=MON + timedelta(hours=2),
                initial_report=True,
            )
    recorder = Recorder()
    await _round(MON + timedelta(hours=1, minutes=5), recorder)
    assert {m.data["incident"] for m in recorder.delivered} == {urgent}
    assert all("immediately" in m.text or "ngay" in m.text for m in recorder.delivered)
    await _round(MON + timedelta(hours=4), recorder)  # past the grace: overdue, once
    assert [m.data["event"] for m in recorder.delivered].count("incident.report_overdue") == 2
