"""The lab's exposed-service responders: real protocol bytes, read-only, bounded.

Each responder speaks enough of its protocol for a scanner's read-only probe to learn what a
real server would tell it: Telnet (option negotiation and a login prompt that never admits
anyone), FTP (anonymous login, listings; every write refused), SSH (an old OpenSSH banner and
its algorithm offer; no key exchange), VNC (RFB 3.8 offering security type None), RDP (X.224
Connection Confirm with an RDP_NEG_RSP, [MS-RDPBCGR] 2.2.1.2), SMB (NEGOTIATE for SMB1 "NT LM
0.12" and SMB2, [MS-SMB] 2.2.4.5.2 and [MS-SMB2] 2.2.4; every SESSION_SETUP denied), memcached
(text protocol on TCP, framed ``stats`` on UDP) and Redis (RESP, read commands only: the
fallback when ``redis-server`` is missing). The database responders (MySQL, PostgreSQL,
MongoDB) and the UDP agents (SNMP, DNS) live in :mod:`canhgac.lab.services_lab`. Every session
is bounded in time, line length and message size; nothing a client sends is ever stored or
executed, and every write a protocol allows is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SESSION_SECONDS = 30.0  # a session longer than this is cut
LINE_LIMIT = 1024  # bytes in one command line
MESSAGE_LIMIT = 1 << 20  # bytes in one binary message


class ClientProtocolError(Exception):
    """The client sent something this responder will not parse further: the session ends."""


class TcpResponder:
    """One protocol on one address and TCP port (0 picks a free port); ``serve`` is the session."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.address = address
        self.port = port
        self.internal_errors = 0
        self.sessions = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._session, self.address, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.sessions += 1
        try:
            await asyncio.wait_for(self.serve(reader, writer), SESSION_SECONDS)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ClientProtocolError, asyncio.CancelledError):
            pass  # the client went away, stalled, or spoke garbage: the connection just ends
        except Exception:  # a bug must not take the lab down; it is counted and logged
            self.internal_errors += 1
            log.exception("lab %s responder on %s failed", type(self).__name__, self.address)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


async def read_line(reader: asyncio.StreamReader) -> bytes | None:
    """One CRLF- or LF-terminated line without its end; None at end of stream."""
    line = await reader.readuntil(b"\n") if not reader.at_eof() else b""
    if len(line) > LINE_LIMIT:
        raise ClientProtocolError("line too long")
    return line.rstrip(b"\r\n") if line else None


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


