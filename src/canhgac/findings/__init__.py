"""Findings: lifecycle of failed checks across runs, independent of any storage."""

from canhgac.findings.reconcile import (
    Change,
    ChangeKind,
    Lifecycle,
    Observation,
    Reconciliation,
    compose,
    reconcile,
)

__all__ = [
    "Change",
    "ChangeKind",
    "Lifecycle",
    "Observation",
    "Reconciliation",
    "compose",
    "reconcile",
]
