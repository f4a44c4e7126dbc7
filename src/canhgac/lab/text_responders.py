"""The lab's text-protocol responders: Telnet, FTP and memcached (TCP and UDP).

Telnet negotiates options and prompts for a login it never admits; FTP (vsftpd's replies) lets
``anonymous`` in, lists a folder over a passive data connection and refuses every write;
memcached answers ``version``, ``stats`` and empty ``get`` in its text protocol, on TCP and in
UDP frames, and ends a session at the first write. Sessions are bounded by
:class:`~canhgac.lab.responder_base.TcpResponder`; nothing a client sends is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Callable

from canhgac.lab.responder_base import TcpResponder, UdpResponder, read_line, send

# --- Telnet -------------------------------------------------------------------------------------
IAC, DONT, DO, WONT, WILL = 255, 254, 253, 252, 251
TELNET_GREETING = bytes([IAC, DO, 24, IAC, DO, 32, IAC, DO, 35, IAC, DO, 39, IAC, WILL, 1, IAC, WILL, 3])


class TelnetResponder(TcpResponder):
    """Option negotiation, a banner and ``login:``; every login is refused."""

    def __init__(self, address: str, port: int = 0, *, banner: str = "") -> None:
        super().__init__(address, port)
        self.banner = banner

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, TELNET_GREETING + f"\r\n{self.banner}\r\nlogin: ".encode())
        for _ in range(3):
            if await _telnet_line(reader) is None:
                return
            await send(writer, b"Password: ")
            if await _telnet_line(reader) is None:
                return
            await asyncio.sleep(0.2)
            await send(writer, b"\r\nLogin incorrect\r\nlogin: ")


async def _telnet_line(reader: asyncio.StreamReader) -> bytes | None:
    """A line typed by the client, with option negotiation (IAC sequences) dropped."""
    line = await read_line(reader)
    if line is None:
        return None
    out, skip = bytearray(), 0
    for byte in line:
        if skip:
            skip -= 1
        elif byte == IAC:
            skip = 2
        else:
            out.append(byte)
    return bytes(out)


# --- FTP ----------------------------------------------------------------------------------------
FTP_WRITES = {"STOR", "STOU", "APPE", "DELE", "MKD", "XMKD", "RMD", "XRMD", "RNFR", "RNTO", "SITE", "ALLO"}
FTP_LOGIN_OK, FTP_LOGIN_BAD = b"230 Login successful.\r\n", b"530 Login incorrect.\r\n"
FTP_LISTING = (
    b"-rw-r--r--    1 ftp      ftp        245760 May 12  2024 bao-cao-quy-1.xlsx\r\n"
    b"drwxr-xr-x    2 ftp      ftp          4096 Mar 02  2024 sao-luu\r\n"
)


class FtpResponder(TcpResponder):
    """An FTP server (vsftpd's replies) that lets ``anonymous`` in and refuses every write."""

    def __init__(
        self, address: str, port: int = 0, *, banner: str = "(vsFTPd 3.0.3)", anonymous: bool = True
    ) -> None:
        super().__init__(address, port)
        self.banner = banner
        self.anonymous = anonymous
        self.refused_writes = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, f"220 {self.banner}\r\n".encode())
        user, logged_in = "", False
        passive: asyncio.Queue[asyncio.StreamWriter] | None = None
        data_server: asyncio.Server | None = None
        try:
            for _ in range(100):
                line = await read_line(reader)
                if line is None:
                    return
                verb, _, arg = line.decode("latin-1").partition(" ")
                verb = verb.upper()
                if verb == "QUIT":
                    await send(writer, b"221 Goodbye.\r\n")
                    return
                if verb == "USER":
                    user, logged_in = arg.strip(), False
                    await send(writer, b"331 Please specify the password.\r\n")
                elif verb == "PASS":
                    logged_in = self.anonymous and user.lower() in ("anonymous", "ftp")
                    await send(writer, FTP_LOGIN_OK if logged_in else FTP_LOGIN_BAD)
                elif not logged_in:
                    await send(writer, b"530 Please login with USER and PASS.\r\n")
                elif verb in FTP_WRITES:
                    self.refused_writes += 1
                    await send(writer, b"550 Permission denied.\r\n")
                elif verb == "PASV":
                    if data_server is not None:
                        data_server.close()
                    passive = asyncio.Queue(1)
                    data_server = await asyncio.start_server(_accept_into(passive), self.address, 0)
                    port = data_server.sockets[0].getsockname()[1]
                    numbers = ",".join([*self.address.split("."), str(port >> 8), str(port & 255)])
                    await send(writer, f"227 Entering Passive Mode ({numbers}).\r\n".encode())
                elif verb in ("LIST", "NLST"):
                    await self._listing(writer, passive, verb)
                    passive = None
                else:
                    await send(writer, _ftp_simple(verb))
        finally:
            if data_server is not None:
                data_server.close()

    async def _listing(
        self, writer: asyncio.StreamWriter, passive: asyncio.Queue[asyncio.StreamWriter] | None, verb: str
    ) -> None:
        if passive is None:
            await send(writer, b"425 Use PORT or PASV first.\r\n")
            return
        await send(writer, b"150 Here comes the directory listing.\r\n")
        data = await asyncio.wait_for(passive.get(), 10)
        body = FTP_LISTING if verb == "LIST" else b"bao-cao-quy-1.xlsx\r\nsao-luu\r\n"
        data.write(body)
        with contextlib.suppress(ConnectionError):
            await data.drain()
        data.close()
        await send(writer, b"226 Directory send OK.\r\n")


