"""The lab's exposed services: each responder speaks its protocol to a real client, refuses every
write, survives garbage, and the planted hosts, their ranges and EXPECTED agree."""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import ipaddress
import shutil
import socket
import struct
from collections.abc import Callable
from typing import Any

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import httpx
import pytest
from lab_support import running

from canhgac.engine.service_probes import bson_lite
from canhgac.lab import services_lab as sl
from canhgac.lab import services_plan as sp
from canhgac.lab.database_responders import MongoResponder, MysqlResponder, PostgresResponder, bson
from canhgac.lab.dns_resolver import DnsResolverResponder, DnsTcpResolverResponder
from canhgac.lab.redis_server import RedisResponder, RedisServerProcess
from canhgac.lab.remote_access_responders import (
    HYBRID_REQUIRED_BY_SERVER,
    SSL_REQUIRED_BY_SERVER,
    RdpResponder,
    SshBannerResponder,
    VncResponder,
)
from canhgac.lab.responder_base import TcpResponder
from canhgac.lab.smb_responder import SmbResponder
from canhgac.lab.smb_server import LabSmbServer
from canhgac.lab.snmp_agent import SnmpAgent
from canhgac.lab.tds_server import MssqlResponder
from canhgac.lab.text_responders import (
    FtpResponder,
    MemcachedResponder,
    MemcachedUdpResponder,
    TelnetResponder,
)

NET_CHECKS = {
    "net.smb.exposed", "net.smb.v1", "net.smb.signing", "net.smb.anonymous-shares", "net.rdp.exposed",
    "net.rdp.nla", "net.telnet.exposed", "net.ftp.anonymous", "net.redis.noauth", "net.mongodb.noauth",
    "net.elasticsearch.noauth", "net.memcached.exposed", "net.docker.noauth", "net.database.exposed",
    "net.database.empty-password", "net.database.reachable-authenticated", "net.vnc.noauth",
    "net.snmp.public", "net.dns.open-resolver", "net.ssh.password-auth", "net.ssh.outdated",
    "net.service.vulnerable", "net.ports.new",
}


async def talk(address: str, port: int, data: bytes = b"", *, until: Callable[[bytes], bool] | None = None,
               limit: int = 65536) -> bytes:
    """Send ``data``, read until ``until(received)`` or the server closes (2 s at most)."""
    reader, writer = await asyncio.open_connection(address, port)
    try:
        if data:
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        received = b""
        async with asyncio.timeout(2):
            while len(received) < limit and not (until and until(received)):
                try:
                    chunk = await reader.read(4096)
                except ConnectionError:  # the server hung up on unread data: a reset
                    break
                if not chunk:
                    break
                received += chunk
        return received
    finally:
        writer.close()


# --- plans ------------------------------------------------------------------------------------
def test_expected_follows_from_the_plans() -> None:
    assert {check for check, _ in sp.EXPECTED} <= NET_CHECKS
    assert len(set(sp.EXPECTED)) == len(sp.EXPECTED)
    addresses = [plan.address for plan in sp.HOSTS]
    assert len(set(addresses)) == len(addresses)
    control = [plan for plan in sp.HOSTS if plan.plant is sp.Plant.NOTHING]
    assert len(control) == 1 and not [a for _, a in sp.EXPECTED if a == control[0].address]
    assert {plan.plant for plan in sp.HOSTS} == set(sp.Plant) == set(sp.PORTS) == set(sp.PLANT_FINDINGS)
    for plan in sp.HOSTS:  # every host becomes a target: at least one TCP port
        assert any(proto == "tcp" for proto, _ in sp.PORTS[plan.plant])


