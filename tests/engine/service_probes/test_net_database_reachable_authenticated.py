"""net.database.reachable-authenticated against servers that refuse the probe (issue 11 item 7):
a real ``redis-server`` with ``requirepass`` (and one whose ACL denies PING), the lab's Redis with a
password (real and responder), and the MySQL/PostgreSQL refusals that are or are not about
credentials. What the probe reads goes through the checks, so the statuses asserted are the ones
a scan reports.
"""

from __future__ import annotations

import asyncio
import shutil
import struct
from collections.abc import AsyncIterator, Iterator

import pytest
from test_service_probes import LIMITS, OPTS, _free_port
from test_service_probes_responders import Handler, random_address, serve

from canhgac.engine.checks import net_database as db
from canhgac.engine.facts.services import Access, HostServiceFacts, Service, ServiceReading
from canhgac.engine.params import CheckParams
from canhgac.engine.results import Outcome, Status
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.lab import services_lab as sl
from canhgac.lab.redis_server import RedisServerProcess

PARAMS = CheckParams()


def judge(reading: ServiceReading) -> dict[str, Outcome]:
    facts = HostServiceFacts("127.0.0.1", "", (reading.port,), (reading,), (), None, None, True)
    return {
        "reachable": db.database_reachable_authenticated(facts, PARAMS),
        "exposed": db.database_exposed(facts, PARAMS),
        "redis": db.redis_noauth(facts, PARAMS),
    }


@pytest.fixture
def redis_binary() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    yield binary


