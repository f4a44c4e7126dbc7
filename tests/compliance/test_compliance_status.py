"""The directive's items as data and the pure status computation: every kind of item, late after
the due day, evidence per cell, task statuses, and a broken tasks file refused in one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from canhgac.catalog import load_catalog
from canhgac.compliance import (
    AgencyFacts,
    Answer,
    AnswerFact,
    DirectiveError,
    ItemKind,
    Review,
    Status,
    compute,
    load_directive,
    task_status,
)

CATALOG = load_catalog()
DIRECTIVE = load_directive(CATALOG)
HOLIDAY = dt.date(2027, 2, 5)
BEFORE, AFTER = dt.date(2027, 1, 20), dt.date(2027, 2, 4)
CHECKS = {"CV430:3": frozenset({"mail.spf.present", "mail.dmarc.present"})}


def _one(facts: AgencyFacts, item: str, today: dt.date = BEFORE) -> object:
    return compute(DIRECTIVE, CHECKS, [facts], today=today, holiday=HOLIDAY).cell(facts.code, item)


def test_the_shipped_tasks_are_the_directives_five_with_every_kind_of_item() -> None:
    assert [t.id for t in DIRECTIVE.tasks] == ["1", "2", "3", "4", "5"]
    assert [t.clause for t in DIRECTIVE.tasks] == [f"KG20:{n}" for n in range(1, 6)]
    kinds = {item.kind for item in DIRECTIVE.items}
    assert kinds == set(ItemKind)
    answers = {item.check for item in DIRECTIVE.items if item.kind is ItemKind.ANSWER}
    assert {"ops.plan.prevention", "ops.plan.ir", "ops.plan.contingency", "cred.policy-acknowledged",
            "web.backup-restore", "isp.review-attestation"} == answers
    for task in DIRECTIVE.tasks:  # every answered entry evidences its task's clause in the catalog
        clause = next(c for c in CATALOG.frameworks["KG20"].clauses if f"KG20:{c.id}" == task.clause)
        for item in task.items:
            if item.kind is ItemKind.ANSWER:
                assert item.check in clause.checks, (task.id, item.check)


def test_a_clause_item_follows_the_clause_verdict_with_its_findings_as_evidence() -> None:
    failing = AgencyFacts("A", clauses={"CV430:3": "not_met"},
                          findings={"mail.spf.present": ("fp1",), "web.hsts": ("fp9",)})
    cell = _one(failing, "1.mail-sender-auth")
    assert (cell.status, [e.ref for e in cell.evidence]) == (Status.NOT_DONE, ["fp1"])  # fp9: other clause
    assert cell.due == dt.date(2027, 1, 29)
    assert _one(failing, "1.mail-sender-auth", AFTER).status is Status.LATE
    verdicts = {"met": Status.DONE, "partial": Status.PARTLY, "not_assessed": Status.NOT_MEASURED,
                "not_applicable": Status.NOT_APPLICABLE}
    for verdict, status in verdicts.items():
        assert _one(AgencyFacts("A", clauses={"CV430:3": verdict}), "1.mail-sender-auth").status is status
    assert _one(AgencyFacts("A"), "1.mail-sender-auth", AFTER).status is Status.NOT_MEASURED  # never scanned


def test_campaign_and_sweep_items_are_not_measured_yet_never_a_pass_never_late() -> None:
    for item in ("2.official-mail-on-third-party", "3.leaked-addresses", "3.malware-sweep"):
        cell = _one(AgencyFacts("A"), item, AFTER)
        assert cell.status is Status.NOT_MEASURED and cell.why in ("campaign.none", "sweep.none")


def test_sweep_item_is_measured_from_swept_computers_and_open_hits() -> None:
    clean = _one(AgencyFacts("A", swept_hosts=3), "3.malware-sweep", AFTER)
    assert (clean.status, clean.why) == (Status.DONE, "sweep.clean")
    hits = _one(AgencyFacts("A", swept_hosts=3, sweep_hits=("h1", "h2")), "3.malware-sweep")
    assert (hits.status, hits.why) == (Status.NOT_DONE, "sweep.hits")
    assert [e.ref for e in hits.evidence] == ["h1", "h2"]
    late = _one(AgencyFacts("A", swept_hosts=3, sweep_hits=("h1",)), "3.malware-sweep", AFTER)
    assert late.status is Status.LATE


def test_campaign_items_are_measured_from_leaked_account_findings_once_breach_data_exists() -> None:
    clean = _one(AgencyFacts("A", breach_data=True), "3.leaked-addresses", AFTER)
    assert (clean.status, clean.why) == (Status.DONE, "campaign.clean")
    leaked = AgencyFacts("A", breach_data=True, findings={"creds.account.leaked": ("f1",),
                                                          "creds.mailbox.public-service": ("f2",)})
    cell = _one(leaked, "3.leaked-addresses")
    assert (cell.status, cell.why) == (Status.NOT_DONE, "campaign.open")
    assert [e.ref for e in cell.evidence] == ["f1"]
    assert _one(leaked, "3.leaked-addresses", AFTER).status is Status.LATE
    assert [e.ref for e in _one(leaked, "2.official-mail-on-third-party").evidence] == ["f2"]


def test_the_leaked_addresses_item_is_measured_by_the_campaigns_closed_cases() -> None:
    findings = {"creds.account.leaked": ("f1", "f2")}
    none = _one(AgencyFacts("A", breach_data=True, findings=findings, cases=(2, 0)), "3.leaked-addresses")
    assert (none.status, none.why) == (Status.NOT_DONE, "campaign.cases_open")
    assert [(e.kind, e.ref) for e in none.evidence] == [
        ("finding", "f1"), ("finding", "f2"), ("campaign", "A")]
    some = _one(AgencyFacts("A", breach_data=True, findings=findings, cases=(2, 1)), "3.leaked-addresses")
    assert (some.status, some.why) == (Status.PARTLY, "campaign.some_closed")
    done = _one(AgencyFacts("A", breach_data=True, findings=findings, cases=(2, 2)), "3.leaked-addresses")
    assert (done.status, done.why, done.evidence) == (Status.DONE, "campaign.closed", ())
    late = _one(AgencyFacts("A", breach_data=True, cases=(2, 1)), "3.leaked-addresses", AFTER)
    assert late.status is Status.LATE
    # the other campaign item still reads its findings: a closed case does not undo a forum sign-up
    other = AgencyFacts("A", breach_data=True, findings={"creds.mailbox.public-service": ("f3",)},
                        cases=(1, 1))
    assert _one(other, "2.official-mail-on-third-party").status is Status.NOT_DONE


def test_the_watch_item_reads_monitors_and_open_alerts() -> None:
    assert _one(AgencyFacts("A"), "5.watch").status is Status.NOT_MEASURED
    assert _one(AgencyFacts("A", monitors=2), "5.watch").status is Status.DONE
    cell = _one(AgencyFacts("A", monitors=2, open_alerts=(7, 9)), "5.watch")
    assert (cell.status, [e.ref for e in cell.evidence]) == (Status.PARTLY, ["7", "9"])


@pytest.mark.parametrize(
    ("answer", "review", "status", "why"),
    [
        (Answer.YES, Review.SUBMITTED, Status.PARTLY, "answer.submitted"),
        (Answer.NO, Review.SUBMITTED, Status.NOT_DONE, "answer.submitted"),
        (Answer.YES, Review.APPROVED, Status.DONE, "answer.approved"),
        (Answer.PARTLY, Review.APPROVED, Status.PARTLY, "answer.approved"),
        (Answer.NO, Review.APPROVED, Status.NOT_DONE, "answer.approved"),
        (Answer.YES, Review.REJECTED, Status.NOT_DONE, "answer.rejected"),
    ],
)
def test_an_answer_counts_once_the_csirt_approves_it(answer: Answer, review: Review, status: Status,
                                                     why: str) -> None:
    facts = AgencyFacts("A", answers={"5.plan-response": AnswerFact(12, answer, review, 1)})
    cell = _one(facts, "5.plan-response")
    assert (cell.status, cell.why, [e.ref for e in cell.evidence]) == (status, why, ["12"])
    late = _one(facts, "5.plan-response", AFTER).status
    assert late is (Status.DONE if status is Status.DONE else Status.LATE)


def test_without_a_holiday_date_nothing_is_due_or_late() -> None:
    result = compute(DIRECTIVE, CHECKS, [AgencyFacts("A")], today=AFTER)
    assert all(c.due is None and c.status is not Status.LATE for c in result.row("A"))


def test_a_task_is_done_only_when_every_item_is_measured_and_done() -> None:
    assert task_status([Status.DONE, Status.DONE]) is Status.DONE
    assert task_status([Status.DONE, Status.NOT_APPLICABLE]) is Status.DONE
    assert task_status([Status.DONE, Status.NOT_MEASURED]) is Status.PARTLY
    assert task_status([Status.NOT_MEASURED]) is Status.NOT_MEASURED
    assert task_status([Status.NOT_APPLICABLE]) is Status.NOT_APPLICABLE
    assert task_status([Status.DONE, Status.NOT_DONE, Status.PARTLY]) is Status.NOT_DONE
    assert task_status([Status.LATE, Status.NOT_DONE]) is Status.LATE


def test_task_counts_and_late_cells_over_agencies() -> None:
    agencies = [AgencyFacts("A", answers={"2.staff-notice": AnswerFact(1, Answer.YES, Review.APPROVED)}),
                AgencyFacts("B")]
    result = compute(DIRECTIVE, CHECKS, agencies, today=AFTER, holiday=HOLIDAY)
    task = DIRECTIVE.tasks[1]
    assert result.task_counts(task) == {Status.PARTLY: 1, Status.LATE: 1}
    assert [(c.agency, c.item) for c in result.late(task)] == [("B", "2.staff-notice")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("clause: CV430:3", "clause: CV430:99"), "unknown clause CV430:99"),
        (("check: ops.plan.ir", "check: mail.spf.present"), "not a self-assessment entry"),
        (("check: ops.plan.ir", "check: nothing.here"), "not a self-assessment entry"),
        (('id: "5.plan-response"', 'id: "5.plan-prevention"'), "listed twice"),
        (("kind: watch", "kind: wishful"), "kind"),
        (("version: 1", "version: 2"), "version"),
    ],
)
def test_a_broken_tasks_file_is_refused_in_one_line_naming_the_file(tmp_path: Path, change: tuple[str, str],
                                                                    message: str) -> None:
    shipped = Path(__file__).parents[2] / "src/canhgac/compliance/data/KG20-tasks.yaml"
    text = shipped.read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "tasks.yaml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(DirectiveError, match=message) as caught:
        load_directive(CATALOG, path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreadable_or_invalid_yaml_tasks_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DirectiveError, match="cannot be read"):
        load_directive(CATALOG, tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: [\n", encoding="utf-8")
    with pytest.raises(DirectiveError, match="YAML"):
        load_directive(CATALOG, bad)
