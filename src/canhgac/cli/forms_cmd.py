"""``canhgac forms``: the official documents of Circular 20/2017 (forms 03, 04, 05) as DOCX,
rendered from a YAML or JSON data file (``render``), and a province's own template checked
(``check-template``). The ``[forms]`` table of the settings file fills what the data leaves out
(issuer, signer, addressees) and may name replacement templates (docs/forms.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from canhgac.cli.common import console, fail, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from canhgac.services.forms import FormsConfig

app = TranslatedTyper(no_args_is_help=True)


def _form(value: str) -> str:
    from canhgac.services.forms import FORMS

    form = value.strip().removeprefix("mau-").removeprefix("0").zfill(2)
    if form not in FORMS:
        raise fail(_("unknown form {form}: use 03, 04 or 05").format(form=value))
    return form


def _config(ctx: typer.Context) -> FormsConfig:
    from canhgac.services.forms import FormsConfigError, forms_settings

    try:
        return forms_settings(state(ctx).config_path())
    except FormsConfigError as exc:
        raise fail(str(exc)) from None


def _said(text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


@app.command("render", help=N_("Render form 03, 04 or 05 as DOCX from a YAML or JSON data file."))
def render(
    ctx: typer.Context,
    form: Annotated[
        str, typer.Argument(metavar="FORM", help=N_("03 (initial report), 04 (final report) or 05 (summary)"))
    ],
    data: Annotated[
        Path, typer.Argument(metavar="DATA", help=N_("The form's data, YAML or JSON (docs/forms.md)"))
    ],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help=N_("The DOCX file to write (default: mau-FORM.docx)"))
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option("--template", help=N_("A template to use instead of the configured or packaged one")),
    ] = None,
) -> None:
    """Render form 03, 04 or 05 as DOCX from a YAML or JSON data file."""
    from canhgac.services.forms import FormDataError, FormTemplateError, render_from_file

    number = _form(form)
    config = _config(ctx)
    target = out if out is not None else Path(f"mau-{number}.docx")
    if target.is_dir():
        raise fail(_("{file} is a folder: name the DOCX file to write").format(file=target))
    try:
        rendered = render_from_file(number, data, config, template=template)
    except (FormDataError, FormTemplateError) as exc:
        raise fail(str(exc)) from None
    try:
        target.write_bytes(rendered.docx)
    except OSError as exc:
        raise fail(
            _("{file}: cannot be written: {error}").format(file=target, error=exc.strerror or exc)
        ) from None
    _said(
        _("Form {form} ({number}) written to {file}.").format(
            form=number, number=rendered.report.document.number, file=target
        )
    )


@app.command("check-template", help=N_("Check a DOCX template: every mandatory tag present, no unknown tag."))
def check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help=N_("The template (.docx)"))],
    form: Annotated[
        str | None, typer.Option("--form", help=N_("The form it is for (default: the one it fits best)"))
    ] = None,
) -> None:
    """Check a DOCX template: every mandatory tag present, no unknown tag."""
    from canhgac.services.forms import FormTemplateError, best_check, refusal

    try:
        result = best_check(path, None if form is None else _form(form))
    except FormTemplateError as exc:
        raise fail(str(exc)) from None
    if not result.ok:
        raise fail(refusal(result, str(path)))
    _said(_("{file}: a usable template of form {form}.").format(file=path, form=result.form))
    if result.unused:
        _said(_("Optional fields it does not show: {names}").format(names=", ".join(result.unused)))
