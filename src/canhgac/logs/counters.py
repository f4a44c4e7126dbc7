"""The counting rules: ``threshold`` (N matches in a window per group) and ``sequence`` (a
success after N failures, per client and per account).

Each handler keeps a window per group key and the open incidents, both bounded: at most the
rule's ``max_groups`` windows (stale ones dropped first, then the oldest created), and windows
never longer than the threshold needs. In eager mode (live) a detection is returned the moment a
group crosses its threshold; otherwise (batch) when its incident closes, with the whole count.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from canhgac.logs.detection import Detection
from canhgac.logs.matchers import MEMO_SIZE, combine, group_key, record_filter
from canhgac.logs.records import LogRecord
from canhgac.logs.rule_schema import Rule
from canhgac.logs.windows import HALF, Incident, Window, detection_of

MAX_SPAN = 86_400.0  # an incident longer than a day is reported and a new one begins
SEQUENCE_KEEP = 50  # failures kept per client or account for a sequence rule


class ThresholdHandler:
    """``kind: threshold``."""

    def __init__(self, rule: Rule, *, eager: bool) -> None:
        assert rule.threshold is not None
        self.rule = rule
        self.eager = eager
        self.test = record_filter(rule, basics=False)
        match = rule.match
        self.statuses = frozenset(match.status) or None
        self.methods = frozenset(match.methods) or None
        self.agent = combine(match.user_agent)
        self.agents: dict[str, bool] = {}  # user agent -> matches (bounded memo)
        self.key = group_key(rule.group_by)
        spec = rule.threshold
        self.count = spec.count
        self.window = spec.window
        self.cooldown = rule.cooldown or spec.window
        self.weighted = spec.weight == "recipients"
        distinct = spec.distinct
        self.distinct_min = distinct.min if distinct is not None else 0
        self.distinct_of: Callable[[LogRecord], str] | None = None
        if distinct is not None:
            name = distinct.field
            self.distinct_of = lambda r: str(getattr(r, name))
        self.windows: dict[str, Window] = {}
        self.incidents: dict[str, Incident] = {}  # oldest last match first
        self.max_groups = rule.max_groups

    def offer(self, record: LogRecord, ts: float) -> Detection | None:
        if self.statuses is not None and record.status not in self.statuses:
            return None
        if self.methods is not None and record.method not in self.methods:
            return None
        if self.agent is not None:
            agent = record.user_agent
            hit = self.agents.get(agent)
            if hit is None:
                hit = self.agent.search(agent.lower()) is not None
                if len(self.agents) >= MEMO_SIZE:
                    self.agents.clear()
                self.agents[agent] = hit
            if not hit:
                return None
        if self.test is not None and not self.test(record):
            return None
        key = self.key(record)
        if not key:
            return None
        value = self.distinct_of(record) if self.distinct_of is not None else None
        if value == "":
            value = None
        weight = max(1, record.recipients) if self.weighted else 1
        incidents = self.incidents
        incident = incidents.get(key)
        closed = None
        if incident is not None:
            if ts - incident.last <= self.cooldown and ts - incident.first <= MAX_SPAN:
                incident.add(ts, weight, record, value)
                del incidents[key]
                incidents[key] = incident
                return None
            del incidents[key]
            closed = self._close(incident)
        windows = self.windows
        window = windows.get(key)
        if window is None:
            if len(windows) >= self.max_groups:
                self._evict(ts)
            window = windows[key] = Window()
        window.add(ts, weight, record, self.count, self.window, value, self.distinct_min)
        enough = not self.distinct_min or len(window.distinct) >= self.distinct_min
        if window.total >= self.count and enough:
            del windows[key]
            incident = Incident(key, window.entries)
            incident.distinct.update(window.distinct)
            incidents[key] = incident
            if self.eager:
                incident.reported = True
                return detection_of(self.rule, incident)
        return closed

    def _close(self, incident: Incident) -> Detection | None:
        if incident.reported:
            return None
        return detection_of(self.rule, incident)

    def _evict(self, now: float) -> None:
        """Drop windows with nothing left in their span, then the oldest created, to 90 %."""
        windows = self.windows
        horizon = now - self.window
        for key in [k for k, w in windows.items() if w.newest < horizon]:
            del windows[key]
        excess = len(windows) - int(self.max_groups * 0.9)
        if excess > 0:
            for key in list(windows)[:excess]:
                del windows[key]

    def close_due(self, now: float | None) -> list[Detection]:
        """Close incidents quiet for the cooldown (``now`` None: all of them, end of input)."""
        out: list[Detection] = []
        incidents = self.incidents
        while incidents:
            key, incident = next(iter(incidents.items()))
            if now is not None and now - incident.last <= self.cooldown:
                break
            del incidents[key]
            found = self._close(incident)
            if found is not None:
                out.append(found)
        return out


class SequenceHandler:
    """``kind: sequence``: a record of ``reads.events`` not in ``after.events`` (a success)
    following ``after.count`` records of ``after.events`` (failures) within ``after.window``,
    from the same client or against the same account. Fires at the success, in both modes."""

    def __init__(self, rule: Rule, *, eager: bool) -> None:
        assert rule.after is not None
        self.rule = rule
        self.test = record_filter(rule)
        self.before = frozenset(rule.after.events)
        self.need = rule.after.count
        self.window = rule.after.window
        self.keep = max(SEQUENCE_KEEP, self.need)
        self.fields = tuple(f for f in rule.group_by if f in ("client", "account"))
        self.failures: dict[str, deque[tuple[float, LogRecord]]] = {}
        self.max_groups = rule.max_groups

    def offer(self, record: LogRecord, ts: float) -> Detection | None:
        if self.test is not None and not self.test(record):
            return None
        keys = [f"{name}={value}" for name in self.fields if (value := getattr(record, name))]
        if record.event in self.before:
            for key in keys:
                self._remember(key, ts, record)
            return None
        horizon = ts - self.window
        for key in keys:
            seen = self.failures.get(key)
            if seen is None:
                continue
            while seen and seen[0][0] < horizon:
                seen.popleft()
            if len(seen) >= self.need:
                return self._fire(key, keys, record, ts)
        return None

    def _remember(self, key: str, ts: float, record: LogRecord) -> None:
        failures = self.failures
        seen = failures.get(key)
        if seen is None:
            if len(failures) >= self.max_groups:
                self._evict(ts)
            seen = failures[key] = deque(maxlen=self.keep)
        seen.append((ts, record))

    def _evict(self, now: float) -> None:
        failures = self.failures
        horizon = now - self.window
        for key in [k for k, d in failures.items() if not d or d[-1][0] < horizon]:
            del failures[key]
        excess = len(failures) - int(self.max_groups * 0.9)
        if excess > 0:
            for key in list(failures)[:excess]:
                del failures[key]

    def _fire(self, key: str, keys: list[str], success: LogRecord, ts: float) -> Detection:
        seen = self.failures.pop(key)
        for other in keys:  # the same success ends the other key's run too
            self.failures.pop(other, None)
        incident = Incident(" ".join(keys), [])  # the success's client and account
        failures = [(t, 1, r) for t, r in seen]
        for t, weight, r in failures[:HALF]:
            incident.add(t, weight, r)
        for t, weight, r in failures[HALF:][-(HALF - 1):]:
            incident.add(t, weight, r)
        incident.add(ts, 1, success)
        incident.count = incident.lines = len(failures) + 1
        # the account that logged in, and from where, come first
        if success.account:
            incident.accounts = {success.account: None, **incident.accounts}
        if success.client:
            incident.clients = {success.client: None, **incident.clients}
        incident.values["failures"] = len(failures)
        incident.values["service"] = success.service or "-"
        return detection_of(self.rule, incident)

    def close_due(self, now: float | None) -> list[Detection]:
        return []
