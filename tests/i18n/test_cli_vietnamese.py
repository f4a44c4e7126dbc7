"""The CLI in Vietnamese, all the way: help screens, usage errors, tables, refusals and reports.

Each test runs real commands and fails when their output holds English a Vietnamese reader
should not see (``english_leaks``: a translated msgid of the catalogue, pydantic's or Typer's
own English, a raw enum value in a table cell). Help and commands that need no store run in
this process (fast); the ones that need the findings store run in one subprocess (Django is
configured once per process), seeded with stored results rather than a scan, so the test needs
no lab and no network. The same detector is shown to fire on the English output, so a
translation lost in a later change fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main
from english_leaks import english_leaks, html_text, raw_enum_cells, translated_msgids, vietnamese
from rich.console import Console
from typer._click.core import Command
from typer.testing import CliRunner

from canhgac import i18n
from canhgac.cli import common, scan_cmd
from canhgac.cli.demo_cmd import planted_table
from canhgac.cli.main import app
from canhgac.cli.translated import HELP_OPTION_HELP, TYPER_TEXT, TranslatedCommand, TranslatedGroup
from canhgac.engine.results import CheckResult, ErrorReason, Message, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.services.scan import OUTSIDE_WINDOW, ScanOutcome

WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}
runner = CliRunner()


@pytest.fixture(autouse=True)
def _language_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI sets the language of this process's context: put it back after each test."""
    for name in ("CANHGAC_LANG", "CANHGAC_WORKSPACE", "CANHGAC_DATABASE_URL", "CANHGAC_CATALOG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    with i18n.language(i18n.DEFAULT_LANGUAGE):
        yield


def _cli(*args: str, lang: str = "vi") -> tuple[int, str]:
    result = runner.invoke(app, ["--lang", lang, *args], env=WIDE)
    return result.exit_code, result.output


def _command_paths(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _command_paths(sub, (*path, name))


def _help_texts(command: Command) -> Iterator[str]:
    for text in (command.help, command.short_help):
        if text:
            yield text
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            yield text


# --- the detector itself ---------------------------------------------------------------------

def test_the_detector_finds_each_kind_of_leak() -> None:
    assert english_leaks("Tùy chọn │ Mức độ │ Cao │ Hiển thị hướng dẫn này rồi thoát.") == []
    table = "│ abc123 │ SO-A │ mail.spf.present │ high │ domain:a.gov.test │ new │ accepted_risk │"
    assert raw_enum_cells(table) == ["high", "new", "accepted_risk"]
    found = english_leaks("Options\n3 results: 1 failed, 0 could not be tested.\n"
                          "Input should be a valid string")
    assert "msgid 'Options'" in found
    assert "msgid '{results} results: {fail} failed, {error} could not be tested.'" in found
    assert "English 'Input should be'" in found
    # data is not English to translate: ids, paths and keys that contain a msgid's word, or a
    # command name that is also a msgid (``triage``); such words are leaks as whole table cells
    assert english_leaks("web.error.page /tmp/error/x mail_host:error.gov.test canhgac findings triage") == []
    assert english_leaks("│ missed │ mail.spf.present │ a.gov.test │") == ["msgid 'missed' as a table cell"]
    assert len(translated_msgids()) > 400


# --- help screens -----------------------------------------------------------------------------

def test_every_command_declares_translated_help() -> None:
    """Every group and command renders through the translating classes, and every help text is
    a catalogue msgid with a Vietnamese translation (else it would show in English)."""
    msgids = {msgid for msgid, text in vietnamese().items() if text != msgid}
    wrong_class, not_catalogued = [], []
    for path, command in _command_paths(typer.main.get_command(app)):
        expected = TranslatedGroup if hasattr(command, "commands") else TranslatedCommand
        if not isinstance(command, expected):
            wrong_class.append(" ".join(path) or "canhgac")
        not_catalogued += [f"{' '.join(path)}: {text!r}"
                           for text in _help_texts(command) if text not in msgids]
    assert not wrong_class, f"declare these with cli.translated.TranslatedTyper: {wrong_class}"
    assert not not_catalogued, "help= must be N_() msgids translated in vi:\n" + "\n".join(not_catalogued)
    assert HELP_OPTION_HELP in msgids and set(TYPER_TEXT.values()) <= msgids | {"(deprecated) "}


def test_typer_constants_are_still_the_msgids_we_translate() -> None:
    """Typer computes these in English at import; after a Typer upgrade that rewords one, its
    msgid in cli/translated.py must follow (else it would stay English)."""
    from typer import rich_utils

    assert {name: getattr(rich_utils, name) for name in TYPER_TEXT} == TYPER_TEXT


def test_help_of_every_command_is_vietnamese() -> None:
    leaks = {}
    paths = [path for path, _cmd in _command_paths(typer.main.get_command(app))]
    assert len(paths) > 20
    for path in paths:
        code, output = _cli(*path, "--help")
        assert code == 0, output
        assert "Cách dùng:" in output and "Tùy chọn" in output, output
        found = english_leaks(output)
        if found:
            leaks[" ".join(path) or "canhgac"] = found
    assert not leaks, json.dumps(leaks, ensure_ascii=False, indent=1)


def test_help_follows_the_language_chosen_first() -> None:
    """The same command objects serve both languages: English when asked, then Vietnamese again."""
    code, english = _cli("findings", "triage", "--help", lang="en")
    assert code == 0
    assert "Usage:" in english and "Record a triage decision" in english and "[required]" in english
    assert english_leaks(english), "the detector must see English in the English help"
    code, vietnamese = _cli("findings", "triage", "--help")
    assert "Cách dùng:" in vietnamese and "Ghi nhận một quyết định phân loại" in vietnamese
    assert "[bắt buộc]" in vietnamese and english_leaks(vietnamese) == []
    result = runner.invoke(app, ["--lang", "en", "--help"], env=WIDE)  # --lang before --help: eager
    assert "Options" in result.output and "Tùy chọn" not in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (("findings", "triage"), "Thiếu đối số 'fingerprint'."),
    (("findings", "list", "--bogus"), "Không có tùy chọn: --bogus"),
    (("scan", "x.yaml", "--timeout", "abc"), "Giá trị không hợp lệ cho '--timeout': cần một số"),
    (("scann",), "Không có lệnh 'scann'. Có phải ý bạn là scan?"),
    (("schema", "result", "extra"), "Thừa đối số: extra"),
    (("catalog", "list", "--catalog", "/nonexistent"), "'/nonexistent' không tồn tại"),
])
def test_usage_errors_are_vietnamese(args: tuple[str, ...], expected: str) -> None:
    code, output = _cli(*args)
    assert code == 2, output
    assert expected in " ".join(output.split()), output
    assert "Lỗi" in output and "để xem hướng dẫn" in output
    assert english_leaks(output) == [], output


