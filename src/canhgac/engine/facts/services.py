"""What the service probes learn about one port: typed, immutable readings.

One :class:`ServiceReading` per open TCP port: which service answered (whatever the port
number), product and version when the service says, whether it gave access without
credentials, and the protocol specifics the net.* checks judge (SMB dialects and signing, the
RDP security protocol, the SSH authentication methods). A probe that could not finish keeps
what it saw and says why (``failure``). :class:`HostServiceFacts` gathers a host's readings,
its UDP answers and the known vulnerabilities of the versions seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from canhgac.engine.facts.udp import UdpServiceFacts


class Service(StrEnum):
    SSH = "ssh"
    FTP = "ftp"
    TELNET = "telnet"
    SMTP = "smtp"
    SMB = "smb"
    RDP = "rdp"
    MYSQL = "mysql"
    POSTGRESQL = "postgresql"
    MSSQL = "mssql"
    MONGODB = "mongodb"
    REDIS = "redis"
    ELASTICSEARCH = "elasticsearch"
    MEMCACHED = "memcached"
    VNC = "vnc"
    DOCKER = "docker"
    HTTP = "http"
    DNS = "dns"
    UNKNOWN = "unknown"


DATABASES = frozenset({Service.MYSQL, Service.POSTGRESQL, Service.MSSQL, Service.MONGODB, Service.REDIS})


class Access(StrEnum):
    """Whether the service let the probe in without credentials.

    For Redis, MongoDB, Elasticsearch, memcached, Docker and VNC: a read without credentials;
    for FTP: an anonymous login; for SMB: a null-session share listing; for MySQL, PostgreSQL
    and MSSQL: the administrator account with an empty password.
    """

    OPEN = "open"
    PROTECTED = "protected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SmbInfo:
    smb1: bool | None = None  # the server accepted the SMB1 dialect "NT LM 0.12"
    smb1_detail: str = ""
    smb2_dialect: str = ""  # e.g. "3.1.1", "2.1"
    signing_required: bool | None = None
    shares: tuple[str, ...] = ()
    share_access: Access | None = None
    share_detail: str = ""


@dataclass(frozen=True, slots=True)
class RdpInfo:
    selected: str = ""  # the protocol the server chose for a client offering TLS only
    failure_code: int | None = None  # RDP_NEG_FAILURE code
    nla_required: bool | None = None


@dataclass(frozen=True, slots=True)
class SshInfo:
    auth_methods: tuple[str, ...] | None = None  # None: the handshake did not get that far
    none_accepted: bool = False  # the server let a user in with the "none" method
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ServiceReading:
    port: int
    service: Service = Service.UNKNOWN
    product: str = ""  # canonical lower-case name (openssh, redis, mysql, ...)
    version: str = ""
    banner: str = ""
    access: Access | None = None  # None: this service is not asked (see Access)
    access_detail: str = ""
    failure: ProbeFailure | None = None
    detail: str = ""
    smb: SmbInfo | None = None
    rdp: RdpInfo | None = None
    ssh: SshInfo | None = None
    info: tuple[tuple[str, str], ...] = field(default=())  # further facts for evidence
    tls: str = ""  # the TLS version when the service answered inside TLS (HTTPS, SMTPS, ...)

    def failed(self, exc: ProbeError) -> ServiceReading:
        return replace(self, failure=exc.failure, detail=exc.detail[:300])

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"port": self.port, "service": self.service.value}
        for name in ("product", "version", "banner", "access_detail", "detail", "tls"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.access is not None:
            out["access"] = self.access.value
        if self.failure is not None:
            out["failure"] = self.failure.value
        for name in ("smb", "rdp", "ssh"):
            sub = getattr(self, name)
            if sub is not None:
                out[name] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in _fields(sub).items()}
        out.update(dict(self.info))
        return out


def _fields(obj: Any) -> dict[str, Any]:
    return {
        name: (value.value if isinstance(value, StrEnum) else value)
        for name in obj.__slots__
        if (value := getattr(obj, name)) not in (None, "", ())
    }


class ProbeFailure(StrEnum):
    """Why a probe could not finish (a fact about the service, not a bug)."""

    REFUSED = "refused"  # connection refused or reset while connecting
    CONNECT_TIMEOUT = "connect_timeout"
    TIMEOUT = "timeout"  # a reply did not arrive within read_timeout
    DEADLINE = "deadline"  # the whole probe overran its budget
    CLOSED = "closed"  # the server closed the connection
    TOO_LARGE = "too_large"  # more than max_reply_bytes
    GARBAGE = "garbage"  # bytes that are not the protocol
    UNSUPPORTED = "unsupported"  # the server wants something the probe does not speak


class ProbeError(Exception):
    def __init__(self, failure: ProbeFailure, detail: str) -> None:
        super().__init__(f"{failure.value}: {detail}")
        self.failure = failure
        self.detail = detail


USUAL: dict[int, Service] = {
    21: Service.FTP,
    22: Service.SSH,
    23: Service.TELNET,
    25: Service.SMTP,
    53: Service.DNS,
    80: Service.HTTP,
    139: Service.SMB,
    445: Service.SMB,
    587: Service.SMTP,
    1433: Service.MSSQL,
    2375: Service.DOCKER,
    3306: Service.MYSQL,
    3389: Service.RDP,
    5432: Service.POSTGRESQL,
    5900: Service.VNC,
    5901: Service.VNC,
    6379: Service.REDIS,
    8000: Service.HTTP,
    8080: Service.HTTP,
    9200: Service.ELASTICSEARCH,
    11211: Service.MEMCACHED,
    27017: Service.MONGODB,
    27018: Service.MONGODB,
}


@dataclass(frozen=True, slots=True)
class ServiceVuln:
    port: int
    product: str
    version: str
    advisory: str
    cves: tuple[str, ...]
    severity: str
    score: float | None
    fixed: str
    summary: str

    def as_evidence(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "product": self.product,
            "version": self.version,
            "advisory": self.advisory,
            "cves": list(self.cves),
            "severity": self.severity,
            "score": self.score,
            "fixed": self.fixed,
            "summary": self.summary[:300],
        }


@dataclass(frozen=True, slots=True)
class HostServiceFacts:
    address: str
    refused: str  # why the address was not contacted ("" when it was)
    open_ports: tuple[int, ...]  # TCP ports the scan found open
    readings: tuple[ServiceReading, ...]  # one per probed port
    skipped: tuple[int, ...]  # open ports over MAX_PORTS, not probed
    udp: UdpServiceFacts | None
    known_ports: tuple[int, ...] | None  # open in the previous scan; None: no baseline
    empty_passwords: bool  # the empty-password administrator logins were tried
    vulns: tuple[ServiceVuln, ...] = ()
    vuln_source: str = ""
    vuln_error: str = ""

    def of(self, *services: Service) -> tuple[ServiceReading, ...]:
        return tuple(r for r in self.readings if r.service in services)

    def on(self, port: int) -> ServiceReading | None:
        return next((r for r in self.readings if r.port == port), None)

