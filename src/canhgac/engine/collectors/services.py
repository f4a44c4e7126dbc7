"""The services of one host (an address of a declared range with open ports): what answers on
each open TCP port, the UDP services every scanned address is asked about, and what the offline
vulnerability data says about the versions seen.

The open ports come from the port scan (``ctx.options_for(target.key).ports``); each is
identified by :func:`canhgac.engine.service_probes.identify.identify`, a few ports at once, within a
per-port deadline. The UDP probes (SNMP ``public``, NTP, memcached, DNS recursion) are
:mod:`canhgac.engine.udp_probes`. An address outside the scope is never contacted: the facts
say why. The empty-password administrator logins follow the agency's intrusive-probe policy.
"""

from __future__ import annotations

import asyncio

from canhgac.engine.collectors.vuln_index import scan_index
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.services import USUAL, HostServiceFacts, ServiceReading, ServiceVuln
from canhgac.engine.facts.udp import UdpPorts
from canhgac.engine.registry import collector
from canhgac.engine.scope import OutOfScopeError
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.udp_probes.services import probe_udp_services
from canhgac.engine.vulns import VulnIndex
from canhgac.engine.vulns import components as names
from canhgac.engine.vulns.version import VersionError, parse_version

PORTS_AT_ONCE = 8
MAX_PORTS = 128  # a host answering on every port (a tarpit firewall) is probed on these only
# product names of the probes -> the vulnerability data's component names (CPE vendor, product)
_CPE: dict[str, tuple[str, str]] = {
    "openssh": ("openbsd", "openssh"),
    "dropbear": ("dropbear_ssh_project", "dropbear_ssh"),
    "vsftpd": ("beasts", "vsftpd"),
    "proftpd": ("proftpd", "proftpd"),
    "pure-ftpd": ("pureftpd", "pure-ftpd"),
    "filezilla-server": ("filezilla-project", "filezilla_server"),
    "exim": ("exim", "exim"),
    "mysql": ("oracle", "mysql"),
    "mariadb": ("mariadb", "mariadb"),
    "postgresql": ("postgresql", "postgresql"),
    "redis": ("redis", "redis"),
    "mongodb": ("mongodb", "mongodb"),
    "elasticsearch": ("elastic", "elasticsearch"),
    "memcached": ("memcached", "memcached"),
    "mssql": ("microsoft", "sql_server"),
}


def component_name(product: str) -> str:
    """The vulnerability data's name for a probe's product (web servers keep theirs)."""
    if product in _CPE:
        return names.from_cpe(*_CPE[product])
    return product


def _chosen(ports: tuple[int, ...]) -> tuple[list[int], list[int]]:
    ordered = sorted(dict.fromkeys(p for p in ports if 0 < p < 65536), key=lambda p: (p not in USUAL, p))
    return sorted(ordered[:MAX_PORTS]), sorted(ordered[MAX_PORTS:])


def match_versions(index: VulnIndex, readings: tuple[ServiceReading, ...]) -> tuple[ServiceVuln, ...]:
    found: list[ServiceVuln] = []
    for reading in readings:
        if not (reading.product and reading.version):
            continue
        try:
            wanted = parse_version(reading.version)
            matches = index.match(component_name(reading.product), wanted)
        except VersionError:
            continue
        for m in matches:
            adv = m.advisory
            found.append(
                ServiceVuln(
                    reading.port,
                    reading.product,
                    reading.version,
                    adv.id,
                    adv.cve_ids,
                    adv.severity.level.value,
                    adv.severity.score,
                    m.affected.fix_for(wanted) or "",
                    adv.summary,
                )
            )
    return tuple(found)


async def probe_services(
    target: Target, ctx: CollectContext, udp_ports: UdpPorts | None = None
) -> HostServiceFacts:
    address = target.name
    options = ctx.options_for(target.key)
    known = options.known_ports
    probed, skipped = _chosen(options.ports)
    try:
        ctx.scope.require_address(address)
    except OutOfScopeError as exc:
        return HostServiceFacts(address, str(exc), tuple(sorted(options.ports)), (), (), None, known, False)
    opts = ProbeOptions(ctx.net, ctx.web.user_agent, empty_passwords=options.intrusive_probes)
    gate = asyncio.Semaphore(PORTS_AT_ONCE)

    async def one(port: int) -> ServiceReading:
        async with gate:
            return await identify(address, port, opts)

    readings_list, udp = await asyncio.gather(
        asyncio.gather(*(one(p) for p in probed)), probe_udp_services(ctx, address, udp_ports)
    )
    readings = tuple(readings_list)
    index = scan_index(ctx)
    vulns: tuple[ServiceVuln, ...] = ()
    source = error = ""
    if isinstance(index, str):
        error = index
    else:
        source = index.label
        vulns = match_versions(index, readings)
    return HostServiceFacts(
        address,
        "",
        tuple(sorted(options.ports)),
        readings,
        tuple(skipped),
        udp,
        known,
        options.intrusive_probes,
        vulns,
        source,
        error,
    )


@collector(HostServiceFacts, target=TargetKind.HOST)
async def collect_services(target: Target, ctx: CollectContext) -> HostServiceFacts:
    return await probe_services(target, ctx)
