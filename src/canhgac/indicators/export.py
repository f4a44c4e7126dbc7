"""An incident's indicators written for sharing: a STIX 2.1 bundle (built and checked with the
``stix2`` library) and a MISP event (the MISP core format). Pure: the caller hands in the
incident as an :class:`IncidentExport` and the CSIRT as a :class:`Producer`.

Ids are derived (UUIDv5) from the producer, the incident and the indicator, so exporting the
same incident twice gives the same objects and a consumer updates rather than duplicates them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import stix2  # type: ignore[import-untyped]
from stix2 import (  # type: ignore[import-untyped]
    EqualityComparisonExpression,
    HashConstant,
    ObjectPath,
    ObservationExpression,
    StringConstant,
)

from canhgac.indicators.model import Indicator, Kind
from canhgac.indicators.tlp import Tlp, stix_marking

_NAMESPACE = uuid.UUID("5b7c3d0e-6a51-4f0b-9d7e-2f8a4f1c9a10")  # canhgac's own, for derived ids
# (STIX object type, property path) of each kind's comparison; hashes use the STIX hash names
STIX_PATHS: dict[Kind, tuple[str, list[str]]] = {
    Kind.IPV4: ("ipv4-addr", ["value"]),
    Kind.IPV6: ("ipv6-addr", ["value"]),
    Kind.DOMAIN: ("domain-name", ["value"]),
    Kind.HOSTNAME: ("domain-name", ["value"]),
    Kind.URL: ("url", ["value"]),
    Kind.EMAIL: ("email-addr", ["value"]),
    Kind.MD5: ("file", ["hashes", "MD5"]),
    Kind.SHA1: ("file", ["hashes", "SHA-1"]),
    Kind.SHA256: ("file", ["hashes", "SHA-256"]),
    Kind.FILENAME: ("file", ["name"]),
    Kind.MUTEX: ("mutex", ["name"]),
    Kind.REGISTRY_KEY: ("windows-registry-key", ["key"]),
}
# MISP attribute type and category of each kind
MISP_TYPES: dict[Kind, tuple[str, str]] = {
    Kind.IPV4: ("ip-dst", "Network activity"),
    Kind.IPV6: ("ip-dst", "Network activity"),
    Kind.DOMAIN: ("domain", "Network activity"),
    Kind.HOSTNAME: ("hostname", "Network activity"),
    Kind.URL: ("url", "Network activity"),
    Kind.EMAIL: ("email-src", "Payload delivery"),
    Kind.MD5: ("md5", "Payload delivery"),
    Kind.SHA1: ("sha1", "Payload delivery"),
    Kind.SHA256: ("sha256", "Payload delivery"),
    Kind.FILENAME: ("filename", "Payload delivery"),
    Kind.MUTEX: ("mutex", "Artifacts dropped"),
    Kind.REGISTRY_KEY: ("regkey", "Persistence mechanism"),
    Kind.YARA: ("yara", "Payload installation"),
}
# MISP: threat_level_id 1 high, 2 medium, 3 low, 4 undefined; analysis 0 initial, 1 ongoing,
# 2 completed; distribution 0 your organisation only ... 3 all communities
_THREAT_LEVEL = {"critical": "1", "high": "1", "medium": "2", "low": "3", "info": "4"}
_DISTRIBUTION = {Tlp.CLEAR: "3", Tlp.GREEN: "2", Tlp.AMBER: "1", Tlp.AMBER_STRICT: "0", Tlp.RED: "0"}


@dataclass(frozen=True, slots=True)
class Producer:
    """The CSIRT that shares (``[indicators]`` of canhgac.toml)."""

    name: str
    contact: str = ""


@dataclass(frozen=True, slots=True)
class IncidentExport:
    """What of an incident is shared: no agency name, no contact, no description beyond the title."""

    incident_id: int
    title: str
    severity: str
    state: str
    detected_at: datetime
    indicators: tuple[Indicator, ...]
    tlp: Tlp


def _id(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, '|'.join(str(p) for p in parts))}"


def stix_pattern(item: Indicator) -> tuple[str, str]:
    """(pattern, pattern_type) of one indicator: a STIX pattern built with stix2's pattern
    classes (quoting done by the library), or the YARA rule's text."""
    if item.kind is Kind.YARA:
        return item.value, "yara"
    object_type, path = STIX_PATHS[item.kind]
    constant = (HashConstant(item.value, path[1]) if path[0] == "hashes"
                else StringConstant(item.value))
    expression = EqualityComparisonExpression(ObjectPath(object_type, path), constant)
    return str(ObservationExpression(expression)), "stix"


