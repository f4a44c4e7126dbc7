"""The lab's file server (impacket's SMB server as :mod:`canhgac.lab.smb_server` configures it):
a null session lists exactly its shares over SMB2 and SMB1, nothing can be written, impacket
stays silent on stderr, and garbage, stalled clients and stop() end sessions promptly."""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from impacket import smb3structs  # type: ignore[import-untyped, unused-ignore]
from impacket.smb import SMB_DIALECT  # type: ignore[import-untyped, unused-ignore]
from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped, unused-ignore]
from test_lab_services import running, talk

from canhgac.engine.service_probes.smb import smb1_negotiate
from canhgac.lab.smb_server import LabSmbServer, Share


def _null_session(address: str, port: int, dialect: str | None = None) -> Any:
    conn = SMBConnection(address, address, sess_port=port, preferredDialect=dialect, timeout=5)
    conn.login("", "")
    return conn


def _listing(address: str, port: int, dialect: str | None) -> tuple[Any, bool, list[str]]:
    conn = _null_session(address, port, dialect)
    try:
        names = [str(s["shi1_netname"]).rstrip("\x00") for s in conn.listShares()]
        return conn.getDialect(), conn.isSigningRequired(), names
    finally:
        conn.close()


async def test_a_null_session_lists_exactly_the_shares_over_smb2_and_smb1(address: str) -> None:
    async with running(LabSmbServer(address)) as smb:
        got = await asyncio.to_thread(_listing, address, smb.port, None)
        assert got == (smb3structs.SMB2_DIALECT_002, False, ["IPC$", "CONGVAN"])
        got = await asyncio.to_thread(_listing, address, smb.port, SMB_DIALECT)
        assert got == (SMB_DIALECT, False, ["IPC$", "CONGVAN"])
    two = LabSmbServer(address, shares=(Share("SCAN", "May quet"), Share("KETOAN", "Ke toan")))
    async with running(two) as smb:
        _, _, names = await asyncio.to_thread(_listing, address, smb.port, None)
        assert names == ["IPC$", "SCAN", "KETOAN"]


def _write_attempts(address: str, port: int, dialect: str | None) -> dict[str, str]:
    conn = _null_session(address, port, dialect)
    attempts: dict[str, Callable[[], object]] = {
        "create": lambda: conn.putFile("CONGVAN", "moi.txt", io.BytesIO(b"x").read),
        "mkdir": lambda: conn.createDirectory("CONGVAN", "thu-muc"),
        "ipc-create": lambda: conn.putFile("IPC$", "moi.txt", io.BytesIO(b"x").read),
        "outside": lambda: conn.getFile("CONGVAN", "../../../../etc/hostname", io.BytesIO().write),
        "cwd-via-ipc": lambda: conn.getFile("IPC$", "pyproject.toml", io.BytesIO().write),
    }
    if dialect is None:  # SMB2 SET_INFO on the share's root: new timestamps
        attempts["set-info"] = lambda: _set_times(conn)
    outcomes = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            outcomes[name] = "done"
        except Exception as exc:  # impacket's SessionError (smb or smb3) carries the status
            status = re.search(r"STATUS_[A-Z_]+", str(exc))
            outcomes[name] = status.group(0) if status else repr(exc)
    conn.close()
    return outcomes


def _set_times(conn: Any) -> None:
    tree = conn.connectTree("CONGVAN")
    access = smb3structs.FILE_READ_ATTRIBUTES | smb3structs.FILE_WRITE_ATTRIBUTES
    fid = conn.openFile(tree, "", desiredAccess=access, creationOption=smb3structs.FILE_DIRECTORY_FILE)
    basic = smb3structs.FILE_BASIC_INFORMATION()
    basic["CreationTime"] = basic["ChangeTime"] = 0
    basic["LastAccessTime"] = basic["LastWriteTime"] = 116444736000000000  # 1970
    basic["FileAttributes"] = 0x10
    conn.getSMBServer().setInfo(tree, fid, inputBlob=basic, infoType=smb3structs.SMB2_0_INFO_FILE,
                                fileInfoClass=smb3structs.SMB2_FILE_BASIC_INFO)


@pytest.mark.parametrize("dialect", [None, SMB_DIALECT])
async def test_nothing_can_be_written_or_read_outside_the_shares(address: str, dialect: str | None) -> None:
    async with running(LabSmbServer(address)) as smb:
        folder = smb.share_folder("CONGVAN")
        before = os.stat(folder).st_mtime_ns
        outcomes = await asyncio.to_thread(_write_attempts, address, smb.port, dialect)
        assert {k: outcomes[k] for k in ("create", "mkdir", "ipc-create")} == dict.fromkeys(
            ("create", "mkdir", "ipc-create"), "STATUS_ACCESS_DENIED")
        assert outcomes["outside"] == "STATUS_OBJECT_PATH_SYNTAX_BAD"
        assert outcomes["cwd-via-ipc"] == "STATUS_NO_SUCH_FILE"  # IPC$ is an empty folder, not the cwd
        if dialect is None:
            assert outcomes["set-info"] == "STATUS_ACCESS_DENIED" and smb.refused_writes == 1
        assert os.listdir(folder) == [] and os.stat(folder).st_mtime_ns == before
    assert not Path(folder).exists()  # noqa: ASYNC240 - stop() removed the folders


async def test_an_smb1_only_negotiate_is_answered_silently(address: str,
                                                           capfd: pytest.CaptureFixture[str]) -> None:
    async with running(LabSmbServer(address)) as smb:
        reply = await talk(address, smb.port, smb1_negotiate(), until=lambda r: len(r) >= 40)
    status, words, index, security = struct.unpack_from("<IBHB", reply, 9)[0], reply[36], *struct.unpack_from(
        "<HB", reply, 37)
    assert reply[4:9] == b"\xffSMB\x72" and (status, words, index) == (0, 17, 0)
    assert security == 0x03  # user-level, challenge/response; signing neither enabled nor required
    assert capfd.readouterr().err == ""  # impacket's SMB2 path prints a traceback for this request


async def test_garbage_ends_sessions_quietly(address: str, capfd: pytest.CaptureFixture[str]) -> None:
    frames = (b"\x00\x00\x00\x08\xfeSMBjunk", b"\x00\x00\x00\x20" + bytes(range(32)), b"\x85\x00\x00\x00",
              b"\x00\xff\xff\xff", bytes(range(256)) * 4096)
    async with running(LabSmbServer(address)) as smb:
        for frame in frames:
            async with asyncio.timeout(3):
                await talk(address, smb.port, frame, limit=1 << 20)
        assert (await asyncio.to_thread(_listing, address, smb.port, None))[2] == ["IPC$", "CONGVAN"]
    assert capfd.readouterr().err == ""


async def test_stop_ends_connected_sessions_promptly(address: str) -> None:
    smb = LabSmbServer(address)
    await smb.start()
    try:
        idle = socket.create_connection((address, smb.port), timeout=5)  # connected, never speaks
        conn = await asyncio.to_thread(_null_session, address, smb.port)  # logged in, pipe never closed
        tree = await asyncio.to_thread(conn.connectTree, "IPC$")
        await asyncio.to_thread(conn.openFile, tree, "srvsvc")
    finally:
        started = time.monotonic()
        await smb.stop()
    assert time.monotonic() - started < 2
    assert smb.internal_errors == 0
    with idle:
        assert idle.recv(16) == b""  # the server closed it
    with pytest.raises(OSError):
        await asyncio.open_connection(address, smb.port)
