"""The lab's health count: a bug inside any server the lab started shows in ``Lab.internal_errors``.

Each lab below holds one server whose handler raises (the DNS cluster, the mail, web and
exposed-services labs); a client's garbage, by contrast, is not an internal error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import dns.asyncquery
import dns.exception
import dns.message
import pytest

from canhgac.engine.dns import ServerAddress
from canhgac.lab.dns_server import LabDnsCluster, ServerSpec
from canhgac.lab.mail_lab import MailLab
from canhgac.lab.mailbox_server import LabImapServer, MailboxConfig
from canhgac.lab.responder_base import ClientProtocolError, TcpResponder
from canhgac.lab.runtime import Lab
from canhgac.lab.services_lab import ServicesLab
from canhgac.lab.web_lab import WebLab
from canhgac.lab.web_server import LabWebServer, WebAnswer, WebRequest

ZONE = "$TTL 60\n@ SOA ns hostmaster 1 60 60 60 60\n@ NS ns\nns A 127.0.0.1\n"


class BrokenResponder(TcpResponder):
    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise RuntimeError("a bug in a lab responder")


class GarbageRefusingResponder(TcpResponder):
    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        raise ClientProtocolError("the client spoke garbage")


class BrokenImapServer(LabImapServer):
    async def converse(self, session: object) -> None:
        raise RuntimeError("a bug in a lab mailbox server")


def broken_site(request: WebRequest) -> WebAnswer:
    raise RuntimeError("a bug in a lab web site")


async def _poke(address: str, port: int, data: bytes = b"") -> None:
    """Connect, send ``data``, wait for the server to hang up."""
    reader, writer = await asyncio.open_connection(address, port)
    try:
        writer.write(data)
        async with asyncio.timeout(2):
            with contextlib.suppress(ConnectionError):
                await reader.read()
    finally:
        writer.close()


async def test_every_lab_servers_internal_errors_count_in_the_total(
    address: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)  # the tracebacks the lab logs for each bug are expected here
    cluster = LabDnsCluster({address: ServerSpec(zones={"health.test": ZONE})})
    services = ServicesLab([BrokenResponder(address), GarbageRefusingResponder(address)])
    web = WebLab({"http://health.test/": LabWebServer(broken_site, address=address, cert=None)}, "")
    mail = MailLab([BrokenImapServer(address=address, config=MailboxConfig(starttls=False))], "")
    lab = Lab(cluster=cluster, resolver=ServerAddress(address, 0), nameserver_port=0, inventory_yaml="",
              expected_findings=(), mail=mail, web=web, services=services)
    servers = [*services.servers, *web.servers.values(), *mail.servers]
    await cluster.start()
    for server in servers:
        await server.start()
    try:
        assert lab.internal_errors == 0

        async def raising(data: bytes, *, tcp: bool) -> list[bytes]:
            raise RuntimeError("a bug in a lab name server")

        monkeypatch.setattr(cluster.servers[address], "_replies", raising)
        with pytest.raises(dns.exception.Timeout):
            await dns.asyncquery.udp(dns.message.make_query("health.test", "SOA"), address,
                                     port=cluster.port, timeout=0.5)
        assert lab.internal_errors == cluster.internal_errors == 1

        broken, refusing = services.servers
        await _poke(address, broken.port)
        await _poke(address, refusing.port, b"garbage")
        assert (services.internal_errors, refusing.sessions) == (1, 1)
        assert lab.internal_errors == 2

        http_port = next(iter(web.servers.values())).http_port
        assert http_port is not None
        await _poke(address, http_port, b"GET / HTTP/1.1\r\nHost: health.test\r\n\r\n")
        assert web.internal_errors == 1 and lab.internal_errors == 3

        await _poke(address, mail.servers[0].port)
        assert mail.internal_errors == 1 and lab.internal_errors == 4
    finally:
        for server in servers:
            await server.stop()
        await cluster.stop()
