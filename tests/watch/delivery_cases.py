"""The delivery outbox on a real store, with a fake clock and recording senders: alert events
queued once per recipient and channel, retries at their back-off times, one address's messages in
order, leases between two processes, giving up, and the signed acknowledgement link (works once,
expires, recorded in the timeline and the security log).

Not collected directly: ``test_watch_delivery.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the cases read the store between rounds
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-delivery-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from watch_support import START, http  # noqa: E402

from canhgac.console.store import models, watch_store  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.alert_links import make_link  # noqa: E402
from canhgac.console.store.delivery_models import WatchDelivery  # noqa: E402
from canhgac.console.store.delivery_store import DjangoDeliveryStore  # noqa: E402
from canhgac.console.store.watch_store import DjangoWatchStore  # noqa: E402
from canhgac.services import watch as watch_service  # noqa: E402
from canhgac.services.watch_delivery import deliverer  # noqa: E402
from canhgac.watch.channel_config import channel_config  # noqa: E402
from canhgac.watch.clock import FakeClock  # noqa: E402
from canhgac.watch.delivery import Deliverer, RetryPolicy  # noqa: E402
from canhgac.watch.rules import Health, MonitorState, OpenAlert, RecoverAlert  # noqa: E402
from canhgac.watch.senders import DeliveryError, Outgoing  # noqa: E402

setup_test_environment()  # the test client's host, "testserver", is allowed
ENV = {"PW": "pw", "TG": "123456:token"}
LINK = re.compile(r"https?://[^\s]+/alerts/ack/[^\s]+/")


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    for model in (WatchDelivery, models.WatchAlertEntry, models.WatchAlertMember, models.WatchAlert,
                  models.WatchMonitor, models.Event, models.EventCursor, SecurityEvent, models.DutyShift):
        model.objects.all().delete()


def config(**extra: Any) -> Any:
    table = {
        "console-url": "http://testserver",
        "retry-first": 30, "retry-max": 600, "give-up-hours": 1, "poll": 1,
        "email": {"host": "127.0.0.1", "port": 2525, "sender": "canhgac@stttt.test", "user": "u",
                  "password-env": "PW", "timeout": 5},
        "telegram": {"token-env": "TG", "api-url": "http://127.0.0.1:9"},
        "recipients": [
            {"name": "Trực ban An", "email": "an@stttt.test", "telegram": "42"},
            {"name": "Chỉ SO-B", "email": "b@stttt.test", "agencies": ["SO-B"]},
        ],
        **extra,
    }
    return channel_config(table, base=_WORKSPACE, environ=ENV)


class Recorder:
    """A sender that fails while ``down`` (or with a permanent refusal) and records each attempt."""

    def __init__(self, clock: FakeClock, down: bool = False) -> None:
        self.clock = clock
        self.down = down
        self.permanent = False
        self.attempts: list[tuple[datetime, Outgoing]] = []
        self.delivered: list[Outgoing] = []
        self.lock = threading.Lock()

    def send(self, message: Outgoing) -> None:
        with self.lock:
            self.attempts.append((self.clock.now(), message))
            if self.down or self.permanent:
                raise DeliveryError("127.0.0.1:2525: ConnectionRefusedError", permanent=self.permanent)
            self.delivered.append(message)


def open_alert(url: str, at: datetime, agency: str = "SO-A") -> int:
    monitor = http(url, agency)
    key = f"{monitor.key}@{at.isoformat()}"
    state = MonitorState(monitor.key, health=Health.DOWN, alert=key)
    action = OpenAlert(key, monitor.key, "down", "high", {"target": url, "reason": "refused"}, "", at)
    DjangoWatchStore().commit(monitor, state, [action])
    return int(models.WatchAlert.objects.get(key=key).pk)


def recover(alert_id: int, at: datetime) -> None:
    alert = models.WatchAlert.objects.get(pk=alert_id)
    monitor = http(alert.values["target"], alert.agency_code)
    DjangoWatchStore().commit(monitor, MonitorState(monitor.key, health=Health.UP), [
        RecoverAlert(alert.key, monitor.key, at)])


def loop_with(clock: FakeClock, senders: dict[str, Any], **extra: Any) -> Deliverer:
    return deliverer(config(**extra), clock=clock, clients=senders, owner="test-owner")


async def run_for(clock: FakeClock, loop: Deliverer, seconds: float) -> None:
    task = asyncio.create_task(loop.run())
    await clock.advance(seconds, settle=loop.settle)
    loop.stop()
    await clock.advance(2, settle=loop.settle)
    await task


# --- queueing --------------------------------------------------------------------------------

async def test_each_alert_event_is_queued_once_per_recipient_and_channel() -> None:
    clock = FakeClock(START)
    alert = open_alert("https://portal.so-a.gov.test/", clock.now())
    store = DjangoDeliveryStore(config())
    assert store.feed(clock.now()) == 2  # An by e-mail and Telegram; the SO-B officer not
    assert store.feed(clock.now()) == 0  # the cursor moved with the rows: nothing twice
    rows = list(WatchDelivery.objects.order_by("channel"))
    assert [(r.channel, r.address, r.kind) for r in rows] == [
        ("email", "an@stttt.test", "alert.opened"), ("telegram", "42", "alert.opened")]
    body = rows[0].body
    assert "Cơ quan: SO-A" in body and "Tài sản: https://portal.so-a.gov.test/" in body
    assert LINK.search(body) and rows[0].data["alert"] == alert
    assert rows[0].token != rows[1].token  # one link per message
    recover(alert, clock.now() + timedelta(minutes=5))
    assert store.feed(clock.now()) == 2
    recovered = WatchDelivery.objects.filter(kind="alert.recovered").first()
    assert recovered is not None and not LINK.search(recovered.body)


async def test_events_older_than_the_give_up_age_are_not_delivered() -> None:
    open_alert("https://portal.so-a.gov.test/", START)
    models.Event.objects.update(created_at=timezone.now() - timedelta(hours=2))  # written 2 hours ago
    assert DjangoDeliveryStore(config()).feed(START) == 0


# --- retries and order -----------------------------------------------------------------------

async def test_retries_follow_the_back_off_on_the_fake_clock_and_deliver_once() -> None:
    clock = FakeClock(START)
    mail = Recorder(clock, down=True)
    loop = loop_with(clock, {"email": mail, "telegram": Recorder(clock)})
    open_alert("https://portal.so-a.gov.test/", clock.now())

    task = asyncio.create_task(loop.run())
    await clock.advance(100, settle=loop.settle)  # attempts at 0, 30, 90: all refused
    mail.down = False
    await clock.advance(200, settle=loop.settle)  # the next at 90 + 120 = 210: delivered
    loop.stop()
    await clock.advance(2, settle=loop.settle)
    await task
    offsets = [(at - START).total_seconds() for at, _m in mail.attempts]
    assert offsets == [0, 30, 90, 210]
    assert len(mail.delivered) == 1
    row = WatchDelivery.objects.get(channel="email")
    assert (row.status, row.attempts, row.uncertain, row.last_error) == ("sent", 4, 0, "")
    steps = [e.kind for e in models.WatchAlertEntry.objects.filter(alert_id=row.alert_id)]
    assert steps.count("notified") == 2  # e-mail and Telegram, once each


async def test_one_address_gets_its_messages_in_order_after_an_outage() -> None:
    clock = FakeClock(START)
    mail = Recorder(clock, down=True)
    loop = loop_with(clock, {"email": mail, "telegram": Recorder(clock)})
    alert = open_alert("https://portal.so-a.gov.test/", clock.now())
    recover(alert, clock.now())
    task = asyncio.create_task(loop.run())
    await clock.advance(40, settle=loop.settle)
    assert {m.subject.split(" #")[0] for _at, m in mail.attempts} == {"[canhgac] Cảnh báo"}  # only the head
    mail.down = False
    await clock.advance(100, settle=loop.settle)
    loop.stop()
    await clock.advance(2, settle=loop.settle)
    await task
    kinds = [m.data["event"] for m in mail.delivered]
    assert kinds == ["alert.opened", "alert.recovered"]


async def test_a_permanent_refusal_is_given_up_and_said_in_the_timeline() -> None:
    clock = FakeClock(START)
    mail = Recorder(clock)
    mail.permanent = True
    loop = loop_with(clock, {"email": mail, "telegram": Recorder(clock)})
    alert = open_alert("https://portal.so-a.gov.test/", clock.now())
    await run_for(clock, loop, 100)
    assert len(mail.attempts) == 1
    row = WatchDelivery.objects.get(channel="email")
    assert row.status == "failed" and "ConnectionRefused" in row.last_error
    failed = models.WatchAlertEntry.objects.get(alert_id=alert, kind="delivery_failed")
    assert failed.actor == "Trực ban An" and failed.detail["channel"] == "email"


async def test_too_old_to_retry_is_given_up() -> None:
    clock = FakeClock(START)
    mail = Recorder(clock, down=True)
    loop = loop_with(clock, {"email": mail, "telegram": Recorder(clock)}, poll=20)
    open_alert("https://portal.so-a.gov.test/", clock.now())
    await run_for(clock, loop, 2 * 3600)
    row = WatchDelivery.objects.get(channel="email")
    assert row.status == "failed"
    assert (mail.attempts[-1][0] - START).total_seconds() <= 3600  # give-up-hours = 1


# --- leases ----------------------------------------------------------------------------------

async def test_two_processes_never_hold_the_same_delivery_and_an_expired_lease_is_resent() -> None:
    now = START
    open_alert("https://portal.so-a.gov.test/", now)
    a, b = DjangoDeliveryStore(config()), DjangoDeliveryStore(config())
    a.feed(now)
    first = a.claim(now, "A", 60, 10)
    assert len(first) == 2 and b.claim(now, "B", 60, 10) == []  # A holds both
    held = first[0]
    assert b.claim(now + timedelta(seconds=59), "B", 60, 10) == []
    a.sent(first[1].id, "A", now)
    again = b.claim(now + timedelta(seconds=61), "B", 60, 10)  # A died mid-send: B takes it over
    assert [c.id for c in again] == [held.id] and again[0].attempts == 2
    assert WatchDelivery.objects.get(pk=held.id).uncertain == 1
    a.failed(held.id, "A", now + timedelta(seconds=62), "late", None)  # A's late word counts no more
    assert WatchDelivery.objects.get(pk=held.id).status == "sending"
    assert b.sent(held.id, "B", now + timedelta(seconds=63)) is True
    assert a.sent(held.id, "A", now + timedelta(seconds=64)) is False  # already sent: nothing twice
    assert models.WatchAlertEntry.objects.filter(kind="notified").count() == 2


# --- the acknowledgement link ----------------------------------------------------------------

def _link_path(text: str) -> str:
    found = LINK.search(text)
    assert found is not None
    return found.group(0).removeprefix("http://testserver")


async def test_the_link_shows_on_get_acknowledges_on_post_once_and_is_recorded() -> None:
    alert = open_alert("https://portal.so-a.gov.test/", timezone.now())
    DjangoDeliveryStore(config()).feed(timezone.now())
    mail = WatchDelivery.objects.get(channel="email")
    path = _link_path(mail.body)
    client = Client(REMOTE_ADDR="192.0.2.7")
    page = client.get(path)
    assert page.status_code == 200 and 'id="ack-button"' in page.content.decode()
    assert models.WatchAlert.objects.get(pk=alert).acknowledged_at is None  # a GET changes nothing
    done = client.post(path)
    assert done.status_code == 200 and 'id="ack-done"' in done.content.decode()
    row = models.WatchAlert.objects.get(pk=alert)
    assert row.acknowledged_by == "Trực ban An"
    entry = models.WatchAlertEntry.objects.get(alert_id=alert, kind="acknowledged")
    assert entry.actor == "Trực ban An" and entry.detail == {"channel": "link:email"}
    (event,) = SecurityEvent.objects.filter(kind="watch.alert_acknowledged")
    logged = {"alert": alert, "agency": "SO-A", "problem": "down", "channel": "link:email"}
    assert (event.actor, event.address, event.detail) == ("Trực ban An", "192.0.2.7", logged)
    used = client.get(path)
    assert used.status_code == 400 and "đã được dùng" in used.content.decode()
    assert client.post(path).status_code == 400
    assert SecurityEvent.objects.filter(kind="watch.alert_acknowledged").count() == 1
    other = _link_path(WatchDelivery.objects.get(channel="telegram").body)
    before = client.post(other)  # the second person's link: already acknowledged, link spent
    assert before.status_code == 200 and 'id="ack-before"' in before.content.decode()


async def test_an_altered_or_expired_link_is_refused() -> None:
    open_alert("https://portal.so-a.gov.test/", timezone.now())
    DjangoDeliveryStore(config()).feed(timezone.now())
    mail = WatchDelivery.objects.get(channel="email")
    path = _link_path(mail.body)
    client = Client()
    altered = client.post(path[:-3] + "xx/")
    assert altered.status_code == 400 and 'id="ack-refused"' in altered.content.decode()
    expired = make_link("http://testserver", mail.token, timezone.now() - timedelta(seconds=1))
    answer = client.post(expired.removeprefix("http://testserver"))
    assert answer.status_code == 400 and "hết hạn" in answer.content.decode()
    assert models.WatchAlert.objects.get(pk=mail.alert_id).acknowledged_at is None


async def test_the_cli_acknowledgement_is_in_the_security_log_too() -> None:
    alert = open_alert("https://portal.so-a.gov.test/", timezone.now())
    watch_service.acknowledge_alert(watch_service.viewer_scope(None), alert, actor="cli:an")
    again = watch_service.acknowledge_alert(watch_service.viewer_scope(None), alert, actor="cli:binh")
    assert again[1] is True and again[0].acknowledged_by == "cli:an"  # already: nothing logged again
    (event,) = SecurityEvent.objects.filter(kind="watch.alert_acknowledged")
    assert event.actor == "cli:an" and event.detail["channel"] == "cli" and "via" not in event.detail


async def test_retry_policy_comes_from_the_settings() -> None:
    loop = loop_with(FakeClock(START), {})
    assert loop.policy == RetryPolicy(first=30, most=600, give_up=3600) and loop.poll == 1


# --- roster and escalation -------------------------------------------------------------------

def roster(*rows: tuple[str, str, float, float]) -> None:
    """Shifts (person, role, start hour, end hour) from START; each person's e-mail is their name."""
    from canhgac.console.store import duty_store
    from canhgac.watch.roster import Shift

    duty_store.import_shifts([
        Shift(person, role, START + timedelta(hours=a), START + timedelta(hours=b),
              email=f"{person}@stttt.test")
        for person, role, a, b in rows
    ], source="tet.csv", actor="test")


