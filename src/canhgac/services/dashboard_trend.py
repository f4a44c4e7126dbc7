"""The dashboard's trend: open findings by severity and the score after each of the last runs,
as figures and as the geometry of an inline SVG chart (no script, no style attribute).

Open findings after run N are those whose lifecycle was open once run N was reconciled, the
rule of the findings list and of the dashboard's tiles: the openings up to N minus the fixes up
to N (``queries.finding_transitions``, one aggregate query over the viewer's agencies). A narrow
or interrupted run, or a check that errored, changes only what it observed. The score after a
run is the reports' own (``ScoringPolicy.score_for`` of an agency's risk points, triage as it
stands today) averaged over the viewer's agencies scanned by then; its grade is its band.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_skeleton

from canhgac.catalog import Catalog, Severity
from canhgac.i18n.formats import display_zone, format_number
from canhgac.reports.grading import ScoringPolicy
from canhgac.reports.model import Language
from canhgac.reports.view import format_time
from canhgac.services.reporting import run_kind

RUNS = 10  # how many ended runs the trend shows
WORST_FIRST = tuple(s.value for s in reversed(Severity))

# the chart's frame, in SVG user units (the SVG scales to the page's width): a score panel
# above a panel of stacked bars, sharing the runs' axis (no second y axis to misread)
WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, BOTTOM = 48, 16, 46
SCORE_TOP, SCORE_BOTTOM = 42, 112  # the score panel; 100 sits at its top
BARS_TOP = 160  # the bars panel's top; its base is HEIGHT - BOTTOM


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The state after one run, as the viewer may see it."""

    run_id: int
    finished: str  # date and time in the viewer's language, Vietnam's clock
    day: str  # the short date under the chart's bar
    kind: str  # scan, narrow, retest
    interrupted: bool
    open_by_severity: dict[str, int]  # failed results, worst first (every severity)
    open_total: int
    score: float | None  # None before any of the viewer's agencies had a result
    grade: str
    agencies: int  # the viewer's agencies with a result in the state


@dataclass(frozen=True, slots=True)
class Segment:
    severity: str
    count: int
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class Bar:
    point: TrendPoint
    x: float
    width: float
    center: float
    top: float  # where the total's label sits
    segments: tuple[Segment, ...]  # bottom (critical) to top


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str  # score and grade: "72,4 · C"


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x of the plots' right edge
    score_top: int
    score_bottom: int  # y of the score panel's 0
    top: int  # the bars panel's top
    bottom: int  # y of the bars' base line
    bars: tuple[Bar, ...]
    count_ticks: tuple[Tick, ...]
    score_ticks: tuple[Tick, ...]
    line: str  # the score line's points ("x,y x,y"), "" with fewer than two scores
    dots: tuple[Dot, ...]


@dataclass(frozen=True, slots=True)
class Trend:
    points: tuple[TrendPoint, ...]  # oldest first
    chart: Chart
    partial_runs: int  # runs among them that covered part of the inventory or were cut short


def _day(value: datetime, lang: Language) -> str:
    return format_skeleton("MMMd", value.astimezone(display_zone()), locale=lang)


