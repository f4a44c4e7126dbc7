"""The watch's people for the roster and deliveries cases: a duty roster around ``now`` (one
on-duty shift now, one before, one after a two-hour gap, the backup, the team lead and the CSIRT
head; the roster ends with on-duty uncovered) and the outbox's messages about the alerts of
``watch_board_support`` (sent, given up, queued for a retry, sent twice). Imported after
``setup_django``; the callers roll back or commit as their fixtures do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from canhgac.console.store import outbox
from canhgac.console.store.delivery_models import DutyShift, WatchDelivery


@dataclass(frozen=True)
class People:
    now: datetime  # the hour the roster is laid around
    gap: tuple[datetime, datetime]  # nobody on duty between the current shift and the next
    sent: int  # delivery ids
    failed: int
    pending: int
    uncertain: int


def hour(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)


def seed_people(alert: int, other: int, now: datetime | None = None) -> People:
    """The roster and the outbox; ``alert`` and ``other`` are two alerts' ids."""
    h = hour(now)
    shifts = [
        ("Đỗ Văn Dũng", "on-duty", h - timedelta(hours=30), h - timedelta(hours=6), "dung@stttt.gov.vn", ""),
        (
            "Nguyễn Văn An",
            "on-duty",
            h - timedelta(hours=6),
            h + timedelta(hours=6),
            "an@stttt.gov.vn",
            "0912345678",
        ),
        (
            "Vũ Văn Cường",
            "on-duty",
            h + timedelta(hours=8),
            h + timedelta(hours=20),
            "cuong@stttt.gov.vn",
            "",
        ),
        ("Trần Thị Bình", "backup", h - timedelta(hours=6), h + timedelta(hours=18), "binh@stttt.gov.vn", ""),
        ("Lê Văn Lâm", "lead", h - timedelta(hours=30), h + timedelta(hours=42), "lam@stttt.gov.vn", ""),
        ("Phạm Hùng", "head", h - timedelta(hours=30), h + timedelta(hours=42), "hung@stttt.gov.vn", ""),
    ]
    DutyShift.objects.bulk_create(
        [
            DutyShift(
                person=p,
                role=r,
                start=s,
                end=e,
                email=m,
                phone=ph,
                telegram="123456789" if r == "on-duty" else "",
                source="tet-2027.csv",
                imported_at=h - timedelta(days=2),
                imported_by="admin",
            )
            for p, r, s, e, m, ph in shifts
        ]
    )
    events = []
    for n, (kind, target) in enumerate(
        (("alert.opened", alert), ("alert.escalated", alert), ("alert.opened", other))
    ):
        event = outbox.event(kind, None, f"people-{target}-{kind}-{n}", "SO-B", {"alert": target})
        event.save()
        events.append((event, target))

    def delivery(n: int, channel: str, who: str, address: str, status: str, **more: object) -> int:
        event, target = events[n]
        row = WatchDelivery.objects.create(
            event=event,
            alert_id=target,
            kind=event.kind,
            channel=channel,
            recipient=who,
            address=address,
            subject=f"[canhgac] cảnh báo #{target}",
            body="…",
            token=f"tok{n}{channel}{status}"[:32],
            status=status,
            created_at=h - timedelta(hours=3),
            **{"next_attempt_at": h - timedelta(hours=3), **more},
        )
        return int(row.pk)

    sent = delivery(
        0,
        "email",
        "Nguyễn Văn An",
        "an@stttt.gov.vn",
        "sent",
        attempts=1,
        sent_at=h - timedelta(hours=3) + timedelta(seconds=4),
    )
    failed = delivery(
        1,
        "telegram",
        "Trần Thị Bình",
        "987654321",
        "failed",
        attempts=9,
        last_error="HTTP 403: Forbidden: bot was blocked by the user",
    )
    pending = delivery(
        1,
        "webhook",
        "Hộp thư CSIRT",
        "https://chat.stttt.gov.vn/hooks/canhgac",
        "pending",
        attempts=2,
        next_attempt_at=datetime.now(UTC) + timedelta(minutes=5),
        last_error="connection refused",
    )
    uncertain = delivery(
        2,
        "email",
        "Nguyễn Văn An",
        "an@stttt.gov.vn",
        "sent",
        attempts=2,
        uncertain=1,
        sent_at=h - timedelta(hours=2),
    )
    return People(h, (h + timedelta(hours=6), h + timedelta(hours=8)), sent, failed, pending, uncertain)