def test_declared_ranges_hold_every_host_and_nothing_else_of_the_lab() -> None:
    ranges = sp.declared_ranges()
    assert ranges["VNPTKG"] == ("127.60.0.0/27",)
    for plan in sp.HOSTS:
        assert any(ipaddress.ip_address(plan.address) in ipaddress.ip_network(r) for r in ranges[plan.agency])
    networks = [ipaddress.ip_network(r) for rs in ranges.values() for r in rs]
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])
    others = ("127.25.0.0/16", "127.44.0.0/16", "127.45.0.0/16", "127.46.0.0/16", "127.53.0.0/16")
    assert not any(n.overlaps(ipaddress.ip_network(o)) for n in networks for o in others)
    # the SPF vendor's addresses (127.60.1-3.x) are DNS data only, outside the provider's /27
    assert ipaddress.ip_address("127.60.1.97") not in ipaddress.ip_network("127.60.0.0/27")
    # every provider host is a host address of its range: the scan skips network and broadcast
    provider = ipaddress.ip_network(sp.PROVIDER_RANGE)
    hosted = [ipaddress.ip_address(p.address) for p in sp.HOSTS if p.agency == "VNPTKG"]
    assert set(hosted) <= set(provider.hosts())


# --- SMB (impacket is the client) -------------------------------------------------------------
def _smb(address: str, port: int, dialect: str | None) -> tuple[Any, bool, str]:
    from impacket.smbconnection import SessionError, SMBConnection  # type: ignore[import-untyped, unused-ignore]

    conn = SMBConnection(address, address, sess_port=port, preferredDialect=dialect, timeout=5)
    try:
        conn.login("", "")
        anonymous = "allowed"
    except SessionError as exc:
        anonymous = f"{exc.getErrorCode():#x}"
    return conn.getDialect(), conn.isSigningRequired(), anonymous


async def test_smb_accepts_smb1_without_signing_and_denies_null_sessions(address: str) -> None:
    pytest.importorskip("impacket")
    from impacket.smb import SMB_DIALECT  # type: ignore[import-untyped, unused-ignore]
    from impacket.smb3structs import SMB2_DIALECT_302  # type: ignore[import-untyped, unused-ignore]

    async with running(SmbResponder(address)) as smb:
        denied = "0xc0000022"  # STATUS_ACCESS_DENIED: no null session
        assert await asyncio.to_thread(_smb, address, smb.port, SMB_DIALECT) == (SMB_DIALECT, False, denied)
        assert await asyncio.to_thread(_smb, address, smb.port, None) == (SMB2_DIALECT_302, False, denied)
        assert "NT LM 0.12" in smb.dialects_seen


async def test_smb_without_smb1_or_with_signing_required(address: str) -> None:
    pytest.importorskip("impacket")
    from impacket.smb import SMB_DIALECT  # type: ignore[import-untyped, unused-ignore]

    async with running(SmbResponder(address, smb1=False, signing_required=True)) as smb:
        with pytest.raises(Exception):  # noqa: B017 - impacket: the connection was reset
            await asyncio.to_thread(_smb, address, smb.port, SMB_DIALECT)
        _, signing, _ = await asyncio.to_thread(_smb, address, smb.port, None)
        assert signing is True


# --- FTP (ftplib) -----------------------------------------------------------------------------
def _ftp(address: str, port: int) -> tuple[str, list[str], str, str]:
    with ftplib.FTP() as ftp:
        welcome = ftp.connect(address, port, timeout=5)
        ftp.login()  # anonymous
        names = ftp.nlst()
        try:
            ftp.storbinary("STOR khong-duoc-ghi.txt", __import__("io").BytesIO(b"x"))
            stored = "stored"
        except ftplib.error_perm as exc:
            stored = str(exc)
        try:
            ftp.login("admin", "admin")
            other = "in"
        except ftplib.error_perm as exc:
            other = str(exc)
    return welcome, names, stored, other


async def test_ftp_lets_anonymous_in_and_refuses_writes(address: str) -> None:
    async with running(FtpResponder(address)) as ftp:
        welcome, names, stored, other = await asyncio.to_thread(_ftp, address, ftp.port)
        assert welcome.startswith("220 (vsFTPd")
        assert names == ["bao-cao-quy-1.xlsx", "sao-luu"]
        assert stored.startswith("550") and other.startswith("530")
        assert ftp.refused_writes == 1


# --- Redis: the real server and the fallback --------------------------------------------------
def _resp(*words: str) -> bytes:
    return f"*{len(words)}\r\n".encode() + b"".join(f"${len(w)}\r\n{w}\r\n".encode() for w in words)


