"""IIS W3C logs (fields per file, UTC, OWA logins), Exchange message tracking and Zimbra's audit log."""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from canhgac.logs.formats import make_parser
from canhgac.logs.records import LogEvent, LogFamily, MalformedLineError, ParseContext

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CTX = ParseContext("u_ex261207.log", tz=HCM, year=2026)
FIELDS = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)


def test_iis_fields_and_utc_whatever_the_context_zone() -> None:
    p = make_parser("iis")
    assert p.parse("#Software: Microsoft Internet Information Services 10.0", CTX, 1) is None
    assert p.parse(FIELDS, CTX, 2) is None
    r = p.parse(
        "2026-12-07 15:10:01 10.0.0.5 GET /portal/default.aspx id=3&q=a+b 443 - 203.0.113.5 "
        "Mozilla/5.0+(Windows+NT+10.0) https://x.example.gov.vn/ 200 0 0 15",
        CTX,
        3,
    )
    assert r is not None
    assert r.time == datetime(2026, 12, 7, 15, 10, 1, tzinfo=UTC)  # W3C logs are UTC: the zone is not applied
    assert (r.event, r.family, r.method, r.target, r.client, r.status) == (
        LogEvent.HTTP_REQUEST,
        LogFamily.WEB,
        "GET",
        "/portal/default.aspx?id=3&q=a+b",
        "203.0.113.5",
        200,
    )
    assert (r.user_agent, r.referer, r.account, r.service) == (
        "Mozilla/5.0 (Windows NT 10.0)",
        "https://x.example.gov.vn/",
        "",
        "iis",
    )


def test_iis_owa_logins_and_a_second_header_with_other_fields() -> None:
    p = make_parser("iis")
    p.parse(FIELDS, CTX, 1)
    fail = p.parse(
        "2026-12-07 15:10:01 10.0.0.5 POST /owa/auth.owa &CorrelationID=<empty>; 443 - 203.0.113.5 "
        "Mozilla/5.0 - 302 0 0 15",
        CTX,
        2,
    )
    ok = p.parse(
        "2026-12-07 15:10:02 10.0.0.5 POST /owa/auth.owa &CorrelationID=<empty>; 443 an@x.gov.vn 198.51.100.5 "
        "Mozilla/5.0 - 302 0 0 15",
        CTX,
        3,
    )
    assert fail is not None and (fail.event, fail.service, fail.client) == (
        LogEvent.AUTH_FAILURE,
        "webmail",
        "203.0.113.5",
    )
    assert ok is not None and (ok.event, ok.account) == (LogEvent.AUTH_SUCCESS, "an@x.gov.vn")
    # IIS restarts and writes a new header: another layout, with the host and a proxy's X-Forwarded-For
    p.parse(
        "#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip cs-host sc-status sc-bytes X-Forwarded-For",
        CTX,
        4,
    )
    r = p.parse("2026-12-07 16:00:00 GET / - 10.0.0.1 mail.x.gov.vn 200 1234 203.0.113.77,10.0.0.1", CTX, 5)
    assert r is not None and (r.client, r.vhost, r.bytes_sent) == ("203.0.113.77", "mail.x.gov.vn", 1234)
    with pytest.raises(MalformedLineError):
        p.parse("2026-12-07 16:00:00 GET / - 10.0.0.1", CTX, 6)


def test_iis_without_header_uses_the_default_fields() -> None:
    r = make_parser("iis").parse(
        "2026-12-07 15:10:01 10.0.0.5 GET / - 80 - 192.0.2.1 curl/8 - 404 0 2 1", CTX, 1
    )
    assert r is not None and r.status == 404 and r.client == "192.0.2.1"


EXCHANGE_FIELDS = (
    "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,"
    "total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,"
    "return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data"
)


def _exchange(source: str, event: str, count: int, subject: str = "Báo cáo") -> str:
    return (
        f"2026-12-07T03:04:05.678Z,10.0.0.7,ex01,10.0.0.8,ex01,,,{source},{event},123,<m@x>,abc,"
        f'a@example.vn;b@example.vn,,2048,{count},,,"{subject}, tuần 49",an@x.gov.vn,an@x.gov.vn,,Originating,,'
        f"203.0.113.40,,"
    )


def test_exchange_message_tracking() -> None:
    p = make_parser("exchange")
    ctx = ParseContext("MSGTRK.LOG", tz=HCM, year=2026)
    with pytest.raises(MalformedLineError):
        p.parse(_exchange("STOREDRIVER", "RECEIVE", 2), ctx, 1)  # no header yet
    assert p.parse("#Software: Microsoft Exchange Server", ctx, 1) is None
    assert p.parse(EXCHANGE_FIELDS, ctx, 2) is None
    sent = p.parse(_exchange("STOREDRIVER", "RECEIVE", 2), ctx, 3)
    assert sent is not None
    assert (sent.event, sent.account, sent.recipients, sent.client, sent.family) == (
        LogEvent.MAIL_SENT,
        "an@x.gov.vn",
        2,
        "203.0.113.40",
        LogFamily.MAIL,
    )
    assert sent.time == datetime(2026, 12, 7, 3, 4, 5, 678000, tzinfo=UTC)
    got = p.parse(_exchange("SMTP", "RECEIVE", 1), ctx, 4)
    assert got is not None and got.event is LogEvent.MAIL_RECEIVED and got.account == ""
    assert p.parse(_exchange("STOREDRIVER", "DELIVER", 1), ctx, 5) is None


def test_zimbra_audit() -> None:
    p = make_parser("zimbra")
    ctx = ParseContext("audit.log", tz=HCM, year=2026)
    fail = p.parse(
        "2026-12-07 09:15:45,087 WARN  [qtp1-23:https://m/service/soap/AuthRequest] [name=a@x.gov.vn;"
        "oip=203.0.113.5, 10.0.0.1;ua=ZimbraWebClient;] security - cmd=Auth; account=a@x.gov.vn; "
        "protocol=soap; error=authentication failed for [a@x.gov.vn], invalid password;",
        ctx,
        1,
    )
    assert fail is not None
    assert fail.time == datetime(2026, 12, 7, 2, 15, 45, tzinfo=UTC)
    assert (fail.event, fail.client, fail.account, fail.service) == (
        LogEvent.AUTH_FAILURE,
        "203.0.113.5",
        "a@x.gov.vn",
        "zimbra/webmail",
    )
    ok = p.parse(
        "2026-12-07 09:16:00,001 INFO  [ImapSSLServer-4] [ip=10.0.0.9;oip=198.51.100.3;] security - cmd=Auth; "
        "account=b@x.gov.vn; protocol=imap;",
        ctx,
        2,
    )
    assert ok is not None and (ok.event, ok.client, ok.service) == (
        LogEvent.AUTH_SUCCESS,
        "198.51.100.3",
        "zimbra/imap",
    )
    pop = p.parse(
        "2026-12-07 09:16:00,001 INFO  [Pop3Server-13] [ip=172.16.0.3;] security - cmd=Auth; "
        "account=c@x.gov.vn; protocol=pop3;",
        ctx,
        3,
    )
    assert pop is not None and pop.client == "172.16.0.3"
    assert p.parse("2026-12-07 09:16:00,001 INFO  [GC Daemon] [] system - GC overhead: 5%", ctx, 4) is None
    with pytest.raises(MalformedLineError):
        p.parse("not zimbra at all, really not", ctx, 5)
