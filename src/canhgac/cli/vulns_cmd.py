"""``canhgac vulns import|show``: the offline vulnerability data scans match components against.

``import`` reads OSV or NVD CVE API 2.0 files the CSIRT downloaded and writes them into
``WORKSPACE/vulns.sqlite3`` (created on first use, seeded with the bundled advisories); a
malformed file is refused with its name, a malformed entry is skipped and named (``--strict``
makes that an error). ``show`` asks the index (else the bundled data) about one version; a
product the data does not name is refused (exit 2, with the closest names), because "no known
vulnerability" would then be a claim nobody made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import CliState, console, err_console, fail, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.services.vulns import (
    FeedError,
    FeedResult,
    VersionError,
    VulnIndex,
    VulnIndexError,
    create_index,
    load_feed,
    normalise,
    open_scan_index,
    parse_version,
    similar,
)

INDEX_FILE = "vulns.sqlite3"

app = TranslatedTyper(no_args_is_help=True)


def index_path(st: CliState) -> Path:
    """Where the workspace's vulnerability index lives (what scans use when it exists)."""
    return st.workspace / INDEX_FILE


def _load_all(files: list[Path], fmt: str) -> list[FeedResult]:
    results: list[FeedResult] = []
    for file in files:
        try:
            results.append(load_feed(file, fmt))
        except FeedError as exc:
            raise fail(str(exc)) from None
    return results


@app.command("import", help=N_("Import advisories into the workspace's vulnerability index."))
def import_feeds(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help=N_("OSV or NVD CVE API 2.0 JSON files"))],
    fmt: Annotated[str, typer.Option("--format", help=N_("osv, nvd or auto (look at the file)"))] = "auto",
    strict: Annotated[bool, typer.Option("--strict", help=N_("Import nothing if any entry is malformed"))] = False,
) -> None:
    """Import advisories into the workspace's vulnerability index."""
    st = state(ctx)
    results = _load_all(files, fmt)
    problems = [p for r in results for p in r.problems]
    for problem in problems:
        err_console.print(_("Skipped: {problem}").format(problem=problem), style="yellow", soft_wrap=True,
                          markup=False)
    if strict and problems:
        raise fail(_("{count} malformed entries: nothing imported (--strict)").format(
            count=format_number(len(problems))), 1)
    try:
        with create_index(index_path(st)) as index:
            table = Table(title=_("Imported into {path}").format(path=index_path(st)))
            for col in (_("File"), _("Format"), _("Advisories"), _("Not matchable"), _("Malformed")):
                table.add_column(col)
            for r in results:
                added = index.add(r.advisories, Path(r.file).name)
                table.add_row(r.file, r.format, format_number(added), format_number(r.skipped),
                              format_number(len(r.problems)))
            total = index.count()
    except VulnIndexError as exc:
        raise fail(str(exc)) from None
    console.print(table)
    console.print(_("The index now holds {count} advisories.").format(count=format_number(total)))


def _open(st: CliState) -> VulnIndex:
    path = index_path(st)
    try:
        return open_scan_index(str(path) if path.is_file() else None)
    except VulnIndexError as exc:
        raise fail(str(exc)) from None


def _unknown(name: str, index: VulnIndex) -> str:
    """Why nothing can be said of a product the data set does not name (not: "no vulnerability")."""
    text = _("{name} is not in the vulnerability data ({data}): nothing is known of it, which does "
             "not mean it is safe").format(name=name, data=index.label)
    close = similar(name, (component for component, _count in index.components()))
    if close:
        text += " — " + _("did you mean: {names}?").format(names=", ".join(close))
    else:
        text += " — " + _("import advisories that name it with `canhgac vulns import`")
    return text


@app.command("show", help=N_("The advisories that affect one version of a component."))
def show(
    ctx: typer.Context,
    component: Annotated[str, typer.Argument(help=N_("Component: joomla, wordpress, drupal, dotnetnuke, "
                                                     "liferay-portal, apache-httpd, nginx, microsoft-iis, php, "
                                                     "jquery..."))],
    version: Annotated[str, typer.Argument(help=N_("e.g. 4.2.7"))],
) -> None:
    """The advisories that affect one version of a component."""
    st = state(ctx)
    name = normalise(component)
    try:
        wanted = parse_version(version)
    except VersionError:
        raise fail(_("'{version}' is not a version canhgac can compare").format(version=version)) from None
    with _open(st) as index:
        try:
            if not index.knows(name):
                raise fail(_unknown(name, index))
            matches = index.match(name, wanted)
            advisories = len(index.advisories_for(name))
        except VulnIndexError as exc:
            raise fail(str(exc)) from None
        label = index.label
    if not matches:
        console.print(_("No known vulnerability for {name} {version}: the data ({data}) holds {count} "
                        "advisories for {name}, none affects this version.").format(
            name=name, version=version, data=label, count=advisories))
        return
    table = Table(title=f"{name} {version} — {label}")
    for col in (_("Advisory"), _("CVE"), _("Severity"), _("Affected"), _("Fixed in"), _("Source")):
        table.add_column(col, overflow="fold")
    for m in matches:
        adv = m.advisory
        table.add_row(adv.id, ", ".join(adv.cve_ids), adv.severity.label(), m.affected.describe(),
                      m.affected.fix_for(wanted) or "—", adv.source)
    console.print(table)
