"""What a sweep looks for, loaded once from the packs given: hashes (a set per algorithm), file
name indicators (one :class:`NameMatcher`), C2 addresses and domains (sets), YARA rule texts.

Formats: the indicator packs' own (STIX 2.1 bundle, MISP event, CSV ``type,value,note``, a plain
list; read by ``canhgac.indicators.imports``, loaded only for such a file), signature-base style
files (``hash-iocs.txt``: ``hash;comment``; ``filename-iocs.txt``: ``regex;score``;
``c2-iocs.txt``: ``value;comment``), YARA rule files (``.yar``, ``.yara``, or text that is YARA)
and a signed bundle of any of these (:mod:`canhgac.sweep.bundle`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from canhgac.i18n import gettext as _
from canhgac.sweep.names import NameIndicator, NameMatcher

MAX_PACK_FILE = 50 * 1024 * 1024
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_YARA = re.compile(r"^\s*(?:(?:private|global)\s+)*rule\s+\w+[^\n{]*\{", re.MULTILINE)
HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}


class PackError(ValueError):
    """A pack that cannot be used, in one line."""


@dataclass(slots=True)
class Indicators:
    """Every indicator of the packs loaded, each with its note and pack (for the hit's evidence)."""

    hashes: dict[str, dict[str, tuple[str, str]]] = field(
        default_factory=lambda: {"md5": {}, "sha1": {}, "sha256": {}}
    )
    names: list[NameIndicator] = field(default_factory=list)
    addresses: dict[str, tuple[str, str]] = field(default_factory=dict)
    domains: dict[str, tuple[str, str]] = field(default_factory=dict)
    yara: list[tuple[str, str]] = field(default_factory=list)  # (origin, source text)
    registry: dict[str, tuple[str, str]] = field(default_factory=dict)  # normalised key path
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    packs: list[dict[str, str]] = field(default_factory=list)  # name, sha256, signed-by, version
    _matcher: NameMatcher | None = None

    def skip(self, where: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < 100:
            self.skipped.append(f"{where}: {reason}")

    @property
    def matcher(self) -> NameMatcher:
        if self._matcher is None:
            self._matcher = NameMatcher(self.names)
        return self._matcher

    def counts(self) -> dict[str, int]:
        return {
            "md5": len(self.hashes["md5"]),
            "sha1": len(self.hashes["sha1"]),
            "sha256": len(self.hashes["sha256"]),
            "names": len(self.names),
            "addresses": len(self.addresses),
            "domains": len(self.domains),
            "yara_files": len(self.yara),
        }

    def add_hash(self, value: str, note: str, pack: str, where: str) -> None:
        value = value.strip().lower()
        kind = HASH_KINDS.get(len(value))
        if kind is None or not _HEX.match(value):
            self.skip(where, _("not an MD5, SHA-1 or SHA-256 hash"))
            return
        self.hashes[kind].setdefault(value, (note, pack))

    def add_address(self, value: str, note: str, pack: str, where: str) -> None:
        try:
            self.addresses.setdefault(str(ipaddress.ip_address(value.strip().strip("[]"))), (note, pack))
        except ValueError:
            self.skip(where, _("not an IP address"))

    def add_domain(self, value: str, note: str, pack: str, where: str) -> None:
        name = value.strip().rstrip(".").lower()
        if not name or " " in name or "/" in name:
            self.skip(where, _("not a domain name"))
            return
        self.domains.setdefault(name, (note, pack))

    def add_c2(self, value: str, note: str, pack: str, where: str) -> None:
        value = value.strip()
        if "://" in value:
            value = urlsplit(value).hostname or ""
        try:
            ipaddress.ip_address(value.strip("[]"))
        except ValueError:
            self.add_domain(value, note, pack, where)
        else:
            self.add_address(value, note, pack, where)

    def domain_hit(self, name: str) -> tuple[str, tuple[str, str]] | None:
        """The domain indicator ``name`` is or is under (``a.evil.example`` under ``evil.example``)."""
        labels = name.strip().rstrip(".").lower().split(".")
        for i in range(len(labels) - 1):
            suffix = ".".join(labels[i:])
            if suffix in self.domains:
                return suffix, self.domains[suffix]
        return None


_HIVES = {
    "hkey_local_machine": "hklm",
    "hkey_current_user": "hkcu",
    "hkey_users": "hku",
    "hkey_classes_root": "hkcr",
    "hkey_current_config": "hkcc",
}


def registry_key(path: str) -> str:
    """A registry path lower-cased, with ``\\`` separators and the hive's short name."""
    parts = [p for p in path.strip().replace("/", "\\").lower().split("\\") if p]
    if parts:
        parts[0] = _HIVES.get(parts[0], parts[0])
    return "\\".join(parts)


def is_yara(text: str) -> bool:
    return bool(_YARA.search(text)) and "condition" in text


def load_text(ind: Indicators, name: str, text: str, pack: str) -> None:
    """Add the indicators of one file, its format told by ``name`` and content."""
    lower = name.lower()
    if lower.endswith((".yar", ".yara")) or (lower.endswith(".txt") and is_yara(text)):
        ind.yara.append((f"{pack}:{name}", text))
        return
    base = lower.rsplit("/", 1)[-1]
    if base.endswith(".txt") and ("filename" in base or "hash" in base or "c2" in base):
        _signature_base(ind, base, text, pack)
        return
    _indicator_pack(ind, name, text.encode("utf-8"), pack)


def _signature_base(ind: Indicators, base: str, text: str, pack: str) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{base}:{number}"
        value, _sep, rest = line.partition(";")
        if "filename" in base:
            fields = rest.split(";")
            try:
                score = int(fields[0]) if fields and fields[0].strip() else 75
            except ValueError:
                score = 75
            if not value:
                continue
            ind.names.append(
                NameIndicator(
                    value, note=fields[1].strip() if len(fields) > 1 else "", score=score, pack=pack
                )
            )
        elif "hash" in base:
            ind.add_hash(value, rest.strip(), pack, where)
        else:
            ind.add_c2(value, rest.strip(), pack, where)


def _indicator_pack(ind: Indicators, name: str, data: bytes, pack: str) -> None:
    """STIX, MISP, CSV or a plain list, read by the indicator packs' own parser."""
    try:
        from canhgac.indicators.imports import read_pack
        from canhgac.indicators.model import IndicatorError
    except ImportError as exc:  # an agency PC installed without the STIX library
        raise PackError(
            _(
                "{name}: reading STIX, MISP or CSV needs the full canhgac ({error}); "
                "ask the CSIRT for a bundle"
            ).format(name=name, error=exc)
        ) from None
    try:
        parsed = read_pack(data, name)
    except IndicatorError as exc:
        raise PackError(f"{name}: {exc}") from None
    for skipped in parsed.skipped:
        ind.skip(f"{name}:{skipped.where}", skipped.reason)
    ind.skipped_count += parsed.skipped_count - len(parsed.skipped)
    for item in parsed.indicators:
        kind = item.kind.value
        where = f"{name}:{item.value[:40]}"
        if kind in ("md5", "sha1", "sha256"):
            ind.add_hash(item.value, item.note, pack, where)
        elif kind in ("ipv4", "ipv6"):
            ind.add_address(item.value, item.note, pack, where)
        elif kind in ("domain", "hostname", "url"):
            ind.add_c2(item.value, item.note, pack, where)
        elif kind == "filename":
            base = item.value.replace("\\", "/").rsplit("/", 1)[-1]
            pattern = (
                re.escape(item.value)
                if "/" in item.value or "\\" in item.value
                else (r"(?:^|[\\/])" + re.escape(base) + "$")
            )
            ind.names.append(NameIndicator(pattern, note=item.note, pack=pack))
        elif kind == "yara":
            ind.yara.append((f"{pack}:{name}", item.value))
        elif kind == "registry-key":
            ind.registry.setdefault(registry_key(item.value), (item.note, pack))
        else:
            ind.skip(where, _("type {type} is not looked for by the sweep").format(type=kind))


def load_file(ind: Indicators, path: Path) -> None:
    """One loose pack file (unsigned: the result says so)."""
    try:
        if path.stat().st_size > MAX_PACK_FILE:
            raise PackError(
                _("{name}: larger than {size} MB").format(name=path.name, size=MAX_PACK_FILE >> 20)
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PackError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PackError(_("{name}: not UTF-8 text").format(name=path.name)) from None
    load_text(ind, path.name, text, path.name)