def stix_bundle(export: IncidentExport, producer: Producer, *, now: datetime | None = None) -> str:
    """The STIX 2.1 bundle (JSON): the CSIRT's identity, the TLP 2.0 marking, one indicator per
    value and a report of the incident referring to them, every shared object marked."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    marking_ref = export.tlp.stix_id
    identity = stix2.v21.Identity(
        id=_id("identity", producer.name), name=producer.name, identity_class="organization",
        contact_information=producer.contact or None, created=now, modified=now,
    )
    marking = stix2.v21.MarkingDefinition(**stix_marking(export.tlp))
    indicators = []
    for item in export.indicators:
        pattern, pattern_type = stix_pattern(item)
        indicators.append(stix2.v21.Indicator(
            id=_id("indicator", producer.name, item.kind.value, item.value),
            name=f"{item.kind.value}: {item.value}" if item.kind is not Kind.YARA else "yara rule",
            description=item.note or None, indicator_types=["malicious-activity"],
            labels=[f"canhgac:{item.kind.value}"], pattern=pattern, pattern_type=pattern_type,
            valid_from=export.detected_at.astimezone(UTC), created=now, modified=now,
            created_by_ref=identity.id, object_marking_refs=[marking_ref],
        ))
    report = stix2.v21.Report(
        id=_id("report", producer.name, export.incident_id), name=export.title,
        report_types=["threat-report"], published=now, created=now, modified=now,
        labels=[f"severity:{export.severity}", f"state:{export.state}"],
        object_refs=[i.id for i in indicators], created_by_ref=identity.id,
        object_marking_refs=[marking_ref],
        external_references=[{"source_name": producer.name, "external_id": f"incident-{export.incident_id}"}],
    )
    bundle = stix2.v21.Bundle(identity, marking, *indicators, report,
                              id=_id("bundle", producer.name, export.incident_id, now.isoformat()))
    text: str = bundle.serialize(pretty=True)
    return text


def misp_event(export: IncidentExport, producer: Producer, *, now: datetime | None = None) -> str:
    """The MISP event (JSON, the MISP core format's ``{"Event": ...}``) with the TLP tag."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    attributes = []
    for item in export.indicators:
        kind, category = MISP_TYPES[item.kind]
        attributes.append({
            "uuid": str(uuid.uuid5(_NAMESPACE, f"{producer.name}|{item.kind.value}|{item.value}")),
            "type": kind, "category": category, "value": item.value, "to_ids": True,
            "comment": item.note, "distribution": "5",  # 5: inherit the event's
        })
    event = {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{producer.name}|incident|{export.incident_id}")),
        "info": export.title,
        "date": export.detected_at.astimezone(UTC).date().isoformat(),
        "timestamp": str(int(now.timestamp())),
        "threat_level_id": _THREAT_LEVEL.get(export.severity, "4"),
        "analysis": "2" if export.state == "closed" else ("0" if export.state == "new" else "1"),
        "distribution": _DISTRIBUTION[export.tlp],
        "published": False,
        "Orgc": {"name": producer.name},
        "Tag": [{"name": export.tlp.misp_tag}],
        "Attribute": attributes,
    }
    return json.dumps({"Event": event}, ensure_ascii=False, indent=2)
