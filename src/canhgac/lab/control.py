"""The running lab's control channel: a UNIX socket in the workspace's lab folder.

``canhgac lab up`` listens on ``WORKSPACE/lab/control.sock`` (in the lab's event loop, beside
its servers); ``canhgac lab break|restore|switches`` connect to it. A file-system socket is
reachable from outside the lab's network namespace (an abstract one would not be), only by
whoever may open the folder, and the kernel tells a client at once when nobody listens
(``lab up`` holds the folder's lock, so a socket left by a killed one is removed at the next
start). One request per connection, one JSON line each way:

- ``{"do": "break", "switch": "deface", "agency": "STTTT"}``
- ``{"do": "restore", "switch": null, "agency": null}`` (null: every switch, every agency)
- ``{"do": "status"}``

The answer is ``{"ok": true, "changed": [...], "on": [...]}`` (switches as
:meth:`~canhgac.lab.switches.Thrown.as_dict`) or ``{"ok": false, "error": CODE, "values": {...}}``
with :class:`~canhgac.lab.switches.SwitchError`'s code (or ``failed``, with the error's text, when a
server could not be changed): the client says it in its language.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canhgac.lab.switches import SwitchError

if TYPE_CHECKING:
    from canhgac.lab.runtime import Lab

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
MAX_REQUEST = 4096
TIMEOUT = 30.0
_SUN_PATH_MAX = 100  # sockaddr_un holds 108 bytes; a longer path is reached through /proc/self/fd


class LabNotRunningError(Exception):
    """No ``canhgac lab up`` listens in this folder."""


class ControlProtocolError(Exception):
    """The lab answered something that is not the control protocol (or nothing in time)."""


@contextlib.contextmanager
def _addressable(path: Path) -> Iterator[str]:
    """A name ``bind``/``connect`` accept for ``path``, however long its folder's name is."""
    if len(os.fsencode(path)) < _SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


class ControlServer:
    """Answers the control requests of one running lab, in the lab's event loop."""

    def __init__(self, lab: Lab, folder: Path) -> None:
        self.lab = lab
        self.path = folder / SOCKET_NAME
        self._server: asyncio.Server | None = None
        self._lock = asyncio.Lock()  # one switch at a time: each may stop and start servers

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a lab killed before it could remove it (we hold the lock)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with _addressable(self.path) as name:
                sock.bind(name)
            self.path.chmod(0o600)
        except BaseException:
            sock.close()
            raise
        self._server = await asyncio.start_unix_server(self._serve, sock=sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), TIMEOUT)
            answer = await self.answer(line[:MAX_REQUEST])
            writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass  # the client went away
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line (never raises for what a client sends)."""
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return {"ok": False, "error": "bad-request", "values": {}}
        async with self._lock:
            return await self._do(request)

    async def _do(self, request: dict[str, Any]) -> dict[str, Any]:
        switches = self.lab.switches
        switch, agency = request.get("switch"), request.get("agency")
        try:
            if request.get("do") == "break" and isinstance(switch, str) and isinstance(agency, str):
                changed: tuple[Any, ...] = (await switches.break_(switch, agency),)
            elif (
                request.get("do") == "restore"
                and isinstance(switch, str | None)
                and isinstance(agency, str | None)
            ):
                changed = await switches.restore(switch, agency)
            elif request.get("do") == "status":
                changed = ()
            else:
                return {"ok": False, "error": "bad-request", "values": {}}
        except SwitchError as exc:
            return {"ok": False, "error": exc.code, "values": exc.values}
        except Exception as exc:  # a server that would not start again: said, and the lab keeps running
            log.exception("lab switch failed")
            return {"ok": False, "error": "failed", "values": {"detail": str(exc) or type(exc).__name__}}
        on = [t.as_dict() for t in switches.on]
        return {"ok": True, "changed": [t.as_dict() for t in changed], "on": on}


def request(folder: Path, message: dict[str, Any], *, timeout: float = TIMEOUT) -> dict[str, Any]:
    """Send one request to the lab running in ``folder``; its answer."""
    path = folder / SOCKET_NAME
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            with _addressable(path) as name:
                sock.connect(name)
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise LabNotRunningError(str(folder)) from None
        try:
            sock.sendall(json.dumps(message).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError as exc:
            raise ControlProtocolError(str(exc)) from None
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        raise ControlProtocolError(data[:200].decode(errors="replace"))
    return answer
