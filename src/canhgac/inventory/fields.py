"""Field types of the inventory: validation and normalisation of each kind of value.

Every value is normalised on the way in (domain names to lower-case A-labels, address ranges
to network form, URLs to a lower-case IDNA host) so that the scope guard and the targets built
from an inventory compare like with like. Error messages are templates in :data:`MESSAGES`
(English msgids, values in ``ctx``) so that the loader can translate and place them.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from datetime import time, timedelta, timezone, tzinfo
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import idna
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
)
from pydantic_core import PydanticCustomError

from canhgac.engine.dns import ServerAddress
from canhgac.engine.dnsbl_zones import DnsblZoneError, normalise_zone
from canhgac.i18n import N_

MESSAGES: dict[str, str] = {
    "domain": N_("'{value}' is not a valid domain name ({reason}); write it like '{example}'"),
    "address_not_name": N_("'{value}' is an IP address, not a name; put addresses under 'ranges'"),
    "email": N_("'{value}' is not a valid e-mail address; write it like 'ten@stttt.kiengiang.gov.vn'"),
    "phone": N_("'{value}' is not a valid phone number ({reason}); write it like '0297 3862 868'"),
    "phone_digits": N_(
        "'{value}' is not a valid phone number ({digits} digits, expected 8 to 15); "
        "write it like '0297 3862 868'"
    ),
    "cidr": N_("'{value}' is not a valid address range; write it like '203.0.113.0/28' or '2001:db8::/48'"),
    "cidr_broad": N_("'{value}' is too broad ({count} addresses); declare only the agency's own block"),
    "url": N_(
        "'{value}' is not a valid portal URL ({reason}); write it like 'https://stttt.kiengiang.gov.vn/'"
    ),
    "code": N_(
        "'{value}' is not a valid code; use 2 to 32 capital letters, digits, '_' or '-', like 'STTTT'"
    ),
    "selector": N_(
        "'{value}' is not a valid DKIM selector; use letters, digits, '-', '_' and dots, like 'mail2024'"
    ),
    "clock": N_("'{value}' is not a time of day; write it as HH:MM, like '19:00'"),
    "day": N_("'{value}' is not a day; use one of mon, tue, wed, thu, fri, sat, sun"),
    "timezone": N_("'{value}' is not a known time zone; write it like 'Asia/Ho_Chi_Minh'"),
    "empty_window": N_("the window starts and ends at {value}; give different start and end times"),
    "blackout_order": N_("the blackout ends ({end}) before it starts ({start}); swap them"),
    "duplicate_code": N_(
        "agency code '{value}' is used twice (first at agencies[{first}]); codes must be unique"
    ),
    "duplicate_domain": N_(
        "domain '{value}' is already declared by agency '{owner}'; declare each domain once"
    ),
    "unknown_parent": N_(
        "parent '{value}' is not an agency code in this file; add that agency or fix the spelling"
    ),
    "cycle": N_("parent chain loops back to itself ({chain}); an agency cannot be its own ancestor"),
    "unknown_host": N_("hosted_by '{value}' is not an agency code in this file; add the provider agency"),
    "not_provider": N_(
        "hosted_by '{value}' names an agency of kind '{agency_kind}'; it must be of kind 'provider'"
    ),
    "public_suffix": N_(
        "'{value}' is a public suffix: declaring it would put every name under it "
        "in scope; declare the agency's own domain"
    ),
    "duplicate_item": N_("'{value}' is listed twice; list it once"),
    "resolver": N_(
        "'{value}' is not a resolver address; write an IP address with an optional port, like "
        "'203.0.113.53' or '203.0.113.53:5353' (not a name)"
    ),
    "dnsbl_zone": N_("'{value}' is not a DNS blocklist zone ({reason}); write it like 'bl.spamcop.net'"),
    "log_source": N_(
        "a log source names either 'path' (a file or a glob) or 'syslog' (the sender's address or host "
        "name), not {value}"
    ),
    "log_path": N_("'{value}' is not an absolute path or glob; write it like '/var/log/nginx/access.log*'"),
    "log_format": N_("'{value}' is not a log format name; use letters, digits and '-', like 'nginx'"),
    "log_sender": N_("'{value}' is not a syslog sender; write an address or a host name, like '10.0.0.5'"),
    "resolver_not_loopback": N_(
        "resolver '{value}' is not a loopback address; with scope.loopback_only only 127.0.0.0/8 "
        "and ::1 may be asked"
    ),
}

# The widest range an agency may declare: a typo such as /8 would put millions of hosts in scope.
BROADEST_PREFIX = {4: 16, 6: 32}
_CODE = re.compile(r"[A-Z0-9_-]{2,32}")
_SELECTOR = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+")
_PHONE_CHARS = re.compile(r"\+?[0-9 .()\-]+")
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::00)?")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# A label of letters, digits and inner hyphens, not "xx--" (A-labels and reserved forms go to idna)
_PLAIN_LABEL = re.compile(r"(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MAX_NAME = 253
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts


def fail(error: str, **ctx: Any) -> PydanticCustomError:
    """A validation error of type ``error`` whose text the loader can translate and place."""
    return PydanticCustomError(error, MESSAGES[error], ctx)


def _domain_problem(text: str) -> str | None:
    """A plain-language reason why ``text`` cannot be a host name, before IDNA rules."""
    checks = (
        ("://" in text or "/" in text, N_("it looks like a URL; write only the host name")),
        ("@" in text, N_("it looks like an e-mail address")),
        (_SPACE.search(text) is not None, N_("it contains a space")),
        (".." in text, N_("two dots in a row")),
        (text.startswith("."), N_("it starts with a dot")),
        ("." not in text, N_("it needs at least two labels")),
    )
    return next((reason for bad, reason in checks if bad), None)


def may_be_address(text: str) -> bool:
    """False when ``text`` cannot be an IP address (IPv4 is digits and dots, IPv6 has a colon):
    ``ipaddress`` then need not be asked, which costs a raised exception per name."""
    return ":" in text or text.replace(".", "").isdigit()


def plain_ascii_name(text: str) -> str | None:
    """``text`` lower-cased when it is plain ASCII letters, digits and inner hyphens in labels
    of at most 63, 253 in all: IDNA (UTS 46, STD3 rules) would return exactly that, so the
    common name needs no IDNA processing. None for anything else, which IDNA then judges."""
    name = text.lower()
    if not name.isascii() or len(name) > _MAX_NAME:
        return None
    return name if all(_PLAIN_LABEL.fullmatch(label) for label in name.split(".")) else None


def normalise_domain(value: str, *, min_labels: int = 2) -> str:
    """Lower-case A-label form of a host or domain name; Vietnamese U-labels are accepted."""
    text = value.strip()
    text = text[:-1] if text.endswith(".") else text
    if may_be_address(text):
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            raise fail("address_not_name", value=value)
    reason = N_("it is empty") if not text else _domain_problem(text)
    if reason == "it needs at least two labels" and min_labels < 2:
        reason = None
    plain = plain_ascii_name(text) if reason is None else None
    if plain is not None:
        return plain
    if reason is None:
        try:
            ascii_name = idna.encode(text, uts46=True, std3_rules=True).decode("ascii")
        except idna.IDNAError as exc:
            reason = f"IDNA: {exc}"
        else:
            if len(ascii_name) <= _MAX_NAME:
                return ascii_name.lower()
            reason = "longer than 253 characters"
    raise fail("domain", value=value, reason=reason, example="stttt.kiengiang.gov.vn")


def _normalise_email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.fullmatch(text):
        raise fail("email", value=value)
    local, _, domain = text.rpartition("@")
    try:
        return f"{local}@{normalise_domain(domain)}"
    except PydanticCustomError:
        raise fail("email", value=value) from None


def _normalise_phone(value: str) -> str:
    text = " ".join(value.split())
    if not _PHONE_CHARS.fullmatch(text):
        raise fail("phone", value=value, reason=N_("only digits, spaces, '+', '.', '-' and brackets"))
    digits = sum(c.isdigit() for c in text)
    if not 8 <= digits <= 15:
        raise fail("phone_digits", value=value, digits=digits)
    return text


def _normalise_cidr(value: Any) -> str:
    try:
        net = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise fail("cidr", value=value) from None
    if net.prefixlen < BROADEST_PREFIX[net.version]:
        raise fail("cidr_broad", value=value, count=net.num_addresses)
    return str(net)


def _normalise_url(value: str) -> str:
    def bad(reason: str) -> PydanticCustomError:
        return fail("url", value=value, reason=reason)

    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise bad(N_("only http:// and https:// are scanned"))
    if parts.username is not None or parts.password is not None:
        raise bad(N_("it must not contain a user name or password"))
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise bad(N_("the port is not a number from 1 to 65535")) from None
    try:
        if not may_be_address(host):
            raise ValueError(host)
        host = str(ipaddress.ip_address(host))
        netloc_host = f"[{host}]" if ":" in host else host
    except ValueError:
        try:
            netloc_host = host = normalise_domain(host)
        except PydanticCustomError:
            raise bad(N_("the host name is missing or invalid")) from None
    netloc = netloc_host if port is None else f"{netloc_host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _normalise_resolver(value: Any) -> str:
    try:
        return str(ServerAddress.parse(str(value)))
    except ValueError:
        raise fail("resolver", value=value) from None


def _normalise_dnsbl_zone(value: Any) -> str:
    try:
        return normalise_zone(str(value))
    except DnsblZoneError as exc:
        raise fail("dnsbl_zone", value=value, reason=exc.reason) from None


def _check_code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise fail("code", value=value)
    return value


def _check_selector(value: str) -> str:
    text = value.strip().lower()
    if not _SELECTOR.fullmatch(text):
        raise fail("selector", value=value)
    return text


def _parse_clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _CLOCK.fullmatch(str(value).strip())
    if match is None:
        raise fail("clock", value=value)
    return time(int(match[1]), int(match[2]))


def _check_day(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in DAYS and text not in _DAY_NAMES:
        raise fail("day", value=value)
    return text[:3]


def unique(values: tuple[Any, ...]) -> tuple[Any, ...]:
    dup = next((v for v, n in Counter(values).items() if n > 1), None)
    if dup is not None:
        raise fail("duplicate_item", value=dup)
    return values


def resolve_timezone(name: str) -> tzinfo:
    """The zone named; Vietnam's zone works even without tz data (UTC+7, no DST since 1975)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TIMEZONE:
            return timezone(timedelta(hours=7), DEFAULT_TIMEZONE)
        raise


def check_timezone(value: str) -> str:
    try:
        resolve_timezone(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", value=value) from None
    return value


DomainName = Annotated[str, AfterValidator(normalise_domain)]
SuffixName = Annotated[str, AfterValidator(lambda v: normalise_domain(v, min_labels=1))]
Email = Annotated[str, AfterValidator(_normalise_email)]
Phone = Annotated[str, AfterValidator(_normalise_phone)]
Cidr = Annotated[str, BeforeValidator(_normalise_cidr)]
PortalUrl = Annotated[str, AfterValidator(_normalise_url)]
Code = Annotated[str, AfterValidator(_check_code)]
Resolver = Annotated[str, BeforeValidator(_normalise_resolver)]
DnsblZone = Annotated[str, BeforeValidator(_normalise_dnsbl_zone)]
Selector = Annotated[str, AfterValidator(_check_selector)]
Port = Annotated[int, Field(ge=1, le=65535)]
Clock = Annotated[
    time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]
Day = Annotated[str, BeforeValidator(_check_day)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
Tag = Annotated[str, Field(pattern=r"^[\w-]{1,32}$")]
Selectors = Annotated[tuple[Selector, ...], AfterValidator(unique)]
