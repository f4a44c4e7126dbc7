"""The directive's compliance on a real store: an item's status follows the scans (a finding
fixed by a later scan turns the item done), the watch (an open alert) and the CSIRT's review of an
officer's answer (approved: done; rejected: not done, with the reason); an officer sees and
answers only their own agency; evidence files are checked; the province summary is read back
from its DOCX and HTML.

Not collected directly: ``test_compliance_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest

from store_cases_support import open_case_store

_WORKSPACE = open_case_store("canhgac-compliance-")

from docx import Document  # noqa: E402

from canhgac.catalog import Mode, load_catalog  # noqa: E402
from canhgac.compliance import Status  # noqa: E402
from canhgac.console.store import models, services  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.accounts import create_account  # noqa: E402
from canhgac.console.store.compliance_models import (  # noqa: E402
    ComplianceAnswer,
    ComplianceEvidence,
    ComplianceHistory,
)
from canhgac.console.store.models import RunStatus  # noqa: E402
from canhgac.console.store.roles import Role  # noqa: E402
from canhgac.engine.results import CheckResult, Provenance, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.reports.forms.config import FormsConfig  # noqa: E402
from canhgac.services import compliance  # noqa: E402
from canhgac.services import compliance_summary as cs  # noqa: E402

A, B = "SO-A", "SO-B"
TODAY = dt.date(2027, 1, 28)
HOLIDAY = dt.date(2027, 2, 5)  # items due 7 days before: 29 January
AFTER_DUE = dt.date(2027, 2, 1)
NOW = dt.datetime(2027, 1, 28, 3, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CSIRT = compliance.viewer("cli:tester")
CATALOG = load_catalog()


@pytest.fixture(autouse=True)
def _store() -> Iterator[None]:
    services.sync_agencies(
        [
            {"code": A, "name": "Sở Văn hóa A", "domains": ["a.gov.vn"]},
            {"code": B, "name": "Sở Tài chính B", "domains": ["b.gov.vn"]},
        ]
    )
    yield
    for model in (
        ComplianceEvidence,
        ComplianceHistory,
        ComplianceAnswer,
        SecurityEvent,
        models.WatchAlertMember,
        models.WatchAlert,
        models.WatchMonitor,
        models.UserAgency,
        models.ConsoleAccount,
    ):
        model.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()


def _scan(agency: str, failing: set[str]) -> None:
    """One finished run: every automated check of CV430:3 on the agency's domain, passing except
    ``failing``."""
    clause = next(c for c in CATALOG.frameworks["CV430"].clauses if c.id == "3")
    checks = [c for c in clause.checks if CATALOG.check(c).mode is Mode.AUTOMATED]
    run = services.start_run(provenance=Provenance(canhgac_version="0", catalog_version=CATALOG.version))
    results = []
    for check_id in checks:
        kind = TargetKind(CATALOG.check(check_id).target)
        name = f"{agency.lower()}.gov.vn" if kind is TargetKind.DOMAIN else f"mx.{agency.lower()}.gov.vn"
        outcome = failed("x") if check_id in failing else passed("x")
        results.append(
            CheckResult(
                check_id=check_id,
                target=Target(kind=kind, name=name, agency=agency),
                status=outcome.status,
                message=outcome.message,
                evidence={},
                observed_at=NOW,
            )
        )
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)


def _status(viewer: compliance.Viewer = CSIRT, today: dt.date = TODAY) -> compliance.Compliance:
    return compliance.compliance_status(viewer.scope, today=today, holiday=HOLIDAY)


def _officer(name: str, agency: str) -> compliance.Viewer:
    create_account(name, "a-Long-pass-phrase-9", Role.AGENCY_OFFICER, [agency], actor="cli:tester")
    return compliance.viewer("cli:tester", name)


def _answer(
    who: compliance.Viewer,
    agency: str,
    item: str,
    value: str = "yes",
    files: list[tuple[str, bytes]] | None = None,
) -> int:
    return compliance.answer(
        who,
        agency=agency,
        item_id=item,
        answer_value=value,
        note="done",
        files=[("attestation.pdf", PDF)] if files is None else files,
        workspace=_WORKSPACE,
        now=NOW,
    )


def test_before_any_scan_automated_items_are_not_measured_and_campaign_items_never_pass() -> None:
    result = _status()
    assert result.agencies == (A, B)
    assert result.cell(A, "1.mail-sender-auth").status is Status.NOT_MEASURED
    assert result.cell(A, "3.leaked-addresses").status is Status.NOT_MEASURED
    assert result.cell(A, "3.leaked-addresses").why == "campaign.none"  # no breach data imported
    assert result.cell(A, "5.watch").why == "watch.none"
    assert result.cell(A, "5.plan-response").status is Status.NOT_DONE  # not answered


def test_a_finding_fixed_by_a_later_scan_turns_the_item_done() -> None:
    _scan(A, {"mail.spf.present"})
    cell = _status().cell(A, "1.mail-sender-auth")
    finding = models.Finding.objects.get(check_id="mail.spf.present")
    assert cell.status is Status.NOT_DONE and cell.why == "clause.not_met"
    assert [(e.kind, e.ref) for e in cell.evidence] == [("finding", finding.fingerprint)]
    late = _status(today=AFTER_DUE).cell(A, "1.mail-sender-auth")
    assert late.status is Status.LATE and late.due == dt.date(2027, 1, 29)
    assert _status().cell(B, "1.mail-sender-auth").status is Status.NOT_MEASURED  # B not scanned
    _scan(A, set())  # the next scan no longer finds it: reconciled as fixed
    assert models.Finding.objects.get(check_id="mail.spf.present").lifecycle == "fixed"
    cell = _status(today=AFTER_DUE).cell(A, "1.mail-sender-auth")
    assert cell.status is Status.DONE and cell.evidence == ()


def test_an_approved_attestation_turns_the_item_done_and_a_rejection_says_why() -> None:
    officer = _officer("an.officer", A)
    item = "4.provider-attestation"
    assert _status().cell(A, item).status is Status.NOT_DONE
    answer_id = _answer(officer, A, item)
    cell = _status().cell(A, item)
    assert (cell.status, cell.why) == (Status.PARTLY, "answer.submitted")
    assert [(e.kind, e.ref) for e in cell.evidence] == [("answer", str(answer_id))]
    compliance.review(CSIRT, agency=A, item_id=item, approve=True, reason="", now=NOW)
    assert _status(today=AFTER_DUE).cell(A, item).status is Status.DONE
    with pytest.raises(compliance.ComplianceError, match="already decided"):
        compliance.review(CSIRT, agency=A, item_id=item, approve=False, reason="x", now=NOW)
    _answer(officer, A, item)  # a new answer goes back to review
    with pytest.raises(compliance.ComplianceError, match="reason"):
        compliance.review(CSIRT, agency=A, item_id=item, approve=False, reason=" ", now=NOW)
    compliance.review(CSIRT, agency=A, item_id=item, approve=False, reason="unsigned", now=NOW)
    cell = _status(today=AFTER_DUE).cell(A, item)
    assert (cell.status, cell.why) == (Status.LATE, "answer.rejected")
    view = compliance.answer_view(CSIRT.scope, A, item)
    assert view is not None and view.review_reason == "unsigned"
    assert [h.action for h in view.history] == ["answered", "approved", "answered", "rejected"]
    assert view.files[0].content_type == "application/pdf" and view.files[0].size == len(PDF)
    stored = _WORKSPACE / view.files[0].stored_as
    assert stored.read_bytes() == PDF and view.files[0].sha256 in stored.name
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds.count("compliance.answered") == 2 and kinds.count("compliance.reviewed") == 2


def test_an_officer_sees_and_answers_only_their_own_agency() -> None:
    officer = _officer("officer.a", A)
    assert officer.role is Role.AGENCY_OFFICER
    assert _status(officer).agencies == (A,)
    _answer(CSIRT, B, "5.plan-response")
    with pytest.raises(compliance.ComplianceError) as other:
        _answer(officer, B, "5.plan-response")
    with pytest.raises(compliance.ComplianceError) as missing:
        _answer(officer, "SO-NONE", "5.plan-response")
    assert str(other.value).replace(B, "X") == str(missing.value).replace("SO-NONE", "X")  # no hint
    assert compliance.answer_view(officer.scope, B, "5.plan-response") is None
    assert ComplianceAnswer.objects.get(agency_code=B).answered_by == "cli:tester"
    assert SecurityEvent.objects.filter(kind="compliance.refused", detail__agency=B).count() == 1
    _answer(officer, A, "5.plan-response")
    with pytest.raises(compliance.ComplianceError, match="CSIRT"):
        compliance.review(officer, agency=A, item_id="5.plan-response", approve=True, reason="", now=NOW)
    narrowed = compliance.viewer("cli:tester", "officer.a", agency=B)  # --agency never widens
    assert _status(narrowed).agencies == ()


def test_evidence_is_checked_and_required_where_the_item_says_so() -> None:
    with pytest.raises(compliance.ComplianceError, match="evidence file"):
        _answer(CSIRT, A, "5.plan-prevention", files=[])
    with pytest.raises(compliance.EvidenceError, match=r"not a \.pdf"):
        _answer(CSIRT, A, "5.plan-prevention", files=[("plan.pdf", b"MZ\x90\x00 not a pdf")])
    with pytest.raises(compliance.EvidenceError, match="accepted"):
        _answer(CSIRT, A, "5.plan-prevention", files=[("plan.exe", b"MZ")])
    with pytest.raises(compliance.ComplianceError, match="judged by canhgac"):
        _answer(CSIRT, A, "1.mail-sender-auth")
    with pytest.raises(compliance.ComplianceError, match="unknown item"):
        _answer(CSIRT, A, "9.nothing")
    with pytest.raises(compliance.ComplianceError, match="yes, partly or no"):
        _answer(CSIRT, A, "5.plan-prevention", value="maybe")
    _answer(CSIRT, A, "5.plan-prevention", value="no", files=[])  # "no" needs no file
    assert not ComplianceEvidence.objects.exists()
    _answer(CSIRT, A, "5.plan-prevention", files=[("../../etc/plan.pdf", PDF)])
    row = ComplianceEvidence.objects.get()
    assert row.name == "plan.pdf" and ".." not in row.stored_as
    _answer(CSIRT, A, "5.plan-prevention", files=[])  # kept: the earlier file still stands
    assert ComplianceEvidence.objects.count() == 1


def test_an_open_watch_alert_makes_the_watch_item_partly_done_with_the_alert_as_evidence() -> None:
    key = "http:https://www.a.gov.vn/"
    models.WatchMonitor.objects.create(key=key, kind="http", target="https://www.a.gov.vn/", agency_code=A)
    assert _status().cell(A, "5.watch").status is Status.DONE
    alert = models.WatchAlert.objects.create(
        key=f"{key}@1",
        problem="down",
        severity="high",
        monitor_key=key,
        agency_code=A,
        opened_at=NOW,
        values={},
    )
    models.WatchAlertMember.objects.create(alert=alert, monitor_key=key, agency_code=A, joined_at=NOW)
    cell = _status().cell(A, "5.watch")
    assert (cell.status, [e.ref for e in cell.evidence]) == (Status.PARTLY, [str(alert.pk)])
    assert _status().cell(B, "5.watch").status is Status.NOT_MEASURED


def test_the_province_summary_reads_back_from_docx_and_html() -> None:
    create_account("tran.b", "a-Long-pass-phrase-9", Role.AGENCY_OFFICER, [B], actor="cli:tester")
    _answer(CSIRT, A, "2.staff-notice")
    compliance.review(CSIRT, agency=A, item_id="2.staff-notice", approve=True, reason="", now=NOW)
    result = _status(today=AFTER_DUE)
    summary = cs.province_summary(CSIRT.scope, result, "vi")
    task2 = next(t for t in summary.tasks if t.id == "2")
    assert (task2.late, summary.agencies) == (1, 2)  # B late on the notice
    assert [(line.agency, line.item) for line in task2.late_items] == [(B, "2.staff-notice")]
    config = FormsConfig.model_validate(
        {
            "issuer": {
                "parent": "UBND tỉnh Kiên Giang",
                "name": "Sở Thông tin và Truyền thông",
                "place": "Kiên Giang",
            },
            "signer": {"authority": "KT. Giám đốc", "title": "Phó Giám đốc", "name": "Nguyễn Văn An"},
        }
    )
    docx = cs.render_docx(summary, config, number="15/BC-STTTT")
    doc = Document(io.BytesIO(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    blob = "\n".join(cells)
    assert "UBND TỈNH KIÊN GIANG\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG" in blob and "Số: 15/BC-STTTT" in cells
    assert "Kiên Giang, ngày 01 tháng 02 năm 2027" in cells and "Nguyễn Văn An" in blob
    assert "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" in blob and "Ủy ban nhân dân tỉnh" in text
    assert "20/UBND-VHXH, 08/01/2018" in text and "trên tổng số 2 cơ quan" in text
    assert "Sở Tài chính B" in cells and "tran.b" in cells and "29/01/2027" in cells
    row2 = next(r for t in doc.tables for r in t.rows if r.cells[0].text == "2")
    assert [c.text for c in row2.cells][3:] == ["0", "1", "0", "1", "0"]
    assert "{{" not in text and not any("{{" in c or "{%" in c for c in cells)
    html = cs.render_html(summary, config).replace("\n", " ")
    assert "Sở Tài chính B" in html and "tran.b" in html and "<script" not in html
