"""Indicator sharing for the CLI and the console: an incident's indicators exported as a STIX
2.1 bundle or a MISP event with a TLP marking, files imported as indicator packs for the host
sweep, and the packs read back within the reader's TLP audience.

A facade: formats and rules in ``canhgac.indicators`` (pure), writes in
``console.store.indicator_store``, reads in ``console.store.indicator_queries`` and the scoped
``queries.incident``. Importable before the store is open (its values are pure); call its
functions after. The CSIRT named in the exports is ``[forms.issuer]`` of canhgac.toml (its
``name``, and ``email`` as the contact).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from canhgac.console.store.indicator_requests import PackAudience, PackError
from canhgac.i18n import gettext as _
from canhgac.indicators.export import IncidentExport, Producer, misp_event, stix_bundle
from canhgac.indicators.imports import MAX_BYTES, ParsedPack, read_pack
from canhgac.indicators.model import Indicator, IndicatorError, Kind, Skipped, merged
from canhgac.indicators.normalise import from_incident_link
from canhgac.indicators.tlp import Tlp, strictest

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

__all__ = [
    "FORMATS",
    "ExportResult",
    "ImportResult",
    "IndicatorError",
    "Kind",
    "PackAudience",
    "PackError",
    "PackRow",
    "Tlp",
    "export_incident",
    "import_file",
    "pack_indicators",
    "pack_rows",
    "producer",
]
FORMATS = ("stix", "misp")


@dataclass(frozen=True, slots=True)
class ExportResult:
    text: str
    tlp: Tlp
    count: int
    skipped: tuple[Skipped, ...]  # the incident's indicators with no shared type or a bad value


@dataclass(frozen=True, slots=True)
class ImportResult:
    name: str
    tlp: Tlp
    format: str
    added: int
    already: int
    duplicates: int  # merged within the file
    merged: bool
    stated_tlp: Tlp | None  # what the file itself said
    skipped: tuple[Skipped, ...]
    skipped_count: int


@dataclass(frozen=True, slots=True)
class PackRow:
    name: str
    tlp: Tlp
    format: str
    source: str
    size: int
    imported_at: datetime
    imported_by: str
    updated_at: datetime
    skipped_count: int


def producer(config_path: Path | None) -> Producer:
    """The CSIRT as ``[forms.issuer]`` names it; IndicatorError when it has no name."""
    from canhgac.reports.forms.config import FormsConfigError, read_forms_config

    try:
        issuer = read_forms_config(config_path).issuer if config_path is not None else None
    except FormsConfigError as exc:
        raise IndicatorError(str(exc)) from None
    if issuer is None or not issuer.name.strip():
        raise IndicatorError(
            _("name the CSIRT that shares: set name (and email) in [forms.issuer] of canhgac.toml"))
    return Producer(issuer.name.strip(), str(issuer.email or ""))


def export_incident(
    scope: ViewerScope,
    config_path: Path | None,
    incident_id: int,
    fmt: str,
    *,
    tlp: Tlp | None,
    actor: str,
    address: str = "",
    now: datetime | None = None,
) -> ExportResult:
    """The incident's indicators as ``fmt`` (stix or misp), marked ``tlp`` (default AMBER, RED
    for an incident recorded as confidential); logged in the security log."""
    from canhgac.console.store import queries
    from canhgac.console.store.indicator_store import log_export

    if fmt not in FORMATS:
        raise IndicatorError(_("unknown format {fmt}: use stix or misp").format(fmt=fmt))
    source = producer(config_path)
    row = queries.incident(scope, incident_id)
    if row is None:
        raise IndicatorError(_("no incident {id}: see `canhgac incidents list`").format(id=incident_id))
    found: list[Indicator] = []
    skipped: list[Skipped] = []
    for link in sorted(row.links.all(), key=lambda link: link.pk):
        if link.kind != "indicator":
            continue
        try:
            found.append(from_incident_link(link.ref, link.note))
        except IndicatorError as exc:
            skipped.append(Skipped(link.ref[:120], str(exc)))
    indicators = tuple(merged(found))
    if not indicators:
        raise IndicatorError(_("incident {id} has no indicators to share: link some with "
                               "`canhgac incidents link {id} --indicator TYPE:VALUE`").format(id=incident_id))
    level = tlp or (Tlp.RED if row.confidential else Tlp.AMBER)
    export = IncidentExport(row.pk, row.title, row.severity, row.state, row.detected_at, indicators, level)
    writer = stix_bundle if fmt == "stix" else misp_event
    text = writer(export, source, now=now)
    log_export(incident_id=row.pk, agency=row.agency_code, format=fmt, tlp=level, count=len(indicators),
               actor=actor, address=address)
    return ExportResult(text, level, len(indicators), tuple(skipped))


def read_input(path: Path) -> bytes:
    """The file's bytes, refused in one line when it is missing, not a regular file or too large."""
    try:
        if not path.is_file():
            raise IndicatorError(_("{path} is not a file").format(path=path))
        if path.stat().st_size > MAX_BYTES:
            raise _too_large()
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise IndicatorError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data


