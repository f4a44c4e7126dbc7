"""The syslog listener with real sockets on 127.0.0.1: UDP, TCP (octet counting and LF), TLS
(with and without client certificates, from trustme's test CA), and hostile clients (garbage,
overlong frames, a stalled client, too many connections, a failed handshake): each ends in a
count, never in a crash, and the listener keeps serving the next client."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import trustme

from canhgac.i18n import language
from canhgac.logs.syslog_server import Endpoint, SyslogServer, SyslogServerConfig, check_bind

LOCAL = Endpoint("127.0.0.1", 0)


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[bytes, str]] = []
        self.changed = asyncio.Event()

    def __call__(self, data: bytes, sender: str) -> None:
        self.items.append((data, sender))
        self.changed.set()

    async def wait_for(self, n: int) -> list[bytes]:
        while len(self.items) < n:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 10)
        return [d for d, _ in self.items]


async def until(cond: Callable[[], bool]) -> None:
    for _ in range(1000):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


def port(server: SyslogServer, transport: str) -> int:
    return next(ep.port for t, ep in server.bound if t == transport)


@pytest.fixture
async def started() -> AsyncIterator[Callable[..., object]]:
    servers: list[SyslogServer] = []

    async def start(**kw: object) -> tuple[SyslogServer, Inbox]:
        inbox = Inbox()
        server = SyslogServer(SyslogServerConfig(loopback_only=True, **kw), inbox)  # type: ignore[arg-type]
        await server.start()
        servers.append(server)
        return server, inbox

    yield start
    for s in servers:
        await s.close()


async def test_udp_datagrams(started) -> None:  # type: ignore[no-untyped-def]
    server, inbox = await started(udp=(LOCAL,), max_frame=1000)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port(server, "udp")))
    transport.sendto(b"<13>Dec  7 21:59:01 h sshd: one\n")
    transport.sendto(b"x" * 2000)  # overlong
    transport.sendto(b"<13>1 - h app - - - two")
    assert await inbox.wait_for(2) == [b"<13>Dec  7 21:59:01 h sshd: one", b"<13>1 - h app - - - two"]
    assert inbox.items[0][1] == "127.0.0.1"
    assert server.counters.overlong == 1
    transport.close()


async def test_tcp_octet_counting_and_lf_framing(started) -> None:  # type: ignore[no-untyped-def]
    server, inbox = await started(tcp=(LOCAL,))
    _r, w = await asyncio.open_connection("127.0.0.1", port(server, "tcp"))
    one = b"<13>1 - h a - - - one"
    w.write(b"%d %s<13>two\n" % (len(one), one))
    w.write(b"<13>three")  # no LF: handed out when the client closes
    await w.drain()
    w.close()
    assert await inbox.wait_for(3) == [b"<13>1 - h a - - - one", b"<13>two", b"<13>three"]
    assert server.counters.by_transport == {"tcp": 3}


async def test_hostile_tcp_clients_give_counts(started) -> None:  # type: ignore[no-untyped-def]
    server, inbox = await started(tcp=(LOCAL,), max_frame=200, max_connections=3, idle_timeout=0.3)
    p = port(server, "tcp")
    # garbage and binary, an overlong LF frame, an overlong and a broken octet count
    r, w = await asyncio.open_connection("127.0.0.1", p)
    w.write(b"\x00\xff\xfe\x89PNG\r\n" + b"A" * 1000 + b"\n" + b"99999 " + b"B" * 99999
            + b"77x junk\n<13>survivor\n")
    await w.drain()
    assert (await inbox.wait_for(2))[-1] == b"<13>survivor"
    await until(lambda: server.counters.overlong == 2 and server.counters.garbage == 1)
    w.close()
    # a client that stalls is closed after the idle timeout
    r, w = await asyncio.open_connection("127.0.0.1", p)
    w.write(b"<13>half a mess")
    await w.drain()
    assert await asyncio.wait_for(r.read(), 10) == b""  # closed by the server
    assert server.counters.idle_closed == 1
    w.close()
    # too many connections: the extra ones are closed at once, the others still served
    await until(lambda: server._active == 0)
    held = [await asyncio.open_connection("127.0.0.1", p) for _ in range(3)]
    await until(lambda: server._active == 3)
    r4, w4 = await asyncio.open_connection("127.0.0.1", p)
    assert await asyncio.wait_for(r4.read(), 10) == b""
    assert server.counters.refused >= 1
    held[0][1].write(b"<13>still served\n")
    await held[0][1].drain()
    await until(lambda: inbox.items[-1][0] == b"<13>still served")
    for _, hw in held:
        hw.close()
    w4.close()


def tls_files(tmp_path: Path, ca: trustme.CA) -> tuple[Path, Path]:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    crt, key = tmp_path / "server.crt", tmp_path / "server.key"
    cert.private_key_and_cert_chain_pem.write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    return crt, key


async def test_tls_with_and_without_client_certificates(started, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ca = trustme.CA()
    crt, key = tls_files(tmp_path, ca)
    server, inbox = await started(tls=(LOCAL,), cert=crt, key=key, idle_timeout=2)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    p = port(server, "tls")
    r, w = await asyncio.open_connection("127.0.0.1", p, ssl=client_ctx, server_hostname="localhost")
    w.write(b"26 <13>1 - h sshd - - - hello")
    await w.drain()
    assert await inbox.wait_for(1) == [b"<13>1 - h sshd - - - hello"]
    w.close()
    # plain TCP to the TLS port: a failed handshake, counted
    r, w = await asyncio.open_connection("127.0.0.1", p)
    w.write(b"<13>not tls at all\n" * 20)
    await w.drain()
    await until(lambda: server.counters.tls_failed == 1)
    w.close()
    assert len(inbox.items) == 1

    # client certificates required
    ca_pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    server2, inbox2 = await started(tls=(LOCAL,), cert=crt, key=key, client_ca=ca_pem, idle_timeout=2)
    p2 = port(server2, "tls")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        r, w = await asyncio.open_connection("127.0.0.1", p2, ssl=client_ctx, server_hostname="localhost")
        w.write(b"<13>no client cert\n")
        await w.drain()
        await asyncio.wait_for(r.read(), 10)
        raise ConnectionError("closed")
    client_cert = ca.issue_cert("agency-mail.example")
    with_cert = ssl.create_default_context()
    ca.configure_trust(with_cert)
    client_cert.configure_cert(with_cert)
    r, w = await asyncio.open_connection("127.0.0.1", p2, ssl=with_cert, server_hostname="localhost")
    w.write(b"<13>with a client cert\n")
    await w.drain()
    assert await inbox2.wait_for(1) == [b"<13>with a client cert"]
    w.close()
    await until(lambda: server2.counters.tls_failed >= 1)


async def test_tls_needs_its_certificate() -> None:
    server = SyslogServer(SyslogServerConfig(tls=(LOCAL,), loopback_only=True), lambda d, s: None)
    with language("en"), pytest.raises(ValueError, match="certificate and a key"):
        await server.start()


async def test_a_port_in_use_is_an_os_error_and_binds_nothing(started) -> None:  # type: ignore[no-untyped-def]
    server, _ = await started(tcp=(LOCAL,))
    busy = Endpoint("127.0.0.1", port(server, "tcp"))
    other = SyslogServer(SyslogServerConfig(udp=(LOCAL,), tcp=(busy,), loopback_only=True),
                         lambda d, s: None)
    with pytest.raises(OSError):
        await other.start()
    assert other._udp == []


def test_loopback_only_refuses_other_addresses_and_endpoints_parse() -> None:
    check_bind("127.0.0.1", True)
    check_bind("::1", True)
    for host in ("0.0.0.0", "192.0.2.1", "example.org"):
        with language("en"), pytest.raises(ValueError, match="only loopback"):
            check_bind(host, True)
    check_bind("0.0.0.0", False)  # the product binds where the operator says
    assert Endpoint.parse("127.0.0.1:514") == Endpoint("127.0.0.1", 514)
    assert Endpoint.parse("[::1]:6514") == Endpoint("::1", 6514)
    assert Endpoint.parse(":514") == Endpoint("0.0.0.0", 514)
    for bad in ("127.0.0.1", "h:99999", "h:x"):
        with pytest.raises(ValueError):
            Endpoint.parse(bad)
