"""Form 05 (the half-year and annual summary) made from stored incidents, on a real store: the
period's edges in Vietnam's time (23:30 on 31 December in Vietnam is 16:30 UTC and belongs to
that year), the counts per type and per who handled it, the DOCX read back with python-docx
(every mandatory field of shared/guidance §3.3), its conversion to PDF by LibreOffice headless
(page images kept), an agency officer's summary counting their own agency only, and the delivery
loop reading ``[incidents]``: the initial report's warning lead time and the form-05 reminders.

Not collected directly: ``test_incident_summary_store.py`` runs this module in a fresh process
per backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest

from canhgac.console.bootstrap import migrate, setup_django

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-summary-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.delivery_models import WatchDelivery  # noqa: E402
from canhgac.console.store.incident_models import Incident, IncidentEntry  # noqa: E402
from canhgac.incidents.holidays import HolidayCalendar  # noqa: E402
from canhgac.reports.forms import forms_config  # noqa: E402
from canhgac.services import incidents  # noqa: E402
from canhgac.services.incident_forms import IncidentFormError  # noqa: E402
from canhgac.services.incident_summary import parse_period, summary_counts, summary_form  # noqa: E402
from canhgac.services.incidents_settings import IncidentSettings  # noqa: E402
from canhgac.services.watch_delivery import deliverer, read_reminders  # noqa: E402
from canhgac.watch.channel_config import channel_config  # noqa: E402
from canhgac.watch.clock import FakeClock  # noqa: E402
from canhgac.watch.senders import Outgoing  # noqa: E402

A, B = "SO-A", "SO-B"
ALL = queries.ViewerScope.everything()
ONLY_A = queries.ViewerScope.agencies({A})
ACTOR = incidents.Actor("cli:tester")
SETTINGS = IncidentSettings(holidays=HolidayCalendar(years={2025: "announced", 2026: "announced"}))
NOW = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
CONFIG = forms_config(
    {
        "number-pattern": "{number}/BC-SKHCN",
        "issuer": {
            "parent": "UBND tỉnh Kiên Giang",
            "name": "Đội Ứng cứu sự cố máy tính tỉnh Kiên Giang",
            "place": "Kiên Giang",
            "address": "Số 01 Trần Hưng Đạo, Rạch Giá",
            "phone": "0297 3 862 999",
            "email": "csirt@kiengiang.gov.vn",
            "member-code": "KG-CSIRT-091",
        },
        "signer": {"authority": "KT. Giám đốc", "title": "Phó Giám đốc", "name": "Lê Hoàng Đức"},
        "summary-recommendations": "Đề nghị tổ chức diễn tập ứng cứu sự cố cấp tỉnh.",
        "summary-helpers": ["Viettel Kiên Giang"],
    },
    base=_WORKSPACE,
)
# (agency, detected at UTC, type, handled by, helpers, damage, support asked)
FIXTURES: list[tuple[str, datetime, str, str, list[str], str, bool]] = [
    # 23:30 on 31 December 2026 in Vietnam: the last half hour of 2026
    (
        A,
        datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
        "malware",
        "foreign_help",
        ["Kaspersky Lab"],
        "12 triệu",
        True,
    ),
    # 00:30 on 1 January 2026 in Vietnam (still 31 December in UTC): the first of 2026
    (A, datetime(2025, 12, 31, 17, 30, tzinfo=UTC), "spoofing", "in_house", [], "1.500.000", False),
    # 23:59 on 30 June 2026 in Vietnam: the first half-year
    (A, datetime(2026, 6, 30, 16, 59, tzinfo=UTC), "", "in_house", [], "", False),
    (
        B,
        datetime(2026, 7, 1, 3, 0, tzinfo=UTC),
        "defacement",
        "domestic_help",
        ["VNPT Kiên Giang"],
        "không rõ",
        True,
    ),
    (B, datetime(2026, 9, 9, 3, 0, tzinfo=UTC), "defacement", "", [], "", False),  # still open
    # outside 2026 in Vietnam's time: 00:00 on 1 January 2027, and 23:59 on 31 December 2025
    (A, datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "malware", "in_house", [], "", False),
    (B, datetime(2025, 12, 31, 16, 59, tzinfo=UTC), "malware", "in_house", [], "", False),
]


@pytest.fixture(autouse=True)
def _store() -> Iterator[None]:
    services.sync_agencies(
        [
            {"code": A, "name": "Sở A", "domains": ["a.gov.vn"]},
            {"code": B, "name": "Sở B", "domains": ["b.gov.vn"]},
        ]
    )
    for agency, at, kind, handled, helpers, damage, support in FIXTURES:
        pk = incidents.open_incident(
            ALL,
            SETTINGS,
            ACTOR,
            agency=agency,
            title=f"{kind or 'unclassified'} {at:%Y-%m-%d}",
            detected_at=at,
            category_code=kind,
            severity="high" if kind == "malware" else "medium",
            now=at + timedelta(hours=1),
        )
        incidents.set_details(
            ALL,
            ACTOR,
            pk,
            {
                "handled_by": handled,
                "helpers": helpers,
                "estimated_damage": damage,
                "support_from_coordinator": support,
            },
        )
    yield
    for model in (WatchDelivery, models.Event, models.EventCursor, SecurityEvent, models.DutyShift):
        model.objects.all().delete()
    IncidentEntry.objects.all()._raw_delete(IncidentEntry.objects.db)  # append-only: bypassed here
    Incident.objects.all().delete()


def _table(data: bytes) -> tuple[str, list[list[str]], list[list[list[str]]]]:
    """The document's paragraphs (body and cells) as text, form 05's table (the one whose header
    starts with "TT"), and every table."""
    document = docx.Document(io.BytesIO(data))
    tables = [[[c.text.strip() for c in row.cells] for row in t.rows] for t in document.tables]
    text = "\n".join([p.text for p in document.paragraphs] + [c for t in tables for row in t for c in row])
    table = next(t for t in tables if t[0][0] == "TT")
    return text, table, tables


def test_the_year_counts_each_incident_in_vietnams_time_and_the_docx_says_every_mandatory_field() -> None:
    made = summary_form(ALL, parse_period("2026"), CONFIG, number="42", now=NOW)
    total = made.counts.total
    assert (total.count, total.self_handled, total.with_domestic_help, total.with_foreign_help) == (
        5,
        2,
        1,
        1,
    )
    assert total.support_requested == 2 and total.damage_vnd == 13_500_000
    assert made.counts.unclassified == 1 and made.counts.unreadable_damage == 1
    assert made.counts.by_agency == {A: {"malware": 1, "spoofing": 1, "other": 1}, B: {"defacement": 2}}
    assert made.due == date(2026, 12, 15)
    text, table, tables = _table(made.docx)
    # the header: addressee (the national coordinator), number, place and date, period, organisation
    assert (
        "Kính gửi: Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an." in text
    )
    assert "Số: 42/BC-SKHCN" in text and "Kiên Giang, ngày 05 tháng 01 năm 2027" in text
    assert "BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ" in text and "NĂM 2026" in text
    assert "Kỳ báo cáo: 01 năm, từ tháng 01/2026 đến tháng 12/2026." in text
    fields = {row[0]: row[1] for t in tables if len(t[0]) == 2 for row in t}
    assert fields["Tên tổ chức (*)"] == "Đội Ứng cứu sự cố máy tính tỉnh Kiên Giang"
    assert fields["Địa chỉ (*)"] == "Số 01 Trần Hưng Đạo, Rạch Giá"
    assert fields["Mã thành viên mạng lưới (*)"] == "KG-CSIRT-091"
    # table 1: ten rows in the form's order, then the total
    assert len(table) == 12 and table[-1][1] == "Tổng cộng"
    rows = {r[1]: r[2:] for r in table[1:-1]}
    assert [r[1] for r in table[1:-1]][:3] == [
        "Tấn công từ chối dịch vụ",
        "Tấn công giả mạo",
        "Tấn công sử dụng mã độc",
    ]
    assert rows["Tấn công sử dụng mã độc"] == ["1", "0", "0", "1", "1", "12.000.000"]
    assert rows["Tấn công giả mạo"] == ["1", "1", "0", "0", "0", "1.500.000"]
    assert rows["Thay đổi giao diện"] == ["2", "0", "1", "0", "1", ""]
    assert rows["Các hình thức tấn công khác"] == ["1", "1", "0", "0", "0", ""]
    assert rows["Tấn công từ chối dịch vụ"] == ["0", "0", "0", "0", "0", ""]
    assert table[-1][2:] == ["5", "2", "1", "1", "2", "13.500.000"]
    # 2-4: helpers (configured first, then the incidents'), foreign helpers, recommendations
    lines = [line.strip() for line in text.splitlines()]
    two = lines.index("2. Danh sách tổ chức đã hỗ trợ xử lý sự cố")
    assert lines[two + 1 : two + 3] == ["- Viettel Kiên Giang", "- VNPT Kiên Giang"]
    three = lines.index("3. Danh sách tổ chức nước ngoài đã hỗ trợ xử lý sự cố")
    assert lines[three + 1] == "- Kaspersky Lab"
    assert "Đề nghị tổ chức diễn tập ứng cứu sự cố cấp tỉnh." in text
    assert "PHÓ GIÁM ĐỐC" in text and "Lê Hoàng Đức" in text and "{{" not in text and "{%" not in text
    _pdf(made.docx, "mau-05-2026")


def test_half_years_split_at_30_june_24_00_in_vietnam() -> None:
    first = summary_counts(ALL, parse_period("2026H1"))
    second = summary_counts(ALL, parse_period("2026h2"))
    assert first.total.count == 2 and first.rows["spoofing"].count == 1 and first.rows["other"].count == 1
    assert second.total.count == 3 and second.rows["malware"].count == 1
    assert summary_counts(ALL, parse_period("2027")).total.count == 1  # 00:00 on 1 January 2027
    assert summary_counts(ALL, parse_period("2025")).total.count == 1  # 23:59 on 31 December 2025
    made = summary_form(ALL, parse_period("2026H1"), CONFIG, now=NOW)
    text, _table_rows, _all = _table(made.docx)
    assert "Kỳ báo cáo: 06 tháng, từ tháng 01/2026 đến tháng 06/2026." in text
    assert "Số: ……/BC-SKHCN" in text  # no number given: a draft the clerk numbers
    assert made.due == date(2026, 6, 20) and made.number == "……/BC-SKHCN"


def test_an_agency_officers_summary_counts_their_own_agency_only() -> None:
    own = summary_form(ONLY_A, parse_period("2026"), CONFIG, number="7", now=NOW)
    assert own.counts.total.count == 3 and set(own.counts.by_agency) == {A}
    _text, table, _all = _table(own.docx)
    assert table[-1][2] == "3"
    named = summary_form(ALL, parse_period("2026"), CONFIG, agency=B, number="8", now=NOW)
    text, table, _all = _table(named.docx)
    assert table[-1][2] == "2" and "Phạm vi: các sự cố của Sở B (SO-B)." in text
    with pytest.raises(IncidentFormError, match=B):
        summary_form(ONLY_A, parse_period("2026"), CONFIG, agency=B, now=NOW)
    assert summary_counts(queries.ViewerScope.agencies(set()), parse_period("2026")).total.count == 0


def test_a_missing_issuer_is_one_line_naming_where_to_fill_it() -> None:
    bare = forms_config({"signer": {"title": "Giám đốc", "name": "X"}}, base=_WORKSPACE)
    with pytest.raises(IncidentFormError) as caught:
        summary_form(ALL, parse_period("2026"), bare, now=NOW)
    assert "[forms.issuer]" in str(caught.value) and "\n" not in str(caught.value)


def _pdf(data: bytes, name: str) -> None:
    """The DOCX converted by LibreOffice headless, its text read back, its pages as PNG kept in
    ``$CANHGAC_TEST_ARTIFACTS/forms`` (or a temporary folder, printed)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (soffice not found)")
    chosen = os.environ.get("CANHGAC_TEST_ARTIFACTS")
    folder = Path(chosen) / "forms" if chosen else Path(tempfile.mkdtemp(prefix="form05-pages-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"form 05 artefacts: {folder}")
    source = folder / f"{name}.docx"
    source.write_bytes(data)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = folder / f"{name}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext") and shutil.which("pdftoppm"):
        # reading order, not -layout: a cell's wrapped words stay together whatever the fonts' widths
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        flat = " ".join(text.split())
        for expected in (
            "BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ",
            "Tấn công sử dụng mã độc",
            "Tổng cộng",
            "13.500.000",
            "KG-CSIRT-091",
            "Kaspersky Lab",
        ):
            assert expected in flat, expected
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(pdf), str(folder / name)], check=True, timeout=120
        )
        assert list(folder.glob(f"{name}-*.png"))


