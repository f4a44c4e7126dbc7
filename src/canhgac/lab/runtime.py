"""Starting and stopping the whole demo province's DNS on loopback.

Every name server of the province and the lab resolver listen on one port: 53 when the
process may bind it (root, or inside a private network namespace), else a free high port,
which the engine is then told through ``CollectContext.nameserver_port``.
"""

from __future__ import annotations

from dataclasses import dataclass

from canhgac.engine.dns import ServerAddress
from canhgac.lab.dns_server import LabDnsCluster
from canhgac.lab.province import build_province

STANDARD_PORT = 53


@dataclass
class Lab:
    """A running lab: where to resolve, which port name servers listen on, what to expect."""

    cluster: LabDnsCluster
    resolver: ServerAddress
    nameserver_port: int
    inventory_yaml: str
    expected_findings: tuple[tuple[str, str], ...]

    async def stop(self) -> None:
        await self.cluster.stop()

    def replace_zone(self, origin: str, text: str) -> list[str]:
        """Serve new text for zone ``origin`` on every server holding it (the resolver too).

        This is how a test "fixes" (or breaks) an agency while the lab runs: render the
        changed zone with :func:`canhgac.lab.province.render_zone` and pass it here. Signed
        zones are signed again with the same key. Call it from the lab's event loop; returns
        the addresses that now serve the new text (KeyError if none holds the zone).
        """
        return self.cluster.replace_zone(origin, text)

    @property
    def internal_errors(self) -> int:
        """Unexpected exceptions inside the lab servers since start (zero when healthy)."""
        return self.cluster.internal_errors


async def start_lab(base_port: int | None = None) -> Lab:
    """Start every server of the province; ``base_port`` None tries 53, 0 picks a free port."""
    province = build_province()
    cluster = LabDnsCluster(province.servers, port=STANDARD_PORT if base_port is None else base_port)
    try:
        await cluster.start()
    except OSError:
        if base_port is not None:
            raise
        cluster = LabDnsCluster(province.servers, port=0)  # 53 is taken or not ours to bind
        await cluster.start()
    return Lab(
        cluster=cluster,
        resolver=ServerAddress(province.resolver, cluster.port),
        nameserver_port=cluster.port,
        inventory_yaml=province.inventory_yaml,
        expected_findings=province.expected_findings,
    )
