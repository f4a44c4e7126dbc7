"""``canhgac creds audit``: the password-policy audit of an agency's own exports (issue 16 item 5).

Reads NTLM dumps (secretsdump/pwdump, ``user:nthash``) and Dovecot passwd-files, read only, and
prints or writes a report that names accounts and finding kinds, never a password or a hash.
docs/credentials.md, section "Password-policy audit".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import ExitCode, console, err_console, fail
from canhgac.cli.progress import PhaseProgress
from canhgac.i18n import N_, translate
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.services.pwaudit import (
    KINDS,
    AgencyMap,
    AuditError,
    AuditOptions,
    AuditReport,
    Finding,
    audit_files,
    default_suffixes,
    open_pwned,
    to_csv,
    to_json,
)
from canhgac.services.pwned import ENV_STORE, StoreError

HELP = N_("Audit exported password hashes (NTLM dump, Dovecot passwd-file): weak, shared, empty, "
          "name-like; no password or hash is shown.")

LABELS = {
    "plaintext": N_("stored in clear"),
    "empty": N_("empty"),
    "user_name": N_("the user name"),
    "weak": N_("in breaches"),
    "common": N_("a common password"),
    "shared": N_("shared"),
    "lm_hash": N_("LM hash stored"),
    "history_reuse": N_("same as an old password"),
    "weak_scheme": N_("weak scheme"),
    "not_checked": N_("not checked"),
}
SHORT = {
    "plaintext": N_("in clear"), "empty": N_("empty"), "user_name": N_("user name"), "weak": N_("breached"),
    "common": N_("common"), "shared": N_("shared"), "lm_hash": N_("LM"), "history_reuse": N_("old password"),
    "weak_scheme": N_("weak scheme"), "not_checked": N_("not checked"),
}


def _netbios(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, code = pair.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise fail(_("--netbios takes NAME=AGENCY, e.g. SOTTTT=STTTT"))
        out[name.strip()] = code.strip()
    return out


def _read_candidates(path: Path) -> tuple[str, ...]:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return tuple(dict.fromkeys(line.rstrip("\r\n") for line in f if line.rstrip("\r\n")))
    except OSError as exc:
        raise fail(_("{path} cannot be read: {why}").format(path=path, why=exc.strerror or exc)) from None


def audit(
    files: Annotated[list[Path], typer.Argument(help=N_("secretsdump/pwdump output, user:nthash files, Dovecot passwd-files (read only)"))],
    fmt: Annotated[str, typer.Option("--format", help=N_("table, json or csv"))] = "table",
    output: Annotated[Path | None, typer.Option("-o", "--output", help=N_("Write the report to this file instead of the terminal"))] = None,
    pwned: Annotated[list[Path] | None, typer.Option("--pwned", help=N_("A pwned-password store (NTLM and/or SHA-1; repeat for both). Default: CANHGAC_PWNED_STORE"))] = None,
    inventory: Annotated[Path | None, typer.Option("--inventory", "-i", help=N_("Inventory YAML file: maps user@domain accounts to agencies"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", help=N_("The agency of accounts without a domain (or of all accounts without an inventory)"))] = None,
    netbios: Annotated[list[str] | None, typer.Option("--netbios", help=N_("NETBIOS=AGENCY: the agency of DOMAIN\\user accounts (repeat)"))] = None,
    suffix: Annotated[list[str] | None, typer.Option("--suffix", help=N_("A suffix tried after the user name (repeat; replaces the default list)"))] = None,
    common: Annotated[int | None, typer.Option("--common", min=0, help=N_("Try only the first N passwords of the bundled list (default: all)"))] = None,
    candidates: Annotated[Path | None, typer.Option("--candidates", help=N_("More passwords to try, one a line (read only, never shown)"))] = None,
    time_cap: Annotated[float, typer.Option("--time-cap", min=0, help=N_("Seconds spent at most trying candidates on salted hashes"))] = 60.0,
) -> None:
    """Audit exported password hashes (NTLM dump, Dovecot passwd-file): weak, shared, empty, name-like."""
    if fmt not in ("table", "json", "csv"):
        raise fail(_("--format takes table, json or csv"))
    if output is not None and any(output.resolve() == f.resolve() for f in files):
        raise fail(_("{path} is an input file: the exports are only read, write the report elsewhere").format(
            path=output))
    places = _places(inventory, agency, _netbios(netbios or []))
    stores = list(pwned or [])
    if not stores and os.environ.get(ENV_STORE):
        stores = [Path(os.environ[ENV_STORE])]
    try:
        ntlm, sha1 = open_pwned(stores)
    except StoreError as exc:
        raise fail(str(exc), ExitCode.UNAVAILABLE) from None
    options = AuditOptions(places=places, ntlm_store=ntlm, sha1_store=sha1,
                           suffixes=tuple(suffix) if suffix else default_suffixes(), common=common,
                           extra_candidates=_read_candidates(candidates) if candidates else (), time_cap=time_cap)
    try:
        with PhaseProgress(err_console) as bar:
            labels = {"read": _("Reading"), "salted": _("Trying candidates on salted hashes")}

            def progress(phase: str, done: int, total: int) -> None:
                bar.update(phase, labels[phase], done, total, percent=phase == "read")

            options.progress = progress
            report = audit_files(files, options)
    except AuditError as exc:
        raise fail(str(exc)) from None
    if fmt == "table" and output is None:
        _show(report)
    else:
        text = to_json(report) if fmt == "json" else to_csv(report) if fmt == "csv" else _table_text(report)
        if output is None:
            sys.stdout.write(text)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise fail(_("{path} cannot be written: {why}").format(path=output, why=exc.strerror or exc),
                           ExitCode.UNAVAILABLE) from None
            err_console.print(_("Report written to {path}").format(path=output))
    if report.accounts:
        raise typer.Exit(ExitCode.FINDINGS)


def _places(inventory: Path | None, agency: str | None, netbios: dict[str, str]) -> AgencyMap:
    inv = None
    if inventory is not None:
        from canhgac.services.inventory import InventoryError, load_inventory

        try:
            inv = load_inventory(inventory)
        except InventoryError as exc:
            raise fail(str(exc)) from None
    places = AgencyMap(inv, netbios, agency)
    if inv is not None:
        for code in [agency or "", *netbios.values()]:
            if code and not places.known(code):
                raise fail(_("no agency {code} in the inventory").format(code=code))
    return places


def describe(f: Finding) -> str:
    """A finding in words, with its count or group: never a password or a hash."""
    label = translate(LABELS[f.kind])
    if f.kind == "weak":
        if f.count is None:
            return _("in breaches (probably: a Bloom store)")
        return _("in breaches ({n} times)").format(n=format_number(f.count))
    if f.kind == "shared":
        return _("shared (group {group}, {size} accounts)").format(group=f.group, size=f.size)
    if f.kind == "plaintext" and f.reason:
        return _("stored in clear (reversible encryption)")
    if f.kind in ("weak_scheme", "not_checked") and (f.scheme or f.reason):
        reason = translate(f.why).format(**f.args) if f.why else None
        detail = reason or f.scheme
        return f"{label} ({detail})"
    return label


def _tables(report: AuditReport) -> list[Table]:
    summary = Table(title=_("Password-policy audit"))
    summary.add_column(_("Agency / domain"))
    summary.add_column(_("Accounts"), justify="right")
    summary.add_column(_("With findings"), justify="right")
    summary.add_column(_("Findings (accounts)"))
    flagged: dict[str, int] = {}
    for r in report.accounts:
        flagged[r.place.key] = flagged.get(r.place.key, 0) + 1
    for key, t in report.totals.items():
        name = t.place.code or (t.place.domain and _("{domain} (not in the inventory)").format(domain=t.place.domain)) or "-"
        kinds = ", ".join(f"{translate(SHORT[k])} {format_number(t.kinds[k])}" for k in KINDS if t.kinds.get(k))
        summary.add_row(name, format_number(t.accounts), format_number(flagged.get(key, 0)), kinds or "-")
    accounts = Table(title=_("Accounts with findings"))
    accounts.add_column(_("Agency / domain"))
    accounts.add_column(_("Account"))
    accounts.add_column(_("Findings"))
    for r in report.accounts:
        marks = [m for m, on in ((_("machine"), r.machine), (_("disabled"), bool(r.disabled))) if on]
        accounts.add_row(r.place.key, r.account + (f" ({', '.join(marks)})" if marks else ""),
                         "; ".join(describe(f) for f in r.findings))
    facts = Table(show_header=False, title=_("Input and checks"))
    for f in report.files:
        line = _("{lines} lines, {accounts} accounts, {history} history entries, {malformed} malformed").format(
            lines=format_number(f.lines), accounts=format_number(f.accounts), history=format_number(f.history),
            malformed=format_number(f.malformed))
        if f.first_malformed:
            line += " " + _("(first: {where})").format(where=f.first_malformed)
        facts.add_row(f.path, line)
    o = report.options
    stores = ", ".join(str(s.path) for s in (o.ntlm_store, o.sha1_store) if s is not None)
    facts.add_row(_("Pwned store"), stores or _("none given: \"in breaches\" not checked"))
    s = report.salted
    if s.accounts:
        facts.add_row(_("Salted hashes"), _("{n} accounts: {checked} fully checked, {partly} stopped by the time cap, "
                                            "{unchecked} not checkable; {tries} candidates in {sec} s").format(
            n=format_number(s.accounts), checked=format_number(s.checked), partly=format_number(s.partly),
            unchecked=format_number(s.not_checked), tries=format_number(s.tries), sec=format_number(round(s.seconds, 1))))
    facts.add_row(_("Common passwords"), _("{n} from {source}").format(n=format_number(report.common_count),
                                                                       source=translate(report.common_source)))
    return [summary, accounts, facts]


def _show(report: AuditReport) -> None:
    for table in _tables(report):
        console.print(table)


def _table_text(report: AuditReport) -> str:
    from rich.console import Console

    out = Console(record=True, width=160, file=open(os.devnull, "w"))  # noqa: SIM115 - closed below
    try:
        for table in _tables(report):
            out.print(table)
        return out.export_text()
    finally:
        out.file.close()
