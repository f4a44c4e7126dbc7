"""When the watch launches an agency's scheduled full scan: pure, fake-clock tested.

Each local day (in the time zone of the agency's scan policy) has one **slot**:

- its nominal time is the day at ``at`` (``[watch.scans] at = "01:30"``);
- it starts at the first moment from then on that the agency's policy allows a scan (inside a
  window, outside every blackout), looked for until the next day's nominal time; none (a
  blackout or a window-less day) means no scan that day;
- it ends when the policy stops allowing scans (the window closes, a blackout begins), and at
  the latest at the next day's nominal time.

A slot is **due** while it has started and not ended and has not been launched (the store
records each launched slot by agency and day). So a daemon that was down at 01:30 and is back
at 03:00, still inside the window, launches once on its return (catch-up); one back after the
window closed has lost that night (a scan outside the window is what the window forbids) and
scans at the next slot; one down for three nights catches up once, never three times, since
only the latest slot can be due. An agency with no slot recorded yet (the schedule's first
start) has the slot due at that moment recorded as skipped, not launched: turning scheduled
scans on does not start a full scan of the province at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from canhgac.inventory.fields import resolve_timezone
from canhgac.inventory.model import Inventory, Policy

DAY = timedelta(days=1)
ANYTIME = Policy()  # an agency with no policy may be scanned at any time (the default time zone)


@dataclass(frozen=True, slots=True)
class Slot:
    agency: str
    day: date  # the local day of the nominal time: the slot's identity
    nominal: datetime
    start: datetime
    end: datetime

    def due(self, now: datetime) -> bool:
        return self.start <= now < self.end


def _zone(policy: Policy) -> tzinfo:
    return resolve_timezone(policy.timezone)


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def _changes(policy: Policy, start: datetime, end: datetime) -> list[datetime]:
    """Every moment in (start, end] at which ``policy.allows`` may change: the windows' starts
    and ends on each local day around the span, the blackouts' starts and ends."""
    zone = _zone(policy)
    points: set[datetime] = set()
    first = start.astimezone(zone).date() - DAY
    days = (end.astimezone(zone).date() - first).days + 2
    for offset in range(days):
        day = first + timedelta(days=offset)
        for window in policy.windows:
            points.add(_local(day, window.start, zone))
            points.add(_local(day, window.end, zone))
    for blackout in policy.blackouts:
        points.update((blackout.start, blackout.end))
    return sorted(p for p in points if start < p <= end)


def first_allowed(policy: Policy, start: datetime, before: datetime) -> datetime | None:
    """The first moment in [start, before) at which the policy allows a scan."""
    if policy.allows(start):
        return start
    return next((p for p in _changes(policy, start, before) if p < before and policy.allows(p)), None)


def allowed_until(policy: Policy, start: datetime, limit: datetime) -> datetime:
    """When the stretch of allowed time that ``start`` is in ends (at most ``limit``)."""
    return next((p for p in _changes(policy, start, limit) if not policy.allows(p)), limit)


def slot_of(agency: str, day: date, at: time, policy: Policy) -> Slot | None:
    zone = _zone(policy)
    nominal = _local(day, at, zone)
    following = _local(day + DAY, at, zone)
    start = first_allowed(policy, nominal, following)
    if start is None:
        return None
    return Slot(agency, day, nominal, start, allowed_until(policy, start, following))


def due_slot(agency: str, at: time, policy: Policy, now: datetime, launched: Collection[date]) -> Slot | None:
    """The agency's slot due at ``now`` that is not in ``launched`` (its recorded days)."""
    today = now.astimezone(_zone(policy)).date()
    for day in (today, today - DAY):  # a slot ends by the next day's nominal time
        slot = slot_of(agency, day, at, policy)
        if slot is not None and slot.due(now):
            return None if day in launched else slot
    return None


def last_started(agency: str, at: time, policy: Policy, now: datetime) -> Slot | None:
    """The agency's latest slot that has started by ``now`` (due or over), within three days."""
    today = now.astimezone(_zone(policy)).date()
    for day in (today, today - DAY, today - 2 * DAY):
        slot = slot_of(agency, day, at, policy)
        if slot is not None and slot.start <= now:
            return slot
    return None


def next_start(agency: str, at: time, policy: Policy, now: datetime) -> datetime | None:
    """When the agency's next slot starts after ``now`` (None: none within a week)."""
    today = now.astimezone(_zone(policy)).date()
    for offset in range(-1, 8):
        slot = slot_of(agency, today + timedelta(days=offset), at, policy)
        if slot is not None and slot.start > now:
            return slot.start
    return None


def policies(inv: Inventory, agencies: Iterable[str] = ()) -> dict[str, Policy]:
    """The scan policy of each agency scheduled (all of the inventory's, or ``agencies``)."""
    wanted = set(agencies)
    return {
        a.code: inv.policy_for(a) or ANYTIME for a in inv.agencies if not wanted or a.code in wanted
    }
