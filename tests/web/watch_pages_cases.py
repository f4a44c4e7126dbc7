"""The watch pages through Django's test client, on the store of ``console_cases`` with the rows
of ``watch_board_support``, once per backend (``test_watch_pages_backends``): the board and its
htmx fragment for each role, B's officer seeing none of A's monitors, alerts or members (a
grouped alert shows B's member alone) and answered 404 for every A row by URL, acknowledgement
by the CSIRT only (logged once, CSRF required), the history's filters, an alert's timeline,
monitors edited and a new DNS baseline accepted by administrators (logged, read by a running
daemon's store), maintenance windows planned and ended, refused values on one line.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_cases import World, _client, _text, world
from django.db import transaction
from django.test import Client
from watch_board_support import A_PORTAL, B_DOMAIN, B_MAIL, B_PORTAL, WatchRows
from web_store_support import A_NAME, A, B

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.watch_models import WatchAlert, WatchAlertEntry, WatchMaintenance, WatchMonitor
from canhgac.console.store.watch_store import DjangoWatchStore

__all__ = ["world"]  # the fixture


@pytest.fixture
def rows(world: World) -> WatchRows:
    return world.watch


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:800])
    return _text(answer)


# --- the board -------------------------------------------------------------------------------


def test_the_board_shows_every_monitor_and_the_open_alerts_to_the_csirt(rows: WatchRows) -> None:
    page = _ok(_client("analyst").get("/watch/"))
    assert 'aria-current="page">Giám sát</a>' in page  # the navigation's link, Vietnamese by default
    assert 'hx-get="/watch/live/"' in page and 'hx-trigger="every 5s"' in page
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    for target in (A_PORTAL, B_PORTAL, B_MAIL, B_DOMAIN, "mx.alpha.gov.vn"):
        assert target in page, target
    assert page.count('<tr id="alert-') == 2  # the grouped one and the hijack; not the recovered ones
    assert f'id="alert-{rows.grouped}"' in page and f'id="alert-{rows.hijack}"' in page
    assert 'id="count-down">3<' in page and 'id="count-up">1<' in page and 'id="count-alerts">2<' in page
    assert "bản ghi MX của beta.gov.vn đã thay đổi" in page and "có thể tên miền bị chiếm quyền" in page
    assert page.count('action="/watch/alerts/') == 2  # an acknowledge button for each open alert
    assert "nâng cấp" in page  # A's maintenance window, in effect
    fragment = _ok(_client("analyst").get("/watch/live/"))
    assert fragment.startswith('<section id="board"') and "<html" not in fragment and A_PORTAL in fragment


def test_the_board_filtered_by_agency_and_problems(rows: WatchRows) -> None:
    client = _client("analyst")
    page = _ok(client.get(f"/watch/?agency={B}&problems=1"))
    assert f'hx-get="/watch/live/?agency={B}&amp;problems=1"' in page  # the poll keeps the filter
    assert B_PORTAL in page and B_DOMAIN in page and B_MAIL not in page
    assert A_PORTAL not in page  # the grouped alert, as B's members tell it
    assert f'id="monitor-{rows.monitors[A_PORTAL]}"' not in page and 'id="count-up">1<' in page
    fragment = _ok(client.get(f"/watch/live/?agency={B}&problems=1"))
    assert f'id="monitor-{rows.monitors[B_MAIL]}"' not in fragment
    assert f'id="monitor-{rows.monitors[B_DOMAIN]}"' in fragment
    officer = _ok(_client("officer_b").get(f"/watch/?agency={A}"))
    assert 'id="no-monitors"' in officer and 'id="no-open-alerts"' in officer and "alpha" not in officer


def test_the_board_in_english(rows: WatchRows) -> None:
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/watch/"})
    page = _ok(client.get("/watch/"))
    assert (
        ">Watch</a>" in page
        and "the MX records of beta.gov.vn changed" in page
        and "a possible hijack" in page
    )
    assert "Acknowledge" in page and "not checked yet" in page


def test_an_officer_sees_only_their_agencys_monitors_and_members(rows: WatchRows) -> None:
    client = _client("officer_b")
    for url in (
        "/watch/",
        "/watch/live/",
        f"/watch/alerts/{rows.grouped}/",
        "/watch/alerts/",
        f"/watch/monitors/{rows.monitors[B_DOMAIN]}/",
        "/watch/maintenance/",
    ):
        page = _ok(client.get(url))
        for secret in (A_PORTAL, "alpha.gov.vn", A_NAME, "192.0.2.10", f">{A}<", "nâng cấp"):
            assert secret not in page, (url, secret)
    board = _ok(client.get("/watch/"))
    assert B_PORTAL in board and B_DOMAIN in board
    assert 'action="/watch/alerts/' not in board  # no acknowledge button for an officer
    grouped = _ok(client.get(f"/watch/alerts/{rows.grouped}/"))
    assert f"{B_PORTAL} không phản hồi: refused: 192.0.2.11" in grouped  # said about B's member
    assert grouped.count("<tr><td>SO-B</td>") == 1 and "SO-A" not in grouped
    assert 'id="ack-form"' not in grouped


def test_who_was_told_is_the_csirts_not_an_officers(rows: WatchRows) -> None:
    at = datetime(2027, 2, 6, 3, 0, tzinfo=UTC)
    WatchAlertEntry.objects.create(alert_id=rows.hijack, kind="escalated", at=at,
                                   detail={"step": 1, "persons": ["Dự phòng Bình (backup)"]})
    WatchAlertEntry.objects.create(alert_id=rows.hijack, kind="notified", at=at, actor="Dự phòng Bình",
                                   detail={"channel": "email", "event": "alert.escalated", "delivery": 1})
    csirt = _ok(_client("analyst").get(f"/watch/alerts/{rows.hijack}/"))
    assert "Dự phòng Bình (backup)" in csirt and "Dự phòng Bình" in csirt and "email" in csirt
    officer = _ok(_client("officer_b").get(f"/watch/alerts/{rows.hijack}/"))
    assert "Dự phòng Bình" not in officer  # the roster's people: a viewer of every agency only


def test_an_officer_reaches_none_of_another_agencys_rows_by_url(rows: WatchRows) -> None:
    client = _client("officer_b")
    assert client.get(f"/watch/alerts/{rows.alert_a}/").status_code == 404
    assert client.get(f"/watch/monitors/{rows.monitors[A_PORTAL]}/").status_code == 404
    assert client.get(f"/watch/monitors/{rows.monitors['mx.alpha.gov.vn']}/").status_code == 404
    assert client.post(f"/watch/alerts/{rows.alert_a}/ack/").status_code == 404
    assert (
        client.post(f"/watch/monitors/{rows.monitors[A_PORTAL]}/edit/", {"interval": "30"}).status_code == 404
    )
    assert client.post(f"/watch/monitors/{rows.monitors[A_PORTAL]}/accept-baseline/").status_code == 404
    assert client.post(f"/watch/maintenance/{rows.window_a}/end/").status_code == 404
    for missing in (999_999, 2**63):
        assert client.get(f"/watch/alerts/{missing}/").status_code == 404
        assert client.get(f"/watch/monitors/{missing}/").status_code == 404
    history = _ok(client.get(f"/watch/alerts/?agency={A}"))
    assert 'id="alerts-count">0 cảnh báo' in history
    assert WatchAlert.objects.get(pk=rows.alert_a).acknowledged_at is None
    assert not _events("watch.alert_acknowledged")


def test_pages_need_a_login(rows: WatchRows) -> None:
    for url in (
        "/watch/",
        "/watch/live/",
        "/watch/alerts/",
        f"/watch/alerts/{rows.grouped}/",
        f"/watch/monitors/{rows.monitors[B_DOMAIN]}/",
        "/watch/maintenance/",
    ):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url


# --- acknowledging ----------------------------------------------------------------------------


def test_the_csirt_acknowledges_an_alert_once_and_it_is_logged(rows: WatchRows) -> None:
    client = _client("analyst")
    answer = client.post(f"/watch/alerts/{rows.hijack}/ack/", {"note": "đã liên hệ nhà đăng ký tên miền"})
    assert answer.status_code == 302 and answer["Location"] == f"/watch/alerts/{rows.hijack}/?acked=1"
    page = _ok(client.get(answer["Location"]))
    assert (
        'id="ack-saved"' in page and "đã liên hệ nhà đăng ký tên miền" in page and 'id="ack-form"' not in page
    )
    alert = WatchAlert.objects.get(pk=rows.hijack)
    assert alert.acknowledged_by == "analyst" and alert.acknowledged_at is not None
    again = client.post(f"/watch/alerts/{rows.hijack}/ack/", {"note": "lần hai", "next": "board"})
    assert again.status_code == 302 and again["Location"] == "/watch/"
    (logged,) = _events("watch.alert_acknowledged")
    assert (logged.actor, logged.address) == ("analyst", "192.0.2.10")
    assert logged.detail == {
        "alert": rows.hijack, "agency": B, "problem": "dns_hijack", "channel": "console", "via": "session"
    }
    steps = list(WatchAlertEntry.objects.filter(alert_id=rows.hijack, kind="acknowledged"))
    assert len(steps) == 1
    assert steps[0].detail == {"note": "đã liên hệ nhà đăng ký tên miền", "channel": "console"}
    log = _ok(_client("admin").get("/security-log/?kind=watch.alert_acknowledged"))
    assert log.count('<tr class="ev-watch-alert_acknowledged">') == 1


def test_officers_and_leaders_may_not_acknowledge(rows: WatchRows) -> None:
    for name in ("officer_b", "leader"):
        assert _client(name).post(f"/watch/alerts/{rows.hijack}/ack/").status_code == 403, name
    assert _client("analyst").get(f"/watch/alerts/{rows.hijack}/ack/").status_code == 405
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.10")
    strict.cookies = _client("analyst").cookies  # logged in, but sending no CSRF token
    assert strict.post(f"/watch/alerts/{rows.hijack}/ack/").status_code == 403  # no CSRF token
    assert WatchAlert.objects.get(pk=rows.hijack).acknowledged_at is None
    assert not _events("watch.alert_acknowledged")


# --- history and timeline ---------------------------------------------------------------------


def test_the_history_filters_by_agency_status_and_period(rows: WatchRows) -> None:
    client = _client("analyst")

    def shown(query: str) -> set[int]:
        page = _ok(client.get(f"/watch/alerts/?{query}"))
        ids = {rows.alert_a, rows.alert_b, rows.grouped, rows.hijack}
        return {i for i in ids if f'<tr id="alert-{i}"' in page}

    everything = {rows.alert_a, rows.alert_b, rows.grouped, rows.hijack}
    assert shown("") == everything
    assert shown(f"agency={A}") == {rows.alert_a, rows.grouped}
    assert shown(f"agency={B}") == {rows.alert_b, rows.grouped, rows.hijack}
    assert shown("status=recovered") == {rows.alert_a, rows.alert_b}
    assert shown("status=acknowledged") == {rows.alert_b}
    assert shown("status=open") == {rows.grouped, rows.hijack}
    assert shown("since=2026-02-04") == {rows.grouped, rows.hijack}  # opened 2026-02-05 08:00 (+07)
    assert shown("until=2026-02-03") == {rows.alert_a, rows.alert_b}
    assert shown("since=2026-02-02&until=2026-02-02") == {rows.alert_a, rows.alert_b}
    assert shown("since=garbage&until=2027-99-99&status=nonsense&page=x") == everything  # ignored
    assert shown(f"agency={B}&status=recovered") == {rows.alert_b}
    assert shown("agency=NOPE") == set()


def test_an_alerts_timeline(rows: WatchRows) -> None:
    page = _ok(_client("analyst").get(f"/watch/alerts/{rows.alert_b}/"))
    timeline = page.split('id="alert-timeline"')[1]
    assert timeline.index("mở") < timeline.index("đã xác nhận") < timeline.index("đã khôi phục")
    assert "analyst" in timeline and "đã gọi nhà cung cấp" in timeline
    grouped = _ok(_client("analyst").get(f"/watch/alerts/{rows.grouped}/"))
    assert A_PORTAL in grouped and B_PORTAL in grouped and "thêm điểm giám sát" in grouped


# --- monitors edited, a new baseline accepted --------------------------------------------------


def test_an_administrator_edits_a_monitor_and_a_running_daemon_reads_it(rows: WatchRows) -> None:
    monitor = rows.monitors[B_MAIL]
    client = _client("admin")
    page = _ok(client.get(f"/watch/monitors/{monitor}/"))
    assert 'id="edit-form"' in page and 'id="accept-form"' not in page  # an HTTP monitor that is up
    answer = client.post(
        f"/watch/monitors/{monitor}/edit/",
        {
            "interval": "120",
            "holiday_start": "2027-02-05T00:00",
            "holiday_end": "2027-02-14T00:00",
            "holiday_interval": "30",
        },
    )  # "enabled" unticked: disabled
    assert answer.status_code == 302 and answer["Location"].endswith("?saved=definition")
    row = WatchMonitor.objects.get(pk=monitor)
    assert (row.enabled, row.interval, row.holiday_interval, row.revision, row.edited_by) == (
        False,
        120.0,
        30.0,
        1,
        "admin",
    )
    assert row.holiday_start == datetime(2027, 2, 4, 17, 0, tzinfo=UTC)  # Vietnam's midnight
    (logged,) = _events("watch.monitor_edited")
    assert logged.actor == "admin" and logged.detail["monitor"] == f"http:{B_MAIL}"
    assert logged.detail["enabled"] == "True → False" and logged.detail["interval"] == "60.0 → 120.0"
    (edit,) = DjangoWatchStore().monitor_edits({})
    assert (edit.key, edit.revision, edit.enabled, edit.interval, edit.forget) == (
        f"http:{B_MAIL}",
        1,
        False,
        120.0,
        (),
    )
    assert edit.holiday is not None and edit.holiday.interval == 30.0
    assert DjangoWatchStore().monitor_edits({edit.key: 1}) == []  # seen: nothing new
    same = client.post(
        f"/watch/monitors/{monitor}/edit/",
        {
            "interval": "120",
            "holiday_start": "2027-02-05T00:00",
            "holiday_end": "2027-02-14T00:00",
            "holiday_interval": "30",
        },
    )
    assert same.status_code == 302 and len(_events("watch.monitor_edited")) == 1  # nothing changed
    board = _ok(client.get("/watch/"))
    assert 'id="count-disabled">1<' in board


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"interval": "4"}, "interval"),
        ({"interval": "abc"}, "interval"),
        ({"interval": "1e9"}, "interval"),
        ({"interval": "60", "holiday_start": "2027-02-05T00:00"}, "holiday_end"),
        (
            {"interval": "60", "holiday_start": "2027-02-05T00:00", "holiday_end": "2027-02-04T00:00"},
            "holiday_end",
        ),
        ({"interval": "60", "holiday_start": "5/2/2027", "holiday_end": "2027-02-14T00:00"}, "holiday_start"),
        (
            {
                "interval": "60",
                "holiday_start": "2027-02-05T00:00",
                "holiday_end": "2027-02-14T00:00",
                "holiday_interval": "0",
            },
            "holiday_interval",
        ),
    ],
)
def test_refused_monitor_values_change_nothing(rows: WatchRows, form: dict[str, str], field: str) -> None:
    monitor = rows.monitors[B_MAIL]
    answer = _client("admin").post(f"/watch/monitors/{monitor}/edit/", {"enabled": "1", **form})
    page = _ok(answer, 400)
    assert 'id="monitor-error"' in page and f'name="{field}"' in page.split('aria-invalid="true"')[0][-400:]
    assert WatchMonitor.objects.get(pk=monitor).revision == 0 and not _events("watch.monitor_edited")


def test_only_administrators_change_the_watch(rows: WatchRows) -> None:
    monitor = rows.monitors[B_DOMAIN]
    for name in ("analyst", "leader", "officer_b"):
        client = _client(name)
        page = _ok(client.get(f"/watch/monitors/{monitor}/"))
        assert 'id="edit-form"' not in page and 'id="accept-form"' not in page, name
        assert client.post(f"/watch/monitors/{monitor}/edit/", {"interval": "30"}).status_code == 403, name
        assert client.post(f"/watch/monitors/{monitor}/accept-baseline/").status_code == 403, name
        assert client.post("/watch/maintenance/", {"agency": B}).status_code == 403, name
    assert _client("analyst").post(f"/watch/maintenance/{rows.window_a}/end/").status_code == 403
    assert WatchMonitor.objects.get(pk=monitor).revision == 0
    assert not WatchMaintenance.objects.filter(ended_at__isnull=False).exists()


def test_an_administrator_accepts_a_new_mx_as_the_baseline(rows: WatchRows) -> None:
    monitor = rows.monitors[B_DOMAIN]
    client = _client("admin")
    page = _ok(client.get(f"/watch/monitors/{monitor}/"))
    assert 'id="accept-form"' in page and "10 mx.evil.example." in page
    answer = client.post(f"/watch/monitors/{monitor}/accept-baseline/")
    assert answer.status_code == 302 and answer["Location"].endswith("?saved=baseline")
    row = WatchMonitor.objects.get(pk=monitor)
    assert row.baseline == {
        "NS": ["ns1.beta.gov.vn."],
        "A": ["192.0.2.7"],
    }  # MX forgotten: the next answer is kept
    assert row.forget == {"revision": 1, "keys": ["MX"]} and row.revision == 1
    (step,) = WatchAlertEntry.objects.filter(alert_id=rows.hijack, kind="baseline_accepted")
    assert step.actor == "admin" and step.detail["keys"] == ["MX"]
    (logged,) = _events("watch.baseline_accepted")
    assert logged.detail["monitor"] == f"dns:{B_DOMAIN}" and logged.detail["alert"] == rows.hijack
    (edit,) = DjangoWatchStore().monitor_edits({})
    assert (edit.forget, edit.forget_revision) == (("MX",), 1)
    timeline = _ok(client.get(f"/watch/alerts/{rows.hijack}/"))
    assert "đã chấp nhận đường cơ sở mới" in timeline
    portal = rows.monitors[B_PORTAL]  # down: nothing to accept
    refused = _ok(client.post(f"/watch/monitors/{portal}/accept-baseline/"), 400)
    assert "không có gì để chấp nhận" in refused
    assert len(_events("watch.baseline_accepted")) == 1


# --- maintenance windows ----------------------------------------------------------------------


def test_an_administrator_plans_and_ends_maintenance_windows(rows: WatchRows) -> None:
    client = _client("admin")
    start = (datetime.now(UTC) + timedelta(hours=7, days=1)).strftime("%Y-%m-%dT%H:%M")
    end = (datetime.now(UTC) + timedelta(hours=7, days=1, minutes=90)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        "/watch/maintenance/", {"agency": B, "start": start, "end": end, "reason": "thay máy chủ"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/watch/maintenance/?saved=1"
    window = WatchMaintenance.objects.get(reason="thay máy chủ")
    assert (window.agency_code, window.monitor, window.created_by) == (B, "", "admin")
    assert window.end - window.start == timedelta(minutes=90)
    one = client.post(
        "/watch/maintenance/",
        {"monitor": str(rows.monitors[B_DOMAIN]), "start": start, "end": end, "reason": "đổi DNS"},
    )
    assert one.status_code == 302
    assert WatchMaintenance.objects.get(reason="đổi DNS").monitor == f"dns:{B_DOMAIN}"
    assert WatchMaintenance.objects.get(reason="đổi DNS").agency_code == B
    assert len(_events("watch.maintenance_added")) == 2
    assert client.post(f"/watch/maintenance/{rows.window_a}/end/").status_code == 302
    ended = WatchMaintenance.objects.get(pk=rows.window_a)
    assert ended.ended_by == "admin" and ended.end <= datetime.now(UTC)
    assert client.post(f"/watch/maintenance/{window.pk}/end/").status_code == 302  # planned: cancelled
    assert WatchMaintenance.objects.get(pk=window.pk).end == window.start
    assert client.post(f"/watch/maintenance/{rows.window_a}/end/").status_code == 302  # over: nothing
    assert len(_events("watch.maintenance_ended")) == 2
    page = _ok(client.get("/watch/maintenance/?saved=ended"))
    assert "thay máy chủ" in page and 'id="window-ended"' in page


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"agency": B}, "thời điểm bắt đầu"),
        ({"agency": B, "start": "2099-01-01T10:00", "end": "2099-01-01T09:00"}, "phải kết thúc sau"),
        ({"agency": B, "start": "2020-01-01T10:00", "end": "2020-01-01T11:00"}, "trong quá khứ"),
        ({"agency": B, "start": "2099-01-01T10:00", "end": "2099-06-01T10:00"}, "60 ngày"),
        ({"agency": "NOPE", "start": "2099-01-01T10:00", "end": "2099-01-01T11:00"}, "không có cơ quan NOPE"),
        (
            {"monitor": "999999", "start": "2099-01-01T10:00", "end": "2099-01-01T11:00"},
            "không có điểm giám sát",
        ),
        (
            {
                "agency": A,
                "monitor": f"dns:{B_DOMAIN}",
                "start": "2099-01-01T10:00",
                "end": "2099-01-01T11:00",
            },
            "không phải của cơ quan",
        ),
        ({"agency": B, "start": "tomorrow", "end": "2099-01-01T11:00"}, "không phải ngày giờ"),
    ],
)
def test_refused_windows_are_said_in_one_line(rows: WatchRows, form: dict[str, str], said: str) -> None:
    before = WatchMaintenance.objects.count()
    page = _ok(_client("admin").post("/watch/maintenance/", form), 400)
    error = page.split('id="window-error">')[1].split("</p>")[0]
    assert said in error and "\n" not in error, error
    assert WatchMaintenance.objects.count() == before and not _events("watch.maintenance_added")


def test_transactions_keep_edits_and_logs_together(rows: WatchRows, monkeypatch: pytest.MonkeyPatch) -> None:
    """A security log that cannot be written leaves the monitor as it was."""
    from canhgac.console.store import watch_edits

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("log away")

    monkeypatch.setattr(watch_edits, "record_event", broken)
    monitor = rows.monitors[B_DOMAIN]
    with pytest.raises(RuntimeError), transaction.atomic():
        watch_edits.accept_baseline(monitor, actor="admin", address="")
    row = WatchMonitor.objects.get(pk=monitor)
    assert row.revision == 0 and row.baseline and "MX" in row.baseline
