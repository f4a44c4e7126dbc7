"""A monitor is data: what to probe, for which agency, how often, whether it is on.

Its ``key`` (kind and target) is stable across restarts and inventory reloads: the store keeps
state, baselines and alerts under it. A holiday window (the Tết days) may give a shorter
interval between its start and end.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

DEFAULT_INTERVAL = 60.0
MIN_INTERVAL = 5.0
# DNS blocklists are public services with terms of use: a host is asked about hourly, not every
# minute (a listing lasts days; an hour's delay is nothing beside the queries saved)
BLOCKLIST_INTERVAL = 3600.0


class MonitorKind(StrEnum):
    """What a monitor probes (stored as text: a new kind needs no migration)."""

    HTTP = "http"  # availability, status, latency, content fingerprint (defacement)
    TLS_CERT = "tls_cert"  # the certificate a portal presents: expiry
    DNS = "dns"  # drift of A/AAAA, MX, NS, SPF, DMARC against the baseline
    SMTP = "smtp"  # reachability of a mail host and its STARTTLS
    BLOCKLIST = "blocklist"  # a mail host's or portal's addresses listed on a DNS blocklist
    FINDINGS = "findings"  # what one scheduled scan opened for one agency (read from the store)
    LOGS = "logs"  # one agency's detections of one log rule (read from the store: watch.log_alerts)


@dataclass(frozen=True, slots=True)
class HolidayWindow:
    """Between ``start`` and ``end`` (aware datetimes) checks run every ``interval`` seconds."""

    start: datetime
    end: datetime
    interval: float

    def covers(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True, slots=True)
class Monitor:
    kind: MonitorKind
    # a URL (http, tls_cert), a domain (dns), a host name (smtp, blocklist), an agency code and
    # its scan (findings: ``SO-A@run:42``), an agency code and a log rule (logs: ``SO-A/logs.web.sqli``)
    target: str
    agency: str
    interval: float = DEFAULT_INTERVAL
    holiday: HolidayWindow | None = None
    enabled: bool = True
    port: int | None = None  # smtp: the port probed (25 unless declared otherwise)
    labels: tuple[str, ...] = field(default=())  # the inventory's tags of the agency

    @property
    def key(self) -> str:
        suffix = f":{self.port}" if self.port is not None else ""
        return f"{self.kind.value}:{self.target}{suffix}"

    def interval_at(self, when: datetime) -> float:
        """Seconds between two checks at ``when`` (the holiday window's when it covers it)."""
        chosen = (
            self.holiday.interval if self.holiday is not None and self.holiday.covers(when) else self.interval
        )
        return max(MIN_INTERVAL, chosen)

    def offset(self, interval: float) -> float:
        """A deterministic place in the interval for this monitor's checks (0 <= offset < interval),
        so that monitors are spread over the interval, the same after every restart."""
        digest = hashlib.sha256(self.key.encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 * interval
