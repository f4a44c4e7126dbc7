"""The lab's SQL Server (:mod:`canhgac.lab.tds_server`) against impacket's TDS client: ``sa`` with
an empty password logs in, everyone else gets error 18456 (18452 for Windows authentication),
LOGIN7 is decoded as [MS-TDS] 2.2.6.4 defines, batches are refused, and garbage ends the
connection at once."""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

import pytest
from impacket import tds  # type: ignore[import-untyped, unused-ignore]
from test_lab_services import running, talk

from canhgac.engine.service_probes.mssql import parse_prelogin, prelogin_packet
from canhgac.lab.responder_base import ClientProtocolError
from canhgac.lab.tds_server import MssqlResponder, deobfuscate, parse_login7, prelogin_answer


def _login(address: str, port: int, user: str, password: str) -> dict[str, Any]:
    client = tds.MSSQL(address, port)
    client.connect(timeout=5)
    try:
        ok = client.login(None, user, password)
        replies = client.replies
        seen: dict[str, Any] = {"ok": ok, "version": str(client.mssql_version), "tokens": sorted(replies)}
        errors = replies.get(tds.TDS_ERROR_TOKEN, [])
        seen["errors"] = [(e["Number"], e["Class"], e["MsgText"].decode("utf-16le")) for e in errors]
        seen["done"] = [d["Status"] for d in replies.get(tds.TDS_DONE_TOKEN, [])]
        if ok:
            ack = replies[tds.TDS_LOGINACK_TOKEN][0]
            seen["ack"] = (hex(ack["TDSVersion"]), ack["ProgName"].decode("utf-16le"), ack["MajorVer"])
            seen["database"], seen["packet_size"] = client.currentDB, client.packetSize
            client.batch("DROP DATABASE master")
            seen["batch"] = str(client.lastError)
        return seen
    finally:
        client.disconnect()


async def test_sa_with_an_empty_password_logs_in_and_nothing_runs(address: str) -> None:
    async with running(MssqlResponder(address)) as sql:
        seen = await asyncio.to_thread(_login, address, sql.port, "sa", "")
    assert seen["ok"] is True and seen["version"] == "Microsoft SQL Server 2019 RTM (15.0.2000)"
    assert seen["ack"] == (hex(0x71000001), "Microsoft SQL Server", 15)  # TDS 7.1: impacket's LOGIN7
    assert (seen["database"], seen["packet_size"], seen["errors"], seen["done"]) == ("master", 32763, [], [0])
    assert "statements are refused (read-only)" in seen["batch"]
    assert sql.logins == [("sa", True)] and sql.refused_batches == 1


@pytest.mark.parametrize(("empty_sa", "user", "password"), [
    (True, "sa", "x"), (True, "admin", ""), (False, "sa", ""),
])
async def test_every_other_login_fails_with_18456(address: str, empty_sa: bool, user: str,
                                                  password: str) -> None:
    async with running(MssqlResponder(address, empty_sa=empty_sa)) as sql:
        seen = await asyncio.to_thread(_login, address, sql.port, user, password)
    assert seen["ok"] is False and seen["tokens"] == [tds.TDS_ERROR_TOKEN, tds.TDS_DONE_TOKEN]
    assert seen["errors"] == [(18456, 14, f"Login failed for user '{user}'.")]
    assert seen["done"] == [0x0002]  # DONE_ERROR
    assert sql.logins == [(user, False)]


def _login7(user: str, password: str, *, version: int = tds.TDS_LOGIN7_VERSION_71,
            windows: bool = False) -> bytes:
    login = tds.TDS_LOGIN()
    login["TDSVersion"] = version
    login["HostName"] = "PC-KETOAN".encode("utf-16le")
    login["AppName"] = login["CltIntName"] = "canhgac-test".encode("utf-16le")
    login["ServerName"] = "SQL-KCB-01".encode("utf-16le")
    login["PacketSize"] = 4096
    windows_flag = tds.TDS_INTEGRATED_SECURITY_ON if windows else 0
    login["OptionFlags2"] = tds.TDS_INIT_LANG_FATAL | tds.TDS_ODBC_ON | windows_flag
    login["UserName"] = user.encode("utf-16le")
    login["Password"] = tds.MSSQL("x").encryptPassword(password.encode("utf-16le"))
    login["Length"] = len(login.getData())
    return login.getData()


