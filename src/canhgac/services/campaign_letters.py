"""The campaign's notification letters (issue 16, item 4): one to each affected account's holder,
one to the agency's head listing the agency's accounts; Vietnamese by default, English available.

A letter is a value (:class:`Letter`) built from the scoped case views, then written as a Word
file (the packaged docxtpl template ``creds/campaign/data/thu-thong-bao.docx``, sandboxed and
strict, every value escaped, the header from the settings file's ``[forms]`` table as the official
forms take it) or as an e-mail (``watch.senders.mail_of``: the watch's own message builder, so a
letter goes out through the same relay as the alerts). A letter names the account, its breaches
and the steps asked: never a password, a hash or any part of one.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from email.message import EmailMessage
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2.sandbox import SandboxedEnvironment

from canhgac.console.store.campaign_queries import CaseView
from canhgac.creds.campaign import LetterKind
from canhgac.i18n import gettext as _
from canhgac.i18n import language
from canhgac.i18n.formats import format_date, format_number
from canhgac.reports.forms.config import FormsConfig
from canhgac.reports.forms.context import date_line
from canhgac.watch.outgoing import Attachment, Outgoing
from canhgac.watch.senders import mail_of

TEMPLATE = "thu-thong-bao.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BLANK = "…………"


@dataclass(frozen=True, slots=True)
class Letter:
    kind: LetterKind
    agency: str
    agency_name: str
    address: str  # the account (a user's letter); "" for the head's
    language: str
    subject: str
    texts: dict[str, str]  # the template's fixed texts (t.*)
    body: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    steps: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def file_stem(self) -> str:
        who = self.address.replace("@", "_at_") if self.address else "thu-truong"
        return f"campaign-{self.agency}-{who}-{self.language}"


def _issuer(config: FormsConfig) -> str:
    return config.issuer.name or _("the provincial CSIRT")


def _common(config: FormsConfig) -> dict[str, str]:
    return {
        "motto": _("SOCIALIST REPUBLIC OF VIETNAM"),
        "motto_line": _("Independence - Freedom - Happiness"),
        "recipients": _("Recipients:"),
        "sign": _("(Signature, full name and seal)"),
        "title": _("NOTICE"),
        "h0": _("No."),
    }


def _steps() -> tuple[str, ...]:
    return (
        _("Please do the following at once and tell your agency's IT officer when each is done:"),
        _("1. Change the password of the account, to one never used elsewhere and not in any breach;"),
        _(
            "2. Revoke every open session of the account (webmail, IMAP/POP, phones), so that whoever "
            "holds the old password is logged out;"
        ),
        _("3. Turn on a second factor (an authenticator app or a security key) for the account."),
    )


def user_letter(case: CaseView, agency_name: str, config: FormsConfig, lang: str) -> Letter:
    """The letter to the holder of ``case``'s account: its breaches, the three steps."""
    with language(lang):
        issuer = _issuer(config)
        texts = _common(config) | {
            "subtitle": _("On the official e-mail account {address} found in leaked data").format(
                address=case.address
            ),
            "to": _("To: the holder of the account {address}, {agency}").format(
                address=case.address, agency=agency_name
            ),
            "h1": _("Breach"),
            "h2": _("Service"),
            "h3": _("Date"),
            "h4": _("Password leaked"),
        }
        body = (
            _(
                "Reviewing data leaked in public breaches, {issuer} found the official account {address} "
                "of {agency} in the breaches listed below."
            ).format(issuer=issuer, address=case.address, agency=agency_name),
            _(
                "The leaked password is not kept by {issuer} and is not quoted in this notice: whoever "
                "holds the breach data may still use it."
            ).format(issuer=issuer),
        )
        rows = tuple(
            {
                "no": str(n),
                "c1": b.name,
                "c2": b.service or "—",
                "c3": format_date(b.date),
                "c4": _secret(b.held),
            }
            for n, b in enumerate(
                sorted(case.breaches, key=lambda b: (b.date, b.name), reverse=True), start=1
            )
        )
        after = (
            _(
                "Do not use the official address to sign up to social networks, forums or other public "
                "sites, and never reuse its password for another service."
            ),
        )
        subject = _("[CSIRT] Your official account {address} was found in leaked data").format(
            address=case.address
        )
        return Letter(
            LetterKind.USER,
            case.agency,
            agency_name,
            case.address,
            lang,
            subject,
            texts,
            body,
            rows,
            _steps(),
            after,
        )


def _secret(kind: str) -> str:
    """What the breach held of the password, in words (its kind only, never its value)."""
    if kind == "password":
        return _("yes, in clear")
    if kind == "hash":
        return _("yes, as a hash")
    return _("no (the address only)")


def _state(case: CaseView) -> str:
    if case.closed:
        return _("closed")
    done = sum(1 for s in case.steps if s.done)
    return _("{done} of 3 steps done").format(done=done)


