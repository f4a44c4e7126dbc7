"""What the service probes learn about one port: typed, immutable readings.

One :class:`ServiceReading` per open TCP port: which service answered (whatever the port
number), product and version when the service says, whether it gave access without
credentials, and the protocol specifics the net.* checks judge (SMB dialects and signing, the
RDP security protocol, the SSH authentication methods). A probe that could not finish keeps
what it saw and says why (``failure``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from canhgac.engine.service_probes.base import ProbeError, ProbeFailure


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
