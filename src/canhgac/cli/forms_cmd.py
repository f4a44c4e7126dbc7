"""``canhgac forms``: the official documents of Circular 20/2017 (forms 03, 04, 05) as DOCX,
rendered from a YAML or JSON data file (``render``), and a province's own template checked
(``check-template``). The ``[forms]`` table of the settings file fills what the data leaves out
(issuer, signer, addressees) and may name replacement templates (docs/forms.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from canhgac.cli.common import console, fail, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.reports.forms import (
    FORMS,
    FormDataError,
    FormsConfig,
    FormsConfigError,
    FormTemplateError,
    TemplateCheck,
    build_form,
    read_form_data,
    check_template,
    read_forms_config,
    render_docx,
    usable_template,
)
from canhgac.reports.forms.templates import refusal

app = TranslatedTyper(no_args_is_help=True)


def _form(value: str) -> str:
    form = value.strip().removeprefix("mau-").removeprefix("0").zfill(2)
    if form not in FORMS:
        raise fail(_("unknown form {form}: use 03, 04 or 05").format(form=value))
    return form


def _config(ctx: typer.Context) -> FormsConfig:
    try:
        return read_forms_config(state(ctx).config_path())
    except FormsConfigError as exc:
        raise fail(str(exc)) from None


@app.command("render", help=N_("Render form 03, 04 or 05 as DOCX from a YAML or JSON data file."))
def render(
    ctx: typer.Context,
    form: Annotated[str, typer.Argument(metavar="FORM", help=N_("03 (initial report), 04 (final report) or 05 (summary)"))],
    data: Annotated[Path, typer.Argument(metavar="DATA", help=N_("The form's data, YAML or JSON (docs/forms.md)"))],
    out: Annotated[Path | None, typer.Option("-o", "--out", help=N_("The DOCX file to write (default: mau-FORM.docx)"))] = None,
    template: Annotated[Path | None, typer.Option("--template", help=N_("A template to use instead of the configured or packaged one"))] = None,
) -> None:
    """Render form 03, 04 or 05 as DOCX from a YAML or JSON data file."""
    number = _form(form)
    config = _config(ctx)
    target = out if out is not None else Path(f"mau-{number}.docx")
    if target.is_dir():
        raise fail(_("{file} is a folder: name the DOCX file to write").format(file=target))
    try:
        report = build_form(number, read_form_data(data), config, today=dt.date.today())
    except FormDataError as exc:
        raise fail(_("{file}: {problem}").format(file=data, problem=exc)) from None
    try:
        docx = render_docx(report, usable_template(number, template or config.template(number)))
    except FormTemplateError as exc:
        raise fail(str(exc)) from None
    try:
        target.write_bytes(docx)
    except OSError as exc:
        raise fail(_("{file}: cannot be written: {error}").format(file=target, error=exc.strerror or exc)) from None
    console.print(_("Form {form} ({number}) written to {file}.").format(
        form=number, number=report.document.number, file=target), soft_wrap=True, highlight=False)


def _best(path: Path) -> TemplateCheck:
    """The form whose fields the template fits best (fewest missing and unknown tags)."""
    checks = [check_template(form, path) for form in FORMS]
    return min(checks, key=lambda c: (len(c.missing) + len(c.unknown), c.form))


@app.command("check-template", help=N_("Check a DOCX template: every mandatory tag present, no unknown tag."))
def check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help=N_("The template (.docx)"))],
    form: Annotated[str | None, typer.Option("--form", help=N_("The form it is for (default: the one it fits best)"))] = None,
) -> None:
    """Check a DOCX template: every mandatory tag present, no unknown tag."""
    try:
        result = check_template(_form(form), path) if form is not None else _best(path)
    except FormTemplateError as exc:
        raise fail(str(exc)) from None
    if not result.ok:
        raise fail(refusal(result, str(path)))
    console.print(_("{file}: a usable template of form {form}.").format(file=path, form=result.form),
                  soft_wrap=True, highlight=False)
    if result.unused:
        console.print(_("Optional fields it does not show: {names}").format(names=", ".join(result.unused)),
                      soft_wrap=True, highlight=False)
