"""The lab's Windows file server that lists its shares to a null session: impacket's SMB server.

:class:`impacket.smbserver.SMBSERVER` is a real SMB implementation: SMB1 "NT LM 0.12" and SMB
2.0.2, NTLM sessions that, with no credentials configured, admit anyone (an anonymous
AUTHENTICATE included), and named pipes forwarded to impacket's DCE/RPC servers, whose srvsvc
``NetrShareEnum`` lists the configured shares. :class:`LabSmbServer` configures it deliberately
(fixed names, read-only shares on empty folders, only the srvsvc pipe) and runs it in daemon
threads that :meth:`LabSmbServer.stop` ends within a second.

Three pieces of impacket are replaced because the lab must stay quiet and bounded: the
per-connection handler (impacket's reads wait five minutes and print a traceback on stderr for
every dropped client; here a session lasts :data:`SESSION_SECONDS` at most), the pipe server's
accept loop (it cannot be stopped) and the answer to an SMB1 NEGOTIATE that offers no SMB2
dialect (with SMB2 enabled impacket prints a traceback before falling back to SMB1; that
fallback is called directly). impacket's module logger, which reports clients' mistakes (a
path outside a share) as errors, is sent to this module's debug log. Requests that would still
change the share folders although they are read-only (SMB2 SET_INFO, TRANS2 set-information:
timestamps) are refused.
"""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import logging
import os
import shutil
import socket
import socketserver
import struct
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impacket import smb, smb3structs, smbserver  # type: ignore[import-untyped]
from impacket.nt_errors import STATUS_ACCESS_DENIED  # type: ignore[import-untyped]

from canhgac.lab.responder_base import SESSION_SECONDS, ClientProtocolError

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 1 << 18  # bytes in one SMB message (impacket's client writes 64 KiB at most)
MAX_MESSAGES = 200  # SMB messages in one session; a share listing takes about a dozen
MAX_SESSIONS = 16  # connections at once; more are closed on accept
POLL_SECONDS = 0.1  # how quickly the serving loops notice stop()


@dataclass(frozen=True)
class Share:
    name: str
    comment: str


SHARES = (Share("CONGVAN", "Cong van den - di"),)


