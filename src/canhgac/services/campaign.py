"""The account-hygiene campaign (issue 16, item 4) for the console, the API and the CLI: the
overview per agency, an agency's cases, the scoped and logged writes (a step recorded with
evidence or attestation, a case reopened), and the letters (Word, .eml, or sent through the
watch's configured mail relay).

Who may do what: the CSIRT (administrators, analysts) on every agency; an agency's officer on
their own agencies (record steps, write letters); leaders read the overview only. Reopening and
sending e-mail are the CSIRT's. Reads go through ``console.store.campaign_queries`` with the
viewer's scope; writes through ``console.store.campaign_store``. Import after the store is open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from canhgac.console.store import campaign_queries as cq
from canhgac.console.store.campaign_store import (
    CampaignActor,
    CampaignError,
    CampaignNotFoundError,
    record_letter,
    record_step,
    refuse,
    reopen,
    visible_agency,
)
from canhgac.console.store.compliance_files import MAX_BYTES, EvidenceError, check_file
from canhgac.console.store.queries import ViewerScope
from canhgac.console.store.queries.agencies import agency_names
from canhgac.console.store.roles import Role, works_for_csirt
from canhgac.creds.campaign import (
    STEPS,
    How,
    LetterChannel,
    LetterKind,
    Step,
    how_label,
    parse_step,
    step_label,
)
from canhgac.i18n import gettext as _
from canhgac.reports.forms.config import FormsConfig
from canhgac.services import campaign_letters as letters
from canhgac.watch.channel_config import ChannelConfig, EmailChannel

CaseView = cq.CaseView
LetterView = cq.LetterView

__all__ = [
    "MAX_BYTES",
    "STEPS",
    "Acting",
    "CampaignActor",
    "CampaignError",
    "CampaignNotFoundError",
    "CaseView",
    "EvidenceError",
    "LetterFile",
    "LetterView",
    "agency_cases",
    "build_letter",
    "evidence_file",
    "forms_config",
    "head_address",
    "how_label",
    "letter_key",
    "letters_of",
    "may_read_cases",
    "may_record",
    "may_reopen",
    "may_send",
    "may_write_letters",
    "overview",
    "record",
    "refused_agency",
    "reopen_case",
    "send_letter",
    "sender_of",
    "step_label",
    "viewer",
]


@dataclass(frozen=True, slots=True)
class Acting:
    """Who acts: their name for the records, role, scope, and the client's address."""

    name: str
    role: Role
    scope: ViewerScope
    address: str = ""

    @property
    def actor(self) -> CampaignActor:
        return CampaignActor(self.name, self.address)


def may_read_cases(role: Role) -> bool:
    """An agency's accounts: the CSIRT and the agency's officers; leaders see the overview only."""
    return role is not Role.LEADER


def may_record(role: Role) -> bool:
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST, Role.AGENCY_OFFICER)


def may_write_letters(role: Role) -> bool:
    return may_record(role)


def may_reopen(role: Role) -> bool:
    return works_for_csirt(role)


def may_send(role: Role) -> bool:
    """Sending goes through the CSIRT's relay: the CSIRT's act."""
    return works_for_csirt(role)


def refused_role(who: Acting, agency: str, action: str) -> CampaignError:
    """Log an act ``who``'s role may not do; the error to raise."""
    refuse(who.actor, agency.replace("\x00", ""), "role", action=action, role=who.role.value)
    return CampaignError(_("your role may not do this in the campaign"))


def refused_agency(who: Acting, agency: str) -> None:
    """Log an act refused because the agency is outside ``who``'s campaign (the page answers 404)."""
    refuse(who.actor, agency.replace("\x00", ""), "agency")  # the log keeps no NUL


def letters_of(scope: ViewerScope, agency: str) -> list[cq.LetterView]:
    """The agency's letters written and sent, latest first (scoped)."""
    return cq.campaign_letters(scope, agency)


def forms_config(path: Path) -> FormsConfig:
    """The ``[forms]`` table of the settings file (the letters' header); ``CampaignError`` when
    it cannot be used."""
    from canhgac.reports.forms import FormsConfigError, read_forms_config

    try:
        return read_forms_config(path)
    except FormsConfigError as exc:
        raise CampaignError(str(exc)) from None


def overview(scope: ViewerScope) -> list[cq.AgencyCampaign]:
    return cq.campaign_overview(scope)


def agency_cases(who: Acting, agency: str) -> list[cq.CaseView] | None:
    """The agency's cases, or None when the viewer may not read them (out of scope, a leader,
    no leaked account): the caller answers 404 as for an agency that does not exist."""
    if not may_read_cases(who.role) or not who.scope.allows(agency):
        return None
    found = cq.campaign_cases(who.scope, agency)
    return found or None