REDIS_SESSION = (b"PING\r\n", _resp("INFO", "server"), _resp("SET", "k", "v"),
                 _resp("CONFIG", "SET", "dir", "/tmp"), _resp("GET", "k"))


async def _redis_replies(address: str, port: int) -> list[bytes]:
    reader, writer = await asyncio.open_connection(address, port)
    replies = []
    try:
        for command in REDIS_SESSION:
            writer.write(command)
            head = await asyncio.wait_for(reader.readline(), 2)
            bulk = head.startswith(b"$") and head[1:2] != b"-"
            body = await reader.readexactly(int(head[1:]) + 2) if bulk else b""
            replies.append(head + body)
    finally:
        writer.close()
    return replies


@pytest.mark.parametrize("binary", ["redis-server", None])
async def test_redis_answers_without_a_password_and_is_never_written(address: str,
                                                                     binary: str | None) -> None:
    if binary and shutil.which(binary) is None:
        pytest.skip("redis-server is not installed")
    lab = sl.ServicesLab([])
    async with running(RedisServerProcess(address, 0, binary, lab)) as redis:
        ping, info, set_, config, get = await _redis_replies(address, redis.port)
    assert ping == b"+PONG\r\n" and b"redis_version:" in info
    refusal = b"-READONLY" if binary is None else b"-NOPERM"  # the real server: its ACL says no
    assert set_.startswith(refusal) and config.startswith(refusal)
    assert get == b"$-1\r\n"  # nothing was stored
    assert lab.redis_kind == "responder" if binary is None else lab.redis_kind.startswith("redis-server 7")


# --- Telnet, SSH, VNC, RDP (raw bytes) --------------------------------------------------------
async def test_telnet_negotiates_and_prompts_but_admits_no_one(address: str) -> None:
    async with running(TelnetResponder(address, banner="Router R1")) as telnet:
        greeting = await talk(address, telnet.port, until=lambda r: r.endswith(b"login: "))
        assert greeting.startswith(bytes([255, 253, 24])) and b"Router R1" in greeting
        session = await talk(address, telnet.port, b"admin\r\nadmin\r\n", until=lambda r: b"incorrect" in r)
        assert b"Login incorrect" in session


async def test_ssh_sends_an_old_openssh_banner_and_its_kexinit(address: str) -> None:
    async with running(SshBannerResponder(address)) as ssh:
        data = await talk(address, ssh.port, until=lambda r: b"\r\n" in r and len(r) > 200)
    line, packet = data.split(b"\r\n", 1)
    assert line == b"SSH-2.0-OpenSSH_7.4"
    length, padding = struct.unpack(">IB", packet[:5])
    assert (length + 4) % 8 == 0 and padding >= 4 and packet[5] == 20
    first = packet[22 : 26 + struct.unpack(">I", packet[22:26])[0]]
    assert b"curve25519-sha256" in first


async def test_vnc_offers_security_type_none(address: str) -> None:
    async with running(VncResponder(address, name="nvr")) as vnc:
        reader, writer = await asyncio.open_connection(address, vnc.port)
        assert await reader.readexactly(12) == b"RFB 003.008\n"
        writer.write(b"RFB 003.008\n")
        assert await reader.readexactly(2) == b"\x01\x01"
        writer.write(b"\x01")
        assert await reader.readexactly(4) == b"\x00\x00\x00\x00"
        writer.write(b"\x01")
        init = await reader.readexactly(24 + 3)
        writer.close()
        assert init[-3:] == b"nvr" and struct.unpack(">HH", init[:4]) == (1280, 720)


def _x224_request(protocols: int | None) -> bytes:
    cookie = b"Cookie: mstshash=canhgac\r\n"
    neg = b"" if protocols is None else struct.pack("<BBHI", 1, 0, 8, protocols)
    x224 = bytes([6 + len(cookie) + len(neg), 0xE0, 0, 0, 0, 0, 0]) + cookie + neg
    return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224