class UdpResponder(asyncio.DatagramProtocol):
    """One UDP service: ``answer(datagram)`` returns the reply datagrams (none: silence)."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.address = address
        self.port = port
        self.internal_errors = 0
        self.datagrams = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.address, self.port))
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.datagrams += 1
        try:
            replies = self.answer(data)
        except (ValueError, IndexError, struct.error, ClientProtocolError):
            return  # malformed: dropped, as real agents do
        except Exception:
            self.internal_errors += 1
            log.exception("lab %s responder on %s failed", type(self).__name__, self.address)
            return
        if self._transport is not None:
            for reply in replies:
                self._transport.sendto(reply, addr)

    def answer(self, data: bytes) -> list[bytes]:
        raise NotImplementedError


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
FTP_LISTING = (b"-rw-r--r--    1 ftp      ftp        245760 May 12  2024 bao-cao-quy-1.xlsx\r\n"
               b"drwxr-xr-x    2 ftp      ftp          4096 Mar 02  2024 sao-luu\r\n")


class FtpResponder(TcpResponder):
    """An FTP server (vsftpd's replies) that lets ``anonymous`` in and refuses every write."""

    def __init__(self, address: str, port: int = 0, *, banner: str = "(vsFTPd 3.0.3)",
                 anonymous: bool = True) -> None:
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

    async def _listing(self, writer: asyncio.StreamWriter,
                       passive: asyncio.Queue[asyncio.StreamWriter] | None, verb: str) -> None:
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


def _accept_into(queue: asyncio.Queue[asyncio.StreamWriter]) -> Callable[
        [asyncio.StreamReader, asyncio.StreamWriter], None]:
    """A data-connection callback handing the first connection to the session (later ones close)."""

    def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if queue.full():
            writer.close()
        else:
            queue.put_nowait(writer)

    return accept


def _ftp_simple(verb: str) -> bytes:
    answers = {"SYST": b"215 UNIX Type: L8\r\n", "PWD": b'257 "/" is the current directory\r\n',
               "TYPE": b"200 Switching to Binary mode.\r\n", "NOOP": b"200 NOOP ok.\r\n",
               "FEAT": b"211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n UTF8\r\n211 End\r\n",
               "CWD": b"250 Directory successfully changed.\r\n", "OPTS": b"200 Always in UTF8 mode.\r\n",
               "RETR": b"550 Failed to open file.\r\n", "SIZE": b"550 Could not get file size.\r\n",
               "PORT": b"500 PORT not allowed here: use PASV.\r\n", "EPSV": b"500 Use PASV.\r\n"}
    return answers.get(verb, b"500 Unknown command.\r\n")


# --- SSH ----------------------------------------------------------------------------------------
OPENSSH_7_4_KEXINIT = (
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha256,"
    "diffie-hellman-group14-sha1",
    "ssh-rsa,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,"
    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "none,zlib@openssh.com",
)


def ssh_kexinit(kex: str, host_keys: str, ciphers: str, macs: str, compression: str) -> bytes:
    """An SSH_MSG_KEXINIT binary packet (RFC 4253 6 and 7.1), unencrypted as the first packet is."""
    lists = (kex, host_keys, ciphers, ciphers, macs, macs, compression, compression, "", "")
    payload = bytes([20]) + os.urandom(16)
    payload += b"".join(struct.pack(">I", len(item)) + item.encode() for item in lists) + b"\x00" + bytes(4)
    padding = 8 - (len(payload) + 5) % 8
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + bytes(padding)


class SshBannerResponder(TcpResponder):
    """The identification string and KEXINIT of an SSH server; no key exchange follows."""

    def __init__(self, address: str, port: int = 0, *, banner: str = "SSH-2.0-OpenSSH_7.4",
                 algorithms: tuple[str, str, str, str, str] = OPENSSH_7_4_KEXINIT) -> None:
        super().__init__(address, port)
        self.banner = banner
        self.algorithms = algorithms

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, f"{self.banner}\r\n".encode() + ssh_kexinit(*self.algorithms))
        await reader.read(MESSAGE_LIMIT)  # the client's version and KEXINIT, then the lab hangs up


# --- VNC ----------------------------------------------------------------------------------------
class VncResponder(TcpResponder):
    """RFB 3.8 ([RFC 6143]) offering only security type 1 (None) and a ServerInit."""

    def __init__(self, address: str, port: int = 0, *, name: str = "nvr-camera",
                 no_auth: bool = True) -> None:
        super().__init__(address, port)
        self.name = name
        self.no_auth = no_auth

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await send(writer, b"RFB 003.008\n")
        version = await reader.readexactly(12)
        security = 1 if self.no_auth else 2
        if version in (b"RFB 003.003\n",):
            await send(writer, struct.pack(">I", security))
        else:
            await send(writer, bytes([1, security]))
            if (await reader.readexactly(1))[0] != security:
                raise ClientProtocolError("unoffered security type")
        if not self.no_auth:
            await send(writer, os.urandom(16))  # a VNC authentication challenge; the lab stops there
            await reader.readexactly(16)
            await send(writer, struct.pack(">I", 1) + _rfb_reason("Authentication failed"))
            return
        if version != b"RFB 003.003\n":
            await send(writer, struct.pack(">I", 0))  # SecurityResult OK
        await reader.readexactly(1)  # ClientInit (shared flag)
        pixel = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        await send(writer, struct.pack(">HH", 1280, 720) + pixel + _rfb_reason(self.name))
        await reader.read(MESSAGE_LIMIT)


def _rfb_reason(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">I", len(data)) + data