def _too_large() -> IndicatorError:
    return IndicatorError(_("the file is larger than {size} MB").format(size=MAX_BYTES // (1024 * 1024)))


def import_file(
    audience: PackAudience,
    path: Path,
    *,
    name: str | None = None,
    tlp: Tlp | None = None,
    source: str | None = None,
    actor: str,
    address: str = "",
    now: datetime | None = None,
) -> ImportResult:
    """Read ``path`` (STIX bundle, MISP event, CSV or plain list) into the pack ``name`` (default:
    the report's or event's name, else the file's). The level is the strictest of ``tlp`` and what
    the file states (a file's marking is never lowered), AMBER when neither says."""
    from canhgac.console.store.indicator_store import save_pack

    data = read_input(path)
    parsed: ParsedPack = read_pack(data, path.name)
    if not parsed.indicators:
        raise IndicatorError(_("no indicators in {path} ({count} skipped{first})").format(
            path=path.name, count=parsed.skipped_count,
            first=f": {parsed.skipped[0].where}: {parsed.skipped[0].reason}" if parsed.skipped else ""))
    level = strictest([t for t in (tlp, parsed.tlp) if t is not None]) or Tlp.AMBER
    pack_name = (name or parsed.name or path.stem).strip()[:200]
    if not pack_name:
        raise IndicatorError(_("the pack needs a name: give --name"))
    saved = save_pack(
        audience, name=pack_name, source=(source or path.name), format=parsed.format, tlp=level,
        indicators=parsed.indicators, skipped=parsed.skipped, skipped_count=parsed.skipped_count,
        digest=hashlib.sha256(data).hexdigest(), actor=actor, address=address, now=now or datetime.now(UTC),
    )
    return ImportResult(saved.name, saved.tlp, parsed.format, saved.added, saved.already, parsed.duplicates,
                        saved.merged, parsed.tlp, tuple(parsed.skipped), parsed.skipped_count)


def pack_rows(audience: PackAudience) -> list[PackRow]:
    from canhgac.console.store import indicator_queries

    return [PackRow(p.name, Tlp(p.tlp), p.format, p.source, size, p.imported_at, p.imported_by,
                    p.updated_at, p.skipped_count) for p, size in indicator_queries.packs(audience)]


def pack_indicators(
    audience: PackAudience, name: str, *, kind: Kind | None = None
) -> tuple[PackRow, list[Indicator]]:
    """The pack ``name`` and its indicators; IndicatorError when there is none the audience may see."""
    from canhgac.console.store import indicator_queries

    row = indicator_queries.pack(audience, name)
    if row is None:
        raise IndicatorError(_("no indicator pack {name}: see `canhgac indicators list`").format(name=name))
    rows = indicator_queries.pack_indicators(audience, row.name, kind=kind.value if kind else None)
    head = PackRow(row.name, Tlp(row.tlp), row.format, row.source, rows.count(), row.imported_at,
                   row.imported_by, row.updated_at, row.skipped_count)
    return head, [Indicator(Kind(i.kind), i.value, i.note, i.internal) for i in rows]
