"""``canhgac creds pwned-import|pwned-check|serve``: the offline Pwned Passwords service.

``pwned-import`` turns the downloaded corpus (or a subset, or a downloader's range files) into
a store; ``pwned-check`` reads one password from stdin or a prompt, never from the command line
(where ``ps`` and the shell's history would keep it), and prints how often it was seen;
``serve`` answers the public range API from stores. docs/credentials.md.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli import creds_breach_cmd
from canhgac.cli.common import ExitCode, console, err_console, fail
from canhgac.cli.progress import PhaseProgress
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.services.pwned import (
    ENV_STORE,
    ENV_URL,
    HashKind,
    ImportResult,
    RangeClientError,
    StoreError,
    import_corpus,
    is_loopback,
    is_pwned,
    open_for_serving,
    open_store,
    serve_stores,
)

app = TranslatedTyper(no_args_is_help=True)


@app.command("pwned-import", help=N_("Import the Pwned Passwords corpus (or a subset, or range files) into a store."))
def pwned_import(
    files: Annotated[list[Path], typer.Argument(help=N_("HASH:COUNT files, 5-hex range files, or folders of range files"))],
    out: Annotated[Path, typer.Option("-o", "--output", help=N_("The store to write (replaced when the import is complete)"))],
    ntlm: Annotated[bool, typer.Option("--ntlm", help=N_("The files hold NTLM hashes (default: SHA-1)"))] = False,
    bloom: Annotated[float | None, typer.Option("--bloom", help=N_("Write a Bloom filter with this false-positive rate, e.g. 0.001: smaller, no counts, no range API"))] = None,
    memory: Annotated[int, typer.Option("--memory", min=16, help=N_("MiB of records sorted in memory when the input is not in hash order"))] = 256,
    tmp_dir: Annotated[Path | None, typer.Option("--tmp-dir", help=N_("Folder for the sort's temporary files (default: the store's folder)"))] = None,
) -> None:
    """Import the Pwned Passwords corpus (or a subset, or range files) into a store."""
    kind = HashKind.NTLM if ntlm else HashKind.SHA1
    try:
        with PhaseProgress(err_console) as bar:
            label = _("Reading")
            result = import_corpus(files, out, kind=kind, bloom_fpr=bloom, memory=memory << 20, tmp_dir=tmp_dir,
                                   progress=lambda done, total: bar.update("read", label, done, total, percent=True))
    except StoreError as exc:
        raise fail(str(exc)) from None
    _show(result)


def _show(r: ImportResult) -> None:
    table = Table(title=_("Imported into {path}").format(path=r.path), show_header=False)
    table.add_row(_("Hash kind"), r.kind.value.upper())
    table.add_row(_("Mode"), _("Bloom filter") if r.mode == "bloom" else _("sorted, with a prefix index"))
    table.add_row(_("Hashes stored"), format_number(r.entries))
    table.add_row(_("Lines accepted"), format_number(r.lines.accepted))
    if r.duplicates:
        table.add_row(_("Repeated hashes merged"), format_number(r.duplicates))
    if r.lines.padding:
        table.add_row(_("Padding lines skipped (count 0)"), format_number(r.lines.padding))
    table.add_row(_("Malformed lines refused"), format_number(r.lines.malformed)
                  + (" " + _("(first: {where})").format(where=r.lines.first_malformed) if r.lines.malformed else ""))
    if r.mode == "sorted":
        table.add_row(_("Input order"), _("in hash order: one pass") if r.sorted_input else _("not in hash order: sorted"))
    else:
        table.add_row(_("Expected false-positive rate"), f"{r.fpr:.3g}")
    table.add_row(_("Store size"), _("{mib} MiB").format(mib=format_number(round(r.store_bytes / 2**20, 1))))
    table.add_row(_("Time"), _("{s} s").format(s=format_number(round(r.seconds, 1))))
    console.print(table)


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass(_("Password to check (not shown): "))
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


@app.command("pwned-check", help=N_("How often a password was seen in breaches (read from stdin or a prompt, never from the command line)."))
def pwned_check(
    store: Annotated[Path | None, typer.Option("--store", envvar=ENV_STORE, help=N_("A store from `canhgac creds pwned-import`. Env: CANHGAC_PWNED_STORE"))] = None,
    url: Annotated[str | None, typer.Option("--url", envvar=ENV_URL, help=N_("A range service instead, e.g. http://127.0.0.1:8787 (only a 5-hex prefix is sent). Env: CANHGAC_PWNED_URL"))] = None,
    ntlm: Annotated[bool, typer.Option("--ntlm", help=N_("Ask the service for the NTLM hash (with --url)"))] = False,
) -> None:
    """How often a password was seen in breaches (read from stdin or a prompt, never from the command line)."""
    if store is None and not url:
        raise fail(_("give --store or --url (or set {store} or {url})").format(store=ENV_STORE, url=ENV_URL))
    password = _read_password()
    if not password:
        raise fail(_("no password read"))
    kind = HashKind.NTLM if ntlm else None
    try:
        bloom = store is not None and open_store(store).bloom
        count = is_pwned(password, store=store, url=None if store else url, kind=kind, hashed=False)
    except (StoreError, RangeClientError) as exc:
        raise fail(str(exc), ExitCode.UNAVAILABLE) from None
    finally:
        del password
    if count and bloom:
        console.print(_("Probably seen in breaches (a Bloom filter keeps no count): do not use this password."))
        raise typer.Exit(ExitCode.FINDINGS)
    if count:
        console.print(_("Seen {n} times in breaches: do not use this password.").format(n=format_number(count)))
        raise typer.Exit(ExitCode.FINDINGS)
    console.print(_("Not found in the breached passwords."))


@app.command("serve", help=N_("Answer the Pwned Passwords range API (GET /range/{prefix}) from stores."))
def serve(
    stores: Annotated[list[Path], typer.Argument(help=N_("Sorted stores: one SHA-1, and one NTLM for ?mode=ntlm"))],
    host: Annotated[str, typer.Option(help=N_("Address to listen on (loopback unless --public)"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=N_("Port to listen on"))] = 8787,
    public: Annotated[bool, typer.Option("--public", help=N_("Allow a non-loopback address: mail servers on other machines may query it"))] = False,
) -> None:
    """Answer the Pwned Passwords range API (GET /range/{prefix}) from stores."""
    if not public and not is_loopback(host):
        raise fail(_("{host} is not a loopback address: add --public to serve other machines").format(host=host))
    try:
        opened = open_for_serving(stores)
    except StoreError as exc:
        raise fail(str(exc)) from None

    def ready(bound: str, bound_port: int) -> None:
        kinds = ", ".join(k.value.upper() for k in opened)
        console.print(_("Pwned Passwords range API ({kinds}): http://{host}:{port}/range/ (Ctrl-C to stop)")
                      .format(kinds=kinds, host=bound, port=bound_port), soft_wrap=True)

    try:
        serve_stores(opened, host, port, ready)
    except KeyboardInterrupt:
        console.print(_("Stopped."))
    except OSError as exc:
        raise fail(_("cannot listen on {host}:{port}: {why}").format(host=host, port=port, why=exc.strerror or exc),
                   ExitCode.UNAVAILABLE) from None


from canhgac.cli import creds_audit_cmd  # noqa: E402 - the audit lives in its own module

app.command("audit", help=creds_audit_cmd.HELP)(creds_audit_cmd.audit)

app.command("import", help=N_("Import breach files: keep the agencies' accounts, never a password in clear."))(
    creds_breach_cmd.import_breach)
app.command("leaks", help=N_("List leaked accounts: address, breaches, reuse counts; never a password or hash."))(
    creds_breach_cmd.leaks)
app.command("leak-answer", help=N_("Record the agency's answer for a leaked account, and judge again."))(
    creds_breach_cmd.leak_answer)

from canhgac.cli import creds_campaign_cmd  # noqa: E402 - the campaign lives in its own module

app.add_typer(creds_campaign_cmd.app, name="campaign",
              help=N_("The account-hygiene campaign: affected accounts, steps to closure, letters."))
