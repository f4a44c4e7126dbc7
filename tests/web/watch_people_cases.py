"""The roster and deliveries pages through Django's test client, on the store of
``console_cases`` with the watch's rows and ``watch_people_support``'s roster and outbox, once per
backend (``test_watch_people_backends``): who holds each role now with contacts, the shifts by
day and the gaps; importing the department's CSV (the CSIRT only, logged, replacing the file's
shifts or adding to them; a wrong line refused with its number and nothing stored); the outbox
with its filters and counts; a given-up message queued again (the CSIRT only, logged once); an
agency officer refused both pages (403) and shown no link to them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_cases import World, _client, _text, world
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from watch_people_support import People, seed_people

from canhgac.console.store import queries
from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.delivery_models import DutyShift, WatchDelivery
from canhgac.services.watch_roster import roster

__all__ = ["world"]  # the fixture

GOOD = """person,role,start,end,email,telegram,phone
Hoàng Thị Mai,on-duty,2027-02-05 08:00,2027-02-05 20:00,mai@stttt.gov.vn,,0900000001
Hoàng Thị Mai,backup,2027-02-05 20:00,2027-02-06 08:00,mai@stttt.gov.vn,,
"""
BAD_ROLE = GOOD + "Ngô Văn Tú,trực đêm,2027-02-06 08:00,2027-02-06 20:00,tu@stttt.gov.vn,,\n"


@pytest.fixture
def people(world: World) -> People:
    return seed_people(world.watch.hijack, world.watch.grouped)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:800])
    return _text(answer)


def _csv(text: str | bytes, name: str = "tet-2027.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


# --- the roster ------------------------------------------------------------------------------


def test_the_roster_says_who_holds_each_role_now_with_contacts(people: People) -> None:
    page = _ok(_client("analyst").get("/watch/roster/"))
    holders = page.split('id="holders"')[1].split("</div>")[0]
    for role, person in (
        ("on-duty", "Nguyễn Văn An"),
        ("backup", "Trần Thị Bình"),
        ("lead", "Lê Văn Lâm"),
        ("head", "Phạm Hùng"),
    ):
        section = holders.split(f'id="holder-{role}"')[1].split("</section>")[0]
        assert person in section, role
    on_duty = holders.split('id="holder-on-duty"')[1].split("</section>")[0]
    assert 'href="mailto:an@stttt.gov.vn"' in on_duty and 'href="tel:0912345678"' in on_duty
    assert "Telegram 123456789" in on_duty and "Đỗ Văn Dũng" not in holders  # his shift is over
    assert "Trực chính" in page or "trực chính" in page  # roles in Vietnamese
    assert 'id="gap-now"' not in page  # someone is on duty now
    gaps = page.split('id="gaps"')[1].split("</ul>")[0]
    assert gaps.count("<li") == 2  # before Cường's shift, and after it to the roster's end
    assert 'id="sources"' in page and "tet-2027.csv" in page
    assert page.count('<details class="day') >= 3 and 'class="bar gap"' in page
    assert 'class="bar role-on-duty"' in page and "<title>Nguyễn Văn An:" in page
    assert 'id="import-form"' in page  # an analyst imports


def test_the_roster_warns_when_nobody_is_on_duty(people: People) -> None:
    inside = people.gap[0] + timedelta(hours=1)
    found = roster(queries.ViewerScope.everything(), inside)
    assert found.uncovered_now and [s.person for s in dict(found.holders)["on-duty"]] == []
    assert dict(found.holders)["backup"][0].person == "Trần Thị Bình"
    assert (found.gaps[0].start, found.gaps[0].end) == people.gap
    assert not roster(queries.ViewerScope.everything(), people.now).uncovered_now
    assert roster(queries.ViewerScope.agencies({"SO-B"}), people.now).shifts == ()  # an officer: nothing
    DutyShift.objects.filter(person="Nguyễn Văn An").delete()
    page = _ok(_client("analyst").get("/watch/roster/"))
    assert 'id="gap-now"' in page and "Không có ai trực" in page
    assert 'class="holder card empty" id="holder-on-duty"' in page


def test_the_roster_in_english(people: People) -> None:
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/watch/roster/"})
    page = _ok(client.get("/watch/roster/"))
    for text in (
        "Duty roster",
        "on duty",
        "backup",
        "team lead",
        "CSIRT head",
        "Shifts by day",
        "Gaps",
        "Nobody on duty from",
        "Import a roster",
    ):
        assert text in page, text


def test_an_empty_roster_says_so(world: World) -> None:
    page = _ok(_client("admin").get("/watch/roster/"))
    assert 'id="no-roster"' in page and 'id="import-form"' in page and 'id="holders"' not in page


def test_the_csirt_imports_a_roster_and_it_is_logged(people: People) -> None:
    client = _client("analyst")
    answer = client.post("/watch/roster/", {"file": _csv(GOOD)})
    assert answer.status_code == 302 and answer["Location"] == "/watch/roster/?imported=2&file=tet-2027.csv"
    assert set(DutyShift.objects.values_list("person", flat=True)) == {"Hoàng Thị Mai"}  # the file's replaced
    mai = DutyShift.objects.get(role="on-duty")
    assert mai.start == datetime(2027, 2, 5, 1, 0, tzinfo=UTC) and mai.imported_by == "analyst"
    page = _ok(client.get(answer["Location"]))
    assert 'id="import-saved"' in page and "2 ca trực" in page and "tet-2027.csv" in page
    (logged,) = _events("watch.roster_imported")
    assert (logged.actor, logged.address) == ("analyst", "192.0.2.10")
    assert logged.detail == {"file": "tet-2027.csv", "shifts": 2, "append": False, "via": "session"}
    more = client.post(
        "/watch/roster/", {"file": _csv(GOOD, "C:\\Users\\csirt\\tet-2027.csv"), "append": "1"}
    )
    assert more.status_code == 302 and DutyShift.objects.count() == 4
    other = client.post("/watch/roster/", {"file": _csv(GOOD.replace("Mai", "Lan"), "ca-dem.csv")})
    assert other.status_code == 302 and DutyShift.objects.count() == 6  # another file: added beside
    assert len(_events("watch.roster_imported")) == 3
    log = _ok(_client("admin").get("/security-log/?kind=watch.roster_imported"))
    assert log.count("ev-watch-roster_imported") == 3


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (BAD_ROLE.encode(), "dòng 4"),
        (b"person,role\nAn,on-duty\n", "dòng 1"),
        (GOOD.replace("mai@stttt.gov.vn,,0900000001", ",,0900000001").encode(), "dòng 2"),
        (GOOD.replace("2027-02-05 20:00,mai", "2027-02-05 07:00,mai", 1).encode(), "dòng 2"),
        ("họ tên,vai trò".encode("utf-16"), "UTF-8"),
        (b"", "trống"),
        (b"person,role,start,end\n" + b"x" * 2_000_001, "lớn hơn"),
    ],
)
def test_a_wrong_roster_imports_nothing_and_says_why(people: People, upload: bytes, said: str) -> None:
    before = DutyShift.objects.count()
    page = _ok(_client("admin").post("/watch/roster/", {"file": _csv(upload)}), 400)
    error = page.split('id="import-error">')[1].split("</p>")[0]
    assert said in error and "tet-2027.csv" in error and "\n" not in error, error
    assert DutyShift.objects.count() == before and not _events("watch.roster_imported")


def test_a_roster_post_without_a_file_is_refused(people: People) -> None:
    page = _ok(_client("admin").post("/watch/roster/", {}), 400)
    assert 'id="import-error"' in page and not _events("watch.roster_imported")


def test_only_the_csirt_reads_and_imports_the_roster(people: People) -> None:
    leader = _client("leader")
    page = _ok(leader.get("/watch/roster/"))
    assert "Nguyễn Văn An" in page and 'id="import-form"' not in page  # leaders read it
    assert leader.post("/watch/roster/", {"file": _csv(GOOD)}).status_code == 403
    officer = _client("officer_b")
    for url in ("/watch/roster/", "/watch/deliveries/", f"/watch/deliveries/?alert={people.sent}"):
        refused = _ok(officer.get(url), 403)
        assert "an@stttt.gov.vn" not in refused and "Nguyễn Văn An" not in refused, url
    assert officer.post("/watch/roster/", {"file": _csv(GOOD)}).status_code == 403
    assert officer.post(f"/watch/deliveries/{people.failed}/requeue/").status_code == 403
    board = _ok(officer.get("/watch/"))
    assert 'id="link-roster"' not in board and 'id="link-deliveries"' not in board
    alert = _ok(officer.get(f"/watch/alerts/{people_alert(people)}/"))
    assert 'id="link-alert-deliveries"' not in alert
    assert DutyShift.objects.filter(person="Hoàng Thị Mai").count() == 0 and not _events(
        "watch.roster_imported"
    )
    assert WatchDelivery.objects.get(pk=people.failed).status == "failed"
    assert _client("analyst").put("/watch/roster/").status_code == 405
    for url in ("/watch/roster/", "/watch/deliveries/"):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url


def people_alert(people: People) -> int:
    return int(WatchDelivery.objects.get(pk=people.sent).alert_id)


# --- the outbox ------------------------------------------------------------------------------


def test_the_outbox_lists_every_message_and_filters_it(people: People) -> None:
    client = _client("analyst")
    board = _ok(client.get("/watch/"))
    assert 'id="link-roster"' in board and 'id="link-deliveries"' in board
    page = _ok(client.get("/watch/deliveries/"))
    for d in (people.sent, people.failed, people.pending, people.uncertain):
        assert f'id="delivery-{d}"' in page, d
    assert 'id="count-failed">1<' in page and 'id="count-sent">2<' in page and 'id="count-pending">1<' in page
    failed = page.split(f'id="delivery-{people.failed}"')[1].split("</tr>")[0]
    assert (
        "bot was blocked by the user" in failed
        and "đã ngừng gửi" in failed
        and ">9<" in failed.replace(" ", "")
    )
    assert 'action="/watch/deliveries/' in failed  # re-queue
    uncertain = page.split(f'id="delivery-{people.uncertain}"')[1].split("</tr>")[0]
    assert "(1 lần không chắc chắn)" in uncertain
    pending = page.split(f'id="delivery-{people.pending}"')[1].split("</tr>")[0]
    assert "connection refused" in pending and "https://chat.stttt.gov.vn/hooks/canhgac" in pending

    def shown(query: str) -> set[int]:
        found = _ok(client.get(f"/watch/deliveries/?{query}"))
        return {
            d
            for d in (people.sent, people.failed, people.pending, people.uncertain)
            if f'id="delivery-{d}"' in found
        }

    assert shown("status=failed") == {people.failed}
    assert shown("channel=email") == {people.sent, people.uncertain}
    assert shown(f"alert={people_alert(people)}") == {people.sent, people.failed, people.pending}
    assert shown("channel=email&status=sent&alert=999999") == set()
    assert shown("status=nonsense&channel=fax&alert=x&page=abc") == shown("")  # ignored
    alert = _ok(client.get(f"/watch/alerts/{people_alert(people)}/"))
    assert f'href="/watch/deliveries/?alert={people_alert(people)}"' in alert


def test_the_outbox_in_english(people: People) -> None:
    client = _client("admin")
    client.post("/account/language/", {"language": "en", "next": "/watch/deliveries/"})
    page = _ok(client.get("/watch/deliveries/"))
    for text in ("Alert messages", "given up", "queued", "Telegram", "(1 uncertain)", "Queue again"):
        assert text in page, text


def test_the_csirt_queues_a_given_up_message_again_once(people: People) -> None:
    client = _client("analyst")
    answer = client.post(f"/watch/deliveries/{people.failed}/requeue/")
    assert answer.status_code == 302 and answer["Location"] == f"/watch/deliveries/?requeued={people.failed}"
    row = WatchDelivery.objects.get(pk=people.failed)
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at <= datetime.now(UTC) and row.created_at > people.now - timedelta(minutes=1)
    (logged,) = _events("watch.delivery_requeued")
    assert logged.actor == "analyst" and logged.detail["delivery"] == people.failed
    assert logged.detail["attempts"] == 9 and "blocked" in logged.detail["last_error"]
    page = _ok(client.get(answer["Location"]))
    assert 'id="requeued"' in page
    again = client.post(f"/watch/deliveries/{people.failed}/requeue/")
    assert again["Location"] == "/watch/deliveries/?refused=1"
    assert (
        client.post(f"/watch/deliveries/{people.sent}/requeue/")["Location"] == "/watch/deliveries/?refused=1"
    )
    assert len(_events("watch.delivery_requeued")) == 1
    assert client.post("/watch/deliveries/999999/requeue/").status_code == 404
    assert client.get(f"/watch/deliveries/{people.failed}/requeue/").status_code == 405
    assert _client("leader").post(f"/watch/deliveries/{people.failed}/requeue/").status_code == 403