async def _start_redis(binary: str, *extra: str) -> AsyncIterator[tuple[str, int]]:
    host = random_address()
    port = _free_port(host)
    proc = await asyncio.create_subprocess_exec(
        binary, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no", *extra,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            break
        yield host, port
    finally:
        proc.terminate()
        await proc.wait()


async def test_real_redis_with_requirepass_is_reachable_authenticated_not_exposed(redis_binary: str) -> None:
    """The issue's Redis: ``--requirepass``; the NOAUTH refusal is the evidence, medium not high."""
    async for host, port in _start_redis(redis_binary, "--requirepass", "secret"):
        reading = await identify(host, port, OPTS)
    assert (reading.service, reading.access) == (Service.REDIS, Access.PROTECTED)
    assert reading.access_detail == "-NOAUTH Authentication required."
    verdicts = judge(reading)
    assert (verdicts["reachable"].status, verdicts["reachable"].message.key) == (Status.FAIL, "reachable")
    assert verdicts["reachable"].message.values["detail"] == f"{port}: -NOAUTH Authentication required."
    assert verdicts["reachable"].evidence["ports"] == [reading.as_evidence()]
    exposed = verdicts["exposed"]
    assert (exposed.status, exposed.message.key) == (Status.PASS, "authenticated-only")
    assert verdicts["redis"].status is Status.PASS


async def test_real_redis_whose_acl_denies_ping_is_reachable_authenticated(redis_binary: str) -> None:
    """``-NOPERM``: the default user may run nothing, so nothing is read without credentials."""
    async for host, port in _start_redis(redis_binary, "--user", "default", "on", "nopass", "-@all"):
        reading = await identify(host, port, OPTS)
    assert reading.access is Access.PROTECTED and reading.access_detail.startswith("-NOPERM")
    assert judge(reading)["reachable"].status is Status.FAIL


async def test_real_redis_without_password_stays_exposed_and_open(redis_binary: str) -> None:
    async for host, port in _start_redis(redis_binary, "--protected-mode", "no"):
        reading = await identify(host, port, OPTS)
    verdicts = judge(reading)
    assert (verdicts["exposed"].status, verdicts["redis"].status) == (Status.FAIL, Status.FAIL)
    assert (verdicts["reachable"].status, verdicts["reachable"].message.key) == (
        Status.NOT_APPLICABLE, "unauthenticated")


@pytest.mark.parametrize("binary", ["redis-server", None])
async def test_lab_redis_with_requirepass_answers_noauth(binary: str | None) -> None:
    if binary and shutil.which(binary) is None:
        pytest.skip("redis-server is not installed")
    lab = sl.ServicesLab([])
    redis = RedisServerProcess(random_address(), 0, binary, lab, requirepass=True)
    await redis.start()
    try:
        reading = await identify(redis.address, redis.port, OPTS)
    finally:
        await redis.stop()
    assert (reading.access, reading.access_detail) == (Access.PROTECTED, "-NOAUTH Authentication required.")
    assert judge(reading)["reachable"].status is Status.FAIL
    assert lab.redis_kind == "responder" if binary is None else lab.redis_kind.startswith("redis-server ")


# --- MySQL and PostgreSQL: a refusal for want of credentials, or for another reason ---------------
def _mysql_packet(seq: int, body: bytes) -> bytes:
    return struct.pack("<I", len(body))[:3] + bytes((seq,)) + body


def mysql_refusing_at_handshake(code: int, text: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_mysql_packet(0, b"\xff" + struct.pack("<H", code) + text))
        await writer.drain()

    return handle


def mysql_answering_login(reply: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        salt = b"abcdefghijklmnopqrst"
        body = b"\x0a8.0.36\x00" + struct.pack("<I", 7) + salt[:8] + b"\x00"
        body += struct.pack("<HBHHB10s", 0xF7FF, 45, 2, 0x81FF, 21, b"") + salt[8:] + b"\x00"
        body += b"caching_sha2_password\x00"
        writer.write(_mysql_packet(0, body))
        await writer.drain()
        head = await reader.readexactly(4)
        await reader.readexactly(int.from_bytes(head[:3], "little"))
        writer.write(_mysql_packet(2, reply))
        await writer.drain()
        await reader.read(16)

    return handle


NOT_ALLOWED = b"Host '192.0.2.7' is not allowed to connect to this MySQL server"
DENIED = b"Access denied for user 'root'@'192.0.2.7' (using password: NO)"
BLOCKED = b"Host '192.0.2.7' is blocked because of many connection errors"


@pytest.mark.parametrize(
    ("handler", "access", "detail"),
    [
        (mysql_refusing_at_handshake(1130, NOT_ALLOWED), Access.PROTECTED,
         f"ERR 1130: {NOT_ALLOWED.decode()}"),
        (mysql_refusing_at_handshake(1040, b"Too many connections"), Access.UNKNOWN,
         "ERR 1040: Too many connections"),
        (mysql_answering_login(b"\x01\x04"), Access.PROTECTED,
         "the server asks for the password (caching_sha2_password full auth)"),
        (mysql_answering_login(b"\xff\x15\x04#28000" + DENIED), Access.PROTECTED,
         f"ERR 1045: {DENIED.decode()}"),
        (mysql_answering_login(b"\xff\x69\x04#HY000" + BLOCKED), Access.UNKNOWN,
         f"ERR 1129: {BLOCKED.decode()}"),
    ],
    ids=["host-not-allowed", "too-many-connections", "full-auth", "access-denied", "host-blocked"],
)
async def test_mysql_refusals(handler: Handler, access: Access, detail: str) -> None:
    async with serve(handler) as (host, port):
        reading = await identify(host, port, OPTS)
    assert (reading.service, reading.access, reading.access_detail) == (Service.MYSQL, access, detail)
    verdict = judge(reading)["reachable" if access is Access.PROTECTED else "exposed"]
    assert verdict.status is Status.FAIL


def postgres_error(sqlstate: bytes, message: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        length = struct.unpack(">I", await reader.readexactly(4))[0]
        if not 8 <= length <= 10000:  # not a startup packet (another probe): the server hangs up
            return
        packet = await reader.readexactly(length - 4)
        if struct.unpack(">I", packet[:4])[0] == 80877103:  # SSLRequest
            writer.write(b"N")
            await writer.drain()
            return
        fields = b"SFATAL\x00C" + sqlstate + b"\x00M" + message + b"\x00\x00"
        writer.write(b"E" + struct.pack(">I", len(fields) + 4) + fields)
        await writer.drain()

    return handle


@pytest.mark.parametrize(
    ("sqlstate", "message", "access"),
    [
        (b"28000", b'no pg_hba.conf entry for host "192.0.2.7", user "postgres", database "postgres"',
         Access.PROTECTED),
        (b"53300", b"sorry, too many clients already", Access.UNKNOWN),
        (b"57P03", b"the database system is starting up", Access.UNKNOWN),
    ],
)
async def test_postgres_errors_before_authentication(sqlstate: bytes, message: bytes, access: Access) -> None:
    async with serve(postgres_error(sqlstate, message)) as (host, port):
        reading = await identify(host, port, ProbeOptions(LIMITS, "canhgac-test"))
    assert (reading.service, reading.access) == (Service.POSTGRESQL, access)
    assert reading.access_detail == f"{sqlstate.decode()} {message.decode()}"