# --- RDP ----------------------------------------------------------------------------------------
PROTOCOL_RDP, PROTOCOL_SSL, PROTOCOL_HYBRID = 0, 1, 2
SSL_REQUIRED_BY_SERVER, SSL_NOT_ALLOWED_BY_SERVER, HYBRID_REQUIRED_BY_SERVER = 1, 2, 5


class RdpResponder(TcpResponder):
    """Answers the X.224 Connection Request: a Connection Confirm with RDP_NEG_RSP or FAILURE.

    ``supported``: the security protocols the server would use; with ``nla_required`` only
    CredSSP (HYBRID) is accepted. The strongest requested protocol it supports is selected.
    """

    def __init__(self, address: str, port: int = 0, *, nla_required: bool = False,
                 supported: tuple[int, ...] = (PROTOCOL_RDP, PROTOCOL_SSL)) -> None:
        super().__init__(address, port)
        self.supported = supported
        self.nla_required = nla_required

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, _, length = struct.unpack(">BBH", await reader.readexactly(4))
        if version != 3 or not 11 <= length <= 4096:
            raise ClientProtocolError("not a TPKT")
        x224 = await reader.readexactly(length - 4)
        if x224[1] != 0xE0:
            raise ClientProtocolError("not a Connection Request")
        requested = None  # RDP_NEG_REQ, when present, ends the request (after any cookie)
        if len(x224) >= 15 and x224[-8] == 0x01 and x224[-6:-4] == b"\x08\x00":
            requested = struct.unpack("<I", x224[-4:])[0]
        await send(writer, self._confirm(requested))
        await reader.read(MESSAGE_LIMIT)

    def _confirm(self, requested: int | None) -> bytes:
        if requested is None:  # a pre-negotiation client: standard RDP security, unless NLA is required
            body = b""
            if self.nla_required:
                body = struct.pack("<BBHI", 3, 0, 8, HYBRID_REQUIRED_BY_SERVER)
        else:
            body = struct.pack("<BBHI", *self._negotiate(requested))
        x224 = bytes([6 + len(body), 0xD0, 0, 0, 0x12, 0x34, 0]) + body
        return struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224

    def _negotiate(self, requested: int) -> tuple[int, int, int, int]:
        # PROTOCOL_RDP is selectable only when nothing else was requested ([MS-RDPBCGR] 3.3.5.3.1)
        offered = {p for p in (PROTOCOL_SSL, PROTOCOL_HYBRID) if requested & p}
        offered = offered if requested else {PROTOCOL_RDP}
        allowed = {PROTOCOL_HYBRID} if self.nla_required else set(self.supported)
        common = offered & allowed
        if common:
            return 2, 0, 8, max(common)
        if self.nla_required:
            return 3, 0, 8, HYBRID_REQUIRED_BY_SERVER
        if allowed == {PROTOCOL_RDP}:
            return 3, 0, 8, SSL_NOT_ALLOWED_BY_SERVER
        return 3, 0, 8, SSL_REQUIRED_BY_SERVER


# --- SMB ----------------------------------------------------------------------------------------
STATUS_ACCESS_DENIED = 0xC0000022
SMB1_NEGOTIATE, SMB1_SESSION_SETUP = 0x72, 0x73
SMB2_NEGOTIATE, SMB2_SESSION_SETUP = 0x0000, 0x0001
SMB2_DIALECTS = (0x0202, 0x0210, 0x0300, 0x0302)  # 3.1.1 needs negotiate contexts: not offered
# An SPNEGO NegTokenInit offering NTLMSSP (1.3.6.1.4.1.311.2.2.10), as a server's negotiate blob.
SPNEGO_NTLM = bytes.fromhex("601c06062b0601050502a0123010a00e300c060a2b06010401823702020a")
SERVER_GUID = bytes.fromhex("6c61622d736d622d73657276657221aa")


