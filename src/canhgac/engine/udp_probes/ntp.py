"""The NTP probe: one mode-3 client request, read back as version, stratum, reference and time.

The request is 48 bytes (version 4) with a random transmit timestamp that the server must echo
as origin; a reply that does not echo it is not ours. Mode 7 (monlist) and mode 6 (control)
are never sent.
"""

from __future__ import annotations

import secrets
import struct

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import NtpFact, UdpOutcome, server_text
from canhgac.engine.udp_probes.exchange import ask

NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01


def _ntp_reply(datagram: bytes, origin: bytes, address: str, port: int) -> NtpFact | None:
    if len(datagram) < 48 or datagram[0] & 0x07 != 4 or datagram[24:32] != origin:  # mode 4: server
        return None
    stratum, refid = datagram[1], datagram[12:16]
    seconds, fraction = struct.unpack("!II", datagram[40:48])
    return NtpFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED,
        version=(datagram[0] >> 3) & 0x07,
        stratum=stratum,
        leap=datagram[0] >> 6,
        reference_id=server_text(refid) if stratum <= 1 else ".".join(str(b) for b in refid),
        server_time=seconds - NTP_EPOCH_OFFSET + fraction / 2**32 if seconds else None,
    )


async def probe_ntp(ctx: CollectContext, address: str, port: int = 123) -> NtpFact:
    transmit = secrets.token_bytes(8)
    payload = bytes((0x23,)) + bytes(39) + transmit  # LI 0, version 4, mode 3 (client)
    exchange, reply = await ask(ctx, address, port, payload, lambda d: _ntp_reply(d, transmit, address, port))
    return reply or NtpFact(address=address, port=port, outcome=exchange.outcome, detail=exchange.detail)