def _nice_step(top: int) -> int:
    """A round step (1, 2, 5 × 10^k) that divides 0..``top`` into at most five intervals."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * 5:
                return step * factor
        step *= 10


def _chart(points: tuple[TrendPoint, ...], lang: Language) -> Chart:
    base, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    plot_height = base - BARS_TOP
    step = _nice_step(max([p.open_total for p in points] + [1]))
    top_count = step * max(1, -(-max([p.open_total for p in points] + [1]) // step))
    slot = (right - LEFT) / max(len(points), 1)
    width = min(slot * 0.56, 56)

    def y_of(count: float) -> float:
        return round(base - plot_height * count / top_count, 1)

    def y_score(score: float) -> float:
        return round(SCORE_BOTTOM - (SCORE_BOTTOM - SCORE_TOP) * score / 100, 1)

    bars, dots = [], []
    for index, point in enumerate(points):
        center = LEFT + slot * (index + 0.5)
        segments, below = [], 0
        for severity in WORST_FIRST:  # critical at the bottom, where the eye starts
            count = point.open_by_severity.get(severity, 0)
            if count:
                y = y_of(below + count)
                segments.append(Segment(severity, count, y, round(y_of(below) - y, 1)))
                below += count
        bars.append(Bar(point, round(center - width / 2, 1), round(width, 1), round(center, 1),
                        y_of(point.open_total) - 6, tuple(segments)))
        if point.score is not None:
            dots.append(Dot(round(center, 1), y_score(point.score),
                            f"{format_number(point.score, lang, decimals=1)} · {point.grade}"))
    line = " ".join(f"{d.x},{d.y}" for d in dots) if len(dots) > 1 else ""
    return Chart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=right, score_top=SCORE_TOP, score_bottom=SCORE_BOTTOM,
        top=BARS_TOP, bottom=base,
        bars=tuple(bars),
        count_ticks=tuple(Tick(y_of(n), format_number(n, lang)) for n in range(0, top_count + 1, step)),
        score_ticks=tuple(Tick(y_score(n), str(n)) for n in (0, 50, 100)),
        line=line, dots=tuple(dots),
    )


def _score(risk: dict[str, int], covered: set[str], policy: ScoringPolicy) -> tuple[float | None, str]:
    if not covered:
        return None, ""
    score = sum(policy.score_for(risk.get(code, 0)) for code in covered) / len(covered)
    return score, policy.grade_for(score)


def _covered(run: Any, active: frozenset[str]) -> set[str]:
    """The agencies a run set out to scan: those it names (``-a``), else the whole inventory;
    a retest names targets, not agencies."""
    filters = run.filters if isinstance(run.filters, dict) else {}
    kind = run_kind(filters)
    if kind == "retest":
        return set()
    named = filters.get("agencies") if kind == "narrow" else None
    return {str(code) for code in named} & active if isinstance(named, list) and named else set(active)


def dashboard_trend(scope: Any, catalog: Catalog, policy: ScoringPolicy, lang: Language) -> Trend | None:
    """The trend of what ``scope`` (a ``queries.ViewerScope``) may see over its last ``RUNS``
    ended runs; None before any run."""
    from django.utils.timezone import localdate

    from canhgac.console.store import queries

    active = queries.active_agency_codes(scope)
    viewer = scope.narrowed(active) if active else scope
    ended = list(queries.reportable_runs(viewer).only("pk", "finished_at", "status", "filters"))[::-1]
    runs = ended[-RUNS:]
    if not runs:
        return None
    # computed only when the dashboard is built, which is kept while the store's state stamp,
    # the scope, the language and the day hold (``services.dashboard``)
    return _trend(viewer, frozenset(active), ended, runs, catalog, policy, lang, localdate())


def _trend(viewer: Any, codes: frozenset[str], ended: list[Any], runs: list[Any], catalog: Catalog,
           policy: ScoringPolicy, lang: Language, today: date) -> Trend:
    from canhgac.console.store import queries

    severities = {c.id: c.severity.value for c in catalog.checks.values()}
    penalty = {s.value: p for s, p in policy.penalties.items()}
    moves = queries.finding_transitions(viewer, runs, severities,
                                        {s.value for s in policy.excluded_triage}, today)
    by_run: dict[int, list[queries.TransitionCount]] = defaultdict(list)
    for move in moves:
        by_run[move.run_id].append(move)
    opened = dict.fromkeys(WORST_FIRST, 0)  # open findings so far, by severity
    risk: dict[str, int] = defaultdict(int)  # risk points so far, by agency
    covered: set[str] = set()

    def apply(run_id: int) -> None:
        for move in by_run.get(run_id, ()):
            if move.severity in opened:
                opened[move.severity] += move.delta
            if not move.excluded:
                risk[move.agency] += move.delta * penalty.get(move.severity, 0)
            covered.add(move.agency)

    apply(queries.TRANSITIONS_BEFORE)
    for run in ended[:-len(runs)]:
        covered |= _covered(run, codes)
    points_list = []
    for run in runs:
        apply(run.pk)
        covered |= _covered(run, codes)
        score, grade = _score(risk, covered, policy)
        points_list.append(TrendPoint(
            run_id=run.pk, finished=format_time(run.finished_at, lang),
            day=_day(run.finished_at, lang) if run.finished_at else "",
            kind=run_kind(run.filters if isinstance(run.filters, dict) else {}),
            interrupted=run.status != "finished",
            open_by_severity=dict(opened), open_total=sum(opened.values()),
            score=score, grade=grade, agencies=len(covered),
        ))
    points = tuple(points_list)
    return Trend(points=points, chart=_chart(points, lang),
                 partial_runs=sum(1 for p in points if p.kind != "scan" or p.interrupted))
