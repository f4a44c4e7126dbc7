"""Which moves an incident's state may make, as one pure function.

The response runs new → triage → containment → eradication → recovery → closed. Allowed:
- one step forward, or a jump forward (a defacement contained and cleaned in one go);
- closing from any open state (a false alarm closed at triage): a reason is needed when the
  incident skips the response (closed from new or triage);
- one or more steps back while open (reinfected during recovery: back to containment), with
  a reason;
- reopening a closed incident (to triage or a later state), with a reason.
Staying in the same state is not a move.
"""

from __future__ import annotations

from canhgac.i18n import gettext as _
from canhgac.incidents.model import State

ORDER = (State.NEW, State.TRIAGE, State.CONTAINMENT, State.ERADICATION, State.RECOVERY, State.CLOSED)


class TransitionError(ValueError):
    """A move the lifecycle does not allow, in a sentence."""


def _rank(state: State) -> int:
    return ORDER.index(state)


def check_move(current: State, target: State, reason: str = "") -> None:
    """Raise :class:`TransitionError` unless ``current`` → ``target`` is allowed with ``reason``."""
    reason = reason.strip()
    if current == target:
        raise TransitionError(_("the incident is already in state {state}").format(state=target.label()))
    if target == State.NEW:
        raise TransitionError(_("an incident cannot go back to new"))
    if current == State.CLOSED:
        if not reason:
            raise TransitionError(_("reopening a closed incident needs a reason (--reason)"))
        return
    if _rank(target) < _rank(current) and not reason:
        raise TransitionError(
            _("going back from {current} to {target} needs a reason (--reason)").format(
                current=current.label(), target=target.label()
            )
        )
    if target == State.CLOSED and current in (State.NEW, State.TRIAGE) and not reason:
        raise TransitionError(
            _("closing an incident from {current} needs a reason (--reason)").format(current=current.label())
        )


def is_open(state: State) -> bool:
    return state != State.CLOSED


def is_reopening(current: State, target: State) -> bool:
    return current == State.CLOSED and target != State.CLOSED


def is_handled(state: State) -> bool:
    """Form 03's "status": handled (recovery or closed) or not yet handled."""
    return state in (State.RECOVERY, State.CLOSED)
