"""The inventory model: the province's agencies, their domains, ranges, portals and scan policy.

Field-level rules live in :mod:`canhgac.inventory.fields`; this module adds the rules that span
the whole file (unique codes, parents that exist without cycles, providers, one owner per domain,
no public suffix declared as a domain) and the scan-window logic.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from canhgac.engine.dns import ServerAddress
from canhgac.engine.psl import PublicSuffixes
from canhgac.inventory.fields import (
    DAYS,
    DEFAULT_TIMEZONE,
    Cidr,
    Clock,
    Code,
    Day,
    DnsblZone,
    DomainName,
    Email,
    Phone,
    Port,
    PortalUrl,
    Resolver,
    Selectors,
    SuffixName,
    Tag,
    Text,
    check_timezone,
    fail,
    resolve_timezone,
    unique,
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class AgencyKind(StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    COMMUNE = "commune"
    PROVIDER = "provider"
    OTHER = "other"


class Province(_Model):
    code: Code
    name: Text


class InventoryScope(_Model):
    """The inventory file's ``scope:`` section: extra public suffixes (lab zones), the resolvers
    scans may ask (the province's own; none: the operator's choice) and the lab's loopback-only
    guard. A scan's built scope is ``canhgac.engine.settings.ScopeSettings``."""

    public_suffixes: Annotated[tuple[SuffixName, ...], AfterValidator(unique)] = ()
    resolvers: Annotated[tuple[Resolver, ...], AfterValidator(unique)] = ()
    loopback_only: bool = False

    @model_validator(mode="after")
    def _loopback_resolvers(self) -> InventoryScope:
        if self.loopback_only:
            for i, text in enumerate(self.resolvers):
                if not ipaddress.ip_address(ServerAddress.parse(text).host).is_loopback:
                    raise ValidationError.from_exception_data(
                        "InventoryScope", [_problem(("resolvers", i), "resolver_not_loopback", text)]
                    )
        return self


class InventoryMail(_Model):
    """The inventory file's ``mail:`` section: how the province's mail servers are judged.

    ``dnsbl_zones``: the DNS blocklists asked (absent: canhgac's defaults; an empty list turns
    the blocklist check off); ``--dnsbl-zone`` and ``--no-dnsbl`` override it.
    """

    dnsbl_zones: Annotated[tuple[DnsblZone, ...], AfterValidator(unique)] | None = None


class Window(_Model):
    """A weekly period when scans may run; ``end`` before ``start`` runs past midnight."""

    days: Annotated[tuple[Day, ...], AfterValidator(unique)] = DAYS
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if self.start == self.end:
            raise fail("empty_window", value=self.start.strftime("%H:%M"))
        return self

    def contains(self, local: datetime) -> bool:
        """Whether the local wall-clock time falls in this window (overnight windows included)."""
        now, day = local.time(), DAYS[local.weekday()]
        if self.start < self.end:
            return day in self.days and self.start <= now < self.end
        yesterday = DAYS[(local.weekday() - 1) % 7]
        return (day in self.days and now >= self.start) or (yesterday in self.days and now < self.end)


class Blackout(_Model):
    """An absolute period (a holiday, an exam week) when nothing may be scanned."""

    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Blackout:
        if self.end <= self.start:
            raise fail("blackout_order", start=self.start.isoformat(), end=self.end.isoformat())
        return self


