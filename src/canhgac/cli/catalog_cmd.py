"""``canhgac catalog``: browse the checks and the frameworks whose clauses they evidence.

Read-only views of the catalog data (package data, or a CSIRT's own copy named by
``--catalog``/``CANHGAC_CATALOG_DIR``). Catalog text is shown in the CLI's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.catalog import (
    Catalog,
    CatalogError,
    CheckEntry,
    Clause,
    Coverage,
    Framework,
    Mode,
    UnknownNameError,
    load_catalog,
)
from canhgac.catalog.families import suggest
from canhgac.cli.common import console, fail
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_, current_language
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number

app = TranslatedTyper(no_args_is_help=True)

CatalogDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        envvar="CANHGAC_CATALOG_DIR",
        exists=True,
        file_okay=False,
        help=N_("Catalog data folder (with checks/ and frameworks/) instead of the built-in one."),
    ),
]


def _load(catalog_dir: Path | None) -> Catalog:
    try:
        return load_catalog(catalog_dir)
    except CatalogError as exc:
        raise fail(str(exc)) from None


def _mode_label(mode: Mode) -> str:
    labels = {
        Mode.AUTOMATED: _("Automated"),
        Mode.SELF_ASSESSMENT: _("Self-assessment"),
        Mode.WORKFLOW: _("Workflow"),
        Mode.DETECTION: _("Log detection"),
    }
    return labels[mode]


def _coverage_label(coverage: Coverage) -> str:
    labels = {
        Coverage.AUTOMATED: _("Automated"),
        Coverage.PARTIAL: _("Partial"),
        Coverage.SELF_ASSESSMENT: _("Self-assessment"),
    }
    return labels[coverage]


def _clause_refs(catalog: Catalog, check_id: str) -> str:
    return ", ".join(ref.key for ref in catalog.clauses_of(check_id))


def _checks_table(catalog: Catalog, entries: list[CheckEntry], title: str) -> Table:
    lang = current_language()
    table = Table(title=title)
    table.add_column(_("Check"), no_wrap=True)
    table.add_column(_("Mode"))
    table.add_column(_("Severity"))
    table.add_column(_("Title"), overflow="fold")
    table.add_column(_("Clauses"), overflow="fold")
    for entry in entries:
        table.add_row(entry.id, _mode_label(entry.mode), entry.severity.label(),
                      entry.title.get(lang), _clause_refs(catalog, entry.id))
    return table


def _framework_checks(catalog: Catalog, framework_id: str) -> set[str]:
    framework = catalog.frameworks.get(framework_id)
    if framework is None:
        raise fail(_("unknown framework: {id}").format(id=framework_id))
    return {check_id for clause in framework.clauses for check_id in clause.checks}


@app.command("list", help=N_("List the catalog's checks, optionally filtered."))
def list_checks(
    family: Annotated[str | None, typer.Option(help=N_("Only checks of this family, or group of families (e.g. mail.spf, net)"))] = None,
    framework: Annotated[str | None, typer.Option(help=N_("Only checks named by a clause of this framework (e.g. CV430)"))] = None,
    mode: Annotated[Mode | None, typer.Option(help=N_("Only checks of this mode"))] = None,
    catalog_dir: CatalogDirOpt = None,
) -> None:
    """List the catalog's checks, optionally filtered."""
    catalog = _load(catalog_dir)
    wanted = _framework_checks(catalog, framework) if framework else None
    try:
        of_family = catalog.select(families=(family,) if family else ())
    except UnknownNameError as exc:
        raise fail(exc.message()) from None
    entries = [
        entry
        for entry in sorted(of_family, key=lambda e: e.id)
        if (mode is None or entry.mode is mode) and (wanted is None or entry.id in wanted)
    ]
    console.print(_checks_table(catalog, entries, _("Checks")))
    console.print(_("{n} checks.").format(n=format_number(len(entries))))


@app.command("frameworks", help=N_("List the frameworks (directive, guidance documents) and how their clauses are covered."))
def frameworks(catalog_dir: CatalogDirOpt = None) -> None:
    """List the frameworks (directive, guidance documents) and how their clauses are covered."""
    catalog = _load(catalog_dir)
    lang = current_language()
    table = Table(title=_("Frameworks"))
    table.add_column(_("Framework"), no_wrap=True)
    table.add_column(_("Title"), overflow="fold")
    table.add_column(_("Source"), overflow="fold")
    table.add_column(_("Clauses"), justify="right")
    table.add_column(_("Inferred"), justify="right")
    table.add_column(_("Coverage"))
    for fw in sorted(catalog.frameworks.values(), key=lambda f: f.id):
        coverage = ", ".join(
            _coverage_label(cov) + " " + format_number(sum(c.coverage is cov for c in fw.clauses))
            for cov in Coverage
            if any(c.coverage is cov for c in fw.clauses)
        )
        inferred = sum(c.inferred and not c.confirmed_by for c in fw.clauses)
        table.add_row(fw.id, fw.title.get(lang), fw.source, format_number(len(fw.clauses)),
                      format_number(inferred), coverage)
    console.print(table)


