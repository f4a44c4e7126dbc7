"""Reconciliation of a new run against known findings: a pure function, no storage.

A finding is identified by its fingerprint (check id + target + discriminator). Only a
decisive result moves its lifecycle: a fail opens or reopens it, a pass or not-applicable
fixes it. An error, or no result at all (target or check not scanned this run), leaves it
exactly as it was: a finding is fixed only when the same check on the same target ran and
passed. Triage is not this module's business and is never touched here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from canhgac.engine.results import Status
from canhgac.i18n import N_, translate


class Lifecycle(StrEnum):
    """The one state field of a finding."""

    NEW = "new"
    OPEN = "open"
    FIXED = "fixed"
    REOPENED = "reopened"

    def label(self, lang: str | None = None) -> str:
        """The state as a reader says it (``Mới``/``New``); JSON and CSV keep the raw value."""
        return translate(_LIFECYCLE_LABELS[self], lang)


_LIFECYCLE_LABELS = {
    Lifecycle.NEW: N_("New"),
    Lifecycle.OPEN: N_("Still open"),
    Lifecycle.FIXED: N_("Fixed"),
    Lifecycle.REOPENED: N_("Reopened"),
}

OPEN_STATES = frozenset({Lifecycle.NEW, Lifecycle.OPEN, Lifecycle.REOPENED})


class ChangeKind(StrEnum):
    """What a run did to a finding, as a report says it."""

    NEW = "new"
    STILL_OPEN = "still_open"
    FIXED = "fixed"
    REOPENED = "reopened"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Observation:
    """One result of the new run, reduced to what reconciliation needs."""

    fingerprint: str
    status: Status
    judged: bool = True  # False: not applicable because the check could not judge (``not_judged``)


@dataclass(frozen=True, slots=True)
class Change:
    """The lifecycle of one fingerprint before and after the run (``before`` None: unseen)."""

    fingerprint: str
    kind: ChangeKind
    before: Lifecycle | None
    after: Lifecycle


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Every known or newly failing fingerprint with its change, in a stable order."""

    changes: tuple[Change, ...]

    def of_kind(self, kind: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    def counts(self) -> dict[ChangeKind, int]:
        """How many findings of each kind, every kind present (zero when none)."""
        totals = dict.fromkeys(ChangeKind, 0)
        for change in self.changes:
            totals[change.kind] += 1
        return totals

    def moved(self) -> tuple[Change, ...]:
        """The changes that alter stored state (everything but ``unchanged``)."""
        return tuple(c for c in self.changes if c.kind is not ChangeKind.UNCHANGED)


def _step(before: Lifecycle | None, status: Status | None, judged: bool = True) -> Change | None:
    """One fingerprint's transition; None when there is no finding to speak of."""
    if status is Status.FAIL:
        if before is None:
            return Change("", ChangeKind.NEW, None, Lifecycle.NEW)
        if before is Lifecycle.FIXED:
            return Change("", ChangeKind.REOPENED, before, Lifecycle.REOPENED)
        return Change("", ChangeKind.STILL_OPEN, before, Lifecycle.OPEN)
    if before is None:
        return None  # passed, not applicable or errored, and never failed: no finding
    if status in (Status.PASS, Status.NOT_APPLICABLE) and before in OPEN_STATES and judged:
        return Change("", ChangeKind.FIXED, before, Lifecycle.FIXED)
    return Change("", ChangeKind.UNCHANGED, before, before)


def _by_fingerprint(observations: Iterable[Observation]) -> dict[str, Observation]:
    seen: dict[str, Observation] = {}
    for obs in observations:
        if obs.fingerprint in seen:
            raise ValueError(f"two results in one run for fingerprint {obs.fingerprint}")
        seen[obs.fingerprint] = obs
    return seen


def reconcile(previous: Mapping[str, Lifecycle], observations: Iterable[Observation]) -> Reconciliation:
    """New lifecycle of every known finding and of every fingerprint failing for the first time.

    ``previous`` maps each known fingerprint to its stored lifecycle; ``observations`` are the
    new run's results. A run with two results for one fingerprint is a bug: ``ValueError``.
    """
    observed = _by_fingerprint(observations)
    changes: list[Change] = []
    for fp in sorted(set(previous) | set(observed)):
        obs = observed.get(fp)
        step = _step(previous.get(fp), obs.status if obs else None, obs.judged if obs else True)
        if step is not None:
            changes.append(Change(fp, step.kind, step.before, step.after))
    return Reconciliation(tuple(changes))


def compose(before: Lifecycle | None, after: Lifecycle) -> ChangeKind | None:
    """Summarise several runs' changes of one finding by its first and last state.

    Used for "what changed between run A and run B" when runs lie between them. None: the
    finding was not failing at either end (appeared and was fixed in between, or stayed fixed).
    """
    if after in OPEN_STATES:
        if before is None:
            return ChangeKind.NEW
        return ChangeKind.REOPENED if before is Lifecycle.FIXED else ChangeKind.STILL_OPEN
    if before in OPEN_STATES:
        return ChangeKind.FIXED
    return None