class Policy(_Model):
    windows: tuple[Window, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    intrusive_probes: bool = True
    timezone: Annotated[str, AfterValidator(check_timezone)] = DEFAULT_TIMEZONE

    def allows(self, when: datetime) -> bool:
        """False during a blackout or outside every window; no windows means any time."""
        if when.tzinfo is None:
            raise ValueError("a scan time must carry its time zone")
        if any(b.start <= when < b.end for b in self.blackouts):
            return False
        local = when.astimezone(resolve_timezone(self.timezone))
        return not self.windows or any(w.contains(local) for w in self.windows)


class Defaults(_Model):
    dkim_selectors: Selectors = ()
    policy: Policy | None = None


class Contact(_Model):
    name: Text
    role: str = ""
    email: Email | None = None
    phone: Phone | None = None


class MailHost(_Model):
    host: DomainName
    ports: Annotated[tuple[Port, ...], AfterValidator(unique), Field(min_length=1)] = (25,)


class Domain(_Model):
    name: DomainName
    # other domains the same mailboxes answer at (an old name, a Unicode or short form): breach
    # imports match them as the agency's (docs/credentials.md); not scanned
    aliases: Annotated[tuple[DomainName, ...], AfterValidator(unique)] = ()
    dkim_selectors: Selectors = ()
    mail_hosts: tuple[MailHost, ...] = ()


class LogSource(_Model):
    """One log an agency's servers write (``logs:`` of an agency, docs/logs.md, section *Sources*):
    a file path or glob read by ``canhgac logs scan``/``follow``, or a syslog sender whose lines
    ``canhgac logs listen`` receives; the detections found in it are the agency's."""

    path: str | None = None  # absolute; may hold glob characters (``/var/log/nginx/so-a-*.log*``)
    syslog: str | None = None  # the sender's address, or its host name as the syslog header says it
    format: str | None = None  # a parser's name (``nginx``, ``postfix``...); absent: detected
    timezone: Annotated[str, AfterValidator(check_timezone)] = DEFAULT_TIMEZONE  # lines without offset
    name: str = Field("", max_length=100)  # a label for people

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("/") or "\x00" in value or len(value) > 1000):
            raise fail("log_path", value=value[:200])
        return value

    @field_validator("syslog")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().lower().rstrip(".")
        if not _SENDER.fullmatch(text):
            raise fail("log_sender", value=value[:200])
        return text

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is not None and not _FORMAT.fullmatch(value):
            raise fail("log_format", value=value[:100])
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> LogSource:
        if (self.path is None) == (self.syslog is None):
            raise fail("log_source", value="both" if self.path else "neither")
        return self