def _step(text: str) -> Step:
    step = parse_step(text)
    if step is None:
        raise CampaignError(
            _("unknown step {step}: use password, sessions or second-factor").format(step=text)
        )
    return step


def _how(text: str) -> How:
    value = text.strip().lower()
    if value not in (How.EVIDENCE.value, How.ATTESTATION.value):
        raise CampaignError(_("unknown way {how}: use evidence or attestation").format(how=text))
    return How(value)


def _no_nul(*texts: str) -> None:
    """PostgreSQL's text cannot hold a NUL character: refused here, as a value error, for every
    way in (pages, API, CLI), instead of a database error."""
    if any("\x00" in t for t in texts):
        raise CampaignError(_("a value holds a NUL character"))


def record(
    who: Acting,
    *,
    agency: str,
    address: str,
    step: str,
    how: str,
    note: str = "",
    statement: str = "",
    file: tuple[str, bytes] | None = None,
    workspace: Path,
    now: dt.datetime,
) -> int:
    """Record one step of ``address``'s case; ``file`` is (name, bytes)."""
    _no_nul(agency, address, step, how, note, statement, file[0] if file is not None else "")
    if not may_record(who.role):
        raise refused_role(who, agency, "record")
    checked = check_file(*file) if file is not None else None
    return record_step(
        who.scope,
        who.actor,
        agency=agency,
        address=address,
        step=_step(step),
        how=_how(how),
        note=note,
        statement=statement,
        file=checked,
        workspace=workspace,
        now=now,
    )


def reopen_case(who: Acting, *, agency: str, address: str, reason: str, now: dt.datetime) -> int:
    _no_nul(agency, address, reason)
    if not may_reopen(who.role):
        raise refused_role(who, agency, "reopen")
    return reopen(who.scope, who.actor, agency=agency, address=address, reason=reason, now=now)


@dataclass(frozen=True, slots=True)
class LetterFile:
    name: str
    content_type: str
    data: bytes
    letter: letters.Letter


def letter_lang(text: str) -> str:
    if text not in ("vi", "en"):
        raise CampaignError(_("unknown language {lang}: use vi or en").format(lang=text))
    return text


def _letter(
    who: Acting, agency: str, kind: str, address: str, lang: str, config: FormsConfig, today: dt.date
) -> letters.Letter:
    if not may_write_letters(who.role):
        raise refused_role(who, agency, "letter")
    lang = letter_lang(lang)
    visible_agency(who.scope, agency, who.actor)
    name = agency_names(who.scope).get(agency, agency)
    if kind == LetterKind.HEAD.value:
        return letters.head_letter(cq.campaign_cases(who.scope, agency), agency, name, config, lang, today)
    if kind != LetterKind.USER.value:
        raise CampaignError(_("unknown letter {kind}: use user or head").format(kind=kind))
    case = cq.campaign_case(who.scope, agency, address)
    if case is None:
        refuse(who.actor, agency, "account", account=address.strip().lower())
        raise CampaignNotFoundError(
            _("there is no leaked account {address} of {code} among the agencies you may act for").format(
                address=address.strip().lower(), code=agency
            )
        )
    return letters.user_letter(case, name, config, lang)


def relay_of(who: Acting, agency: str, channels: ChannelConfig | None) -> EmailChannel:
    """The watch's mail relay (``[watch.email]``) for ``who`` to send through: refused to a role
    that may not send, and without a configured relay (download the .eml instead)."""
    if not may_send(who.role):
        raise refused_role(who, agency, "send")
    if channels is None or channels.email is None:
        raise CampaignError(
            _(
                "no mail relay is configured ([watch.email] in canhgac.toml): download the .eml "
                "and send it yourself"
            )
        )
    return channels.email


def record_written(
    who: Acting,
    agency: str,
    letter: letters.Letter,
    channel: LetterChannel,
    *,
    recipient: str = "",
    error: str = "",
    now: dt.datetime,
) -> None:
    """Record ``letter`` as written (a file) or, for ``EMAIL``, as sent unless ``error``."""
    record_letter(
        who.scope,
        who.actor,
        agency=agency,
        kind=letter.kind,
        address=letter.address,
        language=letter.language,
        channel=channel,
        recipient=recipient,
        sent=channel is LetterChannel.EMAIL and not error,
        error=error,
        now=now,
    )


