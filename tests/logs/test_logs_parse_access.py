"""nginx / Apache access lines, field by field, and the webmail logins they reveal."""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from canhgac.logs.formats import FORMATS, make_parser
from canhgac.logs.records import LogEvent, LogFamily, MalformedLineError, ParseContext

CTX = ParseContext("access.log", tz=UTC, year=2026)


def parse(line: str, fmt: str = "nginx"):
    return make_parser(fmt).parse(line, CTX, 7)


def test_combined_every_field() -> None:
    line = (
        '203.0.113.5 - - [07/Dec/2026:22:10:01 +0700] "GET /van-ban/chi-tiet.php?id=1%27 HTTP/1.1" 200 5120 '
        '"https://portal.example.gov.vn/" "Mozilla/5.0 (X11; Linux x86_64)"'
    )
    r = parse(line)
    assert r is not None
    assert r.time == datetime(2026, 12, 7, 15, 10, 1, tzinfo=UTC)
    assert (r.event, r.family, r.source, r.line_no, r.raw) == (
        LogEvent.HTTP_REQUEST,
        LogFamily.WEB,
        "access.log",
        7,
        line,
    )
    assert (r.client, r.method, r.target, r.status, r.bytes_sent) == (
        "203.0.113.5",
        "GET",
        "/van-ban/chi-tiet.php?id=1%27",
        200,
        5120,
    )
    assert (r.referer, r.user_agent, r.account, r.vhost, r.service) == (
        "https://portal.example.gov.vn/",
        "Mozilla/5.0 (X11; Linux x86_64)",
        "",
        "",
        "nginx",
    )


def test_common_format_and_negative_offset() -> None:
    r = parse('2001:db8::7 - alice [31/Dec/2026:23:59:59 -0500] "HEAD / HTTP/1.0" 304 -', "apache")
    assert r is not None
    assert r.time == datetime(2027, 1, 1, 4, 59, 59, tzinfo=UTC)
    assert (r.client, r.account, r.bytes_sent, r.user_agent, r.referer) == ("2001:db8::7", "alice", 0, "", "")
    assert r.service == "apache"


def test_vhost_combined_and_trailing_fields() -> None:
    r = parse(
        'portal.example.gov.vn:443 198.51.100.4 - - [07/Dec/2026:08:00:00 +0000] "POST /lien-he/gui.php HTTP/2.0" '
        '200 31 "-" "curl/8.5" 0.012 "-"'
    )
    assert r is not None
    assert (r.vhost, r.client, r.method, r.target) == (
        "portal.example.gov.vn",
        "198.51.100.4",
        "POST",
        "/lien-he/gui.php",
    )
    assert r.referer == "" and r.user_agent == "curl/8.5"


def test_escaped_quote_and_odd_request_lines() -> None:
    r = parse(r'192.0.2.9 - - [07/Dec/2026:08:00:00 +0000] "GET /a?q=\"x\" HTTP/1.1" 404 0 "-" "say \"hi\""')
    assert r is not None and r.target == r"/a?q=\"x\"" and r.user_agent == r"say \"hi\""
    tls = parse(r'192.0.2.9 - - [07/Dec/2026:08:00:00 +0000] "\x16\x03\x01\x02\x00" 400 157 "-" "-"')
    assert (
        tls is not None and tls.method == "" and tls.target == r"\x16\x03\x01\x02\x00" and tls.status == 400
    )
    empty = parse('192.0.2.9 - - [07/Dec/2026:08:00:00 +0000] "-" 408 0 "-" "-"')
    assert empty is not None and empty.method == "" and empty.status == 408


@pytest.mark.parametrize(
    ("req", "status", "user", "event", "service"),
    [
        ("POST /?_task=login HTTP/1.1", 401, "-", LogEvent.AUTH_FAILURE, "webmail"),
        ("POST /?_task=login HTTP/1.1", 302, "-", LogEvent.AUTH_SUCCESS, "webmail"),
        ("POST /SOGo/connect HTTP/1.1", 403, "-", LogEvent.AUTH_FAILURE, "webmail"),
        ("POST /wp-login.php HTTP/1.1", 200, "-", LogEvent.AUTH_FAILURE, "wordpress"),
        ("POST /wp-login.php HTTP/1.1", 302, "-", LogEvent.AUTH_SUCCESS, "wordpress"),
        ("GET /admin/ HTTP/1.1", 401, "bob", LogEvent.AUTH_FAILURE, "http-basic"),
        ("GET /admin/ HTTP/1.1", 401, "-", LogEvent.HTTP_REQUEST, "nginx"),
        ("POST /owa/auth.owa HTTP/1.1", 302, "-", LogEvent.HTTP_REQUEST, "nginx"),  # outcome unknown
        ("POST /lien-he/gui.php HTTP/1.1", 200, "-", LogEvent.HTTP_REQUEST, "nginx"),
    ],
)
def test_login_endpoints(req: str, status: int, user: str, event: LogEvent, service: str) -> None:
    r = parse(f'203.0.113.5 - {user} [07/Dec/2026:08:00:00 +0000] "{req}" {status} 10 "-" "Mozilla/5.0"')
    assert r is not None and (r.event, r.service) == (event, service)
    assert r.family is LogFamily.WEB and r.status == status


@pytest.mark.parametrize(
    "line",
    [
        "",
        "hello world",
        '203.0.113.5 - - [07/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" abc 10',
        '203.0.113.5 - - [32/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 10',
        '203.0.113.5 - - [07/Foo/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 10',
        '203.0.113.5 - - [07/Dec/2026:08:00:00 +07x0] "GET / HTTP/1.1" 200 10',
        '203.0.113.5 - - [07/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1',
        'a b c d e [07/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 10',
    ],
)
def test_malformed_lines_raise(line: str) -> None:
    with pytest.raises(MalformedLineError):
        parse(line)


def test_registry_shape() -> None:
    for name, parser in FORMATS.items():
        assert parser.name == name
    assert FORMATS["nginx"].syslog_borne is False
    with pytest.raises(NotImplementedError):
        FORMATS["nginx"].parse_message(datetime(2026, 1, 1, tzinfo=UTC), "h", "nginx", "x", CTX, 1)