_SENDER = re.compile(r"[0-9a-f:.]{2,45}|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
_FORMAT = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class Agency(_Model):
    code: Code
    name: Text
    kind: AgencyKind
    parent: str | None = None
    contacts: tuple[Contact, ...] = ()
    domains: tuple[Domain, ...] = ()
    portals: Annotated[tuple[PortalUrl, ...], AfterValidator(unique)] = ()
    webmail: Annotated[tuple[PortalUrl, ...], AfterValidator(unique)] = ()
    ranges: Annotated[tuple[Cidr, ...], AfterValidator(unique)] = ()
    hosted_by: str | None = None
    tags: Annotated[tuple[Tag, ...], AfterValidator(unique)] = ()
    policy: Policy | None = None
    logs: tuple[LogSource, ...] = ()  # the logs its servers write (canhgac logs)

    @field_validator("domains", mode="before")
    @classmethod
    def _bare_names(cls, value: Any) -> Any:
        """Allow ``domains: [a.gov.vn]`` as shorthand for ``[{name: a.gov.vn}]``."""
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value


class Inventory(_Model):
    version: Literal[1]
    province: Province
    scope: InventoryScope = InventoryScope()
    mail: InventoryMail = InventoryMail()
    defaults: Defaults = Defaults()
    agencies: tuple[Agency, ...] = ()

    @model_validator(mode="after")
    def _cross_references(self) -> Inventory:
        problems = cross_problems([AgencyRef.of(a) for a in self.agencies], self.scope.public_suffixes)
        if problems:
            raise ValidationError.from_exception_data("Inventory", problems)
        return self

    def agency(self, code: str) -> Agency:
        """The agency with this code; KeyError if there is none."""
        for agency in self.agencies:
            if agency.code == code:
                return agency
        raise KeyError(code)

    def policy_for(self, agency: Agency | str) -> Policy | None:
        found = self.agency(agency) if isinstance(agency, str) else agency
        return found.policy or self.defaults.policy

    def in_window(self, agency: Agency | str, when: datetime) -> bool:
        """May this agency be scanned at ``when`` (an aware datetime)?"""
        policy = self.policy_for(agency)
        return True if policy is None else policy.allows(when)


def _problem(loc: tuple[str | int, ...], error: str, value: Any, **ctx: Any) -> InitErrorDetails:
    return InitErrorDetails(type=fail(error, value=value, **ctx), loc=loc, input=value)


@dataclass(frozen=True, slots=True)
class AgencyRef:
    """What the rules that span the file need of one agency: a loader that does not keep the
    agencies (``inventory check``) keeps only these."""

    code: str
    kind: AgencyKind
    parent: str | None
    hosted_by: str | None
    domains: tuple[str, ...]

    @classmethod
    def of(cls, agency: Agency) -> AgencyRef:
        intern = sys.intern  # a parent's code is one string, however many children name it
        return cls(intern(agency.code), agency.kind, agency.parent and intern(agency.parent),
                   agency.hosted_by and intern(agency.hosted_by), tuple(d.name for d in agency.domains))


def cross_problems(agencies: Sequence[AgencyRef], public_suffixes: Sequence[str]) -> list[InitErrorDetails]:
    """The rules that span the file (unique codes, parents that exist without cycles, providers,
    one owner per domain, no public suffix declared), located at ``("agencies", i, ...)``."""
    problems: list[InitErrorDetails] = []
    index: dict[str, int] = {}
    for i, agency in enumerate(agencies):
        if agency.code in index:
            problems.append(
                _problem(("agencies", i, "code"), "duplicate_code", agency.code, first=index[agency.code])
            )
        index.setdefault(agency.code, i)
    for i, agency in enumerate(agencies):
        problems += _reference_problems(agencies, i, agency, index)
    problems += _domain_problems(agencies, public_suffixes)
    return problems


def _reference_problems(
    agencies: Sequence[AgencyRef], i: int, agency: AgencyRef, index: dict[str, int]
) -> list[InitErrorDetails]:
    problems: list[InitErrorDetails] = []
    if agency.parent is not None and agency.parent not in index:
        problems.append(_problem(("agencies", i, "parent"), "unknown_parent", agency.parent))
    elif agency.parent is not None:
        chain: list[str] = [agency.code]
        current: str | None = agency.parent
        while current is not None and current not in chain and current in index:
            chain.append(current)
            current = agencies[index[current]].parent
        if current == agency.code:
            loop = " -> ".join([*chain, current])
            problems.append(_problem(("agencies", i, "parent"), "cycle", agency.parent, chain=loop))
    if agency.hosted_by is not None:
        host = index.get(agency.hosted_by)
        if host is None:
            problems.append(_problem(("agencies", i, "hosted_by"), "unknown_host", agency.hosted_by))
        elif agencies[host].kind is not AgencyKind.PROVIDER:
            kind = agencies[host].kind.value
            problems.append(
                _problem(("agencies", i, "hosted_by"), "not_provider", agency.hosted_by, agency_kind=kind)
            )
    return problems


def _domain_problems(agencies: Sequence[AgencyRef], public_suffixes: Sequence[str]) -> list[InitErrorDetails]:
    suffixes = PublicSuffixes(extra=tuple(public_suffixes))
    owners: dict[str, str] = {}
    problems: list[InitErrorDetails] = []
    for i, agency in enumerate(agencies):
        for j, domain in enumerate(agency.domains):
            loc: tuple[str | int, ...] = ("agencies", i, "domains", j, "name")
            if domain in owners:
                problems.append(_problem(loc, "duplicate_domain", domain, owner=owners[domain]))
            elif suffixes.is_public_suffix(domain):
                problems.append(_problem(loc, "public_suffix", domain))
            owners.setdefault(domain, agency.code)
    return problems
