"""The HTML report: one self-contained, print-friendly file (inline CSS, no scripts, no links).

Rendered with Jinja2 (autoescape on: evidence comes from hostile servers) and its i18n
extension fed by ``canhgac.i18n``; catalog texts arrive already in the chosen language.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from canhgac.catalog import Catalog, Severity
from canhgac.findings.reconcile import Lifecycle
from canhgac.i18n import translation
from canhgac.i18n.formats import format_percent
from canhgac.reports.grading import ProvinceGrades, ScoringPolicy, grade_report
from canhgac.reports.model import Language, ReportInput, TriageState
from canhgac.reports.view import (
    agency_views,
    change_rows,
    clause_summary_row,
    format_time,
    framework_views,
    policy_view,
    run_rows,
)
from canhgac.reports.wording import SHORT_FINGERPRINT, format_score, render_markdown, target_label


def css_string(value: object) -> Markup:
    """A quoted CSS string for the print page header (``@page`` margin boxes).

    Every character other than an ASCII letter or digit becomes a six-digit CSS hex escape
    (spaces too: CSS swallows one space after an escape), so nothing from the inventory can
    close the string or the ``<style>`` element; the result holds only ``[A-Za-z0-9\\"]`` and
    is therefore safe to emit unescaped.
    """
    body = "".join(
        c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in str(value)
    )
    return Markup(f'"{body}"')  # noqa: S704 - only [A-Za-z0-9\\"] can reach it, see above


@cache
def _environment(lang: Language) -> Environment:
    env = Environment(
        loader=PackageLoader("canhgac.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # install_gettext_translations is added by the i18n extension at run time
    cast(Any, env).install_gettext_translations(translation(lang), newstyle=True)

    def percent(value: float | None) -> str:
        return "—" if value is None else format_percent(value, lang)

    def score(value: float) -> str:
        return format_score(value, lang)

    env.filters["percent"] = percent
    env.filters["css_string"] = css_string
    env.filters["score"] = score
    env.filters["markdown"] = render_markdown
    env.filters["short_fp"] = lambda fp: str(fp)[:SHORT_FINGERPRINT]
    env.filters["target"] = lambda key: target_label(str(key), lang)
    # one label function per enum, shared with the CLI (raw values stay in JSON and CSV)
    env.filters["severity_label"] = lambda value: Severity(value).label(lang)
    env.filters["triage_label"] = lambda value: TriageState(value).label(lang)
    env.filters["lifecycle_label"] = lambda value: Lifecycle(value).label(lang) if value else "—"
    return env


def render_html(
    report: ReportInput,
    catalog: Catalog,
    policy: ScoringPolicy,
    grades: ProvinceGrades | None = None,
) -> str:
    """The whole report in ``report.lang``; pass ``grades`` when already computed."""
    grades = grades or grade_report(report, catalog, policy)
    lang = report.lang
    changes = report.changes
    context = {
        "lang": lang,
        "report": report,
        "grades": grades,
        "policy": policy_view(policy),
        "started": format_time(report.run.started_at, lang),
        "finished": format_time(report.run.finished_at, lang),
        "previous_at": format_time(changes.previous_run_at, lang),
        "changes": {
            "new": change_rows(
                tuple(fp for fp in changes.new if fp not in set(changes.first_tested)), report, catalog
            ),
            "first_tested": change_rows(changes.first_tested, report, catalog),
            "reopened": change_rows(changes.reopened, report, catalog),
            "fixed": change_rows(changes.fixed, report, catalog),
        },
        "agency_names": {a.code: a.name for a in report.agencies},
        "frameworks": framework_views(grades, catalog, lang),
        "weakest": tuple(clause_summary_row(s, catalog, lang) for s in grades.weakest),
        "agencies": agency_views(report, grades, catalog),
        "runs": run_rows(report),
        "interrupted": run_rows(report.model_copy(update={"runs": report.interrupted_runs}))
        if report.interrupted_runs else (),
        "missing_total": sum(len(keys) for keys in report.missing.values()),
    }
    return _environment(lang).get_template("report.html").render(context)
