"""The rule detector: every enabled rule of a :class:`RuleSet`, fed one record at a time.

Records are dispatched by (event, family) to the handlers of the rules that read them, so a line
costs only the rules that can use it; the request-target rules share one decoding and one
combined classification per distinct target (:class:`~canhgac.logs.matchers.TargetClassifier`).
Open incidents are closed as the stream's clock (the newest record time seen, so slightly late
records are tolerated) passes their cooldown, checked at most once per stream second.

``eager`` (the default, live modes) returns a detection the moment a group crosses its threshold,
so an alert can go out within seconds; batch scans pass ``eager=False`` and get each detection
when its incident closes, with the whole count, the first and the last lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from canhgac.i18n import gettext as _
from canhgac.logs.counters import SequenceHandler, ThresholdHandler
from canhgac.logs.detection import Detection
from canhgac.logs.matchers import TargetClassifier
from canhgac.logs.records import LogEvent, LogFamily, LogRecord
from canhgac.logs.rule_schema import Rule, RuleFileError, RuleKind, builtin_files, env_paths, read_rules
from canhgac.logs.stream_rules import RareScriptHandler, SilenceHandler, SpikeHandler


class _Handler(Protocol):
    rule: Rule

    def offer(self, record: LogRecord, ts: float) -> Detection | None: ...

    def close_due(self, now: float | None) -> list[Detection]: ...


_Offer = Callable[[LogRecord, float], Detection | None]
_Plan = tuple[tuple[_Offer, ...], tuple[_Offer | None, ...]]


@dataclass(frozen=True)
class RuleSet:
    """The rules in force, by id (a later file's rule replaces an earlier one of the same id)."""

    rules: tuple[Rule, ...]
    files: tuple[Path, ...] = field(default=())

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def only(self, ids: Sequence[str]) -> RuleSet:
        """The same rules with only ``ids`` enabled (tests, ``--rule``)."""
        wanted = set(ids)
        unknown = wanted - set(self.ids)
        if unknown:
            raise RuleFileError(_("unknown rule: {ids}").format(ids=", ".join(sorted(unknown))))
        return RuleSet(tuple(r for r in self.rules if r.id in wanted), self.files)


def load_rules(paths: Sequence[Path] | None = None, *, builtin: bool = True) -> RuleSet:
    """The built-in rules, then those of ``CANHGAC_LOG_RULES``, then ``paths`` (files or folders).

    A user file may add rules (ids ``logs.<area>.<name>``) or replace a built-in one by using its
    id (to tune a threshold, copy the rule and change it). Raises :class:`RuleFileError` (one
    line) for a broken file.
    """
    files = [*(builtin_files() if builtin else []), *env_paths(), *(paths or ())]
    rules: dict[str, Rule] = {}
    sources: dict[str, Path] = {}
    for path, rule in read_rules(files):
        if rule.id in rules and sources[rule.id] == path:
            raise RuleFileError(_("{path}: rule {id} is defined twice").format(path=path, id=rule.id))
        rules[rule.id] = rule
        sources[rule.id] = path
    return RuleSet(tuple(rules.values()), tuple(files))


SWEEP_EVERY = 10.0  # stream seconds between checks for closed incidents (cooldowns are minutes)


class RuleDetector:
    """Implements :class:`canhgac.logs.detection.Detector` for a rule set."""

    def __init__(self, rules: RuleSet, *, silence_sources: Mapping[str, float] | None = None,
                 eager: bool = True) -> None:
        enabled = [r for r in rules.rules if r.enabled]
        self.rules = enabled
        self._handlers: list[_Handler] = []
        self._silence: SilenceHandler | None = None
        targeted: list[tuple[Rule, _Handler]] = []
        for rule in enabled:
            if rule.kind is RuleKind.SILENCE:
                if self._silence is None:
                    self._silence = SilenceHandler(rule, silence_sources)
                continue
            handler = _make(rule, eager)
            self._handlers.append(handler)
            if rule.match.target:
                targeted.append((rule, handler))
        self._classify = TargetClassifier([r for r, _h in targeted]) if targeted else None
        # (event, family) -> the offers of the rules reading it without target patterns, and
        # per target rule (by the classifier's index) its offer, or None when it does not read it
        self._plan: dict[tuple[LogEvent, LogFamily], _Plan] = {}
        for event in LogEvent:
            for family in LogFamily:
                plain = tuple(h.offer for h in self._handlers
                              if not h.rule.match.target and _reads(h.rule, event, family))
                aimed = tuple(h.offer if _reads(r, event, family) else None for r, h in targeted)
                if plain or any(o is not None for o in aimed):
                    self._plan[(event, family)] = (plain, aimed if any(o is not None for o in aimed) else ())
        self._closers = [h.close_due for h in self._handlers
                         if h.rule.kind in (RuleKind.THRESHOLD, RuleKind.SPIKE)]
        self._next_sweep = 0.0
        self._pending: list[Detection] = []

    def seen(self, source: str, time: datetime) -> None:
        """Any line of a source, even one no rule reads: what the silence rule watches."""
        if self._silence is not None:
            found = self._silence.seen(source, time.timestamp())
            if found is not None:
                self._pending.append(found)

    def feed(self, record: LogRecord) -> list[Detection]:
        ts = record.time.timestamp()
        out: list[Detection] = []
        if self._pending:
            out.extend(self._pending)
            self._pending.clear()
        silence = self._silence
        if silence is not None:
            found = silence.seen(record.source, ts)
            if found is not None:
                out.append(found)
        plan = self._plan.get((record.event, record.family))
        if plan is not None:
            plain, aimed = plan
            for offer in plain:
                found = offer(record, ts)
                if found is not None:
                    out.append(found)
            if aimed and self._classify is not None:
                for index in self._classify(record.target):
                    aim = aimed[index]
                    if aim is not None:
                        found = aim(record, ts)
                        if found is not None:
                            out.append(found)
        if ts >= self._next_sweep:
            self._next_sweep = ts + SWEEP_EVERY
            for close_due in self._closers:
                out.extend(close_due(ts))
        return out

    def tick(self, now: datetime) -> list[Detection]:
        """Time passed without lines (live): close quiet incidents, report silent sources."""
        ts = now.timestamp()
        out = list(self._pending)
        self._pending.clear()
        for handler in self._handlers:
            out.extend(handler.close_due(ts))
        if self._silence is not None:
            out.extend(self._silence.due(ts))
        return out

    def finish(self) -> list[Detection]:
        """End of input: what the open incidents hold (batch mode)."""
        out = list(self._pending)
        self._pending.clear()
        for handler in self._handlers:
            out.extend(handler.close_due(None))
        return out


def _reads(rule: Rule, event: LogEvent, family: LogFamily) -> bool:
    return event in rule.reads.events and (not rule.reads.families or family in rule.reads.families)


def _make(rule: Rule, eager: bool) -> _Handler:
    if rule.kind is RuleKind.THRESHOLD:
        return ThresholdHandler(rule, eager=eager)
    if rule.kind is RuleKind.SEQUENCE:
        return SequenceHandler(rule, eager=eager)
    if rule.kind is RuleKind.SPIKE:
        return SpikeHandler(rule, eager=eager)
    return RareScriptHandler(rule, eager=eager)
