"""The demo province's exposed services, running: every planned host's servers, started and stopped.

:func:`start_services_lab` starts, for every host of :data:`~canhgac.lab.services_plan.HOSTS`,
exactly the services of its :class:`~canhgac.lab.services_plan.Plant` on their standard ports
(root or a private network namespace; tests pass ``port=0`` and read :attr:`ServicesLab.ports`).
Hosts whose case is UDP-only (SNMP) also serve a faultless HTTPS page on 443, so that the TCP
port scan finds them. Redis is a real ``redis-server`` when installed
(:mod:`canhgac.lab.redis_server`); the file server that lists its shares is impacket's real SMB
server (:mod:`canhgac.lab.smb_server`), SQL Server a TDS responder
(:mod:`canhgac.lab.tds_server`); the other protocols are the lab's responders (text protocols,
remote access, SMB, databases, SNMP, DNS) and HTTP sites (:mod:`canhgac.lab.service_sites`).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.database_responders import MongoResponder, MysqlResponder, PostgresResponder
from canhgac.lab.dns_resolver import DnsResolverResponder, DnsTcpResolverResponder
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.names import ORG
from canhgac.lab.redis_server import RedisServerProcess
from canhgac.lab.remote_access_responders import PROTOCOL_RDP, PROTOCOL_SSL, RdpResponder, VncResponder
from canhgac.lab.responder_base import ServerGroup, TcpResponder, UdpResponder
from canhgac.lab.service_sites import SITES
from canhgac.lab.services_plan import HOSTS, PORTS, Plant, ServiceHostPlan
from canhgac.lab.smb_responder import SmbResponder
from canhgac.lab.snmp_agent import SnmpAgent
from canhgac.lab.ssh_server import SshResponder
from canhgac.lab.tds_server import MssqlResponder
from canhgac.lab.text_responders import (
    FtpResponder,
    MemcachedResponder,
    MemcachedUdpResponder,
    TelnetResponder,
)
from canhgac.lab.web_server import LabWebServer


@dataclass
class ServicesLab(ServerGroup):
    """The running exposed services: every planned host's servers, and the ports they listen on."""

    ports: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # address -> tcp/udp -> ports
    redis_kind: str = ""  # "redis-server <version>" or "responder"
    ca_pem: str = ""


async def start_services_lab(
    *, port: int | None = None, redis_binary: str | None = "redis-server"
) -> ServicesLab:
    """Start every planted host; ``port=None`` uses the standard ports (root or a netns), 0 free ones.

    ``redis_binary=None`` uses the Redis responder even when ``redis-server`` is installed.
    """
    lab = ServicesLab([], ca_pem=lab_ca().ca_pem)
    try:
        for plan in HOSTS:
            await _start_host(lab, plan, port, redis_binary)
    except BaseException:
        await lab.stop()
        raise
    return lab


async def _start_host(
    lab: ServicesLab, plan: ServiceHostPlan, port: int | None, redis_binary: str | None
) -> None:
    opened: dict[str, tuple[int, ...]] = {}
    shared = 0  # a TCP port a UDP twin must share (DNS, memcached) when ports are picked freely
    for proto, standard in PORTS[plan.plant]:
        wanted = standard if port is None else (shared if proto == "udp" and shared else port)
        server = _server(plan, proto, standard, wanted, lab, redis_binary)
        try:
            await server.start()
        except OSError as exc:  # name the address, as asyncio's own bind errors do
            if exc.errno != errno.EADDRINUSE or plan.address in str(exc):
                raise
            where = (plan.address, wanted)
            raise OSError(
                exc.errno, f"error while attempting to bind on address {where!r}: {exc.strerror}"
            ) from exc
        lab.servers.append(server)
        bound = server.port if proto == "udp" else _tcp_port(server)
        shared = bound if proto == "tcp" else shared
        opened[proto] = (*opened.get(proto, ()), bound)
    lab.ports[plan.address] = opened


def _tcp_port(server: Any) -> int:
    if isinstance(server, LabHttpsServer):
        return server.https_port if server.cert is not None else int(server.http_port or 0)
    return int(server.port)


def _server(
    plan: ServiceHostPlan, proto: str, standard: int, port: int, lab: ServicesLab, redis_binary: str | None
) -> Any:
    address, plant = plan.address, plan.plant
    if proto == "udp":
        udp: dict[int, type[UdpResponder]] = {
            161: SnmpAgent,
            53: DnsResolverResponder,
            11211: MemcachedUdpResponder,
        }
        return udp[standard](address, port)
    if standard == 443:
        name = f"host-{address.replace('.', '-')}.{ORG}"
        page = Route.text(
            f"<!DOCTYPE html><title>{plan.role}</title><p>{plan.role}</p>\n",
            content_type="text/html; charset=utf-8",
        )
        return LabHttpsServer(
            address=address, https_port=port, cert=certificate(name, CertSpec()), routes={"/": page}
        )
    if plant in (Plant.REDIS, Plant.REDIS_AUTH):
        return RedisServerProcess(address, port, redis_binary, lab, requirepass=plant is Plant.REDIS_AUTH)
    if plant in SITES:
        return LabWebServer(SITES[plant], address=address, cert=None, http_port=port)
    if plant is Plant.SMB_SHARES:
        from canhgac.lab.smb_server import LabSmbServer  # impacket's server: only when a lab starts

        return LabSmbServer(address, port)
    simple: dict[Plant, type[TcpResponder]] = {
        Plant.SMB: SmbResponder,
        Plant.FTP: FtpResponder,
        Plant.MYSQL: MysqlResponder,
        Plant.POSTGRES: PostgresResponder,
        Plant.MONGODB: MongoResponder,
        Plant.VNC: VncResponder,
        Plant.MEMCACHED: MemcachedResponder,
        Plant.SSH_OLD: SshResponder,
        Plant.OPEN_RESOLVER: DnsTcpResolverResponder,
        Plant.MSSQL: MssqlResponder,
    }
    if plant is Plant.TELNET:
        return TelnetResponder(address, port, banner="Router VNPT-KG-BIEN-01 (Huawei AR2220)")
    if plant is Plant.RDP:
        return RdpResponder(address, port, supported=(PROTOCOL_RDP, PROTOCOL_SSL))
    return simple[plant](address, port)
