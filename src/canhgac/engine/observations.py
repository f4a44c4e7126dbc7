"""Observations: what a scan saw on a host (open ports, what answers there), as a typed value.

Checks judge facts; an observation records them, so the store can keep discovered assets (hosts,
open ports, services with first and last seen) that the drift baseline, the report's services
table and the provider view read. Until the executor emits observations beside results, the
host inventory travels inside the ``net.ports.new`` result (the one check that sees every open
port of a host, whatever its verdict): :meth:`HostObservation.to_evidence` writes it there and
:meth:`HostObservation.from_result` is the one reader of that contract.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canhgac.engine.results import CheckResult
from canhgac.engine.targets import TargetKind

HOST_INVENTORY_CHECK = "net.ports.new"


class ObservedService(BaseModel):
    """One open port and what answers there ("" where nothing was identified)."""

    model_config = ConfigDict(frozen=True)

    port: int = Field(ge=1, le=65535)
    protocol: str = "tcp"
    service: str = ""
    product: str = ""
    version: str = ""
    tls: str = ""


class HostObservation(BaseModel):
    """Every open port of one host at one scan."""

    model_config = ConfigDict(frozen=True)

    address: str
    agency: str
    services: tuple[ObservedService, ...]

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted({s.port for s in self.services if s.protocol == "tcp"}))

    def to_evidence(self) -> dict[str, object]:
        """The evidence fields that carry this observation (see the module's note)."""
        return {
            "address": self.address,
            "open_ports": list(self.ports),
            "listening": [s.model_dump(exclude_defaults=True) | {"port": s.port} for s in self.services],
        }

    @classmethod
    def from_result(cls, result: CheckResult) -> HostObservation | None:
        """The observation a host's ``net.ports.new`` result carries; None for any other result,
        or one whose evidence does not hold a well-formed inventory (never raises)."""
        if result.check_id != HOST_INVENTORY_CHECK or result.target.kind is not TargetKind.HOST:
            return None
        evidence = result.evidence
        ports = evidence.get("open_ports")
        listening = evidence.get("listening")
        if not isinstance(ports, list):
            return None
        numbers = [p for p in ports if type(p) is int]
        if len(numbers) != len(ports):
            return None
        entries = listening if isinstance(listening, list) else []
        details = {d.get("port"): d for d in entries if isinstance(d, dict)}
        try:
            services = tuple(
                ObservedService.model_validate({
                    "port": port,
                    **{k: str(v)[:120] for k, v in details.get(port, {}).items()
                       if k in ("service", "product", "version", "tls") and isinstance(v, str | int)},
                })
                for port in sorted(set(numbers))
            )
        except ValidationError:
            return None
        return cls(address=result.target.name, agency=result.agency, services=services)
