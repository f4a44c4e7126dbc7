"""The indicator types, one indicator, and the one-line error a bad value raises.

The types are what the host sweep (issue 17) looks for: addresses and names of C2 servers
(connections, the hosts file, the DNS cache), URLs and e-mail addresses (mail and browser
traces), file hashes (each file read once), file names (one matcher), mutexes, registry keys
(persistence) and YARA rules (text, compiled by the sweep)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from canhgac.i18n import N_, translate


class IndicatorError(ValueError):
    """A value that is not an indicator of its type, or an input that cannot be read, in one line."""


class Kind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"
    HOSTNAME = "hostname"
    URL = "url"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    FILENAME = "filename"
    MUTEX = "mutex"
    REGISTRY_KEY = "registry-key"
    YARA = "yara"

    def label(self, lang: str | None = None) -> str:
        return translate(_LABELS[self], lang)

    @classmethod
    def parse(cls, text: str) -> Kind:
        """The kind named ``text`` (``_`` read as ``-``, ``ip`` as an address of either family
        is left to the caller); ValueError otherwise."""
        return cls(text.strip().lower().replace("_", "-"))


HASHES = (Kind.MD5, Kind.SHA1, Kind.SHA256)
ADDRESSES = (Kind.IPV4, Kind.IPV6)

_LABELS = {
    Kind.IPV4: N_("IPv4 address"),
    Kind.IPV6: N_("IPv6 address"),
    Kind.DOMAIN: N_("domain"),
    Kind.HOSTNAME: N_("host name"),
    Kind.URL: N_("URL"),
    Kind.EMAIL: N_("e-mail address"),
    Kind.MD5: N_("MD5 hash"),
    Kind.SHA1: N_("SHA-1 hash"),
    Kind.SHA256: N_("SHA-256 hash"),
    Kind.FILENAME: N_("file name"),
    Kind.MUTEX: N_("mutex"),
    Kind.REGISTRY_KEY: N_("registry key"),
    Kind.YARA: N_("YARA rule"),
}


@dataclass(frozen=True, slots=True)
class Indicator:
    """One normalised indicator; ``internal`` flags a loopback, private or local address or
    name (kept, but the sweep and the reader should know it matches inside the network)."""

    kind: Kind
    value: str
    note: str = ""
    internal: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """What makes two indicators the same (duplicates are merged on it)."""
        return (self.kind.value, self.value)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An object of the input that gave no indicator, and why (a sentence)."""

    where: str
    reason: str


def merged(indicators: list[Indicator]) -> list[Indicator]:
    """``indicators`` with duplicates (same kind and value) merged, first seen first; their
    notes are joined."""
    seen: dict[tuple[str, str], Indicator] = {}
    for item in indicators:
        first = seen.get(item.key)
        if first is None:
            seen[item.key] = item
        elif item.note and item.note not in first.note:
            note = f"{first.note}; {item.note}" if first.note else item.note
            seen[item.key] = Indicator(first.kind, first.value, note[:500], first.internal)
    return list(seen.values())
