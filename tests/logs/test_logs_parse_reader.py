"""Reading files: gzip, damaged gzip, binary and undecodable lines, CRLF, overlong lines, counts,
format detection, and one-line errors for files that cannot be read."""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

import gzip
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.logs.formats import make_parser
from canhgac.logs.reader import MAX_LINE, detect_format, parse_lines, read_records
from canhgac.logs.records import LogEvent, ParseContext, ParseStats

NGINX = '203.0.113.5 - - [07/Dec/2026:22:10:0{n} +0700] "GET /p{n} HTTP/1.1" 200 5 "-" "Mozilla/5.0"'
SSHD = "Dec  7 22:10:0{n} srv sshd[7]: Failed password for root from 203.0.113.7 port 5 ssh2"


def read(path: Path, fmt: str | None = None, year: int | None = 2026) -> tuple[list, ParseStats]:
    stats = ParseStats()
    return list(read_records(path, fmt=fmt, tz=UTC, year=year, stats=stats)), stats


def test_counts_every_line_once_and_keeps_going(tmp_path: Path) -> None:
    good = [NGINX.format(n=i).encode() for i in range(5)]
    data = (
        b"\n".join(
            [
                good[0],
                b"complete garbage that is not a log line",
                good[1] + b"\r",  # CRLF
                b"\x00\x01\x02\x00binary\x00",
                '203.0.113.5 - - [07/Dec/2026:22:10:01 +0700] "GET /Đô HTTP/1.1" 200 5 "-" "Đà"'.encode(
                    "cp1258"
                ),
                b"\xff\xfe\x01\x02\x03\x04\x05\x06\x07\x08",
                good[2],
                b"",
                good[3],
            ]
        )
        + b"\n"
        + good[4]
    )  # no final newline
    path = tmp_path / "access.log"
    path.write_bytes(data)
    records, stats = read(path, "nginx")
    assert [r.line_no for r in records] == [1, 3, 5, 7, 9, 10]
    assert records[2].target == "/Đô" and records[2].user_agent == "Đà"  # Windows-1258 fallback
    assert (stats.lines, stats.records, stats.malformed, stats.binary, stats.ignored) == (10, 6, 2, 2, 0)
    assert stats.examples[0].startswith(f"{path}:2: complete garbage")
    assert stats.lines == stats.records + stats.ignored + stats.malformed + stats.binary


def test_examples_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text("".join(f"junk {i}\n" for i in range(50)) + NGINX.format(n=1) + "\n")
    records, stats = read(path, "nginx")
    assert len(records) == 1 and stats.malformed == 50 and len(stats.examples) == 5


