"""The lab IMAP and POP3 responders: capabilities per planted case, STARTTLS/STLS, hostile variants."""

from __future__ import annotations

import asyncio
import random
import ssl

import pytest

from canhgac.lab.mailbox_server import Hostile, LabImapServer, LabPop3Server, MailboxConfig
from canhgac.lab.pki import LabCA

CA = LabCA()
HOST = "mail.agency.gov.test"
CERT = CA.issue([HOST])


def address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def lines(reader: asyncio.StreamReader, until: bytes) -> list[str]:
    out = []
    while True:
        line = await asyncio.wait_for(reader.readline(), 5)
        out.append(line.decode().rstrip("\r\n"))
        if line.startswith(until) or not line:
            return out


async def test_imap_hardened_then_starttls() -> None:
    async with LabImapServer(address=address(), cert=CERT) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        greeting = await lines(reader, b"* ")
        assert "STARTTLS" in greeting[0] and "LOGINDISABLED" in greeting[0]
        writer.write(b"a1 LOGIN user secret\r\n")
        assert (await lines(reader, b"a1 "))[-1].startswith("a1 NO [PRIVACYREQUIRED]")
        writer.write(b"a2 STARTTLS\r\n")
        assert (await lines(reader, b"a2 "))[-1].startswith("a2 OK")
        await writer.start_tls(ssl.create_default_context(cadata=CA.ca_pem), server_hostname=HOST)
        writer.write(b"a3 CAPABILITY\r\n")
        after = await lines(reader, b"a3 ")
        assert "AUTH=PLAIN" in after[0] and "LOGINDISABLED" not in after[0] and "STARTTLS" not in after[0]
        writer.write(b"a4 LOGOUT\r\n")
        assert (await lines(reader, b"a4 "))[-1].startswith("a4 OK")
        writer.close()
    assert server.commands == ["LOGIN", "STARTTLS", "CAPABILITY", "LOGOUT"]
    assert server.internal_errors == 0


async def test_imap_cleartext_login_allowed() -> None:
    config = MailboxConfig(starttls=False, login_disabled=False, plaintext_mechanisms=("PLAIN",))
    async with LabImapServer(address=address(), config=config) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        await lines(reader, b"* ")
        writer.write(b"a1 CAPABILITY\r\n")
        caps = (await lines(reader, b"a1 "))[0].split()
        assert "AUTH=PLAIN" in caps and "STARTTLS" not in caps and "LOGINDISABLED" not in caps
        writer.close()


async def test_pop3_capa_and_stls() -> None:
    async with LabPop3Server(address=address(), cert=CERT,
                             config=MailboxConfig(user_command=True)) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        assert (await lines(reader, b"+OK"))[0].startswith("+OK")
        writer.write(b"CAPA\r\n")
        capa = await lines(reader, b".")
        assert "STLS" in capa and "USER" in capa
        writer.write(b"STLS\r\n")
        await lines(reader, b"+OK")
        await writer.start_tls(ssl.create_default_context(cadata=CA.ca_pem), server_hostname=HOST)
        writer.write(b"QUIT\r\n")
        assert (await lines(reader, b"+OK"))[0].startswith("+OK")
        writer.close()
    assert server.commands == ["CAPA", "STLS", "QUIT"]


async def test_pop3_without_capa() -> None:
    async with LabPop3Server(address=address(), config=MailboxConfig(starttls=False, capa=False)) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        await lines(reader, b"+OK")
        writer.write(b"CAPA\r\n")
        assert (await lines(reader, b"-ERR"))[0].startswith("-ERR")
        writer.close()


def test_starttls_needs_a_certificate() -> None:
    with pytest.raises(ValueError, match="certificate"):
        LabImapServer(address=address())


async def test_hostile_endless_line_and_stall() -> None:
    async with LabImapServer(address=address(), config=MailboxConfig(starttls=False,
                                                                    hostile=Hostile.ENDLESS_LINE)) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        data = await asyncio.wait_for(reader.readexactly(200_000), 5)
        assert data.startswith(b"* OK ") and b"\n" not in data
        writer.close()
    async with LabPop3Server(address=address(), config=MailboxConfig(starttls=False,
                                                                    hostile=Hostile.STALL)) as server:
        reader, writer = await asyncio.open_connection(server.address, server.port)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readline(), 0.3)
        writer.close()
