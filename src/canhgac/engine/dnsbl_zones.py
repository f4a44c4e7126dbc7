"""The DNS blocklist zones a scan asks: the defaults, and what makes a zone name acceptable.

Zones come, in order of precedence, from ``--dnsbl-zone`` (or ``--no-dnsbl``), the inventory's
``mail.dnsbl_zones``, or :data:`DEFAULT_DNSBL_ZONES`. Each operator sets its own terms of use
(docs/mail-servers.md lists them for the defaults): a zone that refuses the run's resolver is
found by its liveness test and left out of the run with one warning (``collectors/dnsbl.py``).
Pure: nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

# Asked for mail-server addresses unless the inventory or the command line says otherwise. The
# operators' terms differ (docs/mail-servers.md): Spamhaus ZEN is free for low-volume
# non-commercial use and refuses queries through public resolvers (DQS needs a free key);
# Barracuda answers resolvers registered with it (free); SpamCop and PSBL ask nothing.
DEFAULT_DNSBL_ZONES: tuple[str, ...] = (
    "zen.spamhaus.org",
    "bl.spamcop.net",
    "b.barracudacentral.org",
    "psbl.surriel.com",
)

# The longest zone an IPv4 question fits under: "255.255.255.255." takes 16 of a name's 253.
MAX_ZONE_LENGTH = 253 - 16
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a msgid for extraction; the caller translates it (CLI, inventory loader)."""
    return message


class DnsblZoneError(ValueError):
    """A blocklist zone that is not a DNS name: ``zone`` as given, ``reason`` an English msgid."""

    def __init__(self, zone: str, reason: str) -> None:
        super().__init__(f"'{zone}' is not a DNS blocklist zone ({reason}); write it like 'bl.spamcop.net'")
        self.zone = zone
        self.reason = reason


def zone_problem(text: str) -> str | None:
    """Why ``text`` (already stripped, lower-cased, without a final dot) cannot be a zone name."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return N_("it is an IP address, not a zone name")
    checks = (
        (not text, N_("it is empty")),
        ("://" in text or "/" in text, N_("it looks like a URL; write only the zone name")),
        (any(c.isspace() for c in text), N_("it contains a space")),
        (".." in text, N_("two dots in a row")),
        (text.startswith("."), N_("it starts with a dot")),
        ("." not in text, N_("it needs at least two labels")),
        (len(text) > MAX_ZONE_LENGTH, N_("longer than 237 characters, too long to put an address under")),
        (not all(_LABEL.fullmatch(label) for label in text.split(".")),
         N_("use only letters, digits, '-' and dots; a label neither starts nor ends with '-'")),
    )
    return next((reason for bad, reason in checks if bad), None)


def normalise_zone(text: str) -> str:
    """``text`` as a zone name (lower case, no final dot); :class:`DnsblZoneError` otherwise."""
    name = text.strip().lower()
    name = name[:-1] if name.endswith(".") else name
    reason = zone_problem(name)
    if reason is not None:
        raise DnsblZoneError(text, reason)
    return name


def normalise_zones(texts: Iterable[str]) -> tuple[str, ...]:
    """Every zone normalised, in order, each once; :class:`DnsblZoneError` for the first bad one."""
    return tuple(dict.fromkeys(normalise_zone(t) for t in texts))
