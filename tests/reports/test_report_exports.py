"""JSON and CSV exports: JSON round-trips, CSV has a BOM, the right columns and inert cells."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from report_builders import WHEN, report, result

from canhgac.catalog import Catalog
from canhgac.engine.results import Status
from canhgac.findings.reconcile import Lifecycle
from canhgac.reports.exports import CSV_COLUMNS, ReportExport, export_model, to_csv, to_json
from canhgac.reports.grading import ScoringPolicy
from canhgac.reports.model import FindingSeen, Triage, TriageState


def _sample(lang: str = "vi"):  # type: ignore[no-untyped-def]
    spf = result("t.mail.spf", "a", Status.FAIL, evidence={"record": "v=spf1 +all", "n": [1, 2]})
    return report(
        [
            spf,
            result("t.mail.dkim", "a", Status.ERROR),
            result("t.mail.spf", "b", Status.PASS, key="pass", record="v=spf1 -all"),
            result("t.info.banner", "b", Status.FAIL, key="shown", banner="=HYPERLINK(\"x\")"),
        ],
        triage={spf.fingerprint: Triage(state=TriageState.ACCEPTED_RISK, note="tạm chấp nhận",
                                        assignee="Trần Bình")},
        lifecycle={spf.fingerprint: Lifecycle.REOPENED},
        lang=lang,
    ).model_copy(update={"seen": {spf.fingerprint: FindingSeen(
        first_seen=WHEN - timedelta(days=7), last_seen=WHEN)}})


def test_json_round_trips(catalog: Catalog, policy: ScoringPolicy) -> None:
    sample = _sample()
    text = to_json(sample, catalog, policy)
    back = ReportExport.model_validate_json(text)
    assert back == export_model(sample, catalog, policy)
    assert back.report == sample
    data = json.loads(text)
    assert data["grades"]["agencies"][0]["score"] == 100  # SPF failure is an accepted risk
    assert data["grades"]["agencies"][0]["excluded"][0]["check_id"] == "t.mail.spf"
    assert data["report"]["results"][0]["evidence"] == {"record": "v=spf1 +all", "n": [1, 2]}
    assert data["catalog_version"] == catalog.version


def _rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_and_columns(catalog: Catalog) -> None:
    raw = to_csv(_sample(), catalog)
    assert raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(header) == CSV_COLUMNS == (
        "agency", "agency_name", "target", "check", "clause", "severity", "status", "lifecycle",
        "triage", "assignee", "first_seen", "last_seen", "fingerprint", "message", "remediation",
    )
    rows = _rows(raw)
    assert len(rows) == 4
    spf = _sample().results[0]
    assert rows[0] == {
        "agency": "a",
        "agency_name": "Sở A",
        "target": "domain:a.gov.vn",
        "check": "t.mail.spf",
        "clause": "FW 1",
        "severity": "high",
        "status": "fail",
        "lifecycle": "reopened",
        "triage": "accepted_risk",
        "assignee": "Trần Bình",
        "first_seen": "2025-01-13T08:30:00+00:00",
        "last_seen": "2025-01-20T08:30:00+00:00",
        "fingerprint": spf.fingerprint,
        "message": "Không có bản ghi SPF",
        "remediation": "Công bố bản ghi SPF.",
    }
    assert len(spf.fingerprint) == 32
    assert rows[1]["message"] == "Không kiểm tra được: no answer after 2 s"
    assert (rows[1]["triage"], rows[1]["first_seen"]) == ("", "")  # an error is no finding
    assert rows[2]["lifecycle"] == ""


def test_csv_in_english(catalog: Catalog) -> None:
    rows = _rows(to_csv(_sample("en"), catalog))
    assert rows[0]["message"] == "No SPF record"
    assert rows[2]["message"] == "SPF record: v=spf1 -all"


def test_csv_cells_cannot_be_formulas(catalog: Catalog) -> None:
    rows = _rows(to_csv(_sample("en"), catalog))
    banner = next(r for r in rows if r["check"] == "t.info.banner")
    assert banner["message"] == 'Version: =HYPERLINK("x")'  # not at the start: inert already
    hostile = report([result("t.mail.spf", "=cmd|' /C calc'!A0", Status.FAIL, target="-x.vn")])
    row = _rows(to_csv(hostile, catalog))[0]
    assert row["agency"] == "'=cmd|' /C calc'!A0"
    assert row["target"] == "domain:-x.vn"
