"""What a rule found: a detection, with the lines that show it.

A detection is one rule firing for one group (a source address, an account, a script path...)
over one window of time. It carries its evidence (the matching lines, capped), so a finding or an
alert built from it can say exactly what was seen, when, from where and against which accounts.
The services layer turns detections into findings (the rule id is the check id) and watch alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from canhgac.logs.records import LogRecord

MAX_EVIDENCE = 20  # lines kept per detection: the first ones and the last ones of the window


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    source: str
    line_no: int
    time: datetime
    raw: str


@dataclass(frozen=True, slots=True)
class Detection:
    """One rule firing for one group over one window."""

    rule_id: str  # e.g. ``logs.auth.brute-force``: also the finding's check id
    severity: str  # the rule's: ``info`` .. ``critical``
    group: str  # what the rule counted per, e.g. ``client=203.0.113.9`` or ``account=a@b.gov.vn``
    source: str  # the stream the (first) lines came from
    first_seen: datetime
    last_seen: datetime
    count: int  # how many records matched in the window
    clients: tuple[str, ...] = ()  # source addresses involved (capped)
    accounts: tuple[str, ...] = ()  # accounts involved (capped)
    evidence: tuple[EvidenceLine, ...] = ()
    values: Mapping[str, str | int | float] = field(default_factory=dict)  # the message's values

    @property
    def discriminator(self) -> str:
        """What makes two firings of one rule on one agency different findings."""
        return self.group


def evidence_of(record: LogRecord) -> EvidenceLine:
    return EvidenceLine(record.source, record.line_no, record.time, record.raw)


class Detector(Protocol):
    """A stateful reader of records in (roughly) time order that reports detections."""

    def feed(self, record: LogRecord) -> list[Detection]:
        """Read one record; return the detections it completes (usually none)."""
        ...

    def tick(self, now: datetime) -> list[Detection]:
        """Time passed without lines (live modes): close windows, check for silent sources."""
        ...

    def finish(self) -> list[Detection]:
        """End of input (batch mode): report what the open windows hold."""
        ...
