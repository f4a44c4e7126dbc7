"""Writes of the breach import: each chunk's accounts with the file's checkpoint, in one
transaction (an import killed at any point resumes at the last committed offset with nothing
counted twice), and the agency's answer that a leaked password still works.

Implements ``canhgac.creds.breach.Sink``. Reads its own checkpoint (the resumption state of the
write it continues), as ``finish_run`` reads the run it closes.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from canhgac.console.store.leak_models import BreachImport, LeakedAccount
from canhgac.creds.breach import BreachMeta, Checkpoint, Counts, Hit, Layout

BATCH = 1000


def _key(identity: str, meta: BreachMeta) -> dict[str, object]:
    return {
        "identity": identity,
        "source": meta.source[:200],
        "breach_date": meta.date,
        "service": meta.service[:200],
    }


class StoreSink:
    """The store as the import's sink."""

    def checkpoint(self, identity: str, meta: BreachMeta) -> Checkpoint | None:
        row = BreachImport.objects.filter(**_key(identity, meta)).first()
        if row is None:
            return None
        layout = Layout.from_json(row.layout) if row.layout else None
        return Checkpoint(identity, row.size, row.offset, Counts.from_json(row.counts), layout)

    def commit(self, hits: list[Hit], checkpoint: Checkpoint, meta: BreachMeta, name: str) -> None:
        now = timezone.now()
        rows = [
            LeakedAccount(
                address=h.address[:320],
                agency_code=h.agency,
                breach=h.breach[:200],
                breach_date=h.date,
                service=h.service[:200],
                secret_kind=h.secret.kind.value,
                secret_hmac=h.secret.digest,
                sha1_prefix=h.secret.sha1_prefix,
                imported_at=now,
            )
            for h in hits
        ]
        done = checkpoint.done
        with transaction.atomic():
            LeakedAccount.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
            BreachImport.objects.update_or_create(
                **_key(checkpoint.identity, meta),
                defaults={
                    "file_name": name[:255],
                    "size": checkpoint.size,
                    "offset": checkpoint.offset,
                    "counts": checkpoint.counts.to_json(),
                    "layout": checkpoint.layout.to_json() if checkpoint.layout else {},
                    "updated_at": now,
                    "finished_at": now if done else None,
                },
                create_defaults={
                    "file_name": name[:255],
                    "size": checkpoint.size,
                    "offset": checkpoint.offset,
                    "counts": checkpoint.counts.to_json(),
                    "layout": checkpoint.layout.to_json() if checkpoint.layout else {},
                    "started_at": now,
                    "updated_at": now,
                    "finished_at": now if done else None,
                },
            )


def set_still_works(agency: str, address: str, works: bool | None) -> int:
    """Record the agency's answer for an account (every breach row of it); how many rows."""
    return LeakedAccount.objects.filter(agency_code=agency, address=address.strip().lower()).update(
        still_works=works
    )
