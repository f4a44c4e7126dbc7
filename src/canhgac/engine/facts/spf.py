"""A domain's SPF tree as a fact: each record, its terms' lookups and where the walk stopped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from canhgac.engine.facts.dns import DnsStatus
from canhgac.engine.mailauth.spf import SpfRecord


class Reach(StrEnum):
    """How a record was reached."""

    ROOT = "root"
    INCLUDE = "include"
    REDIRECT = "redirect"


class Stop(StrEnum):
    """Why a reached domain was not fetched."""

    LOOP = "loop"  # already on its own include/redirect path
    DEPTH = "depth"  # nested deeper than MAX_DEPTH
    CAP = "cap"  # the per-domain hard cap on fetched records was reached
    MACRO = "macro"  # the target uses macros that depend on the sender


@dataclass(frozen=True, slots=True)
class TermLookup:
    """The DNS lookup an ``a``, ``mx`` or ``exists`` term causes."""

    term: str
    name: str
    rdtype: str
    status: DnsStatus
    answers: int = 0
    detail: str = ""
    registrable: str = ""
    registrable_status: DnsStatus | None = None  # NS lookup of the registrable domain

    @property
    def void(self) -> bool:
        return self.status in VOID


@dataclass(frozen=True, slots=True)
class SpfNode:
    """One domain in the SPF tree: its TXT lookup, its SPF records, what it reaches."""

    domain: str
    reach: Reach
    term: str = ""  # the term that reached it ("" for the root)
    position: int = -1  # that term's index in the parent record's terms
    status: DnsStatus = DnsStatus.OK  # status of the TXT lookup
    detail: str = ""
    records: tuple[SpfRecord, ...] = ()
    children: tuple[SpfNode, ...] = ()
    lookups: tuple[TermLookup, ...] = ()
    stop: Stop | None = None
    registrable: str = ""
    registrable_status: DnsStatus | None = None  # asked only when the domain is NXDOMAIN

    @property
    def record(self) -> SpfRecord | None:
        """The record, when the domain publishes exactly one."""
        return self.records[0] if len(self.records) == 1 else None

    @property
    def usable(self) -> SpfRecord | None:
        """The record, when there is exactly one and it parses."""
        record = self.record
        return record if record is not None and record.ok else None

    @property
    def fetched(self) -> bool:
        return self.stop is None

    def walk(self) -> Iterator[tuple[tuple[str, ...], SpfNode]]:
        """Every node below and including this one, with the domains on the way to it."""
        stack: list[tuple[tuple[str, ...], SpfNode]] = [((), self)]
        while stack:
            path, node = stack.pop()
            yield path, node
            here = (*path, node.domain)
            stack.extend((here, child) for child in reversed(node.children))


@dataclass(frozen=True, slots=True)
class SpfFacts:
    domain: str
    root: SpfNode
    truncated: bool = False  # a hard cap stopped the collection


VOID = (DnsStatus.NXDOMAIN, DnsStatus.NODATA)

