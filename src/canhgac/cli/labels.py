"""Labels for stored values the CLI shows that have no enum of their own in the layers below.

A run's status is a Django choice of the store (``running``, ``finished``, ``failed``,
``interrupted``); the CLI says it in the reader's language here, in one place. Enums that do
have a class say themselves (``Severity.label()``, ``Lifecycle.label()``, ``TriageState.label()``).
"""

from __future__ import annotations

from canhgac.i18n import N_, translate

_RUN_STATUS = {
    "running": N_("running"),
    "finished": N_("finished"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
}


def run_status_label(status: str) -> str:
    """``finished`` → ``đã kết thúc``; an unknown status is shown as stored."""
    return translate(_RUN_STATUS[status]) if status in _RUN_STATUS else status
