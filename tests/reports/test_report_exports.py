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
from canhgac.reports.exports import (
    CAMPAIGN_COLUMNS,
    CSV_COLUMNS,
    REPORT_CSV_COLUMNS,
    ReportExport,
    export_model,
    to_csv,
    to_json,
)
from canhgac.reports.grading import ScoringPolicy
from canhgac.reports.model import CampaignShare, FindingSeen, Triage, TriageState


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
    assert tuple(header) == REPORT_CSV_COLUMNS == CSV_COLUMNS + CAMPAIGN_COLUMNS
    assert CSV_COLUMNS == (  # the finding lists' columns, first and unchanged
        "agency", "agency_name", "target", "check", "clause", "severity", "status", "lifecycle",
        "triage", "assignee", "first_seen", "last_seen", "fingerprint", "message", "remediation",
    )
    assert CAMPAIGN_COLUMNS == ("campaign_affected", "campaign_closed", "campaign_percent_closed")
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
        "campaign_affected": "",  # no campaign in the sample
        "campaign_closed": "",
        "campaign_percent_closed": "",
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


def test_csv_carries_the_campaigns_share_closed_per_agency(catalog: Catalog) -> None:
    """Each row the share of its agency; an agency with leaked accounts but no result gets a row of
    its own; an agency without leaked accounts empty cells."""
    shares = {"a": CampaignShare(affected=4, closed=1), "c": CampaignShare(affected=2, closed=2)}
    sample = _sample().model_copy(update={"campaign": shares, "scope": "state"})
    rows = _rows(to_csv(sample, catalog))
    assert len(rows) == 5
    for row in rows[:2]:
        assert (row["agency"], row["campaign_affected"], row["campaign_closed"]) == ("a", "4", "1")
        assert row["campaign_percent_closed"] == "25"
    assert all(r["campaign_affected"] == "" for r in rows if r["agency"] == "b")
    own = rows[4]
    assert (own["agency"], own["agency_name"], own["campaign_percent_closed"]) == ("c", "c", "100")
    assert own["check"] == own["status"] == own["fingerprint"] == ""
    run = _rows(to_csv(sample.model_copy(update={"campaign": {}, "scope": "run"}), catalog))
    assert len(run) == 4 and all(r["campaign_affected"] == "" for r in run)