def test_a_bad_language_is_refused_in_vietnamese() -> None:
    code, output = _cli("scan", lang="fr")
    assert code == 2
    assert "Giá trị không hợp lệ cho '--lang': fr không phải ngôn ngữ canhgac hỗ trợ" in output
    assert english_leaks(output) == []


# --- commands that need no store ---------------------------------------------------------------

def _result(check_id: str, status: Status, key: str, agency: str = "SO-A", **values: str) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        target=Target(kind=TargetKind.DOMAIN, name=f"{agency.lower()}.gov.test", agency=agency),
        status=status, message=Message(key=key, values=values), observed_at=datetime(2026, 12, 7, tzinfo=UTC),
        error_reason=ErrorReason.TIMEOUT if status is Status.ERROR else None,
    )


def test_scan_summary_and_demo_cases_are_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's planted-case table (missed, unexpected, error) and a scan summary with a skipped
    agency and four-digit counts, as ``canhgac demo`` and ``canhgac scan`` print them."""
    screen = Console(record=True, width=200, color_system=None)
    monkeypatch.setattr(scan_cmd, "console", screen)
    passes = [_result("mail.spf.present", Status.PASS, "pass", record="v=spf1 -all")] * 1233
    error = _result("mail.dmarc.present", Status.ERROR, "error", detail="timed out")
    outcome = ScanOutcome(None, (*passes, error), {"STTTT": OUTSIDE_WINDOW})
    scan_cmd.render_summary(outcome)
    screen.print(planted_table({("mail.spf.present", "a.gov.test")}, {("mail.dmarc.present", "b.gov.test")},
                               [error]))
    text = screen.export_text()
    for expected in ("Bỏ qua STTTT: ngoài khung giờ quét của cơ quan hoặc trong khoảng tạm ngừng",
                     "1.234 kết quả: 0 không đạt, 1 không kiểm tra được.", "1.233",
                     "bỏ sót", "ngoài dự kiến", "lỗi"):
        assert expected in text, text
    assert english_leaks(text) == [], text


def test_vulnerability_refusals_are_vietnamese(tmp_path: Path) -> None:
    broken = tmp_path / "feed.json"
    broken.write_text("{not json", encoding="utf-8")
    code, refused = _cli("--workspace", str(tmp_path), "vulns", "import", str(broken))
    assert code == 2 and f"{broken}: không phải JSON (dòng 1, cột 2)" in " ".join(refused.split()), refused
    code, version = _cli("vulns", "show", "jquery", "một.hai")
    assert code == 2 and "'một.hai' không phải số phiên bản mà canhgac so sánh được" in version, version
    for output in (refused, version):
        assert english_leaks(output) == [], output


def test_config_show_says_where_settings_come_from_in_vietnamese(tmp_path: Path) -> None:
    code, shown = _cli("--workspace", str(tmp_path), "config", "show")
    assert code == 0, shown
    assert "Nguồn" in shown and "tham số dòng lệnh" in shown and "mặc định" in shown
    assert english_leaks(shown) == [], shown


def test_catalog_and_vulnerability_tables_are_vietnamese() -> None:
    code, listing = _cli("catalog", "list", "--family", "mail.spf")
    assert code == 0 and "Cao" in listing and "Nghiêm trọng" in listing
    code, shown = _cli("catalog", "show", "mail.spf.pass-all")
    assert code == 0 and "Mức độ: Nghiêm trọng" in shown
    code, advisories = _cli("vulns", "show", "jquery", "1.8.0")
    assert code == 0 and re.search(r"(Trung bình|Cao) \(\d,\d\)", advisories), advisories
    for output in (listing, shown, advisories):
        assert english_leaks(output) == [], output


# --- commands on a stored run (one subprocess) -------------------------------------------------

_FLOW = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from pathlib import Path
from canhgac import netguard
netguard.install_loopback_guard()
ws, files = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
from canhgac.console.bootstrap import migrate, setup_django
setup_django(database_url=None, workspace=ws)
migrate()
from canhgac.console.store import services
from canhgac.console.store.models import RunStatus
from canhgac.engine.results import CheckResult, Provenance, failed, passed
from canhgac.engine.targets import Target, TargetKind

def result(check_id, outcome, agency="SO-A"):
    target = Target(kind=TargetKind.DOMAIN, name=f"{agency.lower()}.gov.test", agency=agency)
    return CheckResult(check_id=check_id, status=outcome.status, message=outcome.message, target=target,
                       observed_at=datetime(2026, 12, 7, 8, 30, tzinfo=UTC))

services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ("so-a.gov.test",)},
                        {"code": "SO-B", "name": "Sở B", "domains": ("so-b.gov.test",)}])
run = services.start_run(provenance=Provenance(canhgac_version="0.1.0", catalog_version="sha256:test"),
                         target_count=2,
                         filters=services.RunFilters(extra={"province": {"code": "T", "name": "Tỉnh T"}}))
services.record_results(run, [
    result("mail.spf.present", failed("missing")),
    result("mail.spf.pass-all", failed("pass-all", term="+all")),
    result("mail.spf.ptr", failed("used", term="ptr")),
    result("mail.dmarc.external-auth", failed("unauthorized", destinations="x@y.test", names="y.test"),
           "SO-B"),
    result("mail.dmarc.present", passed("pass", record="v=DMARC1; p=reject"), "SO-B"),
])
services.finish_run(run, RunStatus.FINISHED)
from canhgac.console.store.models import Finding
fingerprint = Finding.objects.get(check_id="mail.spf.pass-all").fingerprint

from typer.testing import CliRunner
from canhgac.cli.main import app
runner = CliRunner()
flows = {
    "findings": ["findings", "list", "--all"],
    "triage": ["findings", "triage", fingerprint[:10], "--status", "accepted_risk", "--note", "đã biết",
               "--until", "2099-12-31"],
    "findings_after": ["findings", "list", "--all"],
    "show": ["findings", "show", fingerprint[:10]],
    "findings_json": ["findings", "list", "--all", "--format", "json"],
    "short_prefix": ["findings", "triage", "abc", "--status", "confirmed"],
    "no_such_finding": ["findings", "triage", "ffffffffff", "--status", "confirmed"],
    "bad_status": ["findings", "triage", fingerprint, "--status", "maybe"],
    "report": ["report", "--format", "html", "--format", "csv", "--out", str(ws / "out")],
    "report_provider": ["report", "--provider", "SO-A"],
    "report_run": ["report", "--run", "99"],
    "events": ["events", "list"],
    "inventory_bad": ["inventory", "check", str(files / "bad.yaml")],
    "scan_skipped": ["scan", str(files / "window.yaml"), "--no-store"],
    "scan_options": ["scan", str(files / "window.yaml"), "--no-store", "--timeout", "-1",
                     "--concurrency", "0"],
    "findings_en": ["--lang", "en", "findings", "list", "--all"],
}
out = {}
for name, args in flows.items():  # (the HTML report's text is returned as the flow "report_html")
    lang = [] if args[0] == "--lang" else ["--lang", "vi"]
    done = runner.invoke(app, [*lang, "--workspace", str(ws), *args])
    out[name] = {"code": done.exit_code, "output": done.output, "stdout": done.stdout}
out["report_html"] = {"code": 0, "output": next((ws / "out").glob("*.html")).read_text(encoding="utf-8")}
print(json.dumps(out))
"""