class SmbResponder(TcpResponder):
    """An SMB server's NEGOTIATE: SMB1 "NT LM 0.12" (when ``smb1``) and SMB 2.0.2-3.0.2.

    ``signing_required`` sets the security mode of both; every SESSION_SETUP is answered
    STATUS_ACCESS_DENIED (no null session, no guest), anything else ends the connection.
    """

    def __init__(self, address: str, port: int = 0, *, smb1: bool = True,
                 signing_required: bool = False) -> None:
        super().__init__(address, port)
        self.smb1 = smb1
        self.signing_required = signing_required
        self.dialects_seen: list[str] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(8):
            kind, _, length = struct.unpack(">BBH", await reader.readexactly(4))
            if kind != 0 or length > 65535:
                raise ClientProtocolError("not a NetBIOS session message")
            message = await reader.readexactly(length)
            if message[:4] == b"\xffSMB" and len(message) >= 33:
                reply = self._smb1(message)
            elif message[:4] == b"\xfeSMB" and len(message) >= 64:
                reply = self._smb2(message)
            else:
                raise ClientProtocolError("not SMB")
            if reply is None:
                return
            await send(writer, struct.pack(">I", len(reply)) + reply)

    def _smb1(self, message: bytes) -> bytes | None:
        command, tid, pid, uid, mid = message[4], *struct.unpack("<HHHH", message[24:32])
        if command == SMB1_SESSION_SETUP:
            return self._smb1_header(command, STATUS_ACCESS_DENIED, tid, pid, uid, mid) + b"\x00\x00\x00"
        if command != SMB1_NEGOTIATE:
            return None
        dialects = [d[1:].decode("latin-1") for d in message[35:].split(b"\x00") if d.startswith(b"\x02")]
        self.dialects_seen += dialects
        if any(d.startswith("SMB 2.") for d in dialects):  # multi-protocol negotiate: SMB2 wins
            return self._smb2_negotiate(0, 0x02FF if "SMB 2.???" in dialects else 0x0202)
        if not self.smb1:
            return None  # SMB1 disabled: Windows resets the connection
        index = dialects.index("NT LM 0.12") if "NT LM 0.12" in dialects else 0xFFFF
        if index == 0xFFFF:
            params = struct.pack("<BH", 1, 0xFFFF) + b"\x00\x00"
            return self._smb1_header(command, 0, tid, pid, uid, mid) + params
        mode = 0x03 | 0x04 | (0x08 if self.signing_required else 0)  # user, encrypt, signing on/required
        caps = 0x8000F3FC  # extended security, unicode, large files, NT SMBs, RPC, status32, ...
        words = struct.pack("<HBHHIIIIQhB", index, mode, 50, 1, 16644, 65536, 0, caps, _filetime(), 0, 0)
        data = SERVER_GUID + SPNEGO_NTLM
        return (self._smb1_header(command, 0, tid, pid, uid, mid) + bytes([17]) + words
                + struct.pack("<H", len(data)) + data)

    @staticmethod
    def _smb1_header(command: int, status: int, tid: int, pid: int, uid: int, mid: int) -> bytes:
        return struct.pack("<4sBIBHH8sHHHHH", b"\xffSMB", command, status, 0x98, 0xC801, 0, bytes(8), 0,
                           tid, pid, uid, mid)

    def _smb2(self, message: bytes) -> bytes | None:
        command = struct.unpack("<H", message[12:14])[0]
        message_id = struct.unpack("<Q", message[24:32])[0]
        if command == SMB2_SESSION_SETUP:
            error = struct.pack("<HBBI", 9, 0, 0, 0) + b"\x00"
            return self._smb2_header(command, STATUS_ACCESS_DENIED, message_id) + error
        if command != SMB2_NEGOTIATE or len(message) < 100:
            return None
        count = struct.unpack("<H", message[66:68])[0]
        offered = struct.unpack(f"<{count}H", message[100 : 100 + 2 * count])
        self.dialects_seen += [f"0x{d:04x}" for d in offered]
        common = [d for d in SMB2_DIALECTS if d in offered]
        if not common:
            error = struct.pack("<HBBI", 9, 0, 0, 0) + b"\x00"
            return self._smb2_header(command, 0xC00000BB, message_id) + error
        return self._smb2_negotiate(message_id, max(common))

    def _smb2_negotiate(self, message_id: int, dialect: int) -> bytes:
        mode = 0x01 | (0x02 if self.signing_required else 0)  # signing enabled / required
        now = _filetime()
        body = struct.pack("<HHHH16sIIIIQQHHI", 65, mode, dialect, 0, SERVER_GUID, 0x7, 8388608, 8388608,
                           8388608, now, now - 10**10, 128, len(SPNEGO_NTLM), 0)
        return self._smb2_header(SMB2_NEGOTIATE, 0, message_id) + body + SPNEGO_NTLM

    @staticmethod
    def _smb2_header(command: int, status: int, message_id: int) -> bytes:
        return struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, status, command, 1, 1, 0, message_id, 0, 0,
                           0, bytes(16))