# --- the delivery loop reads [incidents] -------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[Outgoing] = []

    def send(self, message: Outgoing) -> None:
        self.delivered.append(message)


def _channels() -> Any:
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
                {"name": "Officer A", "email": "a@stttt.test", "language": "en", "agencies": [A]},
            ],
        },
        base=_WORKSPACE,
        environ={"PW": "pw"},
    )


async def _round(at: datetime, recorder: Recorder, settings_text: str) -> None:
    path = _WORKSPACE / "canhgac.toml"
    path.write_text(settings_text, encoding="utf-8")
    loop = deliverer(
        _channels(),
        clock=FakeClock(at),
        clients={"email": recorder},
        owner="test",
        reminders=read_reminders(path),
    )
    await loop.round()
    await loop.round()  # twice: nothing is said twice
    await asyncio.get_running_loop().run_in_executor(loop._store_thread, loop.store.close)
    loop._store_thread.shutdown(wait=True)
    loop._send_threads.shutdown(wait=True)


async def test_form_05_is_reminded_at_each_lead_time_before_its_due_day_once() -> None:
    Incident.objects.all().update(reported_at=NOW)  # no initial-report warnings in this test
    recorder = Recorder()
    unnamed = '[incidents]\nsummary-reminder-days = [10, 2]\n'
    await _round(datetime(2026, 6, 10, 3, 0, tzinfo=UTC), recorder, unnamed)  # nobody named: no reminder
    assert recorder.delivered == [] and not models.Event.objects.filter(kind="incident.summary_due").exists()
    settings = unnamed + 'summary-recipients = ["CSIRT"]\n[forms]\nhalf-year-due = "20/06"\n'
    await _round(datetime(2026, 6, 9, 16, 0, tzinfo=UTC), recorder, settings)  # 23:00 on 9 June: 11 days
    assert recorder.delivered == []
    await _round(datetime(2026, 6, 9, 17, 30, tzinfo=UTC), recorder, settings)  # 00:30 on 10 June: 10 days
    assert [m.address for m in recorder.delivered] == ["csirt@stttt.test"]  # the one named
    message = recorder.delivered[0]
    assert "2026H1" in message.subject and "20/06/2026" in message.subject
    assert "--period 2026H1" in message.text and message.data["incidents"] == 1  # detected by then
    await _round(datetime(2026, 6, 12, 3, 0, tzinfo=UTC), recorder, settings)
    assert len(recorder.delivered) == 1
    named = '[incidents]\nsummary-reminder-days = [10, 2]\nsummary-recipients = ["Officer A"]\n'
    await _round(datetime(2026, 6, 18, 3, 0, tzinfo=UTC), recorder, named)  # 2 days: named recipient
    assert [m.address for m in recorder.delivered[1:]] == ["a@stttt.test"]
    assert "Incident summary (form 05) due" in recorder.delivered[1].subject
    await _round(datetime(2026, 6, 20, 3, 0, tzinfo=UTC), recorder, named)  # the due day: no more
    assert len(recorder.delivered) == 2


async def test_the_initial_report_warning_follows_due_soon_hours_of_incidents() -> None:
    Incident.objects.all().update(reported_at=NOW)
    pk = incidents.open_incident(
        ALL,
        SETTINGS,
        ACTOR,
        agency=A,
        title="Portal down",
        detected_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        now=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
    )
    due = Incident.objects.get(pk=pk).report_due_at
    recorder = Recorder()
    await _round(due - timedelta(hours=40), recorder, "[incidents]\nsummary-reminder-days = []\n")
    assert recorder.delivered == []  # the default: a day ahead
    await _round(
        due - timedelta(hours=40), recorder, "[incidents]\ndue-soon-hours = 48\nsummary-reminder-days = []\n"
    )
    assert sorted(m.address for m in recorder.delivered) == ["a@stttt.test", "csirt@stttt.test"]
    assert all(m.data["incident"] == pk for m in recorder.delivered)