async def test_rdp_selects_standard_security_or_tls_never_requiring_credssp(address: str) -> None:
    async with running(RdpResponder(address)) as rdp:
        for requested, expected in ((0, (2, 0)), (3, (2, 1)), (2, (3, SSL_REQUIRED_BY_SERVER))):
            confirm = await talk(address, rdp.port, _x224_request(requested), until=lambda r: len(r) >= 19)
            assert confirm[:2] == b"\x03\x00" and confirm[5] == 0xD0
            assert (confirm[11], struct.unpack("<I", confirm[15:19])[0]) == expected
    async with running(RdpResponder(address, nla_required=True)) as rdp:
        confirm = await talk(address, rdp.port, _x224_request(1), until=lambda r: len(r) >= 19)
        assert (confirm[11], struct.unpack("<I", confirm[15:19])[0]) == (3, HYBRID_REQUIRED_BY_SERVER)
        confirm = await talk(address, rdp.port, _x224_request(3), until=lambda r: len(r) >= 19)
        assert (confirm[11], struct.unpack("<I", confirm[15:19])[0]) == (2, 2)


# --- databases --------------------------------------------------------------------------------
def _mysql_login(user: bytes, auth: bytes) -> bytes:
    body = struct.pack("<IIB23x", 0x000FA685, 1 << 24, 33) + user + b"\x00" + bytes([len(auth)]) + auth
    body += b"mysql_native_password\x00"
    return struct.pack("<I", len(body))[:3] + b"\x01" + body


async def test_mysql_admits_root_with_an_empty_password_only(address: str) -> None:
    async with running(MysqlResponder(address)) as mysql:
        reader, writer = await asyncio.open_connection(address, mysql.port)
        head = await reader.readexactly(4)
        hello = await reader.readexactly(int.from_bytes(head[:3], "little"))
        assert hello[0] == 10 and hello[1:].split(b"\x00")[0] == b"5.7.44-log"
        writer.write(_mysql_login(b"root", b""))
        ok = await reader.readexactly(4 + 7)
        assert ok[4] == 0x00 and ok[3] == 2
        query = b"\x03SELECT @@version"
        writer.write(struct.pack("<I", len(query))[:3] + b"\x00" + query)
        rows = await reader.read(4096)
        assert b"5.7.44-log" in rows
        writer.close()
        denied = await talk(address, mysql.port, until=lambda r: len(r) > 60)
        reader, writer = await asyncio.open_connection(address, mysql.port)
        await reader.readexactly(len(denied))
        writer.write(_mysql_login(b"root", b"x" * 20))
        error = await reader.read(4096)
        writer.close()
        assert error[4] == 0xFF and struct.unpack("<H", error[5:7])[0] == 1045
        assert b"using password: YES" in error


def _pg_startup(user: str) -> bytes:
    body = struct.pack(">I", 196608) + f"user\x00{user}\x00database\x00postgres\x00\x00".encode()
    return struct.pack(">I", len(body) + 4) + body


async def test_postgres_trusts_user_postgres(address: str) -> None:
    async with running(PostgresResponder(address)) as pg:
        ssl_then_startup = struct.pack(">II", 8, 80877103)
        terminate = b"X\x00\x00\x00\x04"
        reply = await talk(address, pg.port, ssl_then_startup + _pg_startup("postgres") + terminate)
        assert reply[:1] == b"N" and reply[1:10] == b"R\x00\x00\x00\x08\x00\x00\x00\x00"
        assert b"server_version\x0012.18\x00" in reply and reply.endswith(b"Z\x00\x00\x00\x05I")
        refused = await talk(address, pg.port, _pg_startup("admin"))
        assert refused[:1] == b"E" and b"C28000" in refused


def _op_msg(command: dict[str, Any], request_id: int = 7) -> bytes:
    body = b"\x00\x00\x00\x00\x00" + bson(command)
    return struct.pack("<iiii", 16 + len(body), request_id, 0, 2013) + body


