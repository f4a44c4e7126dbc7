"""The lab's Redis servers: a real ``redis-server``, or a RESP responder when it is missing.

:class:`RedisServerProcess` starts ``redis-server`` on one address with no password, its default
user held to read commands by an ACL so that it can never be written to, nothing saved to disk,
and reports its version; without the binary it starts :class:`RedisResponder` instead, which
answers read commands in RESP and refuses every write with ``-READONLY``. Which of the two runs is
noted in :attr:`~canhgac.lab.services_lab.ServicesLab.redis_kind`. With ``requirepass=True`` the
server asks for a password (``--requirepass``, a random one nobody is told): every command before
``AUTH`` gets ``-NOAUTH Authentication required.``, as an agency's Redis with a password does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from typing import Protocol

from canhgac.lab.child_process import die_with_parent
from canhgac.lab.responder_base import LINE_LIMIT, ClientProtocolError, TcpResponder, read_line, send


class _KindNote(Protocol):
    """What the Redis server tells its lab (the services lab; no import of it, no cycle)."""

    redis_kind: str


class RedisServerProcess:
    """A real ``redis-server`` on one address, its default user held to reads by an ACL; no password
    unless ``requirepass``."""

    ACL = ("default", "on", "nopass", "~*", "&*", "-@all", "+@read", "+@connection", "+info", "+command")

    def __init__(
        self,
        address: str,
        port: int,
        binary: str | None,
        lab: _KindNote | None = None,
        *,
        requirepass: bool = False,
    ) -> None:
        self.address, self.port, self.lab = address, port, lab
        self.password = secrets.token_urlsafe(24) if requirepass else ""
        self.binary = shutil.which(binary) if binary else None
        self.process: asyncio.subprocess.Process | None = None
        self.fallback: RedisResponder | None = None
        self.internal_errors = 0
        self.folder = ""

    async def start(self) -> None:
        if self.binary is None:
            self.fallback = RedisResponder(self.address, self.port, password=self.password)
            await self.fallback.start()
            self.port = self.fallback.port
            self._kind("responder")
            return
        if self.port == 0:
            self.port = _free_port(self.address)
        else:
            _must_be_free(self.address, self.port)  # else the lab would talk to someone else's Redis
        self.folder = tempfile.mkdtemp(prefix="canhgac-lab-redis-")
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            "--bind",
            self.address,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--daemonize",
            "no",
            "--dir",
            self.folder,
            "--logfile",
            "",
            *self._access(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C on the terminal reaches the lab, which stops it in order
            preexec_fn=functools.partial(die_with_parent, os.getpid()),
        )
        version = await self._wait_ready()
        self._kind(f"redis-server {version}")

    def _access(self) -> tuple[str, ...]:
        """The ACL (reads only); with a password, ``requirepass`` and the same password in the ACL
        (a ``user default`` line after ``requirepass`` would otherwise drop the password)."""
        if not self.password:
            return ("--user", *self.ACL)
        default, on, _nopass, *rules = self.ACL
        return ("--requirepass", self.password, "--user", default, on, f">{self.password}", *rules)

    def _kind(self, kind: str) -> None:
        if self.lab is not None:
            self.lab.redis_kind = kind

    async def _wait_ready(self) -> str:
        for _ in range(100):
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
                reader, writer = await asyncio.open_connection(self.address, self.port)
                try:
                    if self.password:
                        writer.write(b"AUTH %s\r\n" % self.password.encode())
                        if not (await reader.readline()).startswith(b"+OK"):
                            raise ValueError("AUTH refused")
                    writer.write(b"INFO server\r\n")
                    head = await reader.readline()
                    info = (await reader.readexactly(int(head[1:]) + 2)).decode()
                    return next(
                        (
                            line.split(":", 1)[1].strip()
                            for line in info.splitlines()
                            if line.startswith("redis_version:")
                        ),
                        "unknown",
                    )
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


def _must_be_free(address: str, port: int) -> None:
    """Raise ``EADDRINUSE`` naming the address when another server listens there."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"error while attempting to bind on address {(address, port)!r}: "
                f"{(exc.strerror or '').lower()}",
            ) from exc


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


REDIS_READS = {"ping", "info", "echo", "dbsize", "time", "lastsave", "type", "exists", "get", "ttl", "scan"}


class RedisResponder(TcpResponder):
    """A Redis speaking RESP: read commands answer, writes get ``-READONLY``. With a ``password``,
    every command but ``AUTH`` first gets ``-NOAUTH`` (a connection is never let in: the lab's
    password is never given)."""

    def __init__(self, address: str, port: int = 0, *, version: str = "7.0.15", password: str = "") -> None:
        super().__init__(address, port)
        self.version = version
        self.password = password
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
            if self.password:
                await send(writer, _WRONGPASS if verb == "auth" else _NOAUTH)
                continue
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
            return (
                b"-ERR AUTH <password> called without any password configured for the default user. "
                b"Are you sure your configuration is correct?\r\n"
            )
        self.refused_writes += 1
        return b"-READONLY You can't write against a read only replica.\r\n"

    def _info(self) -> str:
        lines = [
            "# Server",
            f"redis_version:{self.version}",
            "redis_mode:standalone",
            "os:Linux 5.4.0 x86_64",
            "tcp_port:6379",
            "",
            "# Clients",
            "connected_clients:1",
            "",
            "# Keyspace",
            "db0:keys=3,expires=0",
        ]
        return "\r\n".join(lines) + "\r\n"


_NOAUTH = b"-NOAUTH Authentication required.\r\n"
_WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


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
