"""Writes of the account-hygiene campaign: a step recorded (evidence or attestation), a case
reopened by the CSIRT, a letter generated or sent. Each write is scoped (an officer acts only on
their own agencies' accounts; another agency's account reads exactly like one that does not
exist), appended to the case's records and to the security log in one transaction. Refusals for
scope are logged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.campaign_models import CampaignLetter, CampaignRecord
from canhgac.console.store.campaign_queries import campaign_case
from canhgac.console.store.compliance_files import CheckedFile, store_file
from canhgac.console.store.errors import StoreError
from canhgac.console.store.leak_models import LeakedAccount
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.creds.campaign import How, LetterChannel, LetterKind, Step
from canhgac.i18n import gettext as _

FOLDER = "campaign"  # evidence files under the workspace


class CampaignError(StoreError):
    """A campaign write refused: one line saying why."""


class CampaignNotFoundError(CampaignError):
    """The agency or account is outside the actor's scope, or has no case: as if it did not exist."""


@dataclass(frozen=True, slots=True)
class CampaignActor:
    name: str  # a console user, or cli:<os user>
    address: str = ""  # the client's address for web acts


def refuse(actor: CampaignActor, agency: str, reason: str, **detail: str) -> None:
    """Log a refused campaign act (out of scope, a role that may not)."""
    record_event(
        SecurityEventKind.CAMPAIGN_REFUSED,
        actor=actor.name,
        address=actor.address,
        detail={"agency": agency, "reason": reason, **detail},
    )


def visible_agency(scope: ViewerScope, agency: str, actor: CampaignActor) -> None:
    """Refuse (logged) an agency outside the scope or without leaked accounts."""
    if scope.allows(agency) and LeakedAccount.objects.filter(agency_code=agency).exists():
        return
    refuse(actor, agency, "agency")
    raise CampaignNotFoundError(
        _("there is no campaign for {code} among the agencies you may act for").format(code=agency)
    )


def _visible_case(scope: ViewerScope, agency: str, address: str, actor: CampaignActor) -> str:
    wanted = address.strip().lower()
    if scope.allows(agency) and LeakedAccount.objects.filter(agency_code=agency, address=wanted).exists():
        return wanted
    refuse(actor, agency, "account", account=wanted)
    raise CampaignNotFoundError(
        _("there is no leaked account {address} of {code} among the agencies you may act for").format(
            address=wanted, code=agency
        )
    )


def record_step(
    scope: ViewerScope,
    actor: CampaignActor,
    *,
    agency: str,
    address: str,
    step: Step,
    how: How,
    note: str = "",
    statement: str = "",
    file: CheckedFile | None = None,
    workspace: Path | None = None,
    now: datetime,
) -> int:
    """Record ``step`` of ``address``'s case as done, by evidence (a note and/or a file) or by
    attestation (a statement); returns the record's id."""
    wanted = _visible_case(scope, agency, address, actor)
    note, statement = note.strip(), statement.strip()
    if how is How.EVIDENCE and not note and file is None:
        raise CampaignError(_("evidence needs a note or a file"))
    if how is How.ATTESTATION and not statement:
        raise CampaignError(_("an attestation needs the officer's statement"))
    if how is How.REOPENED:
        raise CampaignError(_("only the CSIRT reopens a case, with a reason"))
    with transaction.atomic():
        stored = store_file(workspace, agency, file, folder=FOLDER) if file is not None and workspace else ""
        row = CampaignRecord.objects.create(
            agency_code=agency,
            address=wanted,
            step=step.value,
            how=how.value,
            note=note,
            statement=statement,
            file_name=file.name if file is not None else "",
            file_sha256=file.sha256 if file is not None else "",
            stored_as=stored,
            actor=actor.name[:150],
            at=now,
        )
        detail = {"agency": agency, "account": wanted, "step": step.value, "how": how.value}
        if file is not None:
            detail |= {"file": file.name, "sha256": file.sha256}
        record_event(SecurityEventKind.CAMPAIGN_STEP, actor=actor.name, address=actor.address, detail=detail)
    return int(row.pk)


def reopen(
    scope: ViewerScope, actor: CampaignActor, *, agency: str, address: str, reason: str, now: datetime
) -> int:
    """Undo every done step of ``address``'s case (the CSIRT's act); how many steps were undone."""
    wanted = _visible_case(scope, agency, address, actor)
    if not reason.strip():
        raise CampaignError(_("reopening a case needs a reason"))
    with transaction.atomic():
        case = campaign_case(scope, agency, wanted)
        done = [s.step for s in case.steps if s.done] if case is not None else []
        if not done:
            raise CampaignError(_("no step of {address} is done: nothing to reopen").format(address=wanted))
        for step in done:
            CampaignRecord.objects.create(
                agency_code=agency,
                address=wanted,
                step=step.value,
                how=How.REOPENED.value,
                note=reason.strip(),
                actor=actor.name[:150],
                at=now,
            )
        record_event(
            SecurityEventKind.CAMPAIGN_REOPENED,
            actor=actor.name,
            address=actor.address,
            detail={
                "agency": agency,
                "account": wanted,
                "steps": [s.value for s in done],
                "reason": reason.strip(),
            },
        )
    return len(done)


def record_letter(
    scope: ViewerScope,
    actor: CampaignActor,
    *,
    agency: str,
    kind: LetterKind,
    address: str = "",
    language: str,
    channel: LetterChannel,
    recipient: str = "",
    sent: bool = False,
    error: str = "",
    now: datetime,
) -> int:
    """Record a letter generated (DOCX, .eml) or an e-mail sent (or refused by the relay)."""
    if kind is LetterKind.USER:
        address = _visible_case(scope, agency, address, actor)
    else:
        visible_agency(scope, agency, actor)
    with transaction.atomic():
        row = CampaignLetter.objects.create(
            agency_code=agency,
            kind=kind.value,
            address=address,
            language=language,
            channel=channel.value,
            recipient=recipient[:320],
            actor=actor.name[:150],
            at=now,
            sent=sent,
            error=error[:500],
        )
        record_event(
            SecurityEventKind.CAMPAIGN_LETTER,
            actor=actor.name,
            address=actor.address,
            detail={
                "agency": agency,
                "kind": kind.value,
                "account": address,
                "channel": channel.value,
                "language": language,
                "recipient": recipient,
                "sent": sent,
                **({"error": error[:200]} if error else {}),
            },
        )
    return int(row.pk)
