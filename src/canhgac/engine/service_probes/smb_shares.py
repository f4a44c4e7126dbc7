"""SMB anonymous share listing: a null session (empty user and password, [MS-SMB2] 3.2.4.2.3
anonymous) and NetShareEnumAll over \\PIPE\\srvsvc, through impacket. Share names only: nothing
is opened, read or written.
"""

from __future__ import annotations

import socket
from typing import Any

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, ProbeError
from canhgac.engine.service_probes.blocking import run_blocking

MAX_SHARES = 50
_DENIED = ("ACCESS_DENIED", "LOGON_FAILURE", "ACCOUNT_DISABLED", "ACCOUNT_RESTRICTION", "NOT_SUPPORTED")


def _list(address: str, port: int, timeout: float, holder: dict[str, Any]) -> list[str]:
    from impacket.smbconnection import SMBConnection  # type: ignore[import-untyped]

    name = "*SMBSERVER" if port == 139 else address
    conn = SMBConnection(name, address, sess_port=port, timeout=int(max(1, timeout)))
    holder["conn"] = conn
    try:
        conn.login("", "")
        shares = conn.listShares()
        return [str(s["shi1_netname"]).rstrip("\x00")[:80] for s in shares[:MAX_SHARES]]
    finally:
        conn.close()


async def anonymous_shares(
    address: str, port: int, limits: NetworkLimits, deadline: float
) -> tuple[Access, tuple[str, ...], str]:
    holder: dict[str, Any] = {}

    def abort() -> None:
        conn = holder.get("conn")
        sock = conn.getSMBServer().get_socket() if conn is not None else None
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)

    try:
        names = await run_blocking(lambda: _list(address, port, limits.read_timeout, holder), deadline, abort)
    except ProbeError:
        raise
    except Exception as exc:  # impacket's SessionError and parser errors: facts about the server
        text = f"{type(exc).__name__}: {str(exc)[:200]}"
        denied = any(code in str(exc).upper() for code in _DENIED)
        return (Access.PROTECTED if denied else Access.UNKNOWN), (), text
    return Access.OPEN, tuple(names), f"a null session listed {len(names)} shares"