@app.command("show", help=N_("Show one check, one framework, or one framework clause with the checks that evidence it."))
def show(
    item: Annotated[str, typer.Argument(help=N_("A check id (mail.spf.present), a framework (CV430) or a clause (CV430:3)"))],
    catalog_dir: CatalogDirOpt = None,
) -> None:
    """Show one check, one framework, or one framework clause with the checks that evidence it."""
    catalog = _load(catalog_dir)
    if item in catalog.checks:
        _show_check(catalog, catalog.checks[item])
    elif item in catalog.frameworks:
        _show_framework(catalog.frameworks[item])
    elif ":" in item and item.split(":", 1)[0] in catalog.frameworks:
        fw_id, clause_id = item.split(":", 1)
        framework = catalog.frameworks[fw_id]
        clause = next((c for c in framework.clauses if c.id == clause_id), None)
        if clause is None:
            raise fail(_("{framework} has no clause {clause}").format(framework=fw_id, clause=clause_id))
        _show_clause(catalog, framework, clause)
    else:
        message = _("no check, framework or clause named {id}").format(id=item)
        close = suggest(item, [*catalog.checks, *catalog.frameworks])
        if close:
            message += " — " + _("did you mean: {names}?").format(names=", ".join(close))
        raise fail(message)


def _field(label: str, value: str) -> None:
    console.print(f"[bold]{label}:[/] {value}", highlight=False)


def _show_check(catalog: Catalog, entry: CheckEntry) -> None:
    lang = current_language()
    console.print(f"[bold]{entry.id}[/] — {entry.title.get(lang)}", highlight=False)
    _field(_("Family"), entry.family)
    _field(_("Mode"), _mode_label(entry.mode))
    _field(_("Severity"), entry.severity.label())
    _field(_("Target"), entry.target)
    _field(_("Rationale"), entry.rationale.get(lang))
    _field(_("Remediation"), entry.remediation.get(lang))
    if entry.question is not None:
        _field(_("Question"), entry.question.get(lang))
    if entry.evidence_expected is not None:
        _field(_("Evidence expected"), entry.evidence_expected.get(lang))
    for ref in entry.references:
        where = f"{ref.doc} {ref.clause}" if ref.clause else ref.doc
        _field(_("Reference"), f"{where} {ref.url}".strip())
    clauses = _clause_refs(catalog, entry.id)
    if clauses:
        _field(_("Evidence for"), clauses)
    if entry.messages:
        _field(_("Messages"), ", ".join(sorted(entry.messages)))


def _show_framework(framework: Framework) -> None:
    lang = current_language()
    console.print(f"[bold]{framework.id}[/] — {framework.title.get(lang)}", highlight=False)
    _field(_("Source"), framework.source)
    if framework.note is not None:
        _field(_("Note"), framework.note.get(lang))
    table = Table()
    table.add_column(_("Clause"), no_wrap=True)
    table.add_column(_("Title"), overflow="fold")
    table.add_column(_("Coverage"))
    table.add_column(_("Checks"), justify="right")
    table.add_column(_("Status"))
    for clause in framework.clauses:
        table.add_row(f"{framework.id}:{clause.id}", clause.title.get(lang),
                      _coverage_label(clause.coverage), format_number(len(clause.checks)),
                      _confirmation(clause))
    console.print(table)


def _confirmation(clause: Clause) -> str:
    if clause.confirmed_by:
        return _("Confirmed by {who}").format(who=clause.confirmed_by)
    return _("Inferred") if clause.inferred else _("Official text")


def _show_clause(catalog: Catalog, framework: Framework, clause: Clause) -> None:
    lang = current_language()
    console.print(f"[bold]{framework.id}:{clause.id}[/] — {clause.title.get(lang)}", highlight=False)
    _field(_("Framework"), f"{framework.title.get(lang)} ({framework.source})")
    _field(_("Requirement"), clause.text.get(lang))
    _field(_("Coverage"), _coverage_label(clause.coverage))
    _field(_("Status"), _confirmation(clause))
    if clause.inferred and not clause.confirmed_by:
        console.print(_("Inferred: not yet confirmed against the official text."), style="yellow")
    entries = [catalog.checks[check_id] for check_id in clause.checks]
    console.print(_checks_table(catalog, entries, _("Checks evidencing this clause")))
