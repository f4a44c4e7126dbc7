"""Syslog-borne formats: the prefix (classic and RFC 3339, the year across New Year, the zone),
Postfix, Dovecot, sshd and PAM lines field by field, and the listener's entry point."""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from canhgac.logs.formats import FORMATS, make_parser, parser_for_program
from canhgac.logs.records import LogEvent, LogFamily, MalformedLineError, ParseContext

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CTX = ParseContext("mail.log", tz=HCM, year=2026)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_classic_prefix_uses_context_zone_and_year() -> None:
    r = make_parser("sshd").parse(
        "Dec  7 22:10:05 srv sshd[77]: Failed password for root from 203.0.113.7 port 5555 ssh2", CTX, 3
    )
    assert r is not None
    assert r.time == utc(2026, 12, 7, 15, 10, 5)
    assert (r.event, r.family, r.client, r.account, r.service, r.line_no) == (
        LogEvent.AUTH_FAILURE,
        LogFamily.AUTH,
        "203.0.113.7",
        "root",
        "sshd",
        3,
    )


def test_year_rolls_over_at_new_year_and_stragglers_keep_theirs() -> None:
    parser = make_parser("sshd")
    ctx = ParseContext("auth.log", tz=UTC, year=2026)
    line = "{} srv sshd[1]: Accepted publickey for an from 10.0.0.5 port 1 ssh2"
    times = [
        parser.parse(line.format(stamp), ctx, i).time  # type: ignore[union-attr]
        for i, stamp in enumerate(
            ["Dec 31 23:59:58", "Jan  1 00:00:01", "Dec 31 23:59:59", "Jan  2 08:00:00"]
        )
    ]
    assert times == [
        utc(2026, 12, 31, 23, 59, 58),
        utc(2027, 1, 1, 0, 0, 1),
        utc(2026, 12, 31, 23, 59, 59),
        utc(2027, 1, 2, 8, 0, 0),
    ]
    other = ParseContext("other.log", tz=UTC, year=2026)  # per source: another file starts afresh
    assert parser.parse(line.format("Jan  5 00:00:00"), other, 1).time == utc(2026, 1, 5)  # type: ignore[union-attr]


def test_rfc3339_prefix_carries_its_offset() -> None:
    r = make_parser("dovecot").parse(
        "2026-12-07T22:10:03.123456+07:00 mail dovecot: imap-login: Login: user=<an@x.gov.vn>, method=PLAIN, "
        "rip=198.51.100.7, lip=10.0.0.2, mpid=1, TLS, session=<x>",
        ParseContext("m", tz=UTC, year=1999),
        1,
    )
    assert r is not None and r.time == datetime(2026, 12, 7, 15, 10, 3, 123456, tzinfo=UTC)
    assert (r.event, r.client, r.account, r.service) == (
        LogEvent.AUTH_SUCCESS,
        "198.51.100.7",
        "an@x.gov.vn",
        "dovecot/imap",
    )
    z = make_parser("sshd").parse(
        "2026-12-07T08:00:00Z srv sshd[1]: Accepted password for a from 10.0.0.1 port 2 ssh2", CTX, 1
    )
    assert z is not None and z.time == utc(2026, 12, 7, 8)


def test_postfix_auth_failure_success_and_sent_message() -> None:
    p = make_parser("postfix")
    fail = p.parse(
        "Dec  7 22:10:01 mail postfix/smtpd[123]: warning: unknown[203.0.113.5]: "
        "SASL LOGIN authentication failed: UGFzc3dvcmQ6",
        CTX,
        1,
    )
    assert fail is not None and (fail.event, fail.client, fail.service, fail.account, fail.family) == (
        LogEvent.AUTH_FAILURE,
        "203.0.113.5",
        "postfix/smtpd",
        "",
        LogFamily.MAIL,
    )
    named = p.parse(
        "Dec  7 22:10:01 mail postfix/smtps/smtpd[9]: warning: host.example[2001:db8::5]:465: "
        "SASL PLAIN authentication failed: authentication failure, sasl_username=bob@x.gov.vn",
        CTX,
        2,
    )
    assert named is not None and (named.client, named.account, named.service) == (
        "2001:db8::5",
        "bob@x.gov.vn",
        "postfix/smtps/smtpd",
    )
    assert (
        p.parse(
            "Dec  7 22:10:01 mail postfix/smtpd[1]: warning: unknown[203.0.113.5]: SASL LOGIN authentication "
            "failed: Connection lost to authentication server",
            CTX,
            3,
        )
        is None
    )
    ok = p.parse(
        "Dec  7 22:10:02 mail postfix/submission/smtpd[5]: 4F9D21A0B: client=unknown[198.51.100.7], "
        "sasl_method=LOGIN, sasl_username=an@x.gov.vn",
        CTX,
        4,
    )
    assert ok is not None and (ok.event, ok.client, ok.account, ok.service) == (
        LogEvent.AUTH_SUCCESS,
        "198.51.100.7",
        "an@x.gov.vn",
        "postfix/submission/smtpd",
    )
    sent = p.parse(
        "Dec  7 22:10:02 mail postfix/qmgr[99]: 4F9D21A0B: from=<an@x.gov.vn>, size=1234, nrcpt=3 (queue active)",
        CTX,
        5,
    )
    assert sent is not None and (
        sent.event,
        sent.account,
        sent.sender,
        sent.recipients,
        sent.client,
        sent.service,
    ) == (LogEvent.MAIL_SENT, "an@x.gov.vn", "an@x.gov.vn", 3, "198.51.100.7", "postfix/submission/smtpd")
    # a retry of the same queue id (deferred mail) is not a second message
    assert (
        p.parse(
            "Dec  7 23:10:02 mail postfix/qmgr[99]: 4F9D21A0B: from=<an@x.gov.vn>, size=1234, nrcpt=3 (queue active)",
            CTX,
            6,
        )
        is None
    )


