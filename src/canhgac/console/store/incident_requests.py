"""What a write on an incident takes and how it is refused: plain values without Django, so the
front ends build them before the store is open (``console.store.incident_store`` writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canhgac.console.store.errors import StoreError
from canhgac.incidents.model import LinkKind


class IncidentError(StoreError, ValueError):
    """A request on an incident refused as asked, in a sentence."""


class IncidentNotFoundError(IncidentError):
    """No such incident, or not one the viewer may see."""


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # a console user, or cli:<os user>
    address: str = ""  # the client's address for web acts


@dataclass(frozen=True, slots=True)
class LinkRequest:
    kind: LinkKind
    ref: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class NewIncident:
    agency_code: str
    title: str
    detected_at: datetime
    source: str
    description: str = ""
    source_detail: str = ""
    category: str = ""
    severity: str = "medium"
    beyond_capacity: bool = False
    links: tuple[LinkRequest, ...] = ()
    contact: dict[str, str] | None = None