BAD_INVENTORY = """\
version: 1
province: {code: KG, name: [a, b]}
scope: {loopback_only: maybe}
agencies:
  - code: STTTT
    name: 42
    kind: ministry
    ranges: ["10.0.0.0/8"]
    contacts: [{name: "A", phone: "12 34"}]
"""
WINDOW_INVENTORY = """\
version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
scope: {loopback_only: true, resolvers: ["127.0.0.1"]}
agencies:
  - code: STTTT
    name: "Sở Thông tin và Truyền thông"
    kind: department
    domains: [stttt.kiengiang.gov.vn]
    policy:
      blackouts: [{start: "2000-01-01T00:00:00+07:00", end: "2100-01-01T00:00:00+07:00", reason: "thử"}]
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every flow's exit code and output (one subprocess, one seeded workspace)."""
    files = tmp_path_factory.mktemp("inputs")
    (files / "bad.yaml").write_text(BAD_INVENTORY, encoding="utf-8")
    (files / "window.yaml").write_text(WINDOW_INVENTORY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env.update(WIDE, PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-c", _FLOW, str(tmp_path_factory.mktemp("ws")), str(files)],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    flows: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return flows


@pytest.mark.parametrize("flow", [
    "findings", "triage", "findings_after", "show", "short_prefix", "no_such_finding", "bad_status", "report",
    "report_provider", "report_run", "events", "inventory_bad", "scan_skipped", "scan_options",
])
def test_stored_flows_have_no_english(stored: dict[str, dict[str, Any]], flow: str) -> None:
    output = stored[flow]["output"]
    assert english_leaks(output) == [], output


def test_the_html_report_has_no_english(stored: dict[str, dict[str, Any]]) -> None:
    html = stored["report_html"]["output"]
    text = html_text(html)
    assert "Chấp nhận rủi ro" in text or "Nghiêm trọng" in text, text[:2000]
    assert english_leaks(text) == [], text


def test_findings_show_labels_not_raw_values(stored: dict[str, dict[str, Any]]) -> None:
    listing = stored["findings"]["output"]
    assert stored["findings"]["code"] == 0, listing
    for label in ("Nghiêm trọng", "Cao", "Thấp", "Trung bình", "Mới", "Chưa phân loại"):
        assert label in listing, listing
    assert stored["triage"]["code"] == 0
    assert "đã chuyển sang Chấp nhận rủi ro" in " ".join(stored["triage"]["output"].split())
    assert "Chấp nhận rủi ro" in stored["findings_after"]["output"]
    shown = " ".join(stored["show"]["output"].split())
    assert stored["show"]["code"] == 0, shown
    for expected in ("(Nghiêm trọng)", "Tình trạng: Mới", "Phân loại: Chấp nhận rủi ro", "Lịch sử",
                     "Chưa phân loại → Chấp nhận rủi ro"):
        assert expected in shown, shown
    assert re.search(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4} \(\+07:00\)", shown), shown
    machine = json.loads(stored["findings_json"]["stdout"])  # machine formats keep raw values
    assert {row["severity"] for row in machine} == {"critical", "high", "medium", "low"}
    assert {row["triage"] for row in machine} == {"untriaged", "accepted_risk"}
    english = stored["findings_en"]["output"]
    assert "High" in english and "Accepted risk" in english and raw_enum_cells(english) == []
    assert english_leaks(english), "the detector must see the English listing"


def test_refusals_are_one_vietnamese_line(stored: dict[str, dict[str, Any]]) -> None:
    """One line saying what to change (after the line naming the workspace, for commands that
    open the store)."""
    expected = {
        "short_prefix": "'abc' không phải dấu vết nhận dạng: hãy nhập ít nhất 6 chữ số thập lục phân",
        "no_such_finding": "không có phát hiện nào có dấu vết nhận dạng ffffffffff",
        "report_provider": "SO-A không phải là cơ quan nhà cung cấp dịch vụ trong danh mục tài sản",
        "report_run": "kho dữ liệu không có lượt quét 99",
        "scan_options": "tùy chọn không hợp lệ: --timeout: phải lớn hơn 0; --concurrency: phải từ 1 trở lên",
    }
    for flow, text in expected.items():
        output = stored[flow]["output"]
        assert stored[flow]["code"] == 2, output
        assert text in output, output
        lines = [line for line in output.strip().splitlines() if not line.startswith("Thư mục làm việc: ")]
        assert len(lines) == 1 and lines[0].startswith("Lỗi: "), output


def test_pydantic_errors_are_vietnamese_one_liners(stored: dict[str, dict[str, Any]]) -> None:
    output = stored["inventory_bad"]["output"]
    assert stored["inventory_bad"]["code"] == 2
    for expected in ("province.name: cần một chuỗi văn bản", "scope.loopback_only: cần true hoặc false",
                     "agencies[0].name: cần một chuỗi văn bản",
                     "không được dùng 'ministry' ở đây",
                     "'10.0.0.0/8' quá rộng (16.777.216 địa chỉ)",
                     "(có 4 chữ số, cần từ 8 đến 15)"):
        assert expected in output, output
    assert "https://" not in output


def test_skipped_agency_and_dates_are_vietnamese(stored: dict[str, dict[str, Any]]) -> None:
    scan = stored["scan_skipped"]
    assert scan["code"] == 0, scan["output"]
    assert "Bỏ qua STTTT: ngoài khung giờ quét của cơ quan hoặc trong khoảng tạm ngừng" in scan["output"]
    events = stored["events"]["output"]
    assert re.search(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4} \(\+07:00\)", events), events
