"""Service identification against responders speaking the real protocol bytes (random 127.x
addresses and random ports: identification must not lean on the port number), and a real
redis-server without and with a password.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from test_service_probes_responders import (
    ftp,
    http,
    memcached,
    mongodb,
    mssql_prelogin,
    mysql,
    postgres,
    random_address,
    rdp,
    redis_like,
    serve,
    smtp,
    telnet,
    vnc,
)

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Access, Service
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.service_probes.rdp import connection_request

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, max_reply_bytes=65536)
OPTS = ProbeOptions(LIMITS, "canhgac-test")


async def probe(handler, opts: ProbeOptions = OPTS):  # type: ignore[no-untyped-def]
    async with serve(handler) as (host, port):
        return await identify(host, port, opts)


async def test_ftp_anonymous_and_refused() -> None:
    open_ = await probe(ftp(anonymous=True))
    assert (open_.service, open_.product, open_.version, open_.access) == (
        Service.FTP,
        "vsftpd",
        "3.0.3",
        Access.OPEN,
    )
    closed = await probe(ftp(anonymous=False))
    assert closed.access is Access.PROTECTED and closed.access_detail.startswith("530")


async def test_telnet_and_smtp_banners() -> None:
    reading = await probe(telnet)
    assert reading.service is Service.TELNET and "login:" in reading.banner
    mail = await probe(smtp)
    assert (mail.service, mail.product) == (Service.SMTP, "postfix")


async def test_redis_like_and_memcached() -> None:
    reading = await probe(redis_like(password=False))
    assert (reading.service, reading.version, reading.access) == (Service.REDIS, "6.0.9", Access.OPEN)
    locked = await probe(redis_like(password=True))
    assert (locked.service, locked.access) == (Service.REDIS, Access.PROTECTED)
    cache = await probe(memcached)
    assert (cache.service, cache.version, cache.access) == (Service.MEMCACHED, "1.6.9", Access.OPEN)
    assert ("curr_items", "7") in cache.info


async def test_mysql_empty_root_password() -> None:
    reading = await probe(mysql(accept_root=True))
    assert (reading.service, reading.product, reading.version) == (Service.MYSQL, "mariadb", "10.3.39")
    assert reading.access is Access.OPEN
    refused = await probe(mysql(accept_root=False, version=b"8.0.36"))
    assert (refused.product, refused.version, refused.access) == ("mysql", "8.0.36", Access.PROTECTED)
    assert "1045" in refused.access_detail
    polite = await probe(mysql(accept_root=True), ProbeOptions(LIMITS, empty_passwords=False))
    assert polite.service is Service.MYSQL and polite.access is None


async def test_postgres_trust_and_scram() -> None:
    trust = await probe(postgres(trust=True))
    assert (trust.service, trust.version, trust.access) == (Service.POSTGRESQL, "13.4", Access.OPEN)
    scram = await probe(postgres(trust=False))
    assert scram.access is Access.PROTECTED and "scram" in scram.access_detail
    polite = await probe(postgres(trust=True), ProbeOptions(LIMITS, empty_passwords=False))
    assert polite.service is Service.POSTGRESQL and polite.access is None


async def test_mongodb_with_and_without_auth() -> None:
    open_ = await probe(mongodb(auth=False))
    assert (open_.service, open_.version, open_.access) == (Service.MONGODB, "4.4.6", Access.OPEN)
    assert ("databases", "admin, citizens") in open_.info
    locked = await probe(mongodb(auth=True))
    assert locked.access is Access.PROTECTED


async def test_elasticsearch_docker_http() -> None:
    es_body = (
        b'{"name":"n1","cluster_name":"so-tttt","version":{"number":"7.10.2"},'
        b'"tagline":"You Know, for Search"}'
    )
    es = await probe(http(200, {"Content-Type": "application/json"}, es_body))
    assert (es.service, es.version, es.access) == (Service.ELASTICSEARCH, "7.10.2", Access.OPEN)
    locked = await probe(http(401, {"WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'}, b"{}"))
    assert (locked.service, locked.access) == (Service.ELASTICSEARCH, Access.PROTECTED)
    version = b'{"Version":"20.10.7","ApiVersion":"1.41","Os":"linux"}'
    docker = await probe(
        http(
            404,
            {"Server": "Docker/20.10.7 (linux)", "Api-Version": "1.41"},
            b'{"message":"page not found"}',
            paths={"/version": version},
        )
    )
    assert (docker.service, docker.version, docker.access) == (Service.DOCKER, "20.10.7", Access.OPEN)
    web = await probe(http(200, {"Server": "Apache/2.4.29 (Ubuntu)"}, b"<title>Cong thong tin</title>"))
    assert (web.service, web.product, web.version) == (Service.HTTP, "apache-httpd", "2.4.29")
    assert ("title", "Cong thong tin") in web.info


async def test_vnc_security_types() -> None:
    open_ = await probe(vnc(bytes((1, 2))))
    assert (open_.service, open_.access) == (Service.VNC, Access.OPEN)
    locked = await probe(vnc(bytes((2,))))
    assert locked.access is Access.PROTECTED and "VNC Authentication" in locked.access_detail


def test_rdp_request_is_the_19_byte_x224_cr() -> None:
    assert connection_request() == bytes.fromhex("030000130ee000000000000100080001000000")


async def test_rdp_negotiation() -> None:
    ssl = await probe(rdp(bytes.fromhex("0200080001000000")))
    assert ssl.service is Service.RDP and ssl.rdp is not None
    assert (ssl.rdp.selected, ssl.rdp.nla_required) == ("ssl", False)
    nla = await probe(rdp(bytes.fromhex("0300080005000000")))
    assert nla.rdp is not None and nla.rdp.nla_required is True and nla.rdp.failure_code == 5
    legacy = await probe(rdp(b""))
    assert legacy.rdp is not None and (legacy.rdp.selected, legacy.rdp.nla_required) == ("rdp", False)


async def test_mssql_prelogin_version() -> None:
    reading = await probe(mssql_prelogin(), ProbeOptions(LIMITS, empty_passwords=False))
    assert (reading.service, reading.version) == (Service.MSSQL, "15.0.2000")
    assert ("encryption", "not supported") in reading.info


# --- a real redis-server ---------------------------------------------------------------------------


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=[None, "s3cret-for-test"], ids=["nopass", "requirepass"])
def redis_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int, str | None]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    host = random_address()
    port = _free_port(host)
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        host,
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
    ]
    if request.param:
        args += ["--requirepass", request.param]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((host, port)) == 0:
                    break
            time.sleep(0.05)
        yield host, port, request.param
    finally:
        proc.terminate()
        proc.wait(5)


async def test_real_redis_server(redis_server: tuple[str, int, str | None]) -> None:
    host, port, password = redis_server
    reading = await identify(host, port, OPTS)
    assert reading.service is Service.REDIS and reading.product == "redis"
    if password:
        assert reading.access is Access.PROTECTED and "NOAUTH" in reading.access_detail
    else:
        assert reading.access is Access.OPEN and reading.version.count(".") == 2


async def test_nothing_listening_is_a_failure_not_an_exception() -> None:
    host = random_address()
    reading = await asyncio.wait_for(identify(host, _free_port(host), OPTS), 5)
    assert reading.service is Service.UNKNOWN and reading.failure is not None