def test_postfix_received_and_ignored_lines() -> None:
    p = make_parser("postfix")
    assert (
        p.parse("Dec  7 22:10:02 mail postfix/smtpd[5]: ABC123DEF: client=mx.example.vn[192.0.2.20]", CTX, 1)
        is None
    )
    got = p.parse(
        "Dec  7 22:10:02 mail postfix/qmgr[9]: ABC123DEF: from=<>, size=900, nrcpt=1 (queue active)", CTX, 2
    )
    assert got is not None and (got.event, got.sender, got.recipients, got.client) == (
        LogEvent.MAIL_RECEIVED,
        "",
        1,
        "192.0.2.20",
    )
    for msg in (
        "connect from unknown[192.0.2.4]",
        "disconnect from unknown[192.0.2.4] ehlo=1 auth=0/1 commands=1/2",
        "NOQUEUE: reject: RCPT from unknown[192.0.2.4]: 554 5.7.1 Relay access denied",
        "ABC123DEF: removed",
        "statistics: max connection rate 1/60s",
    ):
        assert p.parse(f"Dec  7 22:10:02 mail postfix/smtpd[5]: {msg}", CTX, 3) is None
    with pytest.raises(MalformedLineError):
        p.parse("Dec  7 22:10:02 mail postfix/smtpd[9]: XYZ12: client=unknown[192.0.2.4]", CTX, 4)
        p.parse("Dec  7 22:10:02 mail postfix/qmgr[9]: XYZ12: from=<a@b>, size=1, nrcpt=many", CTX, 5)


@pytest.mark.parametrize(
    ("message", "service", "user"),
    [
        (
            "pop3-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<bob>, method=PLAIN, rip=203.0.113.9, "
            "lip=10.0.0.2, session=<y>",
            "dovecot/pop3",
            "bob",
        ),
        (
            "imap-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<c@x>, method=PLAIN, "
            "rip=203.0.113.9, lip=10.0.0.2, TLS, session=<z>",
            "dovecot/imap",
            "c@x",
        ),
        (
            "imap-login: Info: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): "
            "user=<d@x>, method=PLAIN, rip=203.0.113.9, lip=10.0.0.2, TLS",
            "dovecot/imap",
            "d@x",
        ),
        (
            "submission-login: Aborted login (auth failed, 1 attempts): rip=203.0.113.9, lip=10.0.0.2",
            "dovecot/submission",
            "",
        ),
    ],
)
def test_dovecot_failures(message: str, service: str, user: str) -> None:
    r = make_parser("dovecot").parse(f"Dec  7 22:10:04 mail dovecot[88]: {message}", CTX, 1)
    assert r is not None and (r.event, r.client, r.service, r.account) == (
        LogEvent.AUTH_FAILURE,
        "203.0.113.9",
        service,
        user,
    )


def test_dovecot_own_log_file_and_ignored_lines() -> None:
    p = make_parser("dovecot")
    r = p.parse(
        "Dec 07 22:10:04 imap-login: Info: Login: user=<a@x>, method=PLAIN, rip=10.1.2.3, lip=10.0.0.2",
        CTX,
        1,
    )
    assert r is not None and (r.event, r.service, r.account, r.client) == (
        LogEvent.AUTH_SUCCESS,
        "dovecot/imap",
        "a@x",
        "10.1.2.3",
    )
    for msg in (
        "imap(a@x)<1><s>: Logged out in=1 out=2",
        "auth: passwd-file(a@x,203.0.113.9,<s>): Password mismatch",
        "master: Dovecot v2.3.21 starting up",
    ):
        assert p.parse(f"Dec  7 22:10:04 mail dovecot: {msg}", CTX, 2) is None
    with pytest.raises(MalformedLineError):
        p.parse(
            "Dec  7 22:10:04 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<a>",
            CTX,
            3,
        )