async def _mongo(address: str, port: int, command: dict[str, Any]) -> dict[str, Any]:
    def whole(r: bytes) -> bool:
        return len(r) >= 4 and len(r) >= struct.unpack("<i", r[:4])[0]

    reply = await talk(address, port, _op_msg(command), until=whole)
    assert struct.unpack("<i", reply[8:12])[0] == 7 and struct.unpack("<i", reply[12:16])[0] == 2013
    document, end = bson_lite.decode(reply[21:])
    assert end == len(reply) - 21
    return document


async def test_mongodb_answers_without_authentication_and_refuses_writes(address: str) -> None:
    async with running(MongoResponder(address)) as mongo:
        hello = await _mongo(address, mongo.port, {"hello": 1, "$db": "admin"})
        assert hello["ismaster"] is True and hello["ok"] == 1.0
        listing = await _mongo(address, mongo.port, {"listDatabases": 1, "nameOnly": True, "$db": "admin"})
        assert list(listing) == ["databases", "totalSize", "ok"]
        assert [db["name"] for db in listing["databases"]] == ["admin", "hoso_motcua", "local"]
        write = {"insert": "x", "documents": [{"a": 1}], "$db": "test"}
        insert = await _mongo(address, mongo.port, write)
        assert insert["codeName"] == "Unauthorized" and insert["ok"] == 0.0
    async with running(MongoResponder(address, auth=True)) as mongo:
        refused = await _mongo(address, mongo.port, {"listDatabases": 1, "$db": "admin"})
        assert refused["errmsg"] == "command listDatabases requires authentication"


async def test_http_services_answer_reads_and_refuse_writes(address: str) -> None:
    for plant, path, needle in ((sp.Plant.ELASTICSEARCH, "/", b"You Know, for Search"),
                                (sp.Plant.DOCKER, "/version", b'"ApiVersion": "1.41"'),
                                (sp.Plant.OLD_APACHE, "/", b"Dang nhap")):
        plan = sp.ServiceHostPlan(address, "X", plant, "test")
        server = sl._server(plan, "tcp", 0, 0, sl.ServicesLab([]), None)
        async with running(server) as web, httpx.AsyncClient(base_url=f"http://{address}") as client:
            client.base_url = httpx.URL(f"http://{address}:{web.http_port}")
            got = await client.get(path)
            assert got.status_code == 200 and needle in got.content
            written = await client.post("/containers/create" if plant is sp.Plant.DOCKER else "/idx/_doc")
            assert written.status_code in (403, 404, 405)
            if plant is sp.Plant.OLD_APACHE:
                assert got.headers["server"] == "Apache/2.4.49 (Unix)"


# --- UDP agents and memcached -----------------------------------------------------------------
# A v2c GetRequest for sysDescr.0 (RFC 3416), request id 0x1234, as a manager sends it.
SNMP_GET = bytes.fromhex("3027020101" "04067075626c6963" "a01a" "02021234" "020100" "020100"
                         "300e" "300c" "06082b06010201010100" "0500")