class LabSmbServer:
    """A file server of ``domain`` named ``name`` that lists ``shares`` (and IPC$) to anyone.

    Every share, IPC$ included, is read-only and points at its own empty temporary folder (never
    the process's working directory, which impacket would use for an empty path).
    """

    def __init__(
        self,
        address: str,
        port: int = 0,
        *,
        shares: tuple[Share, ...] = SHARES,
        name: str = "FS-VANTHU-01",
        domain: str = "VNPTKG",
    ) -> None:
        self.address, self.port = address, port
        self.shares, self.name, self.domain = shares, name, domain
        self.folder = ""
        self._server: _SmbServer | None = None
        self._listing: _ShareListing | None = None
        self._thread: threading.Thread | None = None

    @property
    def internal_errors(self) -> int:
        return sum(part.internal_errors for part in (self._server, self._listing) if part is not None)

    @property
    def refused_writes(self) -> int:
        return self._server.refused_writes if self._server is not None else 0

    def share_folder(self, name: str) -> str:
        return str(Path(self.folder) / name)

    async def start(self) -> None:
        _quiet_impacket_server_log()
        self.folder = tempfile.mkdtemp(prefix="canhgac-lab-smb-")
        try:
            config = self._config()
            self._listing = _ShareListing(config)
            self._server = _SmbServer((self.address, self.port), config)
            pipe = str(Path(self.share_folder("IPC$")) / "srvsvc")  # where impacket looks for it
            self._server.registerNamedPipe(pipe, ("127.0.0.1", self._listing.getListenPort()))
        except BaseException:
            self._close()
            raise
        self.port = int(self._server.server_address[1])
        self._listing.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(POLL_SECONDS,),
            name=f"lab-smb-{self.address}",
            daemon=True,
        )
        self._thread.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self._close)  # it waits for the serving threads (a second at most)

    def _close(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(1)
            self._server.server_close()
            self._server.end_sessions()
        if self._listing is not None:
            self._listing.stop()
        self._thread = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _config(self) -> configparser.ConfigParser:
        config = configparser.ConfigParser()
        config["global"] = {
            "server_name": self.name,
            "server_os": "Windows Server 2012 R2 Standard 9600",
            "server_domain": self.domain,
            "log_file": "None",
            "credentials_file": "",
            "rpc_apis": "yes",
            "SMB2Support": "True",
            "anonymous_logon": "True",
            "challenge": os.urandom(8).hex(),
        }
        shares = (Share("IPC$", "Remote IPC"), *self.shares)
        for share in shares:
            folder = self.share_folder(share.name)
            Path(folder).mkdir()
            config[share.name] = {
                "comment": share.comment,
                "read only": "yes",
                "path": folder,
                "share type": "3" if share.name == "IPC$" else "0",
            }
        return config


class _SmbServer(smbserver.SMBSERVER):  # type: ignore[misc]
    """impacket's SMB server with the lab's session handler, quiet logs and writes refused."""

    daemon_threads = True  # a stuck session never holds the process
    block_on_close = False  # stop() ends the sessions by closing their sockets instead

    def __init__(self, address: tuple[str, int], config: configparser.ConfigParser) -> None:
        super().__init__(address, handler_class=_Session, config_parser=config)
        self.internal_errors = 0
        self.refused_writes = 0
        self.sessions: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.processConfigFile()
        self.hookSmb2Command(smb3structs.SMB2_SET_INFO, self._refuse_set_info)
        for command in (smb.SMB.TRANS2_SET_PATH_INFORMATION, smb.SMB.TRANS2_SET_FILE_INFORMATION):
            self.hookTransaction2(command, self._refuse_trans2)

    def log(self, msg: str, level: int = logging.INFO, connData: Any = None) -> None:  # noqa: N803
        log.debug("%s", msg)  # impacket logs every request (and NTLM hashes) at INFO and above

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.lock:
            return len(self.sessions) < MAX_SESSIONS

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.sessions.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.sessions.discard(request)
        super().shutdown_request(request)

    def end_sessions(self) -> None:
        with self.lock:
            sessions = list(self.sessions)
        for sock in sessions:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def answer(self, conn_id: str, message: bytes) -> list[Any]:
        if _smb1_only_negotiate(message):
            packet = smb.NewSMBPacket(data=message)
            command = smb.SMBCommand(packet["Data"][0])
            _, packets, _ = smbserver.SMBCommands.smbComNegotiate(conn_id, self, command, packet)
            return list(packets)
        return list(self.processRequest(conn_id, message))

    def _refuse_set_info(self, conn_id: str, server: Any, packet: Any) -> tuple[list[Any], None, int]:
        self.refused_writes += 1
        return [smb3structs.SMB2Error()], None, STATUS_ACCESS_DENIED

    def _refuse_trans2(
        self, conn_id: str, server: Any, packet: Any, parameters: bytes, data: bytes, max_data_count: int = 0
    ) -> tuple[bytes, bytes, bytes, int]:
        self.refused_writes += 1
        return b"", b"", b"", STATUS_ACCESS_DENIED


class _ToDebug(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log.debug("impacket: %s", record.getMessage())


def _quiet_impacket_server_log() -> None:
    """Send what impacket's server module logs to this module's debug log, not the root's handlers."""
    server_log = logging.getLogger(smbserver.__name__)
    if not any(isinstance(handler, _ToDebug) for handler in server_log.handlers):
        server_log.addHandler(_ToDebug())
        server_log.propagate = False


def _smb1_only_negotiate(message: bytes) -> bool:
    return message[:5] == b"\xffSMB\x72" and b"\x02SMB 2." not in message


class _Session(socketserver.BaseRequestHandler):
    """One client: SMB messages over direct TCP ([MS-SMB2] 2.1), for SESSION_SECONDS at most."""

    server: _SmbServer

    def handle(self) -> None:
        conn_id = threading.current_thread().name
        deadline = time.monotonic() + SESSION_SECONDS
        self.server.addConnection(conn_id, *self.client_address[:2])
        try:
            for _ in range(MAX_MESSAGES):
                message = _read_message(self.request, deadline)
                if message is None:
                    return
                try:
                    replies = self.server.answer(conn_id, message)
                except Exception as exc:  # impacket's parsers raise anything on bytes that are not SMB
                    log.debug("lab SMB server on %s: %s", self.server.server_address[0], exc)
                    return
                for reply in replies:
                    data = reply.getData() if hasattr(reply, "getData") else bytes(reply)
                    self.request.sendall(struct.pack(">I", len(data)) + data)
        except (OSError, ClientProtocolError):
            pass  # the client went away, stalled, or framed garbage: the connection just ends
        except Exception:  # a bug of the lab must not pass silently
            self.server.internal_errors += 1
            log.exception("lab SMB session on %s failed", self.server.server_address[0])
        finally:
            self._forget(conn_id)

    def _forget(self, conn_id: str) -> None:
        state = self.server.getActiveConnections().get(conn_id, {})
        for opened in state.get("OpenedFiles", {}).values():
            pipe = opened.get("Socket")
            if isinstance(pipe, socket.socket):
                pipe.close()  # the forwarded srvsvc connection, when the client did not close it
        self.server.removeConnection(conn_id)


def _read_message(sock: socket.socket, deadline: float) -> bytes | None:
    """One message: a zero byte and a 24-bit length, then the message; None at end of stream."""
    head = _read_exactly(sock, 4, deadline, allow_eof=True)
    if head is None:
        return None
    length = int.from_bytes(head[1:], "big")
    if head[0] != 0 or not 4 <= length <= MESSAGE_LIMIT:
        raise ClientProtocolError("not an SMB transport frame")
    return _read_exactly(sock, length, deadline)


def _read_exactly(
    sock: socket.socket, size: int, deadline: float, *, allow_eof: bool = False
) -> bytes | None:
    data = b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ClientProtocolError("session time is up")
        sock.settimeout(remaining)
        chunk = sock.recv(size - len(data))
        if not chunk:
            if allow_eof and not data:
                return None
            raise ClientProtocolError("truncated message")
        data += chunk
    return data


class _ShareListing(smbserver.SRVSServer):  # type: ignore[misc]
    """impacket's srvsvc (NetrShareEnum over the configured shares) behind a stoppable, bounded loop.

    It listens on 127.0.0.1 (impacket binds it there), outside every range the demo declares;
    the SMB server connects to it when a client opens \\PIPE\\srvsvc.
    """

    def __init__(self, config: configparser.ConfigParser) -> None:
        super().__init__()
        self.setServerConfig(config)
        self.processConfigFile()
        self.daemon = True
        self.name = "lab-smb-srvsvc"
        self.internal_errors = 0
        self._stopping = threading.Event()
        self._sock.settimeout(POLL_SECONDS)

    def log(self, msg: str, level: int = logging.INFO) -> None:
        log.debug("%s", msg)

    def run(self) -> None:
        self._sock.listen(4)
        while not self._stopping.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listening socket was closed: stop()
            with client:
                self._clientSock = client
                self._serve(client, time.monotonic() + SESSION_SECONDS)

    def _serve(self, client: socket.socket, deadline: float) -> None:
        for _ in range(MAX_MESSAGES):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stopping.is_set():
                return
            client.settimeout(remaining)
            try:
                data = self.recv()
                if data is None:
                    return
                answer = self.processRequest(data)
                if answer is not None:
                    self.send(answer)
            except OSError:
                return
            except Exception as exc:  # impacket's DCE/RPC parsers on bytes that are not a request
                log.debug("lab srvsvc: %s", exc)
                return

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        client = self._clientSock
        if isinstance(client, socket.socket):
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        if self.is_alive():
            self.join(1)
