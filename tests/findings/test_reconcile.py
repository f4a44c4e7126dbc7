"""Reconciliation, exhaustively: every prior lifecycle against every kind of result."""

from __future__ import annotations

import pytest

from canhgac.engine.results import Status
from canhgac.findings.reconcile import (
    Change,
    ChangeKind,
    Lifecycle,
    Observation,
    Reconciliation,
    compose,
    reconcile,
)

N, OP, F, R = Lifecycle.NEW, Lifecycle.OPEN, Lifecycle.FIXED, Lifecycle.REOPENED
ABSENT = None  # no result at all this run (filtered out, blackout window)

# (state before, result this run) -> (change kind, state after); None: no finding at all
TABLE: dict[tuple[Lifecycle | None, Status | None], tuple[ChangeKind, Lifecycle] | None] = {
    (None, Status.FAIL): (ChangeKind.NEW, N),
    (None, Status.PASS): None,
    (None, Status.NOT_APPLICABLE): None,
    (None, Status.ERROR): None,
    (N, Status.FAIL): (ChangeKind.STILL_OPEN, OP),
    (OP, Status.FAIL): (ChangeKind.STILL_OPEN, OP),
    (R, Status.FAIL): (ChangeKind.STILL_OPEN, OP),
    (F, Status.FAIL): (ChangeKind.REOPENED, R),
    (N, Status.PASS): (ChangeKind.FIXED, F),
    (OP, Status.PASS): (ChangeKind.FIXED, F),
    (R, Status.PASS): (ChangeKind.FIXED, F),
    (F, Status.PASS): (ChangeKind.UNCHANGED, F),
    (N, Status.NOT_APPLICABLE): (ChangeKind.FIXED, F),
    (OP, Status.NOT_APPLICABLE): (ChangeKind.FIXED, F),
    (R, Status.NOT_APPLICABLE): (ChangeKind.FIXED, F),
    (F, Status.NOT_APPLICABLE): (ChangeKind.UNCHANGED, F),
    **{(s, Status.ERROR): (ChangeKind.UNCHANGED, s) for s in Lifecycle},
    **{(s, ABSENT): (ChangeKind.UNCHANGED, s) for s in Lifecycle},
}


def test_table_covers_every_combination() -> None:
    combos = {(b, s) for b in [None, *Lifecycle] for s in [*Status, ABSENT] if (b, s) != (None, None)}
    assert set(TABLE) == combos


@pytest.mark.parametrize(("before", "status"), sorted(TABLE, key=str))
def test_transition(before: Lifecycle | None, status: Status | None) -> None:
    previous = {} if before is None else {"fp": before}
    observations = [] if status is None else [Observation("fp", status)]
    outcome = reconcile(previous, observations)
    expected = TABLE[(before, status)]
    if expected is None:
        assert outcome.changes == ()
    else:
        kind, after = expected
        assert outcome.changes == (Change("fp", kind, before, after),)


def test_error_never_fixes_and_absence_never_fixes() -> None:
    previous = {"a": OP, "b": N, "c": R}
    outcome = reconcile(previous, [Observation("a", Status.ERROR)])
    assert {c.fingerprint: c.after for c in outcome.changes} == previous
    assert outcome.moved() == ()


def test_not_applicable_that_could_not_judge_never_fixes() -> None:
    """``not_judged`` (e.g. no blocklist zone answered this run): an open finding stays open, a
    fixed one stays fixed, and nothing is created."""
    previous = {"a": OP, "b": N, "c": R, "d": F}
    unjudged = [Observation(fp, Status.NOT_APPLICABLE, judged=False) for fp in [*previous, "e"]]
    outcome = reconcile(previous, unjudged)
    assert {c.fingerprint: c.after for c in outcome.changes} == previous
    assert outcome.moved() == ()


def test_mixed_run_reports_each_kind_and_counts() -> None:
    previous = {"open": OP, "fixed": F, "gone": OP, "err": N, "still-fixed": F}
    observations = [
        Observation("brand-new", Status.FAIL),
        Observation("open", Status.FAIL),
        Observation("fixed", Status.FAIL),
        Observation("gone", Status.PASS),
        Observation("err", Status.ERROR),
        Observation("clean", Status.PASS),
    ]
    outcome = reconcile(previous, observations)
    kinds = {c.fingerprint: c.kind for c in outcome.changes}
    assert kinds == {
        "brand-new": ChangeKind.NEW,
        "open": ChangeKind.STILL_OPEN,
        "fixed": ChangeKind.REOPENED,
        "gone": ChangeKind.FIXED,
        "err": ChangeKind.UNCHANGED,
        "still-fixed": ChangeKind.UNCHANGED,
    }
    assert outcome.counts() == {
        ChangeKind.NEW: 1,
        ChangeKind.STILL_OPEN: 1,
        ChangeKind.FIXED: 1,
        ChangeKind.REOPENED: 1,
        ChangeKind.UNCHANGED: 2,
    }
    assert [c.fingerprint for c in outcome.of_kind(ChangeKind.FIXED)] == ["gone"]
    assert {c.fingerprint for c in outcome.moved()} == {"brand-new", "open", "fixed", "gone"}
    assert [c.fingerprint for c in outcome.changes] == sorted(kinds)


def test_two_results_for_one_fingerprint_is_a_bug() -> None:
    with pytest.raises(ValueError, match="two results"):
        reconcile({}, [Observation("x", Status.FAIL), Observation("x", Status.PASS)])


def test_empty_run_changes_nothing() -> None:
    assert reconcile({}, []) == Reconciliation(())
    assert reconcile({"a": OP}, []).moved() == ()


def test_previous_mapping_is_not_mutated() -> None:
    previous = {"a": OP}
    reconcile(previous, [Observation("a", Status.PASS)])
    assert previous == {"a": OP}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, N, ChangeKind.NEW),
        (None, OP, ChangeKind.NEW),
        (None, R, ChangeKind.NEW),
        (None, F, None),
        (N, OP, ChangeKind.STILL_OPEN),
        (OP, R, ChangeKind.STILL_OPEN),
        (R, OP, ChangeKind.STILL_OPEN),
        (OP, F, ChangeKind.FIXED),
        (N, F, ChangeKind.FIXED),
        (R, F, ChangeKind.FIXED),
        (F, R, ChangeKind.REOPENED),
        (F, OP, ChangeKind.REOPENED),
        (F, F, None),
    ],
)
def test_compose_summarises_a_span_of_runs(
    before: Lifecycle | None, after: Lifecycle, expected: ChangeKind | None
) -> None:
    assert compose(before, after) is expected


def test_compose_agrees_with_single_steps() -> None:
    for (before, status), expected in TABLE.items():
        if expected is None or expected[0] is ChangeKind.UNCHANGED:
            continue
        kind, after = expected
        assert compose(before, after) is kind, (before, status)
