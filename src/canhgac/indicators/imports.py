"""Indicators read from what other CSIRTs share: a STIX 2.1 bundle, a MISP event (core format),
or a plain list (one value a line, or CSV ``type,value,note``). Every input is hostile until
read: its size is capped, JSON too deep or of the wrong shape is one :class:`IndicatorError`,
and an object that gives no indicator (an invalid or too complex pattern, a bad value, a type
the sweep cannot use) is counted in ``skipped`` with its reason, never a traceback."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.indicators.model import Indicator, IndicatorError, Kind, Skipped, merged
from canhgac.indicators.normalise import address, guess, indicator
from canhgac.indicators.stix_patterns import PatternError, comparisons
from canhgac.indicators.tlp import Tlp, from_misp_tag, from_stix_marking, from_stix_ref, strictest

MAX_BYTES = 20 * 1024 * 1024
MAX_OBJECTS = 100_000
MAX_SKIPPED_KEPT = 200  # reasons kept; the count is always exact


@dataclass(slots=True)
class ParsedPack:
    format: str  # stix, misp, text, csv
    name: str = ""
    tlp: Tlp | None = None  # the strictest marking the input states
    indicators: list[Indicator] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_count: int = 0
    duplicates: int = 0

    def skip(self, where: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append(Skipped(where, reason))

    def finish(self) -> ParsedPack:
        before = len(self.indicators)
        self.indicators = merged(self.indicators)
        self.duplicates = before - len(self.indicators)
        return self


def read_pack(data: bytes, filename: str = "") -> ParsedPack:
    """The indicators of ``data`` (the format told by its content); IndicatorError when the
    input as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        raise IndicatorError(_("the file is larger than {size} MB").format(size=MAX_BYTES // (1024 * 1024)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorError(_("the file is not UTF-8 text")) from None
    if text.lstrip().startswith(("{", "[")):
        return _json(text)
    return _plain(text, filename.lower().endswith(".csv"))


def _json(text: str) -> ParsedPack:
    try:
        data = json.loads(text)
    except RecursionError:
        raise IndicatorError(_("the JSON is nested too deeply")) from None
    except ValueError as exc:
        raise IndicatorError(_("not valid JSON: {error}").format(error=str(exc)[:120])) from None
    if isinstance(data, dict) and data.get("type") == "bundle":
        return read_stix(data)
    if isinstance(data, dict) and ("Event" in data or "response" in data or "Attribute" in data):
        return read_misp(data)
    raise IndicatorError(_("neither a STIX 2.1 bundle nor a MISP event"))


# --- STIX 2.1 --------------------------------------------------------------------------------

_HASH_KINDS = {"MD5": Kind.MD5, "SHA1": Kind.SHA1, "SHA-1": Kind.SHA1, "SHA256": Kind.SHA256,
               "SHA-256": Kind.SHA256}
_STIX_KINDS = {
    ("ipv4-addr", "value"): Kind.IPV4, ("ipv6-addr", "value"): Kind.IPV6,
    ("domain-name", "value"): Kind.DOMAIN, ("url", "value"): Kind.URL,
    ("email-addr", "value"): Kind.EMAIL, ("file", "name"): Kind.FILENAME,
    ("mutex", "name"): Kind.MUTEX, ("windows-registry-key", "key"): Kind.REGISTRY_KEY,
}


def _stix_kind(object_type: str, path: tuple[str, ...]) -> Kind | None:
    if object_type == "file" and len(path) == 2 and path[0] == "hashes":
        return _HASH_KINDS.get(path[1].upper())
    return _STIX_KINDS.get((object_type, ".".join(path)))


def _where(obj: dict[str, Any], index: int) -> str:
    ident = obj.get("id")
    return ident[:120] if isinstance(ident, str) else f"objects[{index}]"


def read_stix(data: dict[str, Any]) -> ParsedPack:
    """A STIX 2.1 bundle's indicators (pattern type ``stix`` with equality comparisons joined
    by OR, and ``yara``); the pack's level is the strictest TLP marking of the indicators read
    and of the bundle's other objects (its report, its identity)."""
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise IndicatorError(_("a STIX bundle's objects must be a list"))
    if len(objects) > MAX_OBJECTS:
        raise IndicatorError(_("more than {count} objects").format(count=MAX_OBJECTS))
    pack = ParsedPack("stix")
    markings: dict[str, Tlp] = {}
    for obj in objects:
        if isinstance(obj, dict) and obj.get("type") == "marking-definition":
            level = from_stix_marking(obj)
            if level is not None and isinstance(obj.get("id"), str):
                markings[obj["id"]] = level
    levels: list[Tlp] = []
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            pack.skip(f"objects[{index}]", _("not a STIX object"))
            continue
        if obj.get("type") == "report" and isinstance(obj.get("name"), str) and not pack.name:
            pack.name = obj["name"][:200]
        if obj.get("type") == "marking-definition":
            continue
        if obj.get("type") == "indicator" and not _stix_indicator(pack, obj, _where(obj, index)):
            continue  # an indicator left out: its marking says nothing of what was read
        levels += _stix_levels(obj, markings)
    pack.tlp = strictest(levels)
    return pack.finish()


def _stix_levels(obj: dict[str, Any], markings: dict[str, Tlp]) -> list[Tlp]:
    """The TLP levels an object is marked with (its object markings and granular markings): a
    report marked RED over unmarked indicators makes the pack RED."""
    refs = obj.get("object_marking_refs")
    found = [ref for ref in refs if isinstance(ref, str)] if isinstance(refs, list) else []
    granular = obj.get("granular_markings")
    for item in granular if isinstance(granular, list) else []:
        if isinstance(item, dict) and isinstance(item.get("marking_ref"), str):
            found.append(item["marking_ref"])
    levels = [markings.get(ref) or from_stix_ref(ref) for ref in found]
    return [level for level in levels if level is not None]


def _stix_indicator(pack: ParsedPack, obj: dict[str, Any], where: str) -> bool:
    pattern, pattern_type = obj.get("pattern"), obj.get("pattern_type", "stix")
    texts = [obj.get(key) for key in ("description", "name")]
    note = next((text for text in texts if isinstance(text, str) and text), "")
    if obj.get("revoked") is True:
        pack.skip(where, _("revoked"))
        return False
    if not isinstance(pattern, str) or not isinstance(pattern_type, str):
        pack.skip(where, _("no pattern"))
        return False
    if pattern_type == "yara":
        return _add(pack, where, Kind.YARA, pattern, str(note))
    if pattern_type != "stix":
        pack.skip(where, _("pattern type {type} is not used by the sweep").format(type=pattern_type[:40]))
        return False
    try:
        found = comparisons(pattern)
    except PatternError as exc:
        pack.skip(where, str(exc))
        return False
    labels = obj.get("labels")
    host = isinstance(labels, list) and f"canhgac:{Kind.HOSTNAME.value}" in labels  # our own export's
    added = False
    for object_type, path, value in found:
        kind = _stix_kind(object_type, path)
        if kind is Kind.DOMAIN and host:
            kind = Kind.HOSTNAME
        if kind is None:
            pack.skip(where, _("{path} is not used by the sweep").format(
                path=f"{object_type}:{'.'.join(path)}"[:80]))
            continue
        added = _add(pack, where, kind, value, str(note)) or added
    return added


def _add(pack: ParsedPack, where: str, kind: Kind, value: str, note: str) -> bool:
    try:
        pack.indicators.append(indicator(kind, value, note))
    except IndicatorError as exc:
        pack.skip(where, str(exc))
        return False
    return True


# --- MISP ------------------------------------------------------------------------------------

_MISP_KINDS: dict[str, Kind | None] = {
    "ip-dst": None, "ip-src": None, "domain": Kind.DOMAIN, "hostname": Kind.HOSTNAME,
    "url": Kind.URL, "link": Kind.URL, "email": Kind.EMAIL, "email-src": Kind.EMAIL,
    "email-dst": Kind.EMAIL, "md5": Kind.MD5, "sha1": Kind.SHA1, "sha256": Kind.SHA256,
    "filename": Kind.FILENAME, "mutex": Kind.MUTEX, "regkey": Kind.REGISTRY_KEY, "yara": Kind.YARA,
}  # None: an address of either family
_MISP_PAIRS = {"ip-dst|port", "ip-src|port", "domain|ip", "regkey|value", "hostname|port",
               "filename|md5", "filename|sha1", "filename|sha256"}


def _events(data: dict[str, Any]) -> list[Any]:
    if "response" in data:
        response = data["response"]
        if not isinstance(response, list):
            raise IndicatorError(_("a MISP response must be a list of events"))
        return [item.get("Event") if isinstance(item, dict) else item for item in response]
    return [data.get("Event", data)]


def read_misp(data: dict[str, Any]) -> ParsedPack:
    """A MISP event's attributes (its own and its objects') meant for detection (``to_ids``);
    the level is the strictest ``tlp:`` tag of the events and attributes."""
    pack = ParsedPack("misp")
    levels: list[Tlp] = []
    for event in _events(data):
        if not isinstance(event, dict):
            raise IndicatorError(_("a MISP event must be an object"))
        if isinstance(event.get("info"), str) and not pack.name:
            pack.name = event["info"][:200]
        levels += _tags(event.get("Tag"))
        own = event.get("Attribute", [])
        if not isinstance(own, list):
            raise IndicatorError(_("a MISP event's Attribute must be a list"))
        attributes = list(own)
        objects = event.get("Object", [])
        for obj in objects if isinstance(objects, list) else []:
            inner = obj.get("Attribute") if isinstance(obj, dict) else None
            attributes.extend(inner if isinstance(inner, list) else [])
            if len(attributes) > MAX_OBJECTS:
                break
        if len(attributes) > MAX_OBJECTS:
            raise IndicatorError(_("more than {count} objects").format(count=MAX_OBJECTS))
        for index, attribute in enumerate(attributes):
            levels += _misp_attribute(pack, attribute, f"Attribute[{index}]")
    pack.tlp = strictest(levels)
    return pack.finish()


def _tags(tags: Any) -> list[Tlp]:
    found = []
    for tag in tags if isinstance(tags, list) else []:
        name = tag.get("name") if isinstance(tag, dict) else None
        level = from_misp_tag(name) if isinstance(name, str) else None
        if level is not None:
            found.append(level)
    return found


def _misp_attribute(pack: ParsedPack, attribute: Any, where: str) -> list[Tlp]:
    if not isinstance(attribute, dict):
        pack.skip(where, _("not a MISP attribute"))
        return []
    kind, value = attribute.get("type"), attribute.get("value")
    if not isinstance(kind, str) or not isinstance(value, str):
        pack.skip(where, _("an attribute needs a type and a value (text)"))
        return []
    where = f"{where} {kind}"
    if attribute.get("to_ids") in (False, "0", 0):
        pack.skip(where, _("not meant for detection (to_ids is false)"))
        return []
    if attribute.get("deleted") in (True, "1", 1):
        pack.skip(where, _("deleted"))
        return []
    note = attribute.get("comment") if isinstance(attribute.get("comment"), str) else ""
    values = [(kind, value)]
    if kind in _MISP_PAIRS:
        first, second = kind.split("|")
        left, _sep, right = value.partition("|")
        values = [(first, left)] + ([(second, right)] if second in _MISP_KINDS else [])
    added = False
    for one_type, one_value in values:
        if one_type not in _MISP_KINDS:
            pack.skip(where, _("type {type} is not used by the sweep").format(type=one_type[:40]))
            continue
        target = _MISP_KINDS[one_type]
        try:
            pack.indicators.append(address(one_value, str(note)) if target is None
                                   else indicator(target, one_value, str(note)))
            added = True
        except IndicatorError as exc:
            pack.skip(where, str(exc))
    return _tags(attribute.get("Tag")) if added else []


# --- plain lists -----------------------------------------------------------------------------

MAX_LINES = 200_000


def _plain(text: str, is_csv: bool) -> ParsedPack:
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise IndicatorError(_("more than {count} lines").format(count=MAX_LINES))
    pack = ParsedPack("csv" if is_csv else "text")
    rows = csv.reader(io.StringIO(text)) if is_csv else ([line] for line in lines)
    try:
        for number, row in enumerate(rows, start=1):
            cells = [cell.strip() for cell in row]
            if not cells or not cells[0] or cells[0].startswith("#"):
                continue
            if is_csv and number == 1 and [c.lower() for c in cells[:2]] == ["type", "value"]:
                continue
            _plain_row(pack, cells, f"line {number}", is_csv)
    except csv.Error as exc:
        raise IndicatorError(_("not valid CSV: {error}").format(error=str(exc)[:120])) from None
    return pack.finish()


def _plain_row(pack: ParsedPack, cells: list[str], where: str, is_csv: bool) -> None:
    try:
        if is_csv and len(cells) >= 2:
            note = cells[2] if len(cells) > 2 else ""
            if cells[0].lower() == "ip":
                pack.indicators.append(address(cells[1], note))
            else:
                try:
                    kind = Kind.parse(cells[0])
                except ValueError:
                    raise IndicatorError(_("unknown type {type}: use one of {types}").format(
                        type=cells[0][:40], types=", ".join(k.value for k in Kind))) from None
                pack.indicators.append(indicator(kind, cells[1], note))
        else:
            pack.indicators.append(guess(cells[0]))
    except IndicatorError as exc:
        pack.skip(where, str(exc))