TET = (("an", "on-duty", 0, 8), ("cuong", "on-duty", 8, 16), ("binh", "backup", 0, 24),
       ("lan", "lead", 0, 24), ("hung", "head", 0, 24))


def first_told(mail: Recorder) -> dict[str, float]:
    """Each address's first message asking to act, in minutes after START."""
    out: dict[str, float] = {}
    for at, message in mail.attempts:
        if message.data["event"] == "alert.acknowledged":
            continue
        out.setdefault(message.address.split("@")[0], (at - START).total_seconds() / 60)
    return out


def _roster_loop(clock: FakeClock, mail: Recorder) -> Deliverer:
    return loop_with(clock, {"email": mail}, recipients=[], poll=30, **{"escalation-minutes": 15})


@pytest.mark.parametrize("ack_after", [5, 20, 35, 50, None])
async def test_escalation_goes_up_a_role_every_15_minutes_until_acknowledged(ack_after: float | None) -> None:
    roster(*TET)
    clock = FakeClock(START + timedelta(hours=1))
    mail = Recorder(clock)
    loop = _roster_loop(clock, mail)
    alert = open_alert("https://portal.so-a.gov.test/", clock.now())
    task = asyncio.create_task(loop.run())
    if ack_after is not None:
        await clock.advance(ack_after * 60, settle=loop.settle)
        watch_store.acknowledge(alert, actor="cli:an", channel="cli", now=clock.now())
    await clock.advance(2 * 3600, settle=loop.settle)
    loop.stop()
    await clock.advance(60, settle=loop.settle)
    await task
    told = {name: minutes - 60 for name, minutes in first_told(mail).items()}
    chain = ["an", "binh", "lan", "hung"]
    reached = chain if ack_after is None else chain[: int(ack_after // 15) + 1]
    assert list(told) == reached  # nobody after the acknowledgement
    for step, name in enumerate(reached):
        assert step * 15 <= told[name] < step * 15 + 1, told  # on time (the loop looks every 30 s)
    asked = [m.address for _at, m in mail.attempts if m.data["event"] != "alert.acknowledged"]
    assert sorted(asked) == sorted(f"{n}@stttt.test" for n in reached)
    # everyone asked hears once that someone took it (nobody is told without having been asked)
    taken = [m for _at, m in mail.attempts if m.data["event"] == "alert.acknowledged"]
    assert sorted(m.address for m in taken) == ([] if ack_after is None else sorted(asked))
    assert all("cli:an" in m.text and "canhgac alerts ack" not in m.text for m in taken)
    timeline = [e.kind for e in models.WatchAlertEntry.objects.filter(alert_id=alert).order_by("at", "id")]
    assert timeline[:2] == ["opened", "duty_notified"]
    assert timeline.count("escalated") == len(reached) - 1
    if "lan" in reached:
        body = next(m.text for _at, m in mail.attempts if m.address.startswith("lan@"))
        assert "Không được xác nhận sau 30 phút" in body and "trưởng nhóm" in body


async def test_an_unacknowledged_alert_is_handed_over_at_the_shift_change() -> None:
    roster(*TET)
    clock = FakeClock(START + timedelta(hours=7, minutes=55))  # An's shift ends at 08:00
    mail = Recorder(clock)
    loop = _roster_loop(clock, mail)
    alert = open_alert("https://portal.so-a.gov.test/", clock.now())
    task = asyncio.create_task(loop.run())
    await clock.advance(12 * 60, settle=loop.settle)  # 08:07: Cường on duty, backup not yet due
    told = first_told(mail)
    assert set(told) == {"an", "cuong"} and 8 * 60 <= told["cuong"] < 8 * 60 + 1
    await clock.advance(5 * 60, settle=loop.settle)  # 08:12: 17 min unacknowledged: the backup
    assert "binh" in first_told(mail)
    recover(alert, clock.now())
    await clock.advance(60, settle=loop.settle)
    loop.stop()
    await clock.advance(60, settle=loop.settle)
    await task
    recovered = {m.address for _at, m in mail.attempts if m.data["event"] == "alert.recovered"}
    assert recovered == {"an@stttt.test", "cuong@stttt.test", "binh@stttt.test"}  # everyone told hears it
    (handover,) = models.WatchAlertEntry.objects.filter(alert_id=alert, kind="duty_notified",
                                                         at__gte=START + timedelta(hours=8))
    assert handover.detail["persons"] == ["cuong (on-duty)"]


async def test_without_a_roster_nobody_is_escalated_to() -> None:
    clock = FakeClock(START)
    store = DjangoDeliveryStore(config())
    open_alert("https://portal.so-a.gov.test/", clock.now())
    assert store.escalate(clock.now() + timedelta(hours=3)) == 0


async def test_a_roster_address_on_a_channel_not_configured_is_skipped() -> None:
    from canhgac.console.store import duty_store
    from canhgac.watch.roster import Shift

    duty_store.import_shifts([Shift("an", "on-duty", START, START + timedelta(hours=8), email="an@stttt.test",
                                    telegram="42")], source="tet.csv", actor="test")
    store = DjangoDeliveryStore(config(telegram=None, recipients=[]))
    open_alert("https://portal.so-a.gov.test/", START)
    assert store.escalate(START) == 1
    assert store.feed(START) == 1
    assert [(d.channel, d.kind) for d in WatchDelivery.objects.all()] == [("email", "alert.escalated")]


async def test_a_long_queue_for_one_address_down_holds_back_no_other() -> None:
    now = START
    for n in range(30):
        open_alert(f"https://portal-{n}.so-a.gov.test/", now)
    store = DjangoDeliveryStore(config())
    assert store.feed(now) == 60  # e-mail and Telegram rows interleaved
    by_channel = {c.message.channel: c for c in store.claim(now, "A", 60, 10)}
    assert set(by_channel) == {"email", "telegram"}  # one head per address
    store.failed(by_channel["telegram"].id, "A", now, "down", now + timedelta(hours=1))
    store.sent(by_channel["email"].id, "A", now)
    for _ in range(29):  # Telegram's queue waits for its head; e-mail's goes on
        (claimed,) = store.claim(now, "A", 60, 10)
        assert claimed.message.channel == "email"
        store.sent(claimed.id, "A", now)
    assert store.claim(now, "A", 60, 10) == []
    assert WatchDelivery.objects.filter(channel="email", status="sent").count() == 30
    assert WatchDelivery.objects.filter(channel="telegram", attempts=0).count() == 29


async def test_a_configured_recipient_on_duty_too_is_told_once() -> None:
    from canhgac.console.store import duty_store
    from canhgac.watch.roster import Shift

    duty_store.import_shifts([Shift("An", "on-duty", START, START + timedelta(hours=8), email="an@stttt.test",
                                    telegram="99")], source="tet.csv", actor="test")
    store = DjangoDeliveryStore(config())  # An is a configured recipient as an@stttt.test and 42
    open_alert("https://portal.so-a.gov.test/", START)
    store.escalate(START)  # as a round does: escalate, then queue (the opening first, by event order)
    store.feed(START)
    rows = sorted((d.channel, d.address, d.kind) for d in WatchDelivery.objects.all())
    assert rows == [("email", "an@stttt.test", "alert.opened"), ("telegram", "42", "alert.opened"),
                    ("telegram", "99", "alert.escalated")]
