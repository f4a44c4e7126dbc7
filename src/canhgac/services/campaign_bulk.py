"""The campaign's letters in bulk (issue 16, item 4): every affected holder's letter of one agency
and the head's, as Word files (a folder or one ZIP), and the e-mail to every holder not yet
notified, through the watch's relay, with its Word letter attached.

Each letter is recorded exactly as a single one is (``CampaignLetter`` and ``campaign.letter`` in
the security log). Sending skips every holder whose e-mail the relay already accepted, and records
each send as soon as the relay answers, so a rerun — after a failure, an interruption — sends
nothing twice. Scoped as ``services.campaign``: an agency officer writes their own agencies'
letters only (another agency is "not found"); sending is the CSIRT's.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from canhgac.console.store import campaign_queries as cq
from canhgac.console.store.campaign_store import record_letter, visible_agency
from canhgac.console.store.queries.agencies import agency_names
from canhgac.creds.campaign import LetterChannel, LetterKind
from canhgac.reports.forms.config import FormsConfig
from canhgac.services import campaign_letters as letters
from canhgac.services.campaign import (
    Acting,
    LetterFile,
    letter_key,
    letter_lang,
    may_write_letters,
    record_written,
    refused_role,
    relay_of,
)
from canhgac.watch.channel_config import ChannelConfig

__all__ = ["SendSummary", "agency_letters", "letters_zip", "send_unnotified", "zip_name"]


def agency_letters(
    who: Acting, *, agency: str, lang: str = "vi", config: FormsConfig, today: dt.date, now: dt.datetime
) -> list[LetterFile]:
    """Every affected holder's letter of ``agency`` (by address), then the head's, as Word files;
    each recorded as generated. All are rendered before any is recorded."""
    if not may_write_letters(who.role):
        raise refused_role(who, agency, "letters")
    lang = letter_lang(lang)
    visible_agency(who.scope, agency, who.actor)
    name = agency_names(who.scope).get(agency, agency)
    cases = cq.campaign_cases(who.scope, agency)
    built = [letters.user_letter(case, name, config, lang) for case in cases]
    built.append(letters.head_letter(cases, agency, name, config, lang, today))
    files = [
        LetterFile(f"{b.file_stem}.docx", letters.DOCX_TYPE, letters.render_docx(b, config, today), b)
        for b in built
    ]
    for found in files:
        record_written(who, agency, found.letter, LetterChannel.DOCX, now=now)
    return files


def zip_name(agency: str, lang: str, today: dt.date) -> str:
    return f"campaign-{agency}-letters-{lang}-{today.isoformat()}.zip"


def letters_zip(files: list[LetterFile], when: dt.datetime) -> bytes:
    """The letters as one ZIP (deflated, every entry dated ``when``)."""
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for found in files:
            archive.writestr(zipfile.ZipInfo(found.name, date_time=stamp), found.data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What a bulk send did: per holder, sent, refused by the relay for good (the address), or
    failed (the relay away, a timeout: worth a rerun); ``already``: holders notified before."""

    sent: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]  # (address, the relay's reason)
    failed: tuple[tuple[str, str], ...]
    already: int


def send_unnotified(
    who: Acting,
    *,
    agency: str,
    lang: str = "vi",
    config: FormsConfig,
    channels: ChannelConfig | None,
    today: dt.date,
    now: dt.datetime,
    progress: Callable[[str], None] | None = None,
) -> SendSummary:
    """E-mail every holder of ``agency`` whose letter the relay has not yet accepted: the text as
    the body, the Word letter attached; each send recorded as soon as the relay answers."""
    relay = relay_of(who, agency, channels)
    from canhgac.watch.outgoing import DeliveryError
    from canhgac.watch.senders import EmailSender

    lang = letter_lang(lang)
    visible_agency(who.scope, agency, who.actor)
    name = agency_names(who.scope).get(agency, agency)
    done = cq.notified_addresses(who.scope, agency)
    pending = [c for c in cq.campaign_cases(who.scope, agency) if c.address not in done]
    sender = EmailSender(relay)
    sent: list[str] = []
    refused: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    for case in pending:
        letter = letters.user_letter(case, name, config, lang)
        message, _mail, attached = letters.email_of(
            letter,
            config,
            today,
            recipient=case.address,
            sender=relay.sender,
            key=letter_key(letter, now),
        )
        error = ""
        try:
            sender.send(message, [attached])
            sent.append(case.address)
        except DeliveryError as exc:
            error = exc.reason or type(exc).__name__
            (refused if exc.permanent else failed).append((case.address, error))
        record_letter(
            who.scope,
            who.actor,
            agency=agency,
            kind=LetterKind.USER,
            address=case.address,
            language=lang,
            channel=LetterChannel.EMAIL,
            recipient=case.address,
            sent=not error,
            error=error,
            now=now,
        )
        if progress is not None:
            progress(case.address)
    return SendSummary(tuple(sent), tuple(refused), tuple(failed), len(done))