def _filetime() -> int:
    return int(time.time() * 10_000_000) + 116444736000000000


# --- memcached ----------------------------------------------------------------------------------
MEMCACHED_WRITES = {"set", "add", "replace", "append", "prepend", "cas", "incr", "decr", "delete", "touch",
                    "flush_all", "gat", "gats", "verbosity", "shutdown", "lru_crawler", "slabs"}


def memcached_stats(version: str) -> bytes:
    rows = (("pid", "1187"), ("uptime", "8213407"), ("version", version), ("libevent", "2.1.8-stable"),
            ("pointer_size", "64"), ("curr_connections", "10"), ("total_connections", "48211"),
            ("cmd_get", "1932841"), ("cmd_set", "220914"), ("get_hits", "1811203"), ("curr_items", "5214"),
            ("bytes", "9310481"), ("limit_maxbytes", "67108864"), ("threads", "4"))
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


# --- Redis (fallback) ---------------------------------------------------------------------------
REDIS_READS = {"ping", "info", "echo", "dbsize", "time", "lastsave", "type", "exists", "get", "ttl", "scan"}


class RedisResponder(TcpResponder):
    """A Redis without a password, speaking RESP: read commands answer, writes get ``-READONLY``."""

    def __init__(self, address: str, port: int = 0, *, version: str = "7.0.15") -> None:
        super().__init__(address, port)
        self.version = version
        self.refused_writes = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(100):
            command = await _resp_command(reader)
            if not command:
                return
            verb = command[0].lower()
            if verb == "quit":
                await send(writer, b"+OK\r\n")
                return
            await send(writer, self._answer(verb, command[1:]))

    def _answer(self, verb: str, args: list[str]) -> bytes:
        if verb == "ping":
            return _bulk(args[0]) if args else b"+PONG\r\n"
        if verb == "echo" and args:
            return _bulk(args[0])
        if verb == "info":
            return _bulk(self._info())
        if verb == "dbsize":
            return b":3\r\n"
        if verb in ("get", "ttl", "exists", "type", "time", "lastsave", "scan"):
            return b"$-1\r\n" if verb == "get" else b":0\r\n"
        if verb == "auth":
            return (b"-ERR AUTH <password> called without any password configured for the default user. "
                    b"Are you sure your configuration is correct?\r\n")
        self.refused_writes += 1
        return b"-READONLY You can't write against a read only replica.\r\n"

    def _info(self) -> str:
        lines = ["# Server", f"redis_version:{self.version}", "redis_mode:standalone",
                 "os:Linux 5.4.0 x86_64", "tcp_port:6379", "", "# Clients", "connected_clients:1", "",
                 "# Keyspace", "db0:keys=3,expires=0"]
        return "\r\n".join(lines) + "\r\n"


def _bulk(text: str) -> bytes:
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


async def _resp_command(reader: asyncio.StreamReader) -> list[str]:
    """One command: a RESP array of bulk strings, or an inline command line."""
    line = await read_line(reader)
    if line is None:
        return []
    if not line.startswith(b"*"):
        return line.decode("latin-1").split()
    count = int(line[1:])
    if not 0 < count <= 64:
        raise ClientProtocolError("bad RESP array")
    words: list[str] = []
    for _ in range(count):
        head = await read_line(reader)
        if head is None or not head.startswith(b"$") or not 0 <= int(head[1:]) <= LINE_LIMIT:
            raise ClientProtocolError("bad RESP bulk string")
        words.append((await reader.readexactly(int(head[1:]) + 2))[:-2].decode("latin-1"))
    return words
