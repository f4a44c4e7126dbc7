"""The console's own ``/.well-known/security.txt`` (RFC 9116): whom to tell about a flaw in it.

The contact is configuration (``CANHGAC_SECURITY_CONTACT``, or ``security-contact`` in the
settings file's ``[console]``), checked here when ``canhgac serve`` starts: a ``mailto:`` address
or an ``https:`` URL. The file is computed at each request: ``Expires`` a little under a year
ahead (RFC 9116 2.5.5 advises less than a year), ``Canonical`` for each public name when a TLS
proxy fronts the console. Pure functions: the view passes the time and the names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from canhgac.i18n import gettext as _
from canhgac.services.console_server import is_loopback

PATH = "/.well-known/security.txt"
LIFETIME = timedelta(days=364)
LANGUAGES = "vi, en"
_MAILBOX = re.compile(r"^[^@\s<>\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")
_LIMIT = 500


class SecurityContactError(ValueError):
    """A configured contact that is not a mailto: address or an https: URL; the message says so."""


def checked_contact(value: str) -> str:
    """``value`` stripped, if it is a contact RFC 9116 allows and a reporter can use."""
    contact = value.strip()
    parts = urlsplit(contact)
    usable = len(contact) <= _LIMIT and not any(c.isspace() or ord(c) < 32 for c in contact)
    if usable and parts.scheme == "mailto":
        usable = bool(_MAILBOX.match(parts.path)) and not parts.query
    elif usable and parts.scheme == "https":
        usable = bool(parts.hostname) and not parts.username and not parts.password
    else:
        usable = False
    if not usable:
        raise SecurityContactError(_(
            "the security contact {value!r} is neither a mailto: address nor an https: URL "
            "(e.g. mailto:csirt@example.gov.vn)").format(value=value[:100]))
    return contact


def canonical_urls(hosts: Sequence[str], behind_tls: bool) -> list[str]:
    """The file's public addresses: over the TLS proxy, one per host name the console answers to
    (not the loopback names, nor Django's patterns ``*`` and ``.example``)."""
    if not behind_tls:
        return []
    return [f"https://{host}{PATH}" for host in hosts
            if not is_loopback(host) and not host.startswith(".") and "*" not in host]


def render(contact: str, now: datetime, canonical: Sequence[str] = ()) -> str:
    """The file's text (``now`` aware): Contact, Expires, Preferred-Languages, Canonical."""
    expires = (now + LIFETIME).astimezone(UTC)
    lines = [f"Contact: {contact}",
             f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
             f"Preferred-Languages: {LANGUAGES}"]
    lines += [f"Canonical: {url}" for url in canonical]
    return "\n".join(lines) + "\n"
