"""The rules that judge a stream against itself: traffic spikes, rare scripts (web shells) and
silent sources. Their state is per source or per script path, bounded like the counting rules.

- spike: requests per minute of a source against an exponentially weighted average of its
  previous minutes (spike minutes are left out of the average, so a long attack does not become
  the norm), once ``baseline_minutes`` minutes have been seen, and above ``min_per_minute``;
- rare script: per (virtual host, path) of a script, the distinct clients (up to the limit), the
  hits, and the POSTs answered 200; scripts first seen in a source's first ``learn`` seconds are
  the site's own; batch mode judges the others at the end of input on the whole stream, live
  mode when their POSTs reach ``min_posts``;
- silence: per source, an average of the gaps between lines; a gap longer than both the minimum
  and ``factor`` times the average is a silence (seen when the source speaks again, or by
  ``tick`` in live mode, once per silence).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping

from canhgac.logs.detection import Detection
from canhgac.logs.matchers import MEMO_SIZE, path_of
from canhgac.logs.records import LogRecord
from canhgac.logs.rule_schema import Rule
from canhgac.logs.windows import HALF, MAX_NAMES, Incident, detection_of, duration_text

MAX_SOURCES = 10_000
MAX_PATHS = 50_000


class _Traffic:
    __slots__ = (
        "baseline",
        "clients",
        "count",
        "head",
        "incident",
        "minute",
        "minutes",
        "peak",
        "spiking",
        "tail",
    )

    def __init__(self, minute: int) -> None:
        self.minute = minute
        self.count = 0
        self.baseline = -1.0  # no minute finished yet
        self.minutes = 0  # finished minutes in the baseline
        self.head: list[tuple[float, LogRecord]] = []  # the minute's first lines
        self.tail: deque[tuple[float, LogRecord]] = deque(maxlen=HALF)
        self.clients: Counter[str] = Counter()
        self.spiking = False  # this minute crossed the limit
        self.incident: Incident | None = None
        self.peak = 0


class SpikeHandler:
    def __init__(self, rule: Rule, *, eager: bool) -> None:
        assert rule.spike is not None
        self.rule = rule
        self.eager = eager
        self.factor = rule.spike.factor
        self.floor = rule.spike.min_per_minute
        self.warmup = rule.spike.baseline_minutes
        self.alpha = 2.0 / (rule.spike.baseline_minutes + 1)
        self.sources: dict[str, _Traffic] = {}
        self._last_source = ""  # the source of the previous record, and its state: most
        self._last_state: _Traffic | None = None  # records follow one of the same source

    def offer(self, record: LogRecord, ts: float) -> Detection | None:
        minute = int(ts // 60)
        source = record.source
        if source is self._last_source:
            state: _Traffic | None = self._last_state
        else:
            state = self.sources.get(source)
        out = None
        if state is None:
            if len(self.sources) >= MAX_SOURCES:
                del self.sources[next(iter(self.sources))]
                self._last_source, self._last_state = "", None
            state = self.sources[record.source] = _Traffic(minute)
        elif minute > state.minute:
            out = self._roll(state, minute)
        self._last_source, self._last_state = source, state
        state.count += 1
        if state.count <= HALF:
            state.head.append((ts, record))
        elif state.count * 2 >= self.floor:  # a minute that may spike: its last lines, its clients
            state.tail.append((ts, record))
            if record.client:
                state.clients[record.client] += 1
        if (not state.spiking and state.minutes >= self.warmup and state.count >= self.floor
                and state.count >= self.factor * state.baseline):
            state.spiking = True
            if state.incident is None:
                state.incident = Incident(f"source={record.source}", [])
                if self.eager:
                    state.incident.reported = True
                    self._absorb(state)
                    return self._detection(state)
        return out

    def _roll(self, state: _Traffic, minute: int) -> Detection | None:
        """Finish the current minute; a spike ends with the first ordinary minute."""
        out = None
        if state.spiking:
            self._absorb(state)
        elif state.incident is not None:
            out = self._end(state)
        if not state.spiking:
            gaps = min(minute - state.minute - 1, self.warmup)
            for value in [state.count] + [0] * gaps:
                state.baseline = value if state.baseline < 0 else (
                    state.baseline + self.alpha * (value - state.baseline))
                state.minutes += 1
        state.minute = minute
        state.count = 0
        state.head = []
        state.tail.clear()
        state.clients.clear()
        state.spiking = False
        return out

    def _absorb(self, state: _Traffic) -> None:
        incident = state.incident
        assert incident is not None
        state.peak = max(state.peak, state.count)
        if not incident.lines:
            for ts, record in state.head + list(state.tail):
                incident.add(ts, 1, record)
            if state.clients:  # the busiest clients of the minute, rather than its first ones
                incident.clients = dict.fromkeys(c for c, _n in state.clients.most_common(MAX_NAMES))
        else:
            for ts, record in list(state.tail)[-2:]:
                incident.add(ts, 1, record)
        incident.last = max(incident.last, state.tail[-1][0] if state.tail else incident.last)

    def _detection(self, state: _Traffic) -> Detection:
        assert state.incident is not None
        incident = state.incident
        peak = state.peak if not state.spiking else max(state.peak, state.count)
        incident.count = peak
        baseline = max(state.baseline, 0.0)
        return detection_of(self.rule, incident, {
            "baseline": round(baseline, 1),
            "factor": round(peak / baseline, 1) if baseline > 0 else 0,
            "peak": peak,
        })

    def _end(self, state: _Traffic) -> Detection | None:
        incident = state.incident
        found = None
        if incident is not None and not incident.reported:
            found = self._detection(state)
        state.incident = None
        state.peak = 0
        return found

    def close_due(self, now: float | None) -> list[Detection]:
        out = []
        for state in self.sources.values():
            if state.incident is None:
                continue
            if now is None or int(now // 60) > state.minute + 1:
                if state.spiking:
                    self._absorb(state)
                    state.spiking = False
                found = self._end(state)
                if found is not None:
                    out.append(found)
        return out


class _Script:
    __slots__ = ("clients", "fired", "first", "hits", "posts", "records", "usual")

    def __init__(self, first: float, usual: bool) -> None:
        self.clients: set[str] = set()
        self.hits = 0
        self.posts = 0
        self.first = first
        self.records: list[tuple[float, LogRecord]] = []
        self.fired = False
        self.usual = usual


class RareScriptHandler:
    def __init__(self, rule: Rule, *, eager: bool) -> None:
        assert rule.rare is not None
        self.rule = rule
        self.eager = eager
        spec = rule.rare
        self.max_clients = spec.max_clients
        self.min_posts = spec.min_posts
        self.max_hits = spec.max_hits
        self.learn = spec.learn
        self.allowed = tuple(spec.allowed) + tuple(rule.exclude.paths)
        self.exts = tuple(rule.match.extensions)
        self.scripts: dict[tuple[str, str], _Script] = {}
        self.started: dict[str, float] = {}  # source -> first time seen
        self.paths: dict[str, str | None] = {}  # target -> its script path, None if not a script

    def offer(self, record: LogRecord, ts: float) -> Detection | None:
        if record.source not in self.started:
            if len(self.started) >= MAX_SOURCES:
                self.started.clear()
            self.started[record.source] = ts
        target = record.target
        if "." not in target:
            return None
        path = self.paths.get(target, "")
        if path == "":
            path = path_of(target)
            if not path.endswith(self.exts):
                path = None
            if len(self.paths) >= MEMO_SIZE:
                self.paths.clear()
            self.paths[target] = path
        if path is None:
            return None
        key = (record.vhost, path)
        script = self.scripts.get(key)
        if script is None:
            usual = path.startswith(self.allowed) if self.allowed else False
            if ts - self.started.get(record.source, ts) < self.learn:
                usual = True  # seen while learning the site: one of its scripts
            if len(self.scripts) >= MAX_PATHS:
                for old in list(self.scripts)[: MAX_PATHS // 10]:
                    del self.scripts[old]
            script = self.scripts[key] = _Script(ts, usual)
        if script.usual:
            return None
        script.hits += 1
        if len(script.clients) <= self.max_clients and record.client:
            script.clients.add(record.client)
        if len(script.clients) > self.max_clients or script.hits > self.max_hits:
            script.usual = True
            script.records = []
            return None
        if record.method == "POST" and record.status == 200:
            script.posts += 1
            if len(script.records) < 2 * HALF:
                script.records.append((ts, record))
            if self.eager and not script.fired and script.posts >= self.min_posts:
                script.fired = True
                return self._detection(key, script)
        return None

    def _detection(self, key: tuple[str, str], script: _Script) -> Detection:
        vhost, path = key
        group = f"vhost={vhost} path={path}" if vhost else f"path={path}"
        incident = Incident(group, [(ts, 1, r) for ts, r in script.records])
        incident.count = script.posts
        return detection_of(self.rule, incident, {"path": path, "hits": script.hits})

    def close_due(self, now: float | None) -> list[Detection]:
        if now is not None or self.eager:
            return []
        return [
            self._detection(key, script)
            for key, script in self.scripts.items()
            if not script.usual and not script.fired and script.posts >= self.min_posts
        ]


class _Source:
    __slots__ = ("gap", "last", "limit", "lines", "minimum", "silent")

    def __init__(self, ts: float, minimum: float) -> None:
        self.last = ts
        self.lines = 1
        self.gap = 0.0  # average gap between lines (seconds)
        self.minimum = minimum
        self.limit = minimum  # the silence limit: max(minimum, factor x gap)
        self.silent = False  # a detection was made for the current silence


class SilenceHandler:
    ALPHA = 0.02

    def __init__(self, rule: Rule, sources: Mapping[str, float] | None) -> None:
        assert rule.silence is not None
        self.rule = rule
        self.minimum = rule.silence.minimum
        self.factor = rule.silence.factor
        self.min_lines = rule.silence.min_lines
        self.only = dict(sources) if sources is not None else None  # source -> its minimum
        self.sources: dict[str, _Source] = {}

    def seen(self, source: str, ts: float) -> Detection | None:
        state = self.sources.get(source)
        if state is None:
            if self.only is not None and source not in self.only:
                return None
            if len(self.sources) >= MAX_SOURCES:
                del self.sources[next(iter(self.sources))]
            minimum = self.minimum if self.only is None else self.only.get(source, self.minimum)
            self.sources[source] = _Source(ts, minimum)
            return None
        gap = ts - state.last
        if gap <= 0:
            return None
        out = None
        if gap > state.limit and state.lines >= self.min_lines and not state.silent:
            out = self._detection(source, state, ts)
        state.silent = False
        average = state.gap = state.gap + self.ALPHA * (gap - state.gap) if state.lines > 1 else gap
        longest = self.factor * average
        state.limit = longest if longest > state.minimum else state.minimum
        state.last = ts
        state.lines += 1
        return out

    def due(self, now: float) -> list[Detection]:
        out = []
        for source, state in self.sources.items():
            if state.silent or state.lines < self.min_lines:
                continue
            if now - state.last > state.limit:
                state.silent = True
                out.append(self._detection(source, state, now))
        return out

    def _detection(self, source: str, state: _Source, until: float) -> Detection:
        incident = Incident(f"source={source}", [])
        incident.first, incident.last = state.last, until
        return detection_of(self.rule, incident, {
            "source": source,
            "silent": duration_text(until - state.last),
            "usual": duration_text(state.gap),
        })