def test_sshd_lines() -> None:
    p = make_parser("sshd")

    def one(msg: str):
        return p.parse(f"Dec  7 22:10:05 srv sshd[77]: {msg}", CTX, 1)

    r = one("Failed password for invalid user admin from 203.0.113.7 port 5555 ssh2")
    assert r is not None and (r.event, r.account, r.client) == (LogEvent.AUTH_FAILURE, "admin", "203.0.113.7")
    r = one("Failed keyboard-interactive/pam for invalid user odd name from 2001:db8::9 port 22 ssh2")
    assert r is not None and (r.account, r.client) == ("odd name", "2001:db8::9")
    r = one("message repeated 3 times: [ Failed password for root from 203.0.113.7 port 5555 ssh2]")
    assert r is not None and (r.event, r.account) == (LogEvent.AUTH_FAILURE, "root")
    r = one("Accepted publickey for an from 198.51.100.7 port 5555 ssh2: RSA SHA256:abc")
    assert r is not None and (r.event, r.account, r.client) == (LogEvent.AUTH_SUCCESS, "an", "198.51.100.7")
    for ignored in (
        "Invalid user admin from 203.0.113.7 port 5555",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
        "Connection closed by invalid user admin 203.0.113.7 port 5555 [preauth]",
        "Failed none for invalid user admin from 203.0.113.7 port 5555 ssh2",
        "Received disconnect from 203.0.113.7 port 5555:11: Bye Bye [preauth]",
    ):
        assert one(ignored) is None, ignored
    sess = p.parse(
        "Dec  7 22:10:05 srv sshd-session[8]: Accepted password for b from 10.0.0.1 port 3 ssh2", CTX, 2
    )
    assert sess is not None and sess.service == "sshd"


def test_pam_failures_of_other_remote_services() -> None:
    p = make_parser("sshd")
    r = p.parse(
        "Dec  7 22:10:06 srv vsftpd[77]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 "
        "tty=ftp ruser=bob rhost=203.0.113.8  user=bob",
        CTX,
        1,
    )
    assert r is not None and (r.event, r.service, r.client, r.account) == (
        LogEvent.AUTH_FAILURE,
        "vsftpd",
        "203.0.113.8",
        "bob",
    )
    assert (
        p.parse(
            "Dec  7 22:10:06 srv su[7]: pam_unix(su:auth): authentication failure; logname=bob uid=1000 euid=0 "
            "tty=pts/0 ruser=bob rhost=  user=root",
            CTX,
            2,
        )
        is None
    )


def test_a_mail_log_is_read_whole_by_either_format() -> None:
    lines = [
        "Dec  7 22:10:04 mail dovecot: imap-login: Login: user=<a@x>, method=PLAIN, rip=10.1.2.3, lip=10.0.0.2",
        "Dec  7 22:10:05 mail postfix/smtpd[1]: warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: x",
        "Dec  7 22:10:06 mail kernel: [12.3] eth0: link up",
    ]
    for fmt in ("postfix", "dovecot", "sshd"):
        got = [make_parser(fmt).parse(line, CTX, 1) for line in lines]
        assert [r.service if r else None for r in got] == ["dovecot/imap", "postfix/smtpd", None]


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Dec  7 22:10:04",
        "Dex  7 22:10:04 mail dovecot: x",
        "Dec 77 22:10:04 h p: x",
        "Dec  7 22:10:04 mail no tag here",
        "2026-13-07T00:00:00Z h p: x",
        "Feb 30 22:10:04 h sshd[1]: Accepted password for a from 10.0.0.1 port 1 ssh2",
    ],
)
def test_malformed_prefixes(line: str) -> None:
    with pytest.raises(MalformedLineError):
        make_parser("sshd").parse(line, CTX, 1)


def test_listener_entry_point() -> None:
    when = utc(2026, 12, 7, 1, 2, 3)
    parser = parser_for_program("postfix/submission/smtpd")
    assert parser is FORMATS["postfix"]
    r = parser.parse_message(
        when,
        "mail",
        "postfix/submission/smtpd",
        "warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: x",
        CTX,
        0,
    )
    assert r is not None and r.time == when and r.raw.startswith("mail postfix/submission/smtpd: warning")
    assert parser_for_program("sshd") is FORMATS["sshd"]
    assert parser_for_program("dovecot") is FORMATS["dovecot"]
    assert parser_for_program("kernel") is None
    assert (
        FORMATS["sshd"]
        .parse_message(when, "h", "sshd", "Accepted password for a from 10.0.0.1 port 1 ssh2", CTX, 0)
        .account
        == "a"
    )  # type: ignore[union-attr]
