"""``canhgac creds campaign``: the account-hygiene campaign (issue 16, item 4). ``list`` shows
each agency's affected accounts and the share closed (or one agency's accounts and their steps);
``step`` records a step (password changed, sessions revoked, second factor on) with evidence or
the officer's attestation; ``reopen`` undoes a case (the CSIRT); ``letter`` writes a notification
letter (Word or .eml) to an account's holder or to the agency's head; ``send`` sends it through
the watch's mail relay. In bulk: ``letters`` writes every holder's letter of an agency and the
head's (a folder or a ZIP), ``send-all`` e-mails every holder not yet notified (a rerun sends
nobody twice). Never a password or a hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number

app = TranslatedTyper(no_args_is_help=True)

AS_HELP = N_("Act as this console user (their role and agencies); default: the CSIRT")
AgencyArg = Annotated[str, typer.Argument(help=N_("Agency code"))]
AddressArg = Annotated[str, typer.Argument(help=N_("The leaked account's address"))]
AsOpt = Annotated[str | None, typer.Option("--as", help=AS_HELP)]


def _open(ctx: typer.Context, writable: bool = False) -> Any:
    open_store(state(ctx), writable=writable)
    from canhgac.services import campaign

    return campaign


@contextmanager
def _refused(*errors: type[Exception]) -> Iterator[None]:
    """The service's refusal (``errors``) as the CLI's failure: its message, exit code 1."""
    try:
        yield
    except errors as exc:
        raise fail(str(exc)) from None


def _who(campaign: Any, as_user: str | None) -> Any:
    with _refused(campaign.CampaignError):
        return campaign.viewer(cli_actor(), as_user)


def _steps_line(case: Any) -> str:
    from canhgac.services.campaign import how_label, step_label

    parts = []
    for s in case.steps:
        mark = how_label(s.how) if s.how is not None else "—"
        parts.append(f"{step_label(s.step)}: {mark}")
    return "; ".join(parts)


@app.command(
    "list", help=N_("The campaign per agency (affected, closed, share closed), or one agency's accounts.")
)
def list_cases(
    ctx: typer.Context,
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("Only this agency: its accounts"))
    ] = None,
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx)
    who = _who(campaign, as_user)
    if agency is None:
        table = Table(_("Agency"), _("Affected accounts"), _("Closed"), _("Share closed"), _("Letters"))
        for row in campaign.overview(who.scope):
            table.add_row(
                f"{row.code} {row.name}",
                format_number(row.affected),
                format_number(row.closed),
                f"{row.percent} %",
                format_number(row.letters),
            )
        console.print(table)
        return
    cases = campaign.agency_cases(who, agency)
    if cases is None:
        raise fail(
            _("there is no campaign for {code} among the agencies you may act for").format(code=agency)
        )
    table = Table(_("Account"), _("Breaches"), _("Steps"), _("Closed"))
    for case in cases:
        table.add_row(
            case.address,
            format_number(len(case.breaches)),
            _steps_line(case),
            _("yes") if case.closed else _("no"),
        )
    console.print(table)


@app.command(
    "step", help=N_("Record a step of a leaked account's case, with evidence or the officer's attestation.")
)
def step(
    ctx: typer.Context,
    agency: AgencyArg,
    address: AddressArg,
    which: Annotated[str, typer.Argument(help=N_("password, sessions or second-factor"))],
    note: Annotated[
        str, typer.Option("--note", help=N_("Evidence: what was done and how it was checked"))
    ] = "",
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help=N_("Evidence file (a screenshot, a log)"))
    ] = None,
    attest: Annotated[
        str, typer.Option("--attest", help=N_("The officer's attestation, instead of evidence"))
    ] = "",
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    who = _who(campaign, as_user)
    loaded = None
    if file is not None:
        try:
            if file.stat().st_size > campaign.MAX_BYTES:
                raise fail(
                    _("{file}: more than the limit of {limit} bytes").format(
                        file=file.name, limit=campaign.MAX_BYTES
                    )
                )
            loaded = (file.name, file.read_bytes())
        except OSError as exc:
            raise fail(
                _("{file}: cannot be read: {error}").format(file=file, error=exc.strerror or exc)
            ) from None
    how = "attestation" if attest.strip() else "evidence"
    with _refused(campaign.CampaignError, campaign.EvidenceError):
        campaign.record(
            who,
            agency=agency,
            address=address,
            step=which,
            how=how,
            note=note,
            statement=attest,
            file=loaded,
            workspace=state(ctx).workspace.resolve(),
            now=dt.datetime.now(dt.UTC),
        )
    case = next(
        (c for c in campaign.agency_cases(who, agency) or [] if c.address == address.strip().lower()), None
    )
    console.print(
        _("Recorded. {address}: {steps}").format(
            address=address.strip().lower(), steps=_steps_line(case) if case else ""
        )
    )
    if case is not None and case.closed:
        console.print(_("The case of {address} is closed.").format(address=case.address))


@app.command("reopen", help=N_("Reopen a leaked account's case: every step undone (the CSIRT)."))
def reopen(
    ctx: typer.Context,
    agency: AgencyArg,
    address: AddressArg,
    reason: Annotated[str, typer.Option("--reason", help=N_("Why the case is reopened"))],
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    who = _who(campaign, as_user)
    with _refused(campaign.CampaignError):
        undone = campaign.reopen_case(
            who, agency=agency, address=address, reason=reason, now=dt.datetime.now(dt.UTC)
        )
    console.print(_("Reopened: {n} steps undone.").format(n=format_number(undone)))


def _config(ctx: typer.Context) -> Any:
    from canhgac.services.campaign import CampaignError, forms_config

    with _refused(CampaignError):
        return forms_config(state(ctx).config_path())


def _settings(ctx: typer.Context, *, channels: bool = True) -> dict[str, Any]:
    """What every letter command passes the service: the forms' settings, the watch's channels
    (when ``channels``), today and now."""
    found = {"config": _config(ctx)}
    if channels:
        from canhgac.services.watch_delivery import ChannelConfigError, read_channels

        with _refused(ChannelConfigError):
            found["channels"] = read_channels(state(ctx).config_path())
    return {**found, "today": dt.date.today(), "now": dt.datetime.now(dt.UTC)}


def _kind(head: bool, address: str) -> str:
    """The letter's kind, ``head`` or ``user``; a holder's letter needs the account."""
    if not head and not address:
        raise fail(_("name the account, or give --head"))
    return "head" if head else "user"


LetterAddressArg = Annotated[
    str, typer.Argument(help=N_("The leaked account's address (not with --head)"))
]
AgencyOpt = Annotated[str, typer.Option("--agency", "-a", help=N_("Agency code"))]
HeadOpt = Annotated[bool, typer.Option("--head", help=N_("The letter to the agency's head (every account)"))]
LangOpt = Annotated[str, typer.Option("--language", help=N_("The letter's language: vi (the default) or en"))]
ToOpt = Annotated[
    str, typer.Option("--to", help=N_("The e-mail's recipient (default: the account, or the head's contact)"))
]


@app.command(
    "letter",
    help=N_("Write a notification letter (Word or .eml) to an account's holder or the agency's head."),
)
def letter(
    ctx: typer.Context,
    agency: AgencyArg,
    address: LetterAddressArg = "",
    head: HeadOpt = False,
    letter_lang: LangOpt = "vi",
    fmt: Annotated[str, typer.Option("--format", help=N_("docx or eml"))] = "docx",
    to: ToOpt = "",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=N_("File to write (default: its own name)"))
    ] = None,
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    who = _who(campaign, as_user)
    kind = _kind(head, address)
    with _refused(campaign.CampaignError):
        found = campaign.build_letter(
            who,
            agency=agency,
            kind=kind,
            address=address,
            lang=letter_lang,
            channel=fmt,
            recipient=to,
            **_settings(ctx),
        )
    path = output or Path(found.name)
    try:
        path.write_bytes(found.data)
    except OSError as exc:
        raise fail(_("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    console.print(_("Wrote {path}.").format(path=path))


@app.command(
    "send", help=N_("Send a notification letter by e-mail through the watch's mail relay (the CSIRT).")
)
def send(
    ctx: typer.Context,
    agency: AgencyArg,
    address: LetterAddressArg = "",
    head: HeadOpt = False,
    letter_lang: LangOpt = "vi",
    to: ToOpt = "",
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    who = _who(campaign, as_user)
    kind = _kind(head, address)
    with _refused(campaign.CampaignError):
        sent_to = campaign.send_letter(
            who, agency=agency, kind=kind, address=address, lang=letter_lang, recipient=to, **_settings(ctx)
        )
    console.print(_("Sent to {address}.").format(address=sent_to))


@app.command(
    "letters",
    help=N_(
        "Write every affected holder's letter of an agency and the head's (Word): into a folder, "
        "or one ZIP when --out ends in .zip."
    ),
)
def letters_bulk(
    ctx: typer.Context,
    agency: AgencyOpt,
    out: Annotated[
        Path, typer.Option("--out", "-o", help=N_("Folder to write the letters into, or a .zip file"))
    ],
    letter_lang: LangOpt = "vi",
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    from canhgac.services import campaign_bulk

    who = _who(campaign, as_user)
    settings = _settings(ctx, channels=False)
    with _refused(campaign.CampaignError):
        files = campaign_bulk.agency_letters(who, agency=agency, lang=letter_lang, **settings)
    try:
        if out.suffix.lower() == ".zip":
            out.write_bytes(campaign_bulk.letters_zip(files, settings["now"]))
        else:
            out.mkdir(parents=True, exist_ok=True)
            for found in files:
                (out / found.name).write_bytes(found.data)
    except OSError as exc:
        raise fail(_("cannot write {path}: {error}").format(path=out, error=exc.strerror or exc)) from None
    console.print(
        _("Wrote {n} letters ({holders} to holders, one to the head) to {path}.").format(
            n=format_number(len(files)), holders=format_number(len(files) - 1), path=out
        )
    )


@app.command(
    "send-all",
    help=N_(
        "E-mail every holder of an agency not yet notified, the Word letter attached, through the "
        "watch's mail relay (the CSIRT); a rerun sends nobody twice."
    ),
)
def send_all(
    ctx: typer.Context,
    agency: AgencyOpt,
    letter_lang: LangOpt = "vi",
    as_user: AsOpt = None,
) -> None:
    campaign = _open(ctx, writable=True)
    from canhgac.services import campaign_bulk

    who = _who(campaign, as_user)
    with _refused(campaign.CampaignError):
        summary = campaign_bulk.send_unnotified(who, agency=agency, lang=letter_lang, **_settings(ctx))
    for address, reason in summary.refused:
        console.print(_("Refused: {address}: {reason}").format(address=address, reason=reason))
    for address, reason in summary.failed:
        console.print(_("Failed: {address}: {reason}").format(address=address, reason=reason))
    console.print(
        _("Sent {sent}, refused {refused}, failed {failed}; {already} notified before, not sent again.").format(
            sent=format_number(len(summary.sent)),
            refused=format_number(len(summary.refused)),
            failed=format_number(len(summary.failed)),
            already=format_number(summary.already),
        )
    )
    if summary.refused or summary.failed:
        raise typer.Exit(1)
