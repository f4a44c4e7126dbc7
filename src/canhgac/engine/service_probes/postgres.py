"""PostgreSQL: a StartupMessage for user ``postgres`` on database ``postgres`` (protocol 3.0).

The server answers with an authentication request: ``AuthenticationOk`` (code 0) means it let
the administrator in without any password (``trust`` in pg_hba.conf); a password, MD5 or SCRAM
request means credentials are needed, and an ErrorResponse of SQLSTATE class 28 (invalid
authorization, e.g. "no pg_hba.conf entry") that the connection is refused for its credentials
or its host; another error before authentication (too many clients, starting up) tells nothing
about them. No password is ever sent; after AuthenticationOk the parameter
messages give ``server_version`` and the probe sends Terminate.
"""

from __future__ import annotations

import struct

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of

MAX_MESSAGE = 8192
MAX_MESSAGES = 64
_AUTH_NAMES = {
    2: "kerberos",
    3: "cleartext password",
    5: "md5 password",
    7: "gss",
    9: "sspi",
    10: "sasl (scram)",
}


def ssl_request() -> bytes:
    return struct.pack(">II", 8, 80877103)


async def identify_postgres(conn: Conn, port: int) -> ServiceReading | None:
    """Recognise PostgreSQL without logging in: an SSLRequest is answered by one byte, S or N."""
    await conn.send(ssl_request())
    answer = await conn.read_some()
    if answer not in (b"S", b"N"):
        return None
    return ServiceReading(
        port, Service.POSTGRESQL, "postgresql", info=(("ssl", "yes" if answer == b"S" else "no"),)
    )


def startup_message() -> bytes:
    params = b"user\x00postgres\x00database\x00postgres\x00application_name\x00canhgac\x00\x00"
    return struct.pack(">II", len(params) + 8, 196608) + params


async def _message(conn: Conn) -> tuple[bytes, bytes]:
    head = await conn.read_exact(5)
    length = struct.unpack_from(">I", head, 1)[0]
    if not 4 <= length <= MAX_MESSAGE:
        raise ProbeError(ProbeFailure.GARBAGE, f"message length {length}")
    return head[:1], await conn.read_exact(length - 4)


def _error_fields(body: bytes) -> dict[bytes, bytes]:
    return {part[:1]: part[1:] for part in body.split(b"\x00") if part}


def _error_text(body: bytes) -> str:
    fields = _error_fields(body)
    return text_of(fields.get(b"C", b"") + b" " + fields.get(b"M", b""), 200)


async def probe_postgres(conn: Conn, port: int) -> ServiceReading | None:
    await conn.send(startup_message())
    kind, body = await _message(conn)
    if kind == b"E":
        refused = _error_fields(body).get(b"C", b"").startswith(b"28")  # invalid authorization
        access = Access.PROTECTED if refused else Access.UNKNOWN
        detail = _error_text(body)
        return ServiceReading(port, Service.POSTGRESQL, "postgresql", access=access, access_detail=detail)
    if kind != b"R" or len(body) < 4:
        return None
    code = struct.unpack_from(">I", body)[0]
    if code != 0:
        method = _AUTH_NAMES.get(code, f"authentication code {code}")
        return ServiceReading(
            port,
            Service.POSTGRESQL,
            "postgresql",
            access=Access.PROTECTED,
            access_detail=f"the server asks for {method}",
        )
    version = ""
    try:
        for _ in range(MAX_MESSAGES):
            kind, body = await _message(conn)
            if kind == b"S":
                name, _, rest = body.partition(b"\x00")
                if name == b"server_version":
                    version = text_of(rest.split(b"\x00", 1)[0], 40).split(" ", 1)[0]
            if kind in (b"Z", b"E"):
                break
        await conn.send(b"X\x00\x00\x00\x04")
    except ProbeError:
        pass
    return ServiceReading(
        port,
        Service.POSTGRESQL,
        "postgresql",
        version,
        access=Access.OPEN,
        access_detail="AuthenticationOk for user postgres without a password",
    )
