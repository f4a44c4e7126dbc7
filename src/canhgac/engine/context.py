"""What collectors receive: the run's DNS client, scope, parameters and per-target options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from canhgac.engine.dns import DnsClient
from canhgac.engine.params import DEFAULT_DKIM_SELECTORS, CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.scope import Scope


class TargetOptions(BaseModel):
    """Per-target settings that come from the inventory."""

    model_config = ConfigDict(frozen=True)

    dkim_selectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectContext:
    dns: DnsClient
    scope: Scope
    params: CheckParams = field(default_factory=CheckParams)
    public_suffixes: PublicSuffixes = field(default_factory=PublicSuffixes)
    # Port on which authoritative name servers are queried directly (53 in the field; the
    # lab outside a network namespace serves its zones on a high port).
    nameserver_port: int = 53
    timeout: float = 5.0
    target_options: Mapping[str, TargetOptions] = field(default_factory=dict)
    default_dkim_selectors: tuple[str, ...] = DEFAULT_DKIM_SELECTORS

    def options_for(self, target_key: str) -> TargetOptions:
        return self.target_options.get(target_key, TargetOptions())

    def dkim_selectors_for(self, target_key: str) -> tuple[str, ...]:
        declared = self.options_for(target_key).dkim_selectors
        seen: dict[str, None] = dict.fromkeys(declared)
        seen.update(dict.fromkeys(self.default_dkim_selectors))
        return tuple(seen)
