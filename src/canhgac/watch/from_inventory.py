"""The monitors an inventory implies: every portal and webmail URL, domain and mail host.

- each portal or webmail URL: an HTTP monitor (availability, status, latency, content
  fingerprint) and, for ``https://`` URLs, a certificate monitor (expiry);
- each domain: a DNS monitor (A/AAAA, MX, NS, SPF, DMARC against the baseline);
- each declared mail host: an SMTP monitor per declared SMTP port (reachability, STARTTLS);
- each declared mail host and each portal's or webmail's host name: a blocklist monitor (its
  addresses on the scan's DNS blocklist zones), hourly at most (``BLOCKLIST_INTERVAL``: the
  zones are public services with terms of use), none when the inventory turns the blocklists
  off (``mail.dnsbl_zones: []``).

Pure: the inventory in, monitors out (deduplicated by key, the first agency naming a shared
asset owns its monitor).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from canhgac.inventory.model import Inventory
from canhgac.watch.monitors import BLOCKLIST_INTERVAL, DEFAULT_INTERVAL, HolidayWindow, Monitor, MonitorKind

# Declared mail-host ports that never speak SMTP (IMAP, POP3, their TLS ports, web, ManageSieve)
NOT_SMTP_PORTS = frozenset({80, 110, 143, 443, 993, 995, 4190})


def monitors_from_inventory(
    inv: Inventory, *, interval: float = DEFAULT_INTERVAL, holiday: HolidayWindow | None = None
) -> tuple[Monitor, ...]:
    found: dict[str, Monitor] = {}
    blocklists = inv.mail.dnsbl_zones != ()  # an empty list turns the blocklist check off
    every = max(interval, BLOCKLIST_INTERVAL)

    def add(monitor: Monitor) -> None:
        found.setdefault(monitor.key, monitor)

    def blocklist(host: str, code: str, tags: tuple[str, ...]) -> None:
        if blocklists and host:
            add(Monitor(MonitorKind.BLOCKLIST, host.lower().rstrip("."), code, every, labels=tags))

    for agency in inv.agencies:
        code, tags = agency.code, tuple(agency.tags)
        for url in (*agency.portals, *agency.webmail):
            add(Monitor(MonitorKind.HTTP, url, code, interval, holiday, labels=tags))
            if urlsplit(url).scheme.lower() == "https":
                add(Monitor(MonitorKind.TLS_CERT, url, code, interval, holiday, labels=tags))
        for domain in agency.domains:
            add(Monitor(MonitorKind.DNS, domain.name, code, interval, holiday, labels=tags))
            for host in domain.mail_hosts:
                blocklist(host.host, code, tags)
                for port in host.ports:
                    if port not in NOT_SMTP_PORTS:
                        add(
                            Monitor(
                                MonitorKind.SMTP, host.host, code, interval, holiday, port=port, labels=tags
                            )
                        )
        for url in (*agency.portals, *agency.webmail):
            blocklist(urlsplit(url).hostname or "", code, tags)
    return tuple(found.values())
