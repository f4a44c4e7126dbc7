"""The indicator packs' writes: store what one import read, into a new pack or merged into the
pack of that name (indicators already there are kept, the level becomes the stricter of the
two), with the security log's entry, in one transaction; and the log's entry of an export."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.indicator_models import IndicatorPack, PackIndicator
from canhgac.console.store.indicator_requests import PackAudience, PackError
from canhgac.i18n import gettext as _
from canhgac.indicators.model import Indicator, Skipped
from canhgac.indicators.tlp import Tlp, strictest, visible


@dataclass(frozen=True, slots=True)
class PackSaved:
    name: str
    tlp: Tlp
    added: int  # indicators new to the pack
    already: int  # indicators the pack held already
    merged: bool  # into an existing pack


def value_key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def save_pack(
    audience: PackAudience,
    *,
    name: str,
    source: str,
    format: str,
    tlp: Tlp,
    indicators: list[Indicator],
    skipped: list[Skipped],
    skipped_count: int,
    digest: str,
    actor: str,
    address: str = "",
    now: datetime,
) -> PackSaved:
    """Store an import as the pack ``name``; PackError when the level is one the audience may
    not see, or a pack of that name exists that it may not see (it is not overwritten)."""
    if not visible(tlp, csirt=audience.csirt):
        raise PackError(_("a {tlp} pack would be hidden from you: only the CSIRT's staff import it").format(
            tlp=tlp.label))
    with transaction.atomic():
        row = IndicatorPack.objects.select_for_update().filter(name=name).first()
        if row is not None and not audience.filter(IndicatorPack.objects.filter(pk=row.pk)).exists():
            raise PackError(_("the pack name {name} is taken: choose another with --name").format(name=name))
        merged = row is not None
        if row is None:
            row = IndicatorPack.objects.create(
                name=name, source=source[:300], format=format, tlp=tlp.value, imported_at=now,
                imported_by=actor[:150], updated_at=now,
            )
        else:
            row.tlp = (strictest([Tlp(row.tlp), tlp]) or tlp).value
        row.digests = sorted(set(row.digests) | {digest})
        row.skipped = [{"where": s.where, "reason": s.reason} for s in skipped]
        row.skipped_count = skipped_count
        row.updated_at = now
        row.save()
        held = {(k, v) for k, v in row.indicators.values_list("kind", "value_key")}
        new = [i for i in indicators if (i.kind.value, value_key(i.value)) not in held]
        PackIndicator.objects.bulk_create(
            [PackIndicator(pack=row, kind=i.kind.value, value=i.value, value_key=value_key(i.value),
                           note=i.note[:500], internal=i.internal, added_at=now) for i in new],
            batch_size=2000,
        )
        record_event(SecurityEventKind.INDICATORS_IMPORTED, actor=actor, address=address, detail={
            "pack": name, "tlp": row.tlp, "format": format, "source": source[:300], "sha256": digest,
            "added": len(new), "already": len(indicators) - len(new), "skipped": skipped_count,
        })
    return PackSaved(name, Tlp(row.tlp), len(new), len(indicators) - len(new), merged)


def log_export(*, incident_id: int, agency: str, format: str, tlp: Tlp, count: int, actor: str,
               address: str = "", **extra: Any) -> None:
    """The security log's entry of an incident's indicators shared."""
    record_event(SecurityEventKind.INDICATORS_EXPORTED, actor=actor, address=address, detail={
        "incident": incident_id, "agency": agency, "format": format, "tlp": tlp.value,
        "indicators": count, **extra,
    })
