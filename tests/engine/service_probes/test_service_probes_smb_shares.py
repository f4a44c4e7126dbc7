"""The SMB null-session share listing (impacket's client) against a real SMB server, the lab's
(impacket's own server, which lists IPC$ and CONGVAN to anyone), against the responder that
denies every session, and against a server that never answers.
"""

from __future__ import annotations

import asyncio
import time

from test_service_probes_responders import random_address, serve

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, SmbInfo
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.service_probes.smb_shares import anonymous_shares
from canhgac.lab.smb_responder import SmbResponder
from canhgac.lab.smb_server import LabSmbServer

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=1.0)
DEADLINE = 5.0


async def test_a_null_session_lists_the_shares_of_a_real_smb_server() -> None:
    server = LabSmbServer(random_address())
    await server.start()
    try:
        assert await anonymous_shares(server.address, server.port, LIMITS, DEADLINE) == (
            Access.OPEN, ("IPC$", "CONGVAN"), "a null session listed 2 shares")
        reading = await identify(server.address, server.port, ProbeOptions(LIMITS))
    finally:
        await server.stop()
    assert server.internal_errors == 0
    assert reading.service is Service.SMB
    assert reading.smb == SmbInfo(
        smb1=True, smb1_detail="dialect NT LM 0.12 accepted", smb2_dialect="2.0.2", signing_required=False,
        shares=("IPC$", "CONGVAN"), share_access=Access.OPEN, share_detail="a null session listed 2 shares")


async def test_a_server_denying_sessions_is_protected() -> None:
    server = SmbResponder(random_address())
    await server.start()
    try:
        access, shares, detail = await anonymous_shares(server.address, server.port, LIMITS, DEADLINE)
    finally:
        await server.stop()
    assert (access, shares) == (Access.PROTECTED, ()) and "STATUS_ACCESS_DENIED" in detail


async def test_a_silent_server_ends_within_the_deadline() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with serve(silent) as (host, port):
        started = time.monotonic()
        try:
            access, _, detail = await anonymous_shares(host, port, LIMITS, DEADLINE)
        except ProbeError as exc:
            assert exc.failure is ProbeFailure.DEADLINE
        else:
            assert access is Access.UNKNOWN, detail
        assert time.monotonic() - started < DEADLINE + 0.5