def _udp(address: str, port: int, data: bytes) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(data, (address, port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


async def test_snmp_answers_public_and_nothing_else(address: str) -> None:
    assert len(SNMP_GET) == SNMP_GET[1] + 2
    async with running(SnmpAgent(address)) as agent:
        reply = await asyncio.to_thread(_udp, address, agent.port, SNMP_GET)
        assert reply is not None and b"\xa2" in reply and b"Huawei Versatile Routing Platform" in reply
        private = SNMP_GET.replace(b"public", b"secret")
        assert await asyncio.to_thread(_udp, address, agent.port, private) is None
        set_request = SNMP_GET.replace(b"\xa0\x1a", b"\xa3\x1a")
        refused = await asyncio.to_thread(_udp, address, agent.port, set_request)
        assert refused is not None and b"\x02\x01\x06\x02\x01\x01" in refused  # noAccess, index 1
        assert await asyncio.to_thread(_udp, address, agent.port, b"\x30\x82garbage") is None


async def test_open_resolver_offers_recursion_on_udp_and_tcp(address: str) -> None:
    udp_server, tcp_server = DnsResolverResponder(address), DnsTcpResolverResponder(address)
    async with running(tcp_server):
        udp_server.port = tcp_server.port
        async with running(udp_server):
            query = dns.message.make_query("canhgac-probe.invalid", "A")
            answer = await dns.asyncquery.udp(query, address, port=udp_server.port, timeout=2)
            assert answer.flags & dns.flags.RA and answer.rcode() == dns.rcode.NXDOMAIN
            query = dns.message.make_query("www.example.com", "A")
            answer = await dns.asyncquery.tcp(query, address, port=tcp_server.port, timeout=2)
            assert answer.flags & dns.flags.RA and answer.answer[0][0].to_text() == "192.0.2.10"
    async with running(DnsResolverResponder(address, recursion=False)) as closed:
        answer = await dns.asyncquery.udp(query, address, port=closed.port, timeout=2)
        assert answer.rcode() == dns.rcode.REFUSED and not answer.flags & dns.flags.RA


async def test_memcached_tcp_and_udp_answer_stats_and_refuse_writes(address: str) -> None:
    async with running(MemcachedResponder(address)) as tcp:
        stats = await talk(address, tcp.port, b"version\r\nstats\r\n", until=lambda r: r.endswith(b"END\r\n"))
        assert stats.startswith(b"VERSION 1.5.6\r\n") and b"STAT curr_items" in stats
        refused = await talk(address, tcp.port, b"set k 0 0 1\r\nx\r\nget k\r\n")
        assert refused == b"SERVER_ERROR lab server: writes are refused\r\n" and tcp.refused_writes == 1
        assert await talk(address, tcp.port, b"get k\r\n", until=lambda r: r.endswith(b"\r\n")) == b"END\r\n"
        async with running(MemcachedUdpResponder(address, tcp.port)) as udp:
            frame = b"\x00\x2a\x00\x00\x00\x01\x00\x00"  # request id 42, datagram 0 of 1
            reply = await asyncio.to_thread(_udp, address, udp.port, frame + b"stats\r\n")
            assert reply is not None and reply[:8] == b"\x00\x2a\x00\x00\x00\x01\x00\x00"
            assert b"STAT version 1.5.6" in reply


# --- robustness and the whole lab -------------------------------------------------------------
TCP_RESPONDERS: tuple[Callable[[str], TcpResponder | LabSmbServer], ...] = (
    SmbResponder, FtpResponder, TelnetResponder, RdpResponder, VncResponder, RedisResponder,
    MemcachedResponder, SshBannerResponder, MysqlResponder, PostgresResponder, MongoResponder,
    DnsTcpResolverResponder, MssqlResponder, LabSmbServer,
)


async def test_garbage_ends_sessions_quietly(address: str) -> None:
    flood = bytes(range(256)) * 4096  # 1 MiB
    for make in TCP_RESPONDERS:
        async with running(make(address)) as server:
            async with asyncio.timeout(3):
                await talk(address, server.port, flood, limit=1 << 20)
        with pytest.raises(OSError):
            await asyncio.open_connection(address, server.port)


async def test_whole_lab_starts_on_free_ports_and_stops() -> None:
    lab = await sl.start_services_lab(port=0)
    try:
        assert set(lab.ports) == {plan.address for plan in sp.HOSTS}
        for plan in sp.HOSTS:
            wanted = {proto for proto, _ in sp.PORTS[plan.plant]}
            assert set(lab.ports[plan.address]) == wanted
        dns_host = next(p.address for p in sp.HOSTS if p.plant is sp.Plant.OPEN_RESOLVER)
        assert lab.ports[dns_host]["tcp"] == lab.ports[dns_host]["udp"]
        assert lab.redis_kind in ("responder",) or lab.redis_kind.startswith("redis-server ")
        control = next(p.address for p in sp.HOSTS if p.plant is sp.Plant.NOTHING)
        async with httpx.AsyncClient(verify=False) as client:
            page = await client.get(f"https://{control}:{lab.ports[control]['tcp'][0]}/")
        assert page.status_code == 200
        assert lab.internal_errors == 0
    finally:
        await lab.stop()
    for address, ports in lab.ports.items():
        with pytest.raises(OSError):
            await asyncio.open_connection(address, ports["tcp"][0])
