"""The official documents for the CLI (``canhgac forms``): the settings file's ``[forms]`` table,
a form rendered from a data file, a template checked. A facade over ``canhgac.reports.forms``
(the values, the configuration, the templates); the incidents layer calls that package directly
with the values it builds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from canhgac.reports.forms import (
    FORMS,
    FinalReport,
    FormDataError,
    FormsConfig,
    FormsConfigError,
    FormTemplateError,
    InitialReport,
    PeriodSummary,
    TemplateCheck,
    build_form,
    check_template,
    read_form_data,
    read_forms_config,
    render_docx,
    usable_template,
)
from canhgac.reports.forms.templates import refusal

__all__ = [
    "FORMS",
    "FormDataError",
    "FormTemplateError",
    "FormsConfig",
    "FormsConfigError",
    "RenderedForm",
    "TemplateCheck",
    "best_check",
    "forms_settings",
    "refusal",
    "render_from_file",
]


@dataclass(frozen=True, slots=True)
class RenderedForm:
    report: InitialReport | FinalReport | PeriodSummary
    docx: bytes


def forms_settings(path: Path) -> FormsConfig:
    """The ``[forms]`` table of the settings file at ``path`` (defaults without one)."""
    return read_forms_config(path)


def render_from_file(
    form: str, data: Path, config: FormsConfig, *, template: Path | None = None, today: dt.date | None = None
) -> RenderedForm:
    """Form ``form`` from the data file ``data``: :class:`FormDataError` (prefixed with the file)
    for bad data, :class:`FormTemplateError` for a template that cannot be used."""
    try:
        report = build_form(form, read_form_data(data), config, today=today or dt.date.today())
    except FormDataError as exc:
        raise FormDataError(f"{data}: {exc}") from None
    return RenderedForm(report, render_docx(report, usable_template(form, template or config.template(form))))


def best_check(path: Path, form: str | None = None) -> TemplateCheck:
    """The template at ``path`` checked against ``form``, or, without one, against the form it
    fits best (fewest missing and unknown tags)."""
    if form is not None:
        return check_template(form, path)
    checks = [check_template(each, path) for each in FORMS]
    return min(checks, key=lambda c: (len(c.missing) + len(c.unknown), c.form))
