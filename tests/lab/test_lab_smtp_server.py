"""The lab SMTP servers, spoken to with raw asyncio streams: each planted behaviour, each hostile one."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from canhgac.lab.pki import LabCA
from canhgac.lab.smtp_server import Hostile, HostileSmtpServer, LabSmtpServer, Vrfy

CA = LabCA()
CERT = CA.issue(["mail.lab.test"])


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, address: str, port: int) -> Client:
        return cls(*await asyncio.open_connection(address, port))

    async def reply(self) -> list[str]:
        lines = []
        while True:
            line = (await asyncio.wait_for(self.reader.readline(), 2)).decode().rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    async def send(self, text: str) -> list[str]:
        self.writer.write(text.encode() + b"\r\n")
        await self.writer.drain()
        return await self.reply()

    def close(self) -> None:
        self.writer.close()


async def test_banner_relay_policy_and_command_record(address: str) -> None:
    async with LabSmtpServer(
        address=address, banner="mail.lab.test ESMTP Exim 4.94.2", local_domains=["lab.test"]
    ) as s:
        c = await Client.connect(address, s.port)
        assert await c.reply() == ["220 mail.lab.test ESMTP Exim 4.94.2"]
        ehlo = await c.send("EHLO probe.test")
        assert ehlo[0] == "250-mail.lab.test" and not any("STARTTLS" in x or "AUTH" in x for x in ehlo)
        assert (await c.send("MAIL FROM:<a@example.org>"))[0].startswith("250")
        assert (await c.send("RCPT TO:<b@example.net>"))[0].startswith("554 5.7.1")
        assert (await c.send("RCPT TO:<postmaster@lab.test>"))[0].startswith("250")
        assert (await c.send("BDAT 10 LAST"))[0].startswith("500")
        assert (await c.send("DATA"))[0].startswith("354")  # aiosmtpd accepts; the handler never delivers
        assert (await c.send("x\r\n."))[0].startswith("554")
        assert (await c.send("QUIT"))[0].startswith("221")
        c.close()
    assert s.commands == ["EHLO", "MAIL", "RCPT", "RCPT", "BDAT", "DATA", "QUIT"]


async def test_open_relay_vrfy_expn_and_auth_before_tls(address: str) -> None:
    async with LabSmtpServer(
        address=address, open_relay=True, vrfy=Vrfy.VERIFY, auth_before_tls=True, tls=CERT
    ) as s:
        c = await Client.connect(address, s.port)
        await c.reply()
        ehlo = await c.send("EHLO probe.test")
        assert "250-STARTTLS" in ehlo and any(line[4:].startswith("AUTH") for line in ehlo)
        assert (await c.send("VRFY postmaster"))[0].startswith("250")
        assert (await c.send("VRFY nobody-here"))[0].startswith("550")
        assert (await c.send("EXPN postmaster"))[0].startswith("250")
        await c.send("MAIL FROM:<a@example.org>")
        assert (await c.send("RCPT TO:<b@example.net>"))[0].startswith("250")
        c.close()


async def test_vrfy_disabled_and_auth_only_after_starttls(address: str) -> None:
    async with LabSmtpServer(address=address, tls=CERT) as s:
        c = await Client.connect(address, s.port)
        await c.reply()
        ehlo = await c.send("EHLO probe.test")
        assert not any(line[4:].startswith("AUTH") for line in ehlo)
        assert (await c.send("VRFY postmaster"))[0].startswith("502")
        assert (await c.send("EXPN postmaster"))[0].startswith("502")
        assert (await c.send("STARTTLS"))[0].startswith("220")
        context = ssl.create_default_context(cadata=CA.ca_pem)
        await c.writer.start_tls(context, server_hostname="mail.lab.test")
        after = await c.send("EHLO probe.test")
        assert any(line[4:].startswith("AUTH") for line in after)
        c.close()


async def test_vrfy_answered_252_for_every_name(address: str) -> None:
    async with LabSmtpServer(address=address, vrfy=Vrfy.CANNOT) as s:
        c = await Client.connect(address, s.port)
        await c.reply()
        await c.send("EHLO probe.test")
        assert (await c.send("VRFY postmaster"))[0].startswith("252 2.0.0")
        assert (await c.send("VRFY nobody-here"))[0].startswith("252 2.0.0")
        assert (await c.send("EXPN postmaster"))[0].startswith("252 2.0.0")
        c.close()


async def test_implicit_tls(address: str) -> None:
    async with LabSmtpServer(address=address, tls=CERT, implicit_tls=True) as s:
        context = ssl.create_default_context(cadata=CA.ca_pem)
        reader, writer = await asyncio.open_connection(
            address, s.port, ssl=context, server_hostname="mail.lab.test"
        )
        c = Client(reader, writer)
        assert (await c.reply())[0].startswith("220 mail.lab.test")
        c.close()


async def read_some(reader: asyncio.StreamReader, n: int = 4096) -> bytes:
    return await asyncio.wait_for(reader.read(n), 2)


@pytest.mark.parametrize("behaviour", list(Hostile))
async def test_hostile_behaviours(address: str, behaviour: Hostile) -> None:
    async with HostileSmtpServer(address=address, behaviour=behaviour) as s:
        reader, writer = await asyncio.open_connection(address, s.port)
        if behaviour is Hostile.SILENT:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.read(1), 0.3)
        elif behaviour in (Hostile.ENDLESS_LINE, Hostile.REPLY_FLOOD):
            data = b""
            while len(data) < 100_000:
                data += await read_some(reader)
            assert data.startswith(b"220-")
            assert (b"\r\n" not in data) if behaviour is Hostile.ENDLESS_LINE else data.count(b"\r\n") > 1000
        elif behaviour is Hostile.GARBAGE:
            assert (await read_some(reader))[:4] == b"\x00\x01\x02\x03"
        else:
            greeting = await read_some(reader)
            assert greeting.startswith(b"554" if behaviour is Hostile.REJECT else b"220")
            writer.write(b"EHLO probe.test\r\n")
            await writer.drain()
            if behaviour is Hostile.STALL_AFTER_BANNER:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(reader.read(1), 0.3)
            elif behaviour is Hostile.DROP_AFTER_STARTTLS:
                assert b"STARTTLS" in await read_some(reader)
                writer.write(b"STARTTLS\r\n")
                await writer.drain()
                assert (await read_some(reader)).startswith(b"220")
                assert await read_some(reader) == b""  # hung up
        writer.close()
