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
from typing import TYPE_CHECKING, Any

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
    "MAX_BYTES",
    "MEDIA_TYPES",
    "PAGE_SIZE",
    "ExportResult",
    "ImportResult",
    "IndicatorError",
    "Kind",
    "PackAudience",
    "PackError",
    "PackPage",
    "PackRow",
    "Tlp",
    "export_filename",
    "export_floor",
    "export_incident",
    "import_data",
    "import_file",
    "may_import",
    "pack_by_id",
    "pack_indicators",
    "pack_page",
    "pack_rows",
    "producer",
]
FORMATS = ("stix", "misp")
MEDIA_TYPES = {"stix": "application/stix+json;version=2.1", "misp": "application/json"}


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
    id: int = 0
    version: int = 1  # files imported into it (each import of a new file is a new version)


@dataclass(frozen=True, slots=True)
class PackPage:
    """One page of a pack's indicators, as the console and the API show them."""

    pack: PackRow
    indicators: list[Indicator]
    total: int  # of the type asked for (all types when none)
    page: int
    pages: int
    kinds: list[str]  # the types the pack holds, for the filter


PAGE_SIZE = 100


def may_import(role: str) -> bool:
    """Import packs from the console: the CSIRT's engineers (``csirt-admin``, ``csirt-analyst``)."""
    from canhgac.console.store.roles import Role, works_for_csirt

    try:
        return works_for_csirt(Role(role))
    except ValueError:
        return False


def export_floor(confidential: bool) -> Tlp:
    """The lowest level an incident's indicators may leave with from the console and the API:
    RED for an incident recorded as confidential (a marking is never lowered), else CLEAR."""
    return Tlp.RED if confidential else Tlp.CLEAR


def export_filename(incident_id: int, level: Tlp, fmt: str) -> str:
    """The name an export is saved under: ``incident-7-amber-strict.stix.json``."""
    return f"incident-{incident_id}-{level.value.replace('+', '-')}.{fmt}.json"


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
    keep_floor: bool = False,
) -> ExportResult:
    """The incident's indicators as ``fmt`` (stix or misp), marked ``tlp`` (default AMBER, RED
    for an incident recorded as confidential); logged in the security log. With ``keep_floor``
    (the console and the API), a level below :func:`export_floor` is refused."""
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
    if keep_floor and level.rank < export_floor(bool(row.confidential)).rank:
        raise IndicatorError(_("incident {id} is recorded as confidential: its indicators leave marked "
                               "TLP:RED only").format(id=incident_id))
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
    return import_data(audience, read_input(path), path.name, name=name, tlp=tlp, source=source,
                       actor=actor, address=address, now=now)


def import_data(
    audience: PackAudience,
    data: bytes,
    filename: str,
    *,
    name: str | None = None,
    tlp: Tlp | None = None,
    source: str | None = None,
    actor: str,
    address: str = "",
    now: datetime | None = None,
) -> ImportResult:
    """``import_file`` of bytes already read (an upload of the console or the API): the same
    rules; IndicatorError (one line) when nothing can be read, PackError when refused."""
    from canhgac.console.store.indicator_store import save_pack

    if len(data) > MAX_BYTES:
        raise _too_large()
    filename = Path(filename.replace("\\", "/")).name[:200] or "upload"
    parsed: ParsedPack = read_pack(data, filename)
    if not parsed.indicators:
        raise IndicatorError(_("no indicators in {path} ({count} skipped{first})").format(
            path=filename, count=parsed.skipped_count,
            first=f": {parsed.skipped[0].where}: {parsed.skipped[0].reason}" if parsed.skipped else ""))
    level = strictest([t for t in (tlp, parsed.tlp) if t is not None]) or Tlp.AMBER
    pack_name = (name or parsed.name or Path(filename).stem).strip()[:200]
    if not pack_name:
        raise IndicatorError(_("the pack needs a name: give --name"))
    saved = save_pack(
        audience, name=pack_name, source=(source or filename), format=parsed.format, tlp=level,
        indicators=parsed.indicators, skipped=parsed.skipped, skipped_count=parsed.skipped_count,
        digest=hashlib.sha256(data).hexdigest(), actor=actor, address=address, now=now or datetime.now(UTC),
    )
    return ImportResult(saved.name, saved.tlp, parsed.format, saved.added, saved.already, parsed.duplicates,
                        saved.merged, parsed.tlp, tuple(parsed.skipped), parsed.skipped_count)


def pack_rows(audience: PackAudience) -> list[PackRow]:
    from canhgac.console.store import indicator_queries

    return [_pack_row(p, size) for p, size in indicator_queries.packs(audience)]


def _pack_row(p: Any, size: int) -> PackRow:
    return PackRow(p.name, _level(p.tlp), p.format, p.source, size, p.imported_at, p.imported_by,
                   p.updated_at, p.skipped_count, p.pk, max(1, len(p.digests or [])))


def _level(value: str) -> Tlp:
    try:
        return Tlp(value)
    except ValueError:
        return Tlp.RED  # a level the code does not know counts as restricted


def pack_by_id(audience: PackAudience, pack_id: int) -> PackRow | None:
    """The pack of that id the audience may see, or None (a RED pack for an officer: None)."""
    from canhgac.console.store import indicator_queries

    found = (_pack_row(p, size) for p, size in indicator_queries.packs(audience) if p.pk == pack_id)
    return next(found, None)


def pack_page(
    audience: PackAudience, pack_id: int, *, kind: Kind | None = None, page: int = 1, size: int = PAGE_SIZE
) -> PackPage | None:
    """One page of the pack's indicators (of ``kind`` when given); None when the audience may
    not see the pack."""
    from canhgac.console.store import indicator_queries

    head = pack_by_id(audience, pack_id)
    if head is None:
        return None
    every = indicator_queries.pack_indicators(audience, head.name)
    kinds = sorted(set(every.values_list("kind", flat=True)))
    rows = every.filter(kind=kind.value) if kind else every
    total = rows.count()
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * size : page * size]
    items = [Indicator(Kind(i.kind), i.value, i.note, i.internal) for i in shown]
    return PackPage(head, items, total, page, pages, kinds)


def pack_indicators(
    audience: PackAudience, name: str, *, kind: Kind | None = None
) -> tuple[PackRow, list[Indicator]]:
    """The pack ``name`` and its indicators; IndicatorError when there is none the audience may see."""
    from canhgac.console.store import indicator_queries

    row = indicator_queries.pack(audience, name)
    if row is None:
        raise IndicatorError(_("no indicator pack {name}: see `canhgac indicators list`").format(name=name))
    rows = indicator_queries.pack_indicators(audience, row.name, kind=kind.value if kind else None)
    head = _pack_row(row, rows.count())
    return head, [Indicator(Kind(i.kind), i.value, i.note, i.internal) for i in rows]
