"""Validation and normalisation of one indicator value: ``indicator(kind, text)`` gives the
canonical form (lower-case names and hashes, IDNA domains, compressed IPv6) or raises
:class:`IndicatorError` naming the value; ``guess`` reads a bare value of a plain list."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from canhgac.i18n import gettext as _
from canhgac.indicators.model import Indicator, IndicatorError, Kind

MAX_VALUE = 2048
MAX_RULE = 65536
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_HEX = {Kind.MD5: 32, Kind.SHA1: 40, Kind.SHA256: 64}
_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".localhost", ".localdomain", ".home.arpa", ".intranet")
_HIVES = {
    "HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU", "HKEY_CLASSES_ROOT": "HKCR",
    "HKEY_USERS": "HKU", "HKEY_CURRENT_CONFIG": "HKCC",
    "HKLM": "HKLM", "HKCU": "HKCU", "HKCR": "HKCR", "HKU": "HKU", "HKCC": "HKCC",
}
_URL_SCHEMES = ("http", "https", "ftp", "ftps", "ws", "wss")
_YARA_RULE = re.compile(r"\brule\s+[A-Za-z_][A-Za-z0-9_]*")


def _bad(kind: Kind, value: str) -> IndicatorError:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return IndicatorError(_("{value!r} is not a valid {kind}").format(value=shown, kind=kind.label()))


def _internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_unspecified or address.is_multicast)


def _address(kind: Kind, text: str) -> tuple[str, bool]:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        raise _bad(kind, text) from None
    if (kind is Kind.IPV4) != (address.version == 4):
        raise _bad(kind, text)
    return address.compressed, _internal_address(address)


def _name(kind: Kind, text: str) -> tuple[str, bool]:
    name = text.lower().rstrip(".")
    try:
        name = name.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        raise _bad(kind, text) from None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _bad(kind, text)
    if kind is Kind.DOMAIN and (len(labels) < 2 or labels[-1].isdigit()):
        raise _bad(kind, text)
    internal = name == "localhost" or name.endswith(_LOCAL_SUFFIXES) or len(labels) == 1
    return name, internal


def _host_internal(host: str) -> bool:
    try:
        return _internal_address(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or "." not in host


def _url(text: str) -> tuple[str, bool]:
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise _bad(Kind.URL, text) from None
    if parts.scheme.lower() not in _URL_SCHEMES or not host or any(c.isspace() for c in text):
        raise _bad(Kind.URL, text)
    netloc = parts.netloc
    at = netloc.rfind("@") + 1
    netloc = netloc[:at] + netloc[at:].lower()
    value = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return value, _host_internal(host)


def _email(text: str) -> tuple[str, bool]:
    local, sep, domain = text.rpartition("@")
    if not sep or not local or len(local) > 64 or any(c.isspace() or c in "<>,;" for c in local):
        raise _bad(Kind.EMAIL, text)
    try:
        name, internal = _name(Kind.DOMAIN, domain)
    except IndicatorError:
        raise _bad(Kind.EMAIL, text) from None
    return f"{local}@{name}", internal


def _registry(text: str) -> str:
    hive, sep, rest = text.replace("/", "\\").partition("\\")
    short = _HIVES.get(hive.upper())
    if short is None or not sep or not rest.strip("\\"):
        raise _bad(Kind.REGISTRY_KEY, text)
    return f"{short}\\{rest.strip(chr(92))}"


def indicator(kind: Kind, text: str, note: str = "") -> Indicator:
    """The indicator of ``kind`` with value ``text`` normalised; IndicatorError naming the value
    when it is not one."""
    value = text if kind is Kind.YARA else text.strip()
    if not value.strip() or "\x00" in value:
        raise _bad(kind, value)
    if len(value) > (MAX_RULE if kind is Kind.YARA else MAX_VALUE):
        raise IndicatorError(_("a {kind} longer than {count} characters").format(
            kind=kind.label(), count=MAX_RULE if kind is Kind.YARA else MAX_VALUE))
    internal = False
    if kind in (Kind.IPV4, Kind.IPV6):
        value, internal = _address(kind, value)
    elif kind in (Kind.DOMAIN, Kind.HOSTNAME):
        value, internal = _name(kind, value)
    elif kind is Kind.URL:
        value, internal = _url(value)
    elif kind is Kind.EMAIL:
        value, internal = _email(value)
    elif kind in _HEX:
        value = value.lower()
        if len(value) != _HEX[kind] or not all(c in "0123456789abcdef" for c in value):
            raise _bad(kind, value)
    elif kind is Kind.FILENAME:
        if "/" in value or "\\" in value or len(value) > 255:
            raise _bad(kind, value)
    elif kind is Kind.MUTEX:
        if len(value) > 260:
            raise _bad(kind, value)
    elif kind is Kind.REGISTRY_KEY:
        value = _registry(value)
    elif kind is Kind.YARA:
        value = value.strip()
        if not _YARA_RULE.search(value) or "condition" not in value:
            raise IndicatorError(_("not a YARA rule: a rule needs `rule NAME` and a condition"))
    return Indicator(kind, value, note.strip()[:500], internal)


def address(text: str, note: str = "") -> Indicator:
    """An IP address of either family."""
    try:
        version = ipaddress.ip_address(text.strip().strip("[]")).version
    except ValueError:
        raise IndicatorError(_("{value!r} is not an IP address").format(value=text.strip()[:80])) from None
    return indicator(Kind.IPV4 if version == 4 else Kind.IPV6, text, note)


_GUESS_HEX = {32: Kind.MD5, 40: Kind.SHA1, 64: Kind.SHA256}


def guess(text: str, note: str = "") -> Indicator:
    """The indicator a bare value of a plain list is: ``TYPE:VALUE`` when TYPE is a known type,
    else an address, a hash by its length, a URL, an e-mail address or a domain."""
    value = text.strip()
    head, sep, rest = value.partition(":")
    if sep and not rest.startswith("//"):
        lowered = head.strip().lower()
        if lowered == "ip":
            return address(rest, note)
        try:
            return indicator(Kind.parse(lowered), rest, note)
        except ValueError as exc:
            if isinstance(exc, IndicatorError):
                raise
    try:
        return address(value, note)
    except IndicatorError:
        pass
    if len(value) in _GUESS_HEX and all(c in "0123456789abcdefABCDEF" for c in value):
        return indicator(_GUESS_HEX[len(value)], value, note)
    if "://" in value:
        return indicator(Kind.URL, value, note)
    if "@" in value:
        return indicator(Kind.EMAIL, value, note)
    try:
        return indicator(Kind.DOMAIN, value, note)
    except IndicatorError:
        raise IndicatorError(_("cannot tell what {value!r} is: write it as TYPE:VALUE").format(
            value=value[:80])) from None


# what an incident's ``TYPE:VALUE`` link (canhgac.incidents.model.IndicatorType) is here
_INCIDENT_KINDS = {
    "domain": Kind.DOMAIN, "url": Kind.URL, "email": Kind.EMAIL, "md5": Kind.MD5, "sha1": Kind.SHA1,
    "sha256": Kind.SHA256, "filename": Kind.FILENAME,
}


def from_incident_link(ref: str, note: str = "") -> Indicator:
    """The indicator of an incident's link ``TYPE:VALUE``; IndicatorError for ``other`` (no
    shared type) or a bad value."""
    kind, _sep, value = ref.partition(":")
    if kind == "ip":
        return address(value, note)
    if kind not in _INCIDENT_KINDS:
        raise IndicatorError(_("{ref!r} has no type that MISP and STIX share").format(ref=ref[:80]))
    return indicator(_INCIDENT_KINDS[kind], value, note)
