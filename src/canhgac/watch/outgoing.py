"""What a channel's client is given and how it fails: the message for one address, and the
error that says whether a retry can help. Pure values, so the delivery loop and the store do not
load the clients' network stack (``watch/senders.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class DeliveryError(Exception):
    """A send that failed; ``permanent`` when retrying cannot help (an address refused)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason[:500])
        self.reason = reason[:500]
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one address, as the delivery outbox holds it."""

    key: str  # the delivery's idempotency key (the Message-ID, the Idempotency-Key header)
    channel: str
    address: str
    subject: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)  # the webhook's JSON fields


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an e-mail (a campaign letter's Word file): its name, MIME type, bytes."""

    name: str
    content_type: str
    data: bytes


class Sender(Protocol):
    def send(self, message: Outgoing) -> None:
        """Deliver ``message`` or raise :class:`DeliveryError`."""