def _accept_into(
    queue: asyncio.Queue[asyncio.StreamWriter],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]:
    """A data-connection callback handing the first connection to the session (later ones close)."""

    def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if queue.full():
            writer.close()
        else:
            queue.put_nowait(writer)

    return accept


def _ftp_simple(verb: str) -> bytes:
    answers = {
        "SYST": b"215 UNIX Type: L8\r\n",
        "PWD": b'257 "/" is the current directory\r\n',
        "TYPE": b"200 Switching to Binary mode.\r\n",
        "NOOP": b"200 NOOP ok.\r\n",
        "FEAT": b"211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n UTF8\r\n211 End\r\n",
        "CWD": b"250 Directory successfully changed.\r\n",
        "OPTS": b"200 Always in UTF8 mode.\r\n",
        "RETR": b"550 Failed to open file.\r\n",
        "SIZE": b"550 Could not get file size.\r\n",
        "PORT": b"500 PORT not allowed here: use PASV.\r\n",
        "EPSV": b"500 Use PASV.\r\n",
    }
    return answers.get(verb, b"500 Unknown command.\r\n")


# --- memcached ----------------------------------------------------------------------------------
MEMCACHED_WRITES = {
    "set",
    "add",
    "replace",
    "append",
    "prepend",
    "cas",
    "incr",
    "decr",
    "delete",
    "touch",
    "flush_all",
    "gat",
    "gats",
    "verbosity",
    "shutdown",
    "lru_crawler",
    "slabs",
}


def memcached_stats(version: str) -> bytes:
    rows = (
        ("pid", "1187"),
        ("uptime", "8213407"),
        ("version", version),
        ("libevent", "2.1.8-stable"),
        ("pointer_size", "64"),
        ("curr_connections", "10"),
        ("total_connections", "48211"),
        ("cmd_get", "1932841"),
        ("cmd_set", "220914"),
        ("get_hits", "1811203"),
        ("curr_items", "5214"),
        ("bytes", "9310481"),
        ("limit_maxbytes", "67108864"),
        ("threads", "4"),
    )
    return b"".join(f"STAT {k} {v}\r\n".encode() for k, v in rows) + b"END\r\n"


def memcached_answer(line: bytes, version: str) -> bytes | None:
    """The reply to one text-protocol command line; None: refuse and hang up (a write)."""
    words = line.decode("latin-1").split()
    verb = words[0].lower() if words else ""
    if verb == "version":
        return f"VERSION {version}\r\n".encode()
    if verb == "stats":
        return memcached_stats(version) if len(words) == 1 else b"END\r\n"
    if verb in ("get", "gets"):
        return b"END\r\n"
    if verb in MEMCACHED_WRITES:
        return None
    return b"ERROR\r\n"


class MemcachedResponder(TcpResponder):
    """memcached's text protocol: ``version``, ``stats``, empty ``get``; writes end the session."""

    def __init__(self, address: str, port: int = 0, *, version: str = "1.5.6") -> None:
        super().__init__(address, port)
        self.version = version
        self.refused_writes = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(100):
            line = await read_line(reader)
            if line is None or line.strip().lower() == b"quit":
                return
            reply = memcached_answer(line, self.version)
            if reply is None:
                self.refused_writes += 1
                await send(writer, b"SERVER_ERROR lab server: writes are refused\r\n")
                return
            await send(writer, reply)


class MemcachedUdpResponder(UdpResponder):
    """memcached over UDP: an 8-byte frame header (request id, sequence, count, reserved)."""

    def __init__(self, address: str, port: int = 0, *, version: str = "1.5.6") -> None:
        super().__init__(address, port)
        self.version = version

    def answer(self, data: bytes) -> list[bytes]:
        request_id, _, _, _ = struct.unpack(">HHHH", data[:8])
        reply = memcached_answer(data[8:].split(b"\r\n", 1)[0], self.version)
        if reply is None:
            reply = b"SERVER_ERROR lab server: writes are refused\r\n"
        chunks = [reply[i : i + 1400] for i in range(0, len(reply), 1400)]
        return [struct.pack(">HHHH", request_id, n, len(chunks), 0) + c for n, c in enumerate(chunks)]
