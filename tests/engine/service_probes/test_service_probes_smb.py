"""The SMB probe against a responder that answers NEGOTIATE in SMB1 ([MS-CIFS] 2.2.4.52.2) and
SMB2 ([MS-SMB2] 2.2.4), and refuses every SESSION_SETUP (so impacket's null session is denied).
"""

from __future__ import annotations

import asyncio
import struct

from test_service_probes_responders import serve

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, Service
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.service_probes.smb import smb1_negotiate, smb2_negotiate

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=1.0)
STATUS_ACCESS_DENIED = 0xC0000022


def _smb2_header(command: int, message_id: int, status: int = 0) -> bytes:
    return b"\xfeSMB" + struct.pack(
        "<HHIHHIIQIIQ16s", 64, 0, status, command, 1, 1, 0, message_id, 0, 0, 0, b""
    )


def _smb2_negotiate_response(dialect: int, security: int, message_id: int) -> bytes:
    body = struct.pack(
        "<HHHH16sIIIIQQHHI", 65, security, dialect, 0, b"g" * 16, 0, 65536, 65536, 65536, 0, 0, 128, 0, 0
    )
    return _smb2_header(0, message_id) + body + b"\x00"


def _smb1_negotiate_response(security: int) -> bytes:
    header = b"\xffSMB" + struct.pack("<BIBH12sHHHH", 0x72, 0, 0x98, 0xC801, b"", 0, 0, 0, 0)
    words = struct.pack("<HBHHIIIIQhB", 0, security, 50, 1, 16644, 65536, 0, 0xE3FD, 0, 0, 0)
    return header + bytes((17,)) + words + struct.pack("<H", 0)


def smb_server(*, smb1: bool, smb2_security: int = 0x01, smb1_security: int = 0x03):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readexactly(4)
            if head[0] != 0:
                return  # not a session message: the real servers drop the connection
            message = await reader.readexactly(int.from_bytes(head[1:], "big"))
            if message[:4] == b"\xffSMB" and message[4] == 0x72:
                dialects = message[35:].split(b"\x00")
                if any(d.endswith(b"SMB 2.002") for d in dialects):  # impacket's multi-protocol negotiate
                    reply = _smb2_negotiate_response(0x0202, smb2_security, 0)
                elif smb1:
                    reply = _smb1_negotiate_response(smb1_security)
                else:
                    return  # SMB1 disabled: Windows resets the connection
            elif message[:4] == b"\xfeSMB":
                command, message_id = (
                    struct.unpack_from("<H", message, 12)[0],
                    struct.unpack_from("<Q", message, 24)[0],
                )
                if command == 0:
                    reply = _smb2_negotiate_response(0x0302, smb2_security, message_id)
                else:
                    reply = _smb2_header(command, message_id, STATUS_ACCESS_DENIED) + struct.pack(
                        "<HBBI", 9, 0, 0, 0
                    )
            else:
                return
            writer.write(struct.pack(">I", len(reply)) + reply)
            await writer.drain()

    return handle


def test_negotiate_requests_are_well_formed() -> None:
    one = smb1_negotiate()
    assert one[4:8] == b"\xffSMB" and one[8] == 0x72 and one.endswith(b"\x02NT LM 0.12\x00")
    two = smb2_negotiate()
    assert two[4:8] == b"\xfeSMB" and int.from_bytes(two[:4], "big") == len(two) - 4
    assert struct.unpack_from("<HH", two, 68) == (36, 4)


async def test_smb1_accepted_and_signing_not_required() -> None:
    async with serve(smb_server(smb1=True)) as (host, port):
        reading = await identify(host, port, ProbeOptions(LIMITS))
    assert reading.service is Service.SMB and reading.smb is not None
    assert reading.smb.smb1 is True and reading.smb.smb2_dialect == "3.0.2"
    assert reading.smb.signing_required is False
    assert reading.smb.share_access is Access.PROTECTED, reading.smb.share_detail


async def test_smb1_refused_and_signing_required() -> None:
    async with serve(smb_server(smb1=False, smb2_security=0x03)) as (host, port):
        reading = await identify(host, port, ProbeOptions(LIMITS))
    assert reading.smb is not None
    assert (reading.smb.smb1, reading.smb.signing_required) == (False, True)
