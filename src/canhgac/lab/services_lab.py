"""The demo province's exposed services: hosts in declared address ranges, one planted case each.

The provider VNPTKG declares 127.60.0.0/27, where it hosts agencies' systems; three agencies
declare a /30 of their own (:func:`declared_ranges`). Every host of :data:`HOSTS` runs exactly
the services of its :class:`Plant` on their standard ports (root or a private network
namespace; tests pass ``port=0`` and read :attr:`ServicesLab.ports`), so a scan of the ranges
must report exactly :data:`EXPECTED`. Hosts whose case is UDP-only (SNMP) also serve a faultless
HTTPS page on 443, so that the TCP port scan finds them. Redis is a real ``redis-server``
started without a password (its default user limited to read commands by an ACL, so it can
never be written to); :class:`~canhgac.lab.service_responders.RedisResponder` stands in when
the binary is missing (:attr:`ServicesLab.redis_kind` says which). The file server that lists
its shares is impacket's real SMB server (:mod:`canhgac.lab.smb_server`), SQL Server a TDS
responder (:mod:`canhgac.lab.tds_server`). The database responders (MySQL, PostgreSQL, MongoDB)
and the UDP agents (SNMP, DNS) are at the end of this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.mail_lab import ORG, CertSpec, certificate, lab_ca
from canhgac.lab.service_responders import (
    PROTOCOL_RDP,
    PROTOCOL_SSL,
    ClientProtocolError,
    FtpResponder,
    MemcachedResponder,
    MemcachedUdpResponder,
    RdpResponder,
    RedisResponder,
    SmbResponder,
    TcpResponder,
    TelnetResponder,
    UdpResponder,
    VncResponder,
    send,
)
from canhgac.lab.ssh_server import SshResponder
from canhgac.lab.tds_server import MssqlResponder
from canhgac.lab.web_lab import LabWebServer, WebAnswer, WebRequest


class Plant(StrEnum):
    """What one host leaves open (the findings each causes are in :data:`PLANT_FINDINGS`)."""

    NOTHING = "nothing"  # the control: HTTPS 443 only
    REDIS = "redis-no-password"
    SMB = "smb1-unsigned"  # 445: NT LM 0.12 accepted, signing not required, no null session
    FTP = "ftp-anonymous"
    TELNET = "telnet"
    RDP = "rdp-without-nla"  # 3389: standard RDP security and TLS, no CredSSP
    MYSQL = "mysql-root-empty-password"
    POSTGRES = "postgres-trust"
    MONGODB = "mongodb-no-auth"
    ELASTICSEARCH = "elasticsearch-no-auth"
    DOCKER = "docker-api-2375"
    VNC = "vnc-no-auth"
    SNMP = "snmp-public"  # UDP 161, plus HTTPS 443
    OPEN_RESOLVER = "dns-open-resolver"  # UDP and TCP 53
    MEMCACHED = "memcached"  # TCP and UDP 11211
    SSH_OLD = "openssh-7.4"  # a real key exchange, offering password authentication
    OLD_APACHE = "apache-2.4.49-8080"  # an admin page on 8080 with Server: Apache/2.4.49
    SMB_SHARES = "smb-null-session-shares"  # 445: impacket's SMB server, shares listed to anyone
    MSSQL = "mssql-sa-empty-password"  # 1433: SQL Server 2019, sa without a password, no TLS


# Findings a scan of each host must report, and no others. Assumptions for the checks' authors:
# Redis and MongoDB count as databases exposed; memcached and Elasticsearch do not; an empty
# password is tried only on MySQL root, PostgreSQL postgres and MSSQL sa; OpenSSH 7.4 is older
# than the configured minimum and the bundled data has no OpenSSH, Redis, MySQL, PostgreSQL,
# MongoDB, Elasticsearch, Docker, vsftpd, memcached or SQL Server advisories; Apache 2.4.49 matches
# CVE-2021-41773; HTTPS on 443 and the SSH banner alone raise nothing else. impacket's SMB server
# (found by scanning it) accepts SMB1 "NT LM 0.12" and never requires signing (SMB1 security mode
# 0x03, SMB2 0x01), and lists IPC$ and CONGVAN to a null session.
PLANT_FINDINGS: dict[Plant, tuple[str, ...]] = {
    Plant.NOTHING: (),
    Plant.REDIS: ("net.redis.noauth", "net.database.exposed"),
    Plant.SMB: ("net.smb.exposed", "net.smb.v1", "net.smb.signing"),
    Plant.FTP: ("net.ftp.anonymous",),
    Plant.TELNET: ("net.telnet.exposed",),
    Plant.RDP: ("net.rdp.exposed", "net.rdp.nla"),
    Plant.MYSQL: ("net.database.exposed", "net.database.empty-password"),
    Plant.POSTGRES: ("net.database.exposed", "net.database.empty-password"),
    Plant.MONGODB: ("net.mongodb.noauth", "net.database.exposed"),
    Plant.ELASTICSEARCH: ("net.elasticsearch.noauth",),
    Plant.DOCKER: ("net.docker.noauth",),
    Plant.VNC: ("net.vnc.noauth",),
    Plant.SNMP: ("net.snmp.public",),
    Plant.OPEN_RESOLVER: ("net.dns.open-resolver",),
    Plant.MEMCACHED: ("net.memcached.exposed",),
    Plant.SSH_OLD: ("net.ssh.outdated", "net.ssh.password-auth"),
    Plant.OLD_APACHE: ("net.service.vulnerable",),
    Plant.SMB_SHARES: ("net.smb.exposed", "net.smb.v1", "net.smb.signing", "net.smb.anonymous-shares"),
    Plant.MSSQL: ("net.database.exposed", "net.database.empty-password"),
}
# The (protocol, standard port) pairs each case listens on.
PORTS: dict[Plant, tuple[tuple[str, int], ...]] = {
    Plant.NOTHING: (("tcp", 443),), Plant.REDIS: (("tcp", 6379),), Plant.SMB: (("tcp", 445),),
    Plant.FTP: (("tcp", 21),), Plant.TELNET: (("tcp", 23),), Plant.RDP: (("tcp", 3389),),
    Plant.MYSQL: (("tcp", 3306),), Plant.POSTGRES: (("tcp", 5432),), Plant.MONGODB: (("tcp", 27017),),
    Plant.ELASTICSEARCH: (("tcp", 9200),), Plant.DOCKER: (("tcp", 2375),), Plant.VNC: (("tcp", 5900),),
    Plant.SNMP: (("udp", 161), ("tcp", 443)), Plant.OPEN_RESOLVER: (("tcp", 53), ("udp", 53)),
    Plant.MEMCACHED: (("tcp", 11211), ("udp", 11211)), Plant.SSH_OLD: (("tcp", 22),),
    Plant.OLD_APACHE: (("tcp", 8080),), Plant.SMB_SHARES: (("tcp", 445),), Plant.MSSQL: (("tcp", 1433),),
}


@dataclass(frozen=True)
class ServiceHostPlan:
    address: str
    agency: str  # the code of the agency whose declared range holds the address
    plant: Plant
    role: str  # what the host is, as an operator would name it


PROVIDER_RANGE = "127.60.0.0/27"
HOSTS: tuple[ServiceHostPlan, ...] = (
    ServiceHostPlan("127.60.0.1", "VNPTKG", Plant.REDIS, "bộ đệm phiên cổng dịch vụ công"),
    ServiceHostPlan("127.60.0.2", "VNPTKG", Plant.SMB, "máy chủ chia sẻ tệp một cửa"),
    ServiceHostPlan("127.60.0.3", "VNPTKG", Plant.FTP, "máy chủ sao lưu"),
    ServiceHostPlan("127.60.0.4", "VNPTKG", Plant.TELNET, "bộ định tuyến biên"),
    ServiceHostPlan("127.60.0.5", "VNPTKG", Plant.RDP, "máy chủ Windows quản trị"),
    ServiceHostPlan("127.60.0.6", "VNPTKG", Plant.MYSQL, "CSDL cổng thông tin"),
    ServiceHostPlan("127.60.0.7", "VNPTKG", Plant.POSTGRES, "CSDL hệ thống quản lý văn bản"),
    ServiceHostPlan("127.60.0.8", "VNPTKG", Plant.MONGODB, "CSDL hồ sơ một cửa"),
    ServiceHostPlan("127.60.0.9", "VNPTKG", Plant.ELASTICSEARCH, "máy chủ nhật ký"),
    ServiceHostPlan("127.60.0.10", "VNPTKG", Plant.DOCKER, "máy chủ ứng dụng container"),
    ServiceHostPlan("127.60.0.11", "VNPTKG", Plant.VNC, "đầu ghi camera"),
    ServiceHostPlan("127.60.0.12", "VNPTKG", Plant.SNMP, "bộ chuyển mạch lõi"),
    ServiceHostPlan("127.60.0.13", "VNPTKG", Plant.OPEN_RESOLVER, "máy chủ DNS nội bộ"),
    ServiceHostPlan("127.60.0.14", "VNPTKG", Plant.MEMCACHED, "bộ đệm cổng thông tin"),
    ServiceHostPlan("127.60.0.15", "VNPTKG", Plant.SMB_SHARES, "máy chủ lưu trữ công văn"),
    ServiceHostPlan("127.60.0.16", "VNPTKG", Plant.MSSQL, "CSDL phần mềm quản lý bệnh viện"),
    ServiceHostPlan("127.61.2.1", "STTTT", Plant.NOTHING, "cổng kết nối liên thông"),  # the control
    ServiceHostPlan("127.61.3.1", "SYT", Plant.SSH_OLD, "máy chủ quản lý khám chữa bệnh"),
    ServiceHostPlan("127.61.6.1", "STC", Plant.OLD_APACHE, "trang quản trị phần mềm kế toán"),
)
EXPECTED: tuple[tuple[str, str], ...] = tuple(
    (check, plan.address) for plan in HOSTS for check in PLANT_FINDINGS[plan.plant]
)


def declared_ranges() -> dict[str, tuple[str, ...]]:
    """Agency code -> the address ranges it must declare in the inventory."""
    ranges: dict[str, tuple[str, ...]] = {"VNPTKG": (PROVIDER_RANGE,)}
    for plan in HOSTS:
        if plan.agency != "VNPTKG":
            ranges[plan.agency] = (plan.address.rsplit(".", 1)[0] + ".0/30",)
    return ranges


@dataclass
class ServicesLab:
    servers: list[Any]
    ports: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # address -> tcp/udp -> ports
    redis_kind: str = ""  # "redis-server <version>" or "responder"
    ca_pem: str = ""

    @property
    def internal_errors(self) -> int:
        return sum(getattr(server, "internal_errors", 0) for server in self.servers)

    async def stop(self) -> None:
        for server in reversed(self.servers):
            with contextlib.suppress(Exception):
                await server.stop()


async def start_services_lab(*, port: int | None = None,
                             redis_binary: str | None = "redis-server") -> ServicesLab:
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


async def _start_host(lab: ServicesLab, plan: ServiceHostPlan, port: int | None,
                      redis_binary: str | None) -> None:
    opened: dict[str, tuple[int, ...]] = {}
    shared = 0  # a TCP port a UDP twin must share (DNS, memcached) when ports are picked freely
    for proto, standard in PORTS[plan.plant]:
        wanted = standard if port is None else (shared if proto == "udp" and shared else port)
        server = _server(plan, proto, standard, wanted, lab, redis_binary)
        await server.start()
        lab.servers.append(server)
        bound = server.port if proto == "udp" else _tcp_port(server)
        shared = bound if proto == "tcp" else shared
        opened[proto] = (*opened.get(proto, ()), bound)
    lab.ports[plan.address] = opened


def _tcp_port(server: Any) -> int:
    if isinstance(server, LabHttpsServer):
        return server.https_port if server.cert is not None else int(server.http_port or 0)
    return int(server.port)


def _server(plan: ServiceHostPlan, proto: str, standard: int, port: int, lab: ServicesLab,
            redis_binary: str | None) -> Any:
    address, plant = plan.address, plan.plant
    if proto == "udp":
        udp: dict[int, type[UdpResponder]] = {161: SnmpAgent, 53: DnsResolverResponder,
                                              11211: MemcachedUdpResponder}
        return udp[standard](address, port)
    if standard == 443:
        name = f"host-{address.replace('.', '-')}.{ORG}"
        page = Route.text(f"<!DOCTYPE html><title>{plan.role}</title><p>{plan.role}</p>\n",
                          content_type="text/html; charset=utf-8")
        return LabHttpsServer(address=address, https_port=port, cert=certificate(name, CertSpec()),
                              routes={"/": page})
    if plant is Plant.REDIS:
        return RedisServerProcess(address, port, redis_binary, lab)
    if plant in (Plant.ELASTICSEARCH, Plant.DOCKER, Plant.OLD_APACHE):
        return LabWebServer(_SITES[plant], address=address, cert=None, http_port=port)
    if plant is Plant.SMB_SHARES:
        from canhgac.lab.smb_server import LabSmbServer  # impacket's server: only when a lab starts

        return LabSmbServer(address, port)
    simple: dict[Plant, type[TcpResponder]] = {
        Plant.SMB: SmbResponder, Plant.FTP: FtpResponder, Plant.MYSQL: MysqlResponder,
        Plant.POSTGRES: PostgresResponder, Plant.MONGODB: MongoResponder, Plant.VNC: VncResponder,
        Plant.MEMCACHED: MemcachedResponder, Plant.SSH_OLD: SshResponder,
        Plant.OPEN_RESOLVER: DnsTcpResolverResponder, Plant.MSSQL: MssqlResponder,
    }
    if plant is Plant.TELNET:
        return TelnetResponder(address, port, banner="Router VNPT-KG-BIEN-01 (Huawei AR2220)")
    if plant is Plant.RDP:
        return RdpResponder(address, port, supported=(PROTOCOL_RDP, PROTOCOL_SSL))
    return simple[plant](address, port)


class RedisServerProcess:
    """A real ``redis-server`` on one address, no password, its default user held to reads by an ACL."""

    ACL = ("default", "on", "nopass", "~*", "&*", "-@all", "+@read", "+@connection", "+info", "+command")

    def __init__(self, address: str, port: int, binary: str | None, lab: ServicesLab | None = None) -> None:
        self.address, self.port, self.lab = address, port, lab
        self.binary = shutil.which(binary) if binary else None
        self.process: asyncio.subprocess.Process | None = None
        self.fallback: RedisResponder | None = None
        self.internal_errors = 0
        self.folder = ""

    async def start(self) -> None:
        if self.binary is None:
            self.fallback = RedisResponder(self.address, self.port)
            await self.fallback.start()
            self.port = self.fallback.port
            self._kind("responder")
            return
        if self.port == 0:
            self.port = _free_port(self.address)
        self.folder = tempfile.mkdtemp(prefix="canhgac-lab-redis-")
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "--bind", self.address, "--port", str(self.port), "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--dir", self.folder, "--logfile", "",
            "--user", *self.ACL,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        version = await self._wait_ready()
        self._kind(f"redis-server {version}")

    def _kind(self, kind: str) -> None:
        if self.lab is not None:
            self.lab.redis_kind = kind

    async def _wait_ready(self) -> str:
        for _ in range(100):
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                reader, writer = await asyncio.open_connection(self.address, self.port)
                try:
                    writer.write(b"INFO server\r\n")
                    head = await reader.readline()
                    info = (await reader.readexactly(int(head[1:]) + 2)).decode()
                    return next((line.split(":", 1)[1].strip() for line in info.splitlines()
                                 if line.startswith("redis_version:")), "unknown")
                finally:
                    writer.close()
            if self.process is not None and self.process.returncode is not None:
                raise OSError(f"redis-server exited with status {self.process.returncode}")
            await asyncio.sleep(0.05)
        raise OSError("redis-server did not answer within 5 s")

    async def stop(self) -> None:
        if self.fallback is not None:
            await self.fallback.stop()
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


# --- HTTP services: Elasticsearch, the Docker API, an old Apache ---------------------------------
def _json(status: int, document: object) -> WebAnswer:
    headers = (("Content-Type", "application/json; charset=UTF-8"),)
    return WebAnswer(status, headers, json.dumps(document).encode())


def _elasticsearch(req: WebRequest) -> WebAnswer:
    if req.method not in ("GET", "HEAD"):
        error = f"Incorrect HTTP method for uri [{req.path}], allowed: [GET]"
        return _json(405, {"error": error, "status": 405})
    if req.path == "/":
        version = {"number": "7.17.18", "build_flavor": "default", "build_type": "deb",
                   "lucene_version": "8.11.1", "minimum_wire_compatibility_version": "6.8.0"}
        return _json(200, {"name": "es-log-01", "cluster_name": "vnptkg-nhatky",
                           "cluster_uuid": "q1TgC5m2S3u0n6bZ8fH4Xw", "version": version,
                           "tagline": "You Know, for Search"})
    if req.path == "/_cat/indices":
        text = b"green open nhatky-2024.05 Xq1 1 0 1843211 0 1.2gb 1.2gb\n"
        return WebAnswer(200, (("Content-Type", "text/plain; charset=UTF-8"),), text)
    return _json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})


def _docker(req: WebRequest) -> WebAnswer:
    path = req.path.split("/", 2)[-1] if req.path.startswith("/v1.") else req.path.lstrip("/")
    if req.method not in ("GET", "HEAD"):
        return _json(403, {"message": "lab server: requests that change state are refused"})
    if path == "_ping":
        return WebAnswer(200, (("Content-Type", "text/plain; charset=utf-8"), ("Api-Version", "1.41")), b"OK")
    if path == "version":
        return _json(200, {"Platform": {"Name": "Docker Engine - Community"}, "Version": "20.10.7",
                           "ApiVersion": "1.41", "MinAPIVersion": "1.12", "GitCommit": "b0f5bc3",
                           "GoVersion": "go1.13.15", "Os": "linux", "Arch": "amd64",
                           "KernelVersion": "5.4.0-150-generic"})
    return _json(404, {"message": "page not found"})


def _old_apache(req: WebRequest) -> WebAnswer:
    body = (b"<!DOCTYPE html><html><head><title>Phan mem ke toan - Dang nhap</title></head><body>"
            b"<form method='post' action='/login.php'><input name='user'><input name='pass' type='password'>"
            b"</form></body></html>\n")
    headers = (("Server", "Apache/2.4.49 (Unix)"), ("Content-Type", "text/html; charset=utf-8"))
    return WebAnswer(200 if req.path in ("/", "/login.php") else 404, headers, body)


_SITES = {Plant.ELASTICSEARCH: _elasticsearch, Plant.DOCKER: _docker, Plant.OLD_APACHE: _old_apache}


# --- MySQL ------------------------------------------------------------------------------------
MYSQL_CAPS = 0x007FF7DF  # protocol 4.1, secure connection, plugin auth; no SSL, compression, EOF drop


class MysqlResponder(TcpResponder):
    """A MySQL handshake (protocol 10); ``root`` with an empty password gets OK, anyone else ERR 1045."""

    def __init__(self, address: str, port: int = 0, *, version: str = "5.7.44-log",
                 empty_root: bool = True) -> None:
        super().__init__(address, port)
        self.version, self.empty_root = version, empty_root

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        scramble = bytes(b % 94 + 33 for b in os.urandom(20))
        hello = (b"\x0a" + self.version.encode() + b"\x00" + struct.pack("<I", 41) + scramble[:8] + b"\x00"
                 + struct.pack("<HBHHB", MYSQL_CAPS & 0xFFFF, 0x21, 2, MYSQL_CAPS >> 16, 21) + bytes(10)
                 + scramble[8:] + b"\x00mysql_native_password\x00")
        await send(writer, _mysql_packet(0, hello))
        seq, answer = await _mysql_read(reader)
        user, auth = _mysql_login(answer)
        if not (self.empty_root and user == "root" and not auth):
            using = "YES" if auth else "NO"
            denied = f"Access denied for user '{user}'@'{self.address}' (using password: {using})"
            await send(writer, _mysql_error(seq + 1, 1045, "28000", denied))
            return
        await send(writer, _mysql_packet(seq + 1, b"\x00\x00\x00\x02\x00\x00\x00"))
        for _ in range(20):
            seq, command = await _mysql_read(reader)
            if command[:1] == b"\x01":  # COM_QUIT
                return
            if command[:1] == b"\x0e":  # COM_PING
                await send(writer, _mysql_packet(1, b"\x00\x00\x00\x02\x00\x00\x00"))
            elif command[:1] == b"\x03" and b"version" in command.lower():
                await send(writer, _mysql_version_rows(self.version))
            else:
                await send(writer, _mysql_error(1, 1290, "HY000", "The MySQL server is running with the "
                                                "--read-only option so it cannot execute this statement"))


def _mysql_packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


async def _mysql_read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readexactly(4)
    length = int.from_bytes(head[:3], "little")
    if length > MESSAGE_LIMIT_MYSQL:
        raise ClientProtocolError("packet too large")
    return head[3], await reader.readexactly(length)


MESSAGE_LIMIT_MYSQL = 65536


def _mysql_login(answer: bytes) -> tuple[str, bytes]:
    """(user, auth response) of a HandshakeResponse41; an SSL request or an old client ends it."""
    caps = struct.unpack("<I", answer[:4])[0]
    if not caps & 0x200 or len(answer) <= 32:
        raise ClientProtocolError("not a protocol 4.1 login")
    end = answer.index(b"\x00", 32)
    user, rest = answer[32:end].decode("utf-8", "replace"), answer[end + 1 :]
    if caps & 0x200000 or caps & 0x8000:  # length-prefixed auth data (lenenc < 251 or one byte)
        return user, rest[1 : 1 + rest[0]] if rest else b""
    return user, rest.split(b"\x00", 1)[0]


def _mysql_error(seq: int, code: int, state: str, message: str) -> bytes:
    return _mysql_packet(seq, b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + message.encode())


def _lenenc(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _mysql_version_rows(version: str) -> bytes:
    column = (_lenenc(b"def") + _lenenc(b"") * 3 + _lenenc(b"@@version") + _lenenc(b"")
              + b"\x0c" + struct.pack("<HIBHB", 33, 256, 0xFD, 0, 0) + b"\x00\x00")
    eof = b"\xfe\x00\x00\x02\x00"
    parts = (b"\x01", column, eof, _lenenc(version.encode()), eof)
    return b"".join(_mysql_packet(n + 1, part) for n, part in enumerate(parts))


# --- PostgreSQL -------------------------------------------------------------------------------
class PostgresResponder(TcpResponder):
    """The PostgreSQL v3 start-up: ``trust`` for user postgres (AuthenticationOk), refusals otherwise."""

    def __init__(self, address: str, port: int = 0, *, version: str = "12.18", trust: bool = True) -> None:
        super().__init__(address, port)
        self.version, self.trust = version, trust

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        params: dict[str, str] = {}
        for _ in range(3):
            length = struct.unpack(">I", await reader.readexactly(4))[0]
            if not 8 <= length <= 10000:
                raise ClientProtocolError("bad start-up length")
            body = await reader.readexactly(length - 4)
            code = struct.unpack(">I", body[:4])[0]
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: not offered
                await send(writer, b"N")
                continue
            if code != 196608:  # CancelRequest ends quietly; other versions are refused by name
                if code != 80877102:
                    unsupported = (f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: "
                                   "server supports 3.0 to 3.0")
                    await send(writer, _pg_error("FATAL", "0A000", unsupported))
                return
            words = body[4:].split(b"\x00")
            params = {k.decode(): v.decode() for k, v in zip(words[0::2], words[1::2], strict=False) if k}
            break
        user = params.get("user", "")
        if user != "postgres":
            await send(writer, _pg_error("FATAL", "28000", f'role "{user}" does not exist'))
            return
        if not self.trust:
            await send(writer, _pg_message(b"R", struct.pack(">I", 3)))  # AuthenticationCleartextPassword
            await reader.read(1024)
            failed = 'password authentication failed for user "postgres"'
            await send(writer, _pg_error("FATAL", "28P01", failed))
            return
        status = b"".join(_pg_message(b"S", f"{k}\x00{v}\x00".encode()) for k, v in (
            ("server_version", self.version), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"), ("integer_datetimes", "on")))
        await send(writer, _pg_message(b"R", struct.pack(">I", 0)) + status
                   + _pg_message(b"K", struct.pack(">II", 4242, 171717)) + _pg_message(b"Z", b"I"))
        for _ in range(20):
            kind = await reader.readexactly(1)
            length = struct.unpack(">I", await reader.readexactly(4))[0]
            if not 4 <= length <= 65536:
                raise ClientProtocolError("bad message length")
            body = await reader.readexactly(length - 4)
            if kind == b"X":
                return
            if kind == b"Q" and b"version()" in body.lower():
                await send(writer, _pg_version_rows(self.version))
            else:
                refused = _pg_error("ERROR", "25006", "cannot execute this in a read-only transaction")
                await send(writer, refused + _pg_message(b"Z", b"I"))


def _pg_message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">I", len(body) + 4) + body


def _pg_error(severity: str, code: str, message: str) -> bytes:
    fields = f"S{severity}\x00V{severity}\x00C{code}\x00M{message}\x00\x00".encode()
    return _pg_message(b"E", fields)


def _pg_version_rows(version: str) -> bytes:
    text = f"PostgreSQL {version} on x86_64-pc-linux-gnu, compiled by gcc, 64-bit".encode()
    column = b"version\x00" + struct.pack(">IHIhih", 0, 0, 25, -1, -1, 0)
    return (_pg_message(b"T", struct.pack(">H", 1) + column)
            + _pg_message(b"D", struct.pack(">HI", 1, len(text)) + text)
            + _pg_message(b"C", b"SELECT 1\x00") + _pg_message(b"Z", b"I"))


# --- MongoDB ----------------------------------------------------------------------------------
def bson(document: dict[str, Any]) -> bytes:
    """Encode a document (str, bool, int, float, None, dict, list values) as BSON."""
    out = bytearray()
    for key, value in document.items():
        name = key.encode() + b"\x00"
        if isinstance(value, bool):
            out += b"\x08" + name + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            out += (b"\x10" + name + struct.pack("<i", value) if -(2**31) <= value < 2**31
                    else b"\x12" + name + struct.pack("<q", value))
        elif isinstance(value, float):
            out += b"\x01" + name + struct.pack("<d", value)
        elif isinstance(value, str):
            data = value.encode() + b"\x00"
            out += b"\x02" + name + struct.pack("<i", len(data)) + data
        elif isinstance(value, dict):
            out += b"\x03" + name + bson(value)
        elif isinstance(value, list):
            out += b"\x04" + name + bson({str(i): v for i, v in enumerate(value)})
        else:
            out += b"\x0a" + name
    return struct.pack("<i", len(out) + 5) + bytes(out) + b"\x00"


BSON_FIXED = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0xFF: 0,
              0x7F: 0}


def bson_strings(document: bytes) -> list[tuple[str, str]]:
    """The top-level (name, value) pairs of a BSON document; non-string values as ''."""
    (size,) = struct.unpack("<i", document[:4])
    if not 5 <= size <= len(document):
        raise ClientProtocolError("bad BSON size")
    pos, found = 4, []
    while document[pos] != 0:
        kind, end = document[pos], document.index(b"\x00", pos + 1)
        name, pos = document[pos + 1 : end].decode(), end + 1
        value = ""
        if kind in BSON_FIXED:
            step = BSON_FIXED[kind]
        elif kind in (0x02, 0x0D, 0x0E):
            step = 4 + struct.unpack("<i", document[pos : pos + 4])[0]
            value = document[pos + 4 : pos + step - 1].decode("utf-8", "replace")
        elif kind in (0x03, 0x04):
            step = struct.unpack("<i", document[pos : pos + 4])[0]
        elif kind == 0x05:
            step = 5 + struct.unpack("<i", document[pos : pos + 4])[0]
        else:
            raise ClientProtocolError(f"BSON type {kind:#x} not understood")
        found.append((name, value))
        pos += step
    return found


class MongoResponder(TcpResponder):
    """MongoDB's wire protocol (OP_MSG, and OP_QUERY for the legacy hello): hello, buildInfo,
    listDatabases and ping answer without authentication; every other command is refused."""

    def __init__(self, address: str, port: int = 0, *, version: str = "4.4.29", auth: bool = False) -> None:
        super().__init__(address, port)
        self.version, self.auth = version, auth

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(20):
            length, request_id, _, opcode = struct.unpack("<iiii", await reader.readexactly(16))
            if not 16 < length <= MESSAGE_LIMIT_MYSQL * 16:
                raise ClientProtocolError("bad message length")
            body = await reader.readexactly(length - 16)
            if opcode == 2013 and body[4] == 0:  # OP_MSG, first section a body document
                reply = bson(self._command(bson_strings(body[5:])))
                await send(writer, _mongo_header(21 + len(reply), request_id, 2013) + b"\x00" * 5 + reply)
            elif opcode == 2004:  # OP_QUERY: flags, collection, skip, return, query
                end = body.index(b"\x00", 4)
                reply = bson(self._command(bson_strings(body[end + 9 :])))
                head = struct.pack("<iqii", 0, 0, 0, 1)
                await send(writer, _mongo_header(16 + len(head) + len(reply), request_id, 1) + head + reply)
            else:
                raise ClientProtocolError(f"opcode {opcode} not understood")

    def _command(self, fields: list[tuple[str, str]]) -> dict[str, Any]:
        name = fields[0][0].lower() if fields else ""
        if name in ("hello", "ismaster"):
            return {"ismaster": True, "helloOk": True, "topologyVersion": {"counter": 0},
                    "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
                    "maxWriteBatchSize": 100000,
                    "logicalSessionTimeoutMinutes": 30, "connectionId": self.sessions, "minWireVersion": 0,
                    "maxWireVersion": 9, "readOnly": False, "ok": 1.0}
        if name == "ping":
            return {"ok": 1.0}
        if name == "buildinfo":
            return {"version": self.version, "gitVersion": "f4e1b1d1e4c6e2a0", "versionArray":
                    [int(p) for p in self.version.split(".")] + [0], "bits": 64, "ok": 1.0}
        if name == "listdatabases" and not self.auth:
            return {"databases": [{"name": "admin", "sizeOnDisk": 40960, "empty": False},
                                  {"name": "hoso_motcua", "sizeOnDisk": 183500800, "empty": False},
                                  {"name": "local", "sizeOnDisk": 73728, "empty": False}],
                    "totalSize": 183615488, "ok": 1.0}
        message = (f"command {fields[0][0] if fields else ''} requires authentication" if self.auth
                   else "lab server: command refused (read-only)")
        return {"ok": 0.0, "errmsg": message, "code": 13, "codeName": "Unauthorized"}


def _mongo_header(length: int, request_id: int, opcode: int) -> bytes:
    return struct.pack("<iiii", length, int.from_bytes(os.urandom(3), "little"), request_id, opcode)


# --- SNMP (v1/v2c agent) ----------------------------------------------------------------------
SYSTEM_MIB: dict[tuple[int, ...], tuple[int, bytes]] = {  # OID -> (BER tag, value bytes)
    (1, 3, 6, 1, 2, 1, 1, 1, 0): (0x04, b"Huawei Versatile Routing Platform Software, VRP (R) software, "
                                        b"Version 5.170 (S5720 V200R011C10SPC500)"),
    (1, 3, 6, 1, 2, 1, 1, 3, 0): (0x43, (710_241_900).to_bytes(4, "big")),
    (1, 3, 6, 1, 2, 1, 1, 4, 0): (0x04, b"noc@vnptkg.test"),
    (1, 3, 6, 1, 2, 1, 1, 5, 0): (0x04, b"SW-CORE-VNPTKG-01"),
    (1, 3, 6, 1, 2, 1, 1, 6, 0): (0x04, b"Phong may trung tam, VNPT Kien Giang"),
}


def _ber(tag: int, content: bytes) -> bytes:
    size = len(content)
    length = bytes([size]) if size < 128 else bytes([0x80 | ((size.bit_length() + 7) // 8)]) + size.to_bytes(
        (size.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def _ber_int(value: int) -> bytes:
    return _ber(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _ber_items(data: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(data):
        tag, size, pos = data[pos], data[pos + 1], pos + 2
        if size & 0x80:
            count = size & 0x7F
            if not 0 < count <= 3:
                raise ClientProtocolError("BER length")
            size, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
        if pos + size > len(data):
            raise ClientProtocolError("BER truncated")
        items.append((tag, data[pos : pos + size]))
        pos += size
    return items


def _oid_decode(data: bytes) -> tuple[int, ...]:
    parts, value = [data[0] // 40, data[0] % 40], 0
    for byte in data[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return tuple(parts)


def _oid_encode(oid: tuple[int, ...]) -> bytes:
    out = bytearray([oid[0] * 40 + oid[1]])
    for part in oid[2:]:
        chunk = [part & 0x7F]
        while part := part >> 7:
            chunk.append(0x80 | (part & 0x7F))
        out += bytes(reversed(chunk))
    return _ber(0x06, bytes(out))


class SnmpAgent(UdpResponder):
    """An SNMP v1/v2c agent answering community ``public`` (read-only) from a small system MIB.

    Get, GetNext and GetBulk are answered; Set gets noAccess (v2c) or noSuchName (v1); a wrong
    community is silently dropped, as agents do.
    """

    def __init__(self, address: str, port: int = 0, *, community: bytes = b"public") -> None:
        super().__init__(address, port)
        self.community = community

    def answer(self, data: bytes) -> list[bytes]:
        ((_, message),) = _ber_items(data)
        (_, version), (_, community), (pdu_tag, pdu) = _ber_items(message)[:3]
        version_number = int.from_bytes(version, "big")
        if version_number not in (0, 1) or community != self.community:
            return []
        (_, request_id), _, _, (_, bindings) = _ber_items(pdu)[:4]
        oids = [_oid_decode(_ber_items(bind)[0][1]) for _, bind in _ber_items(bindings)]
        error, index, answers = 0, 0, []
        for n, oid in enumerate(oids, 1):
            if pdu_tag == 0xA3:  # SetRequest: this community is read-only
                error, index = (6 if version_number else 2), n
                answers.append((oid, (0x05, b"")))
                continue
            if pdu_tag in (0xA1, 0xA5):  # GetNext / GetBulk (one step each)
                later = sorted(o for o in SYSTEM_MIB if o > oid)
                oid, value = (later[0], SYSTEM_MIB[later[0]]) if later else (oid, (0x82, b""))
            else:
                value = SYSTEM_MIB.get(oid, (0x80, b""))  # noSuchObject
            if value[0] in (0x80, 0x82) and version_number == 0:
                error, index, value = 2, n, (0x05, b"")
            answers.append((oid, value))
        varbinds = b"".join(_ber(0x30, _oid_encode(oid) + _ber(tag, raw)) for oid, (tag, raw) in answers)
        response = _ber(0xA2, _ber(0x02, request_id) + _ber_int(error) + _ber_int(index)
                        + _ber(0x30, varbinds))
        return [_ber(0x30, _ber_int(version_number) + _ber(0x04, community) + response)]


# --- DNS: an open resolver --------------------------------------------------------------------
EXAMPLE_DOMAINS = (["example", "com"], ["example", "net"], ["example", "org"])
ROOT_SOA = "a.root-servers.net. nstld.verisign-grs.com. 2024051200 1800 900 604800 86400"


def resolver_answer(wire: bytes, recursion: bool = True) -> bytes:
    """What an open recursive resolver says (RA set): names under example.com/.net/.org resolve
    to documentation addresses (RFC 5737), everything else is NXDOMAIN under the root's SOA.
    Without ``recursion`` it answers REFUSED, as a resolver restricted to its own clients does."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query, recursion_available=recursion)
    if not recursion:
        response.set_rcode(dns.rcode.REFUSED)
        return response.to_wire()
    for question in query.question:
        known = question.name.to_text().rstrip(".").lower().split(".")[-2:] in EXAMPLE_DOMAINS
        if known and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 3600, "IN", "A", "192.0.2.10"))
        elif not known:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(dns.rrset.from_text(".", 86400, "IN", "SOA", ROOT_SOA))
    return response.to_wire()


class DnsResolverResponder(UdpResponder):
    def __init__(self, address: str, port: int = 0, *, recursion: bool = True) -> None:
        super().__init__(address, port)
        self.recursion = recursion

    def answer(self, data: bytes) -> list[bytes]:
        try:
            return [resolver_answer(data, self.recursion)]
        except dns.exception.DNSException:
            return []


class DnsTcpResolverResponder(TcpResponder):
    """The same resolver over TCP (two-byte length prefix, several queries per connection)."""

    def __init__(self, address: str, port: int = 0, *, recursion: bool = True) -> None:
        super().__init__(address, port)
        self.recursion = recursion

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(20):
            (length,) = struct.unpack(">H", await reader.readexactly(2))
            try:
                reply = resolver_answer(await reader.readexactly(length), self.recursion)
            except dns.exception.DNSException as exc:
                raise ClientProtocolError("not a DNS query") from exc
            await send(writer, struct.pack(">H", len(reply)) + reply)
