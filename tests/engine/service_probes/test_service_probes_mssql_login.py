"""The MSSQL empty-``sa`` login (impacket's TDS client) against the lab's SQL Server, which admits
``sa`` without a password or refuses it with error 18456, and against hostile peers: garbage or
silence after PRELOGIN give UNKNOWN or a DEADLINE failure within the deadline, never a pass.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Awaitable, Callable

import pytest
from test_service_probes_responders import Handler, random_address, serve

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.service_probes.mssql import mssql_empty_sa
from canhgac.lab.tds_server import (
    DONE_ERROR,
    LOGIN7,
    PRELOGIN,
    SPID,
    MssqlResponder,
    _packets,
    _Tokens,
    prelogin_answer,
    read_message,
)

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=1.0)
DEADLINE = 4.0


async def _lab(empty_sa: bool) -> MssqlResponder:
    server = MssqlResponder(random_address(), empty_sa=empty_sa)
    await server.start()
    return server


async def test_sa_without_a_password_is_open() -> None:
    server = await _lab(empty_sa=True)
    try:
        assert await mssql_empty_sa(server.address, server.port, LIMITS, DEADLINE) == (
            Access.OPEN, "sa logged in with an empty password")
    finally:
        await server.stop()
    assert server.logins == [("sa", True)] and server.internal_errors == 0


async def test_a_refused_sa_is_protected_with_the_server_message() -> None:
    server = await _lab(empty_sa=False)
    try:
        assert await mssql_empty_sa(server.address, server.port, LIMITS, DEADLINE) == (
            Access.PROTECTED, "login for sa refused: error 18456: Login failed for user 'sa'.")
    finally:
        await server.stop()


@pytest.mark.parametrize("empty_passwords", [True, False])
async def test_identify_names_sql_server_and_tries_sa_only_when_allowed(empty_passwords: bool) -> None:
    server = await _lab(empty_sa=True)
    try:
        options = ProbeOptions(LIMITS, empty_passwords=empty_passwords)
        reading = await identify(server.address, server.port, options)
    finally:
        await server.stop()
    assert (reading.service, reading.version, dict(reading.info)) == (
        Service.MSSQL, "15.0.2000", {"encryption": "not supported"})
    assert reading.access is (Access.OPEN if empty_passwords else None)
    assert server.logins == ([("sa", True)] if empty_passwords else [])


# --- hostile peers: PRELOGIN is answered, then the login gets garbage, silence or nothing -----------
def _after_prelogin(then: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, data = await read_message(reader, (PRELOGIN,))
        answer = prelogin_answer(data, (15, 0, 2000))
        writer.write(struct.pack(">BBHHBB", 4, 1, 8 + len(answer), 0, 1, 0) + answer)
        await writer.drain()
        await read_message(reader, (LOGIN7,))
        await then(reader, writer)

    return handle


async def _tokens_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = bytes(range(0x10, 0x40))  # no token type this parser knows
    writer.write(struct.pack(">BBHHBB", 4, 1, 8 + len(body), 0, 1, 0) + body)
    await writer.drain()
    await asyncio.sleep(1)


async def _raw_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(bytes(range(256)) * 64)
    await writer.drain()
    await asyncio.sleep(1)


async def _silence(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    return


@pytest.mark.parametrize("then", [_tokens_garbage, _raw_garbage, _hang_up])
async def test_garbage_or_a_hang_up_after_prelogin_is_unknown(
    then: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> None:
    async with serve(_after_prelogin(then)) as (host, port):
        access, detail = await mssql_empty_sa(host, port, LIMITS, DEADLINE)
    assert access is Access.UNKNOWN and detail.startswith("login not completed"), detail


@pytest.mark.parametrize("handler", [_after_prelogin(_silence), _silence])
async def test_silence_ends_within_the_deadline(handler: Handler) -> None:
    async with serve(handler) as (host, port):
        started = time.monotonic()
        try:
            access, detail = await mssql_empty_sa(host, port, LIMITS, DEADLINE)
        except ProbeError as exc:  # the client's read timeout fires first: named as such, not DEADLINE
            assert exc.failure is ProbeFailure.TIMEOUT, exc
        else:
            assert access is Access.UNKNOWN, detail
        assert time.monotonic() - started < DEADLINE + 0.5


# --- issue 11 item 7: which login errors refuse the credentials ------------------------------------
def _login_error(number: int, text: str) -> Handler:
    async def then(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tokens = _Tokens(0x74, "SQL-TEST")
        tokens.error(number, 1, text)
        writer.write(_packets(tokens.done(DONE_ERROR), SPID))
        await writer.drain()
        await asyncio.sleep(0.2)

    return _after_prelogin(then)


@pytest.mark.parametrize(
    ("number", "text", "access"),
    [
        (18456, "Login failed for user 'sa'.", Access.PROTECTED),
        (18470, "Login failed for user 'sa'. Reason: The account is disabled.", Access.PROTECTED),
        # the empty password was right, only its change is demanded: no refusal of credentials
        (18488, "Login failed for user 'sa'. Reason: The password of the account must be changed.",
         Access.UNKNOWN),
    ],
)
async def test_only_credential_refusals_are_protected(number: int, text: str, access: Access) -> None:
    async with serve(_login_error(number, text)) as (host, port):
        got, detail = await mssql_empty_sa(host, port, LIMITS, DEADLINE)
    assert got is access and f"error {number}: {text}" in detail, detail
