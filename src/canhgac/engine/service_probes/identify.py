"""Which service answers on a port, whatever its number, and what it gives away.

First the cheap passive read: SSH, FTP, SMTP, Telnet, MySQL and VNC speak first, and their
opening bytes name them. A silent service is then asked actively, the port's usual service
first (6379 Redis, 445 SMB...), then the others, each on a fresh connection (the first reuses the
silent one), until one recognises its protocol. Two timeouts before any reaction end the search
(a tarpit), as do a flood and the per-port deadline; what was seen stays in the reading.

TLS is one of the active steps (first on the usual TLS ports, else right after plain HTTP): when
a handshake completes, the same identification runs inside it (a greeting read, except on the
usual HTTPS ports, then HTTP), and
the reading carries the TLS version, so HTTPS, SMTPS or IMAPS are named as what they carry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import (
    USUAL,
    Access,
    ProbeError,
    ProbeFailure,
    Service,
    ServiceReading,
    SmbInfo,
)
from canhgac.engine.service_probes import http, mssql, smb, smb_shares
from canhgac.engine.service_probes import text_protocols as text
from canhgac.engine.service_probes.base import Conn, banner_wait, text_of
from canhgac.engine.service_probes.dns_tcp import probe_dns_tcp
from canhgac.engine.service_probes.memcached import probe_memcached
from canhgac.engine.service_probes.mongodb import probe_mongodb
from canhgac.engine.service_probes.mysql import looks_like_handshake, probe_mysql
from canhgac.engine.service_probes.postgres import identify_postgres, probe_postgres
from canhgac.engine.service_probes.rdp import probe_rdp
from canhgac.engine.service_probes.redis import probe_redis
from canhgac.engine.service_probes.ssh import looks_like_ssh, probe_ssh
from canhgac.engine.service_probes.vnc import looks_like_rfb, probe_vnc

MAX_TIMEOUTS = 2
PORT_READS = 10  # the per-port budget: a connection and this many read timeouts
# services that wait for the client, in the order tried after the port's usual one
ACTIVE = (
    Service.HTTP,
    Service.REDIS,
    Service.MEMCACHED,
    Service.MONGODB,
    Service.POSTGRESQL,
    Service.MSSQL,
    Service.RDP,
    Service.SMB,
    Service.DNS,
)
_WEB = frozenset({Service.HTTP, Service.ELASTICSEARCH, Service.DOCKER})
# ports whose service usually runs inside TLS from the first byte (HTTPS, SMTPS, LDAPS, FTPS,
# IMAPS, POP3S, Docker over TLS, HTTPS alternatives)
TLS_PORTS = frozenset({443, 465, 636, 990, 993, 995, 2376, 4443, 8443, 9443})
# inside TLS on these, HTTP is asked at once; elsewhere a greeting is waited for first
_HTTPS_PORTS = frozenset({443, 2376, 4443, 8443, 9443})
_TLS = "tls"  # the active step that is not one service


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    limits: NetworkLimits
    user_agent: str = "canhgac"
    empty_passwords: bool = True  # try the empty-password administrator logins (MySQL, PostgreSQL, MSSQL)

    @property
    def port_deadline(self) -> float:
        return self.limits.connect_timeout * 3 + PORT_READS * self.limits.read_timeout


Active = Callable[[Conn, str, int, ProbeOptions], Awaitable[ServiceReading | None]]


async def _web(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
    return await http.probe_web(conn, port, address, opts.user_agent)


async def _smb(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
    await conn.close()
    limits = opts.limits
    info = SmbInfo()
    try:
        dialect, required = await smb.negotiate_smb2(address, port, limits)
        info = SmbInfo(smb2_dialect=dialect, signing_required=required)
    except ProbeError as exc:
        if exc.failure is ProbeFailure.TIMEOUT or port not in (139, 445):
            raise
    smb1, smb1_signing, detail = await smb.negotiate_smb1(address, port, limits)
    if not info.smb2_dialect and not smb1:
        return None
    signing = info.signing_required if info.smb2_dialect else smb1_signing
    if smb1 and smb1_signing is False:
        signing = False  # an SMB1 client can still be served without signing
    info = replace(info, smb1=smb1, smb1_detail=detail, signing_required=signing)
    try:
        access, shares, share_detail = await smb_shares.anonymous_shares(
            address, port, limits, limits.connect_timeout + 4 * limits.read_timeout
        )
    except ProbeError as exc:
        access, shares, share_detail = Access.UNKNOWN, (), f"{exc.failure.value}: {exc.detail}"
    info = replace(info, shares=shares, share_access=access, share_detail=share_detail[:300])
    return ServiceReading(port, Service.SMB, "smb", smb=info)


async def _mssql(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
    reading = await mssql.probe_mssql(conn, port)
    if reading is None or not opts.empty_passwords:
        return reading
    await conn.close()
    try:
        access, detail = await mssql.mssql_empty_sa(
            address, port, opts.limits, opts.limits.connect_timeout + 3 * opts.limits.read_timeout
        )
    except ProbeError as exc:
        return replace(reading, access=Access.UNKNOWN).failed(exc)
    return replace(reading, access=access, access_detail=detail)


def _simple(probe: Callable[[Conn, int], Awaitable[ServiceReading | None]]) -> Active:
    async def run(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
        return await probe(conn, port)

    return run


async def _postgres(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
    if not opts.empty_passwords:  # the StartupMessage is itself the login attempt
        return await identify_postgres(conn, port)
    return await probe_postgres(conn, port)


PROBES: dict[Service, Active] = {
    Service.HTTP: _web,
    Service.REDIS: _simple(probe_redis),
    Service.MEMCACHED: _simple(probe_memcached),
    Service.MONGODB: _simple(probe_mongodb),
    Service.POSTGRESQL: _postgres,
    Service.MSSQL: _mssql,
    Service.RDP: _simple(probe_rdp),
    Service.SMB: _smb,
    Service.DNS: _simple(probe_dns_tcp),
}


async def _docker(address: str, port: int, opts: ProbeOptions, reading: ServiceReading) -> ServiceReading:
    if reading.tls:
        conn, _ = await Conn.open_tls(address, port, opts.limits)
    else:
        conn = await Conn.open(address, port, opts.limits)
    try:
        found = await http.probe_docker(conn, port, address, opts.user_agent)
    finally:
        await conn.close()
    return replace(found, tls=reading.tls) if found else reading


async def _passive(conn: Conn, first: bytes, port: int, opts: ProbeOptions) -> ServiceReading:
    if looks_like_ssh(first):
        return await probe_ssh(conn, port)
    if looks_like_rfb(first):
        return await probe_vnc(conn, port)
    if looks_like_handshake(first):
        return await probe_mysql(conn, port, login=opts.empty_passwords)
    if text.is_telnet(first):
        return await text.probe_telnet(conn, port, banner_wait(opts.limits) / 2)
    if text.looks_like_reply(first):
        if text.is_smtp(first, port):
            return await text.probe_smtp(conn, port)
        return await text.probe_ftp(conn, port)
    service = Service.TELNET if USUAL.get(port) is Service.TELNET else Service.UNKNOWN
    return ServiceReading(port, service, banner=text_of(await conn.read_available(0.2), 200))


async def _inside_tls(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading | None:
    """A TLS handshake, then what speaks inside: its greeting, else HTTP; None when not TLS."""
    await conn.close()
    inner, version = await Conn.open_tls(address, port, opts.limits)
    try:
        first = b"" if port in _HTTPS_PORTS else await inner.passive(banner_wait(opts.limits))
        if first:
            found: ServiceReading | None = await _passive(inner, first, port, opts)
        else:
            try:
                found = await http.probe_web(inner, port, address, opts.user_agent)
            except ProbeError as exc:  # TLS, but not HTTP inside
                found = ServiceReading(port).failed(exc)
    finally:
        await inner.close()
    return replace(found or ServiceReading(port), tls=version)


def _order(port: int) -> list[Service | str]:
    usual = USUAL.get(port)
    first = Service.HTTP if usual in _WEB else usual
    services: list[Service | str] = [first] if first in PROBES else []
    services += [s for s in ACTIVE if s is not first]
    services.insert(0 if port in TLS_PORTS else 1, _TLS)
    return services


def _step(name: Service | str) -> Active:
    return _inside_tls if name == _TLS else PROBES[Service(name)]


async def _active(conn: Conn, address: str, port: int, opts: ProbeOptions) -> ServiceReading:
    """Active probes in turn. A server that reacted to one (closed, garbage) is no tarpit: a later
    timeout only means that protocol waits for more bytes, so the search goes on."""
    timeouts = 0
    reactive = False
    last: ProbeError | None = None
    for index, service in enumerate(_order(port)):
        if index:
            conn = await Conn.open(address, port, opts.limits)
        try:
            found = await _step(service)(conn, address, port, opts)
        except ProbeError as exc:
            last = exc
            if exc.failure is ProbeFailure.TOO_LARGE:
                break
            if exc.failure is ProbeFailure.TIMEOUT:
                timeouts += 1
            else:
                reactive = True
            if timeouts >= MAX_TIMEOUTS and not reactive:
                break
            continue
        finally:
            await conn.close()
        if found is not None:
            return found
        reactive = True
    unknown = ServiceReading(port)
    return unknown.failed(last) if last is not None else unknown


async def _identify(address: str, port: int, opts: ProbeOptions) -> ServiceReading:
    conn = await Conn.open(address, port, opts.limits)
    try:
        first = await conn.passive(banner_wait(opts.limits))
    except BaseException:
        await conn.close()
        raise
    if first:
        try:
            return await _passive(conn, first, port, opts)
        finally:
            await conn.close()
    reading = await _active(conn, address, port, opts)
    if reading.service is Service.HTTP and _dockerish(reading, port):
        return await _docker(address, port, opts, reading)
    return reading


def _dockerish(reading: ServiceReading, port: int) -> bool:
    return (
        port in (2375, 2376)
        or reading.banner.lower().startswith("docker")
        or any(key == "api_version" for key, _ in reading.info)
    )


async def identify(address: str, port: int, opts: ProbeOptions) -> ServiceReading:
    """The reading of one open TCP port; never raises for server behaviour."""
    try:
        async with asyncio.timeout(opts.port_deadline):
            return await _identify(address, port, opts)
    except ProbeError as exc:
        return ServiceReading(port).failed(exc)
    except TimeoutError:
        detail = f"no verdict within {opts.port_deadline:g}s"
        return ServiceReading(port).failed(ProbeError(ProbeFailure.DEADLINE, detail))
