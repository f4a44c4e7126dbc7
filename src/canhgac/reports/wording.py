"""Words a reader can act on: targets as people name them, deductions read as failures,
remediation Markdown rendered safely, scores and fingerprints in a printable form.

Everything here is in the report's language and pure (no I/O); view.py and the templates use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from canhgac.catalog import Catalog
from canhgac.engine.results import CheckResult
from canhgac.i18n import translation
from canhgac.i18n.formats import format_number
from canhgac.reports.grading import AgencyGrade, Deduction
from canhgac.reports.model import Language, ReportInput

SHORT_FINGERPRINT = 10  # enough to tell findings apart; `findings` commands accept a prefix


def target_label(key: str, lang: Language) -> str:
    """``domain:a.gov.vn`` → ``a.gov.vn``; ``mail_host:mx.a.gov.vn`` → ``mail server mx.a.gov.vn``."""
    gettext = translation(lang).gettext
    kind, _sep, name = key.partition(":")
    if kind in ("domain", "url") or not name:
        return name or key
    if kind == "mail_host":
        return gettext("mail server {name}").format(name=name)
    if kind == "host":
        return gettext("host {name}").format(name=name)
    if kind == "service":
        return gettext("service {name}").format(name=name)
    if kind == "range":
        return gettext("address range {name}").format(name=name)
    if kind == "account":
        return gettext("account {name}").format(name=name)
    if kind == "endpoint":
        return gettext("computer {name}").format(name=name)
    if kind == "log":
        return gettext("logs of {name}").format(name=name)
    return name


def format_score(score: float, lang: Language) -> str:
    """One decimal (``60,6`` in Vietnamese), none when whole (``100``)."""
    return format_number(score, lang, decimals=1)


@cache
def _markdown() -> MarkdownIt:
    # raw HTML in the source is escaped, never passed through; no links or images, so the
    # report stays one self-contained file with nothing that leaves it
    return MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])


def render_markdown(text: str) -> Markup:
    """Catalog Markdown (remediation) as HTML: code spans, lists, emphasis; the rest escaped."""
    return Markup(_markdown().render(text))  # noqa: S704 - markdown-it escapes every text and HTML


@dataclass(frozen=True, slots=True)
class DeductionRow:
    """One deduction as a reader sees it: the requirement not met, where, and its cost."""

    requirement: str  # the check's title: the requirement that is not met
    observed: str  # the result's message: what was seen
    target: str  # as people name it
    severity: str
    points: int
    area: str
    fingerprint: str
    triage: str


@dataclass(frozen=True, slots=True)
class AreaRow:
    """The risk points of one area (mail, web, net, dns…): its deductions add up to ``points``."""

    area: str
    points: int
    parts: tuple[int, ...]


def deduction_row(
    d: Deduction, results: dict[str, CheckResult], report: ReportInput, catalog: Catalog
) -> DeductionRow:
    lang = report.lang
    found = results.get(d.fingerprint)
    observed = (
        catalog.message(found.check_id, found.message.key, dict(found.message.values), lang)
        if found is not None else ""
    )
    return DeductionRow(
        requirement=catalog.check(d.check_id).title.get(lang),
        observed=observed,
        target=target_label(d.target, lang),
        severity=d.severity.value,
        points=d.points,
        area=d.area,
        fingerprint=d.fingerprint,
        triage=d.triage.value,
    )


def area_rows(grade: AgencyGrade) -> tuple[AreaRow, ...]:
    """Risk points by area, largest first: the arithmetic behind the score, one line each."""
    parts: dict[str, list[int]] = defaultdict(list)
    for d in grade.deductions:
        parts[d.area].append(d.points)
    return tuple(
        AreaRow(area=area, points=sum(points), parts=tuple(points))
        for area, points in sorted(parts.items(), key=lambda item: (-sum(item[1]), item[0]))
    )