def head_letter(
    cases: list[CaseView], agency: str, agency_name: str, config: FormsConfig, lang: str, today: dt.date
) -> Letter:
    """The letter to the head of ``agency``: every affected account with its breaches and state."""
    with language(lang):
        issuer = _issuer(config)
        closed = sum(1 for c in cases if c.closed)
        texts = _common(config) | {
            "subtitle": _("On the official e-mail accounts of {agency} found in leaked data").format(
                agency=agency_name
            ),
            "to": _("To: the head of {agency}").format(agency=agency_name),
            "h1": _("Account"),
            "h2": _("Breaches"),
            "h3": _("Latest breach"),
            "h4": _("State"),
        }
        body = (
            _(
                "Reviewing data leaked in public breaches, {issuer} found {count} official accounts of "
                "{agency} in those breaches (listed below). By {date}, {closed} of them were dealt with "
                "completely."
            ).format(
                issuer=issuer,
                count=format_number(len(cases)),
                agency=agency_name,
                date=format_date(today),
                closed=format_number(closed),
            ),
            _("No password is kept by {issuer} or quoted in this notice.").format(issuer=issuer),
        )
        rows = tuple(
            {
                "no": str(n),
                "c1": c.address,
                "c2": ", ".join(sorted({b.name for b in c.breaches})),
                "c3": format_date(c.latest_breach) if c.latest_breach else "—",
                "c4": _state(c),
            }
            for n, c in enumerate(cases, start=1)
        )
        steps = (
            _("Please direct your IT officer to make sure that, for each account:"),
            _("1. the password is changed, to one never used elsewhere and not in any breach;"),
            _("2. every open session is revoked (webmail, IMAP/POP, phones);"),
            _("3. a second factor is turned on;"),
            _(
                "and to record each step, with its evidence or the officer's attestation, in canhgac "
                "(or send them to {issuer})."
            ).format(issuer=issuer),
        )
        after = (
            _(
                "Staff must not use their official addresses to sign up to social networks, forums or "
                "other public sites, nor reuse one password across services (directive 20/UBND-VHXH, "
                "task 2)."
            ),
        )
        subject = _("[CSIRT] Official accounts of {agency} found in leaked data").format(agency=agency_name)
        return Letter(
            LetterKind.HEAD, agency, agency_name, "", lang, subject, texts, tuple(body), rows, steps, after
        )


def _place_date(config: FormsConfig, today: dt.date, lang: str) -> str:
    place = config.issuer.place or BLANK
    if lang == "vi":
        return date_line(place, today)
    return f"{place}, {format_date(today, 'en')}"


def letter_context(letter: Letter, config: FormsConfig, today: dt.date) -> dict[str, Any]:
    """What the template reads: ``doc`` (header), ``t`` (texts), ``body``, ``rows``, ``steps``..."""
    issuer, signer = config.issuer, config.signer
    with language(letter.language):
        number = _("No.: {number}").format(number=f"{BLANK}/TB")
        copies = (_("As above;"), _("Filed: {mark}.").format(mark=config.filed_as))
    return {
        "doc": {
            "issuer_parent": issuer.parent.upper(),
            "issuer_name": (issuer.name or BLANK).upper(),
            "place_date": _place_date(config, today, letter.language),
            "signer_authority": signer.authority.upper(),
            "signer_title": (signer.title or BLANK).upper(),
            "signer_name": signer.name or BLANK,
        },
        "t": letter.texts | {"number": number},
        "body": list(letter.body),
        "rows": list(letter.rows),
        "steps": list(letter.steps),
        "after": list(letter.after),
        "copies": list(copies),
    }


def packaged_template() -> Path:
    return Path(str(resources.files("canhgac.creds.campaign") / "data" / TEMPLATE))


def render_docx(letter: Letter, config: FormsConfig, today: dt.date) -> bytes:
    """The letter as a Word file's bytes."""
    tpl = DocxTemplate(io.BytesIO(packaged_template().read_bytes()))
    tpl.init_docx()
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)
    tpl.render(letter_context(letter, config, today), jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def letter_text(letter: Letter, config: FormsConfig, today: dt.date) -> str:
    """The letter as plain text (the e-mail's body)."""
    c = letter_context(letter, config, today)
    t = c["t"]
    lines = [t["to"], "", t["title"], t["subtitle"], "", *c["body"], ""]
    heads = [t["h1"], t["h2"], t["h3"], t["h4"]]
    for row in c["rows"]:
        lines.append(
            f"{row['no']}. "
            + "; ".join(f"{h}: {row[k]}" for h, k in zip(heads, ("c1", "c2", "c3", "c4"), strict=True))
        )
    lines += [
        "",
        *c["steps"],
        "",
        *c["after"],
        "",
        c["doc"]["place_date"],
        config.issuer.name or _issuer(config),
    ]
    return "\n".join(lines) + "\n"


def docx_attachment(letter: Letter, config: FormsConfig, today: dt.date) -> Attachment:
    """The letter's Word file, to attach to its e-mail."""
    return Attachment(f"{letter.file_stem}.docx", DOCX_TYPE, render_docx(letter, config, today))


def email_of(
    letter: Letter, config: FormsConfig, today: dt.date, *, recipient: str, sender: str, key: str
) -> tuple[Outgoing, EmailMessage, Attachment]:
    """The letter as the watch's outgoing message, its e-mail (``mail_of``: the text as the body,
    the Word file attached) and that attachment (for ``EmailSender.send``)."""
    message = Outgoing(key, "email", recipient, letter.subject, letter_text(letter, config, today))
    attached = docx_attachment(letter, config, today)
    return message, mail_of(message, sender, [attached]), attached