def letter_key(letter: letters.Letter, now: dt.datetime) -> str:
    seed = f"{letter.agency}|{letter.kind}|{letter.address}|{letter.language}|{now.isoformat()}"
    return "campaign-" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def sender_of(config: FormsConfig, channels: ChannelConfig | None) -> str:
    if channels is not None and channels.email is not None:
        return channels.email.sender
    return config.issuer.email or "canhgac@localhost"


def head_address(agency: str) -> str:
    """The agency's first contact with an e-mail address in the applied inventory ("" if none)."""
    from canhgac.services.breach import stored_inventory

    inventory = stored_inventory()
    if inventory is None:
        return ""
    for found in inventory.agencies:
        if found.code == agency:
            return next((str(c.email) for c in found.contacts if c.email), "")
    return ""


def build_letter(
    who: Acting,
    *,
    agency: str,
    kind: str,
    address: str = "",
    lang: str = "vi",
    channel: str = "docx",
    recipient: str = "",
    config: FormsConfig,
    channels: ChannelConfig | None = None,
    today: dt.date,
    now: dt.datetime,
) -> LetterFile:
    """A letter as a Word file (``docx``) or an e-mail file (``eml``), recorded as generated."""
    _no_nul(agency, kind, address, lang, channel, recipient)
    letter = _letter(who, agency, kind, address, lang, config, today)
    to = ""
    if channel == LetterChannel.DOCX.value:
        data = letters.render_docx(letter, config, today)
        found = LetterFile(f"{letter.file_stem}.docx", letters.DOCX_TYPE, data, letter)
    elif channel == LetterChannel.EML.value:
        to = recipient.strip() or (letter.address if letter.kind is LetterKind.USER else head_address(agency))
        _message, mail, _docx = letters.email_of(
            letter,
            config,
            today,
            recipient=to,
            sender=sender_of(config, channels),
            key=letter_key(letter, now),
        )
        found = LetterFile(f"{letter.file_stem}.eml", "message/rfc822", bytes(mail), letter)
    else:
        raise CampaignError(_("unknown format {fmt}: use docx or eml").format(fmt=channel))
    record_written(who, agency, letter, LetterChannel(channel), recipient=to, now=now)
    return found


def send_letter(
    who: Acting,
    *,
    agency: str,
    kind: str,
    address: str = "",
    lang: str = "vi",
    recipient: str = "",
    config: FormsConfig,
    channels: ChannelConfig | None,
    today: dt.date,
    now: dt.datetime,
) -> str:
    """Send the letter through the watch's e-mail channel (``[watch.email]``); the address it
    went to. Refused without a configured relay (download the .eml instead)."""
    _no_nul(agency, kind, address, lang, recipient)
    relay = relay_of(who, agency, channels)
    from canhgac.watch.outgoing import DeliveryError
    from canhgac.watch.senders import EmailSender

    letter = _letter(who, agency, kind, address, lang, config, today)
    to = recipient.strip() or (letter.address if letter.kind is LetterKind.USER else head_address(agency))
    if not to:
        raise CampaignError(
            _("no e-mail address for the head of {code} in the inventory: give the recipient").format(
                code=agency
            )
        )
    message, _mail, attached = letters.email_of(
        letter, config, today, recipient=to, sender=relay.sender, key=letter_key(letter, now)
    )
    error = ""
    try:
        EmailSender(relay).send(message, [attached])
    except DeliveryError as exc:
        error = str(exc)
    record_written(who, agency, letter, LetterChannel.EMAIL, recipient=to, error=error, now=now)
    if error:
        raise CampaignError(_("the mail relay refused the letter: {error}").format(error=error))
    return to


def evidence_file(who: Acting, agency: str, record_id: int, workspace: Path) -> tuple[str, bytes] | None:
    """A step's evidence file (name, bytes), verified against its digest; None out of scope."""
    from canhgac.console.store.compliance_files import read_file

    if not may_read_cases(who.role):
        return None
    row = cq.evidence_record(who.scope, agency, record_id)
    if row is None:
        return None
    return row.file_name, read_file(workspace, row.stored_as, row.file_sha256)


def viewer(cli_name: str, as_user: str | None = None) -> Acting:
    """The CLI's viewer: the CSIRT (every agency, ``cli_name`` in the records), or the console user
    ``as_user`` with their own role and agencies."""
    from canhgac.console.store.compliance_queries import user_role
    from canhgac.console.store.queries.viewers import scope_for

    if as_user is None:
        return Acting(cli_name, Role.CSIRT_ANALYST, ViewerScope.everything())
    found = user_role(as_user)
    if found is None:
        raise CampaignError(_("there is no active console user {name}").format(name=as_user))
    role, codes = found
    return Acting(f"{as_user} ({cli_name})", role, scope_for(role, codes))
