"""What can be scanned: typed, immutable targets that name their agency."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class TargetKind(StrEnum):
    """The kind of thing a check looks at; each check declares exactly one."""

    DOMAIN = "domain"  # an e-mail/DNS domain of an agency
    MAIL_HOST = "mail_host"  # one mail server host name
    URL = "url"  # one web portal or webmail URL
    SERVICE = "service"  # host:port
    RANGE = "range"  # an address range (CIDR)
    HOST = "host"  # one address of a declared range with open ports (found by the port scan)
    ACCOUNT = "account"  # one agency e-mail address found in breach data (canhgac creds import)
    ENDPOINT = "endpoint"  # one computer a host sweep ran on (canhgac sweep import): "AGENCY/hostname"
    LOG = "log"  # an agency's logs read by canhgac logs (scan, follow, listen): the agency's code


class Target(BaseModel):
    """One thing to scan, owned by one agency of the inventory."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    name: str
    agency: str
    port: int | None = None

    @property
    def key(self) -> str:
        """Stable text key, used in fingerprints and reports (e.g. ``domain:a.gov.vn``)."""
        suffix = f":{self.port}" if self.port is not None else ""
        return f"{self.kind.value}:{self.name}{suffix}"

    @classmethod
    def from_key(cls, key: str, agency: str) -> Target:
        """Inverse of :attr:`key` (``kind:name``, or ``kind:name:port`` for services).

        Raises ValueError for a key of no known kind or a service key without a port.
        """
        kind_text, _, rest = key.partition(":")
        kind = TargetKind(kind_text)
        port: int | None = None
        if kind is TargetKind.SERVICE:
            host, _, port_text = rest.rpartition(":")
            rest, port = host, int(port_text)
        return cls(kind=kind, name=rest, agency=agency, port=port)