def test_overlong_line_is_cut_and_skipped_not_held(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    huge = (
        '203.0.113.5 - - [07/Dec/2026:22:10:01 +0700] "GET /'
        + "A" * (3 * MAX_LINE)
        + ' HTTP/1.1" 200 5 "-" "-"'
    )
    path.write_text(NGINX.format(n=1) + "\n" + huge + "\n" + NGINX.format(n=2) + "\n")
    records, stats = read(path, "nginx")
    assert [r.line_no for r in records] == [1, 3]
    assert (stats.lines, stats.malformed) == (3, 1)
    assert len(stats.examples[0]) < 400


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "access.log.1.gz"
    path.write_bytes(gzip.compress("".join(NGINX.format(n=i) + "\n" for i in range(4)).encode()))
    records, stats = read(path)
    assert len(records) == 4 and stats.records == 4 and records[0].source == str(path)


def test_truncated_gzip_gives_one_line_error_after_the_lines_it_read(tmp_path: Path) -> None:
    path = tmp_path / "mail.log.2.gz"
    blob = gzip.compress("".join(NGINX.format(n=i % 10) + "\n" for i in range(20_000)).encode())
    path.write_bytes(blob[: len(blob) // 2])
    stats = ParseStats()
    got = 0
    with pytest.raises(ValueError, match=re.escape("mail.log.2.gz")) as info:
        for _r in read_records(path, fmt="nginx", tz=UTC, year=2026, stats=stats):
            got += 1
    assert "\n" not in str(info.value)
    assert got > 0 and got == stats.records


def test_garbage_with_gzip_magic(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(b"\x1f\x8b" + os.urandom(200))
    with pytest.raises((ValueError, OSError)) as info:
        read(path, "nginx")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kind", ["missing", "directory", "unreadable"])
def test_unreadable_files(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "f.log"
    if kind == "directory":
        path.mkdir()
    elif kind == "unreadable":
        path.write_text("x\n")
        path.chmod(0)
        if os.access(path, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
    with pytest.raises(OSError, match=re.escape("f.log")) as info:
        read(path, "nginx")
    assert "\n" not in str(info.value)


def test_unknown_format_and_unrecognised_content(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("dear diary\ntoday nothing happened\n")
    with pytest.raises(ValueError, match=re.escape("notes.txt")):
        read(path)
    with pytest.raises(ValueError, match="bogus"):
        read(path, "bogus")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    records, stats = read(path, "nginx")
    assert records == [] and stats.lines == 0


@pytest.mark.parametrize(
    ("lines", "fmt"),
    [
        ([NGINX.format(n=1), NGINX.format(n=2)], "nginx"),
        (["portal.x:443 " + NGINX.format(n=1)], "apache"),
        (["#Software: Microsoft Internet Information Services 10.0", "#Version: 1.0"], "iis"),
        (["#Software: Microsoft Exchange Server", "#Version: 15.02.1544.004"], "exchange"),
        (
            [
                SSHD.format(n=1),
                "Dec  7 22:10:09 srv CRON[1]: pam_unix(cron:session): session opened for user root",
            ],
            "sshd",
        ),
        (
            [
                "Dec  7 22:10:01 mail postfix/smtpd[1]: connect from unknown[192.0.2.1]",
                "Dec  7 22:10:01 mail dovecot: imap-login: Login: user=<a>, rip=10.0.0.1",
                "Dec  7 22:10:02 mail postfix/qmgr[1]: ABC: removed",
            ],
            "postfix",
        ),
        (["2026-12-07T22:10:01.5+07:00 mail dovecot: imap-login: Login: user=<a>, rip=10.0.0.1"], "dovecot"),
        (
            ["Dec 07 22:10:04 imap-login: Info: Login: user=<a@x>, method=PLAIN, rip=10.1.2.3, lip=10.0.0.2"],
            "dovecot",
        ),
        (
            [
                "2026-12-07 09:16:00,001 INFO  [ImapSSLServer-4] [ip=10.0.0.9;] security - cmd=Auth; account=b; protocol=imap;"
            ],
            "zimbra",
        ),
        (["hello", "world"], None),
        ([], None),
    ],
)
def test_detect_format(lines: list[str], fmt: str | None) -> None:
    assert detect_format(lines) == fmt


def test_syslog_year_from_the_file_time_across_new_year(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    path.write_text(
        "Dec 31 23:59:59 srv sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2\n"
        "Jan  1 00:00:05 srv sshd[1]: Accepted password for b from 10.0.0.1 port 1 ssh2\n"
    )
    mtime = datetime(2027, 1, 1, 1, tzinfo=UTC).timestamp()
    os.utime(path, (mtime, mtime))
    records, _stats = read(path, year=None)
    assert [r.time for r in records] == [
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC),
    ]


def test_source_name_and_parse_lines_directly() -> None:
    ctx = ParseContext("syslog:srv/sshd", tz=UTC, year=2026)
    stats = ParseStats()
    got = list(
        parse_lines(
            [
                (1, SSHD.format(n=1).encode() + b"\n"),
                (2, b"Dec  7 22:10:09 srv sshd[7]: Server listening\n"),
                (3, b"\x00"),
            ],
            make_parser("sshd"),
            ctx,
            stats,
        )
    )
    assert [r.event for r in got] == [LogEvent.AUTH_FAILURE] and got[0].source == "syslog:srv/sshd"
    assert (stats.records, stats.ignored, stats.binary) == (1, 1, 1)


def test_named_source(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text(NGINX.format(n=1) + "\n")
    stats = ParseStats()
    (r,) = read_records(path, fmt="nginx", tz=UTC, year=None, stats=stats, source="portal")
    assert r.source == "portal"
