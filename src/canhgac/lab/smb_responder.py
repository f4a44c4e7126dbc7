"""The lab's SMB responder: an SMB server's NEGOTIATE for SMB1 "NT LM 0.12" and SMB 2.0.2-3.0.2.

Enough of [MS-SMB] 2.2.4.5.2 and [MS-SMB2] 2.2.4 for a probe to learn the dialects and the
signing mode a server offers; every SESSION_SETUP is denied (no null session, no guest). The
file server that does list its shares to anyone is impacket's (:mod:`canhgac.lab.smb_server`).
"""

from __future__ import annotations

import asyncio
import struct
import time

from canhgac.lab.responder_base import ClientProtocolError, TcpResponder, send

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

    def __init__(
        self, address: str, port: int = 0, *, smb1: bool = True, signing_required: bool = False
    ) -> None:
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
        return (
            self._smb1_header(command, 0, tid, pid, uid, mid)
            + bytes([17])
            + words
            + struct.pack("<H", len(data))
            + data
        )

    @staticmethod
    def _smb1_header(command: int, status: int, tid: int, pid: int, uid: int, mid: int) -> bytes:
        return struct.pack(
            "<4sBIBHH8sHHHHH", b"\xffSMB", command, status, 0x98, 0xC801, 0, bytes(8), 0, tid, pid, uid, mid
        )

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
        body = struct.pack(
            "<HHHH16sIIIIQQHHI",
            65,
            mode,
            dialect,
            0,
            SERVER_GUID,
            0x7,
            8388608,
            8388608,
            8388608,
            now,
            now - 10**10,
            128,
            len(SPNEGO_NTLM),
            0,
        )
        return self._smb2_header(SMB2_NEGOTIATE, 0, message_id) + body + SPNEGO_NTLM

    @staticmethod
    def _smb2_header(command: int, status: int, message_id: int) -> bytes:
        return struct.pack(
            "<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, status, command, 1, 1, 0, message_id, 0, 0, 0, bytes(16)
        )


def _filetime() -> int:
    return int(time.time() * 10_000_000) + 116444736000000000