@pytest.mark.parametrize("password", ["", "Matkhau@2024", "mật khẩu"])
def test_login7_is_decoded_as_the_specification_says(password: str) -> None:
    login = parse_login7(_login7("sa", password))
    assert (login.user, login.password, login.tds_version, login.integrated, login.packet_size) == (
        "sa", password, 0x71, False, 4096)
    clear = password.encode("utf-16le")
    assert deobfuscate(tds.MSSQL("x").encryptPassword(clear)) == clear
    assert parse_login7(_login7("sa", "", version=tds.TDS_LOGIN7_VERSION_74)).tds_version == 0x74
    assert parse_login7(_login7("", "", windows=True)).integrated is True


def test_malformed_login7_is_refused() -> None:
    good = _login7("sa", "")
    user_at = good[:40] + struct.pack("<HH", 90, 3) + good[44:]  # inside the fixed part
    user_beyond = good[:40] + struct.pack("<HH", 200, 60) + good[44:]  # past the end
    for bad in (good[:60], struct.pack("<I", len(good) + 4) + good[4:], user_at, user_beyond):
        with pytest.raises(ClientProtocolError):
            parse_login7(bad)


def test_prelogin_answers_the_options_the_client_sent() -> None:
    ours = prelogin_answer(prelogin_packet()[8:], (15, 0, 2000))
    assert parse_prelogin(ours) == ("15.0.2000", "not supported")
    request = tds.TDS_PRELOGIN()
    request["Version"], request["Encryption"] = b"\x08\x00\x01\x55\x00\x00", tds.TDS_ENCRYPT_OFF
    request["ThreadID"], request["Instance"] = struct.pack("<L", 7), b"MSSQLServer\x00"
    answer = tds.TDS_PRELOGIN(prelogin_answer(request.getData(), (15, 0, 2000)))
    assert answer["VersionOffset"] == 21 and answer["Encryption"] == tds.TDS_ENCRYPT_NOT_SUP
    assert str(tds.MSSQL_VERSION(answer["Version"])) == "Microsoft SQL Server 2019 RTM (15.0.2000)"


async def _tokens(address: str, port: int, login7: bytes) -> bytes:
    prelogin = prelogin_packet()
    packet = struct.pack(">BBHHBB", 0x10, 1, 8 + len(login7), 0, 1, 0) + login7
    reply = await talk(address, port, prelogin + packet,
                       until=lambda r: len(r) > 60 and r.rstrip(b"\x00").endswith(b"\xfd\x02"))
    first = struct.unpack(">H", reply[2:4])[0]
    return reply[first + 8 :]


async def test_windows_authentication_fails_with_18452(address: str) -> None:
    async with running(MssqlResponder(address)) as sql:
        tokens = await _tokens(address, sql.port, _login7("", "", windows=True))
    error = tds.TDS_INFO_ERROR(tokens)
    assert (error["TokenType"], error["Number"], error["Class"]) == (tds.TDS_ERROR_TOKEN, 18452, 14)
    assert error["MsgText"].decode("utf-16le").startswith("Login failed. The login is from an untrusted")


async def test_tds_7_4_clients_get_the_wide_token_layout(address: str) -> None:
    async with running(MssqlResponder(address)) as sql:
        tokens = await _tokens(address, sql.port, _login7("sa", "x", version=tds.TDS_LOGIN7_VERSION_74))
    error = tds.TDS_INFO_ERROR72(tokens)
    assert error["Number"] == 18456 and error["LineNumber"] == 1
    done = tds.TDS_DONE72(tokens[len(error) :])
    assert (done["TokenType"], done["Status"], done["DoneRowCount"]) == (tds.TDS_DONE_TOKEN, 2, 0)


async def test_anything_but_prelogin_ends_the_connection_at_once(address: str) -> None:
    tls_client_hello = struct.pack(">BBHHBB", 0x12, 1, 8 + 5, 0, 1, 0) + b"\x16\x03\x01\x00\x00"
    async with running(MssqlResponder(address)) as sql:
        for first in (b"GET / HTTP/1.0\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                      b"\x12\x01\xff\xff\x00\x00\x01\x00", prelogin_packet() + tls_client_hello):
            started = time.monotonic()
            reply = await talk(address, sql.port, first)
            assert time.monotonic() - started < 1  # closed, not waited for
            assert reply == b"" or reply[0] == 0x04  # at most the PRELOGIN answer
    assert sql.logins == []
