"""Syslog headers (RFC 5424, RFC 3164 as senders write it) and TCP framing (octet counting, LF),
including what hostile senders send: garbage, overlong frames, broken counts, binary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from canhgac.logs.syslog_frame import FrameDecoder
from canhgac.logs.syslog_parse import SyslogFormatError, parse_syslog

RECEIVED = datetime(2026, 12, 7, 15, 0, 0, tzinfo=UTC)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def parse(data: bytes, received: datetime = RECEIVED):  # type: ignore[no-untyped-def]
    return parse_syslog(data, received=received, sender="192.0.2.7", tz=HCM)


def test_rfc5424_with_structured_data_and_bom() -> None:
    m = parse(b'<165>1 2026-12-07T21:14:15.003+07:00 mail.so.gov.vn postfix/smtpd 4242 ID47 '
              b'[exampleSDID@32473 iut="3" eventSource="App\\"l\\]ication"][x@1 a="b"] '
              b'\xef\xbb\xbfwarning: unknown[203.0.113.9]: SASL LOGIN authentication failed')
    assert (m.facility, m.severity, m.rfc5424) == (20, 5, True)
    assert m.time == datetime(2026, 12, 7, 14, 14, 15, 3000, tzinfo=UTC)
    assert (m.host, m.program, m.procid) == ("mail.so.gov.vn", "postfix/smtpd", "4242")
    assert m.message == "warning: unknown[203.0.113.9]: SASL LOGIN authentication failed"


def test_rfc5424_nil_values() -> None:
    m = parse(b"<14>1 - - - - - - hello")
    assert (m.host, m.program, m.procid, m.message) == ("192.0.2.7", "", "", "hello")
    assert m.time == RECEIVED
    m = parse(b"<14>1 2026-12-07T08:00:00Z h app - - -")
    assert m.message == "" and m.time == datetime(2026, 12, 7, 8, tzinfo=UTC)


def test_rfc3164_with_host_tag_and_pid_in_the_sender_zone() -> None:
    m = parse(b"<38>Dec  7 21:59:01 web1 sshd[811]: Failed password for root from 203.0.113.9 "
              b"port 52144 ssh2\n")
    assert (m.facility, m.severity, m.rfc5424) == (4, 6, False)
    assert m.time == datetime(2026, 12, 7, 14, 59, 1, tzinfo=UTC)  # +07:00
    assert (m.host, m.program, m.procid) == ("web1", "sshd", "811")
    assert m.message.startswith("Failed password for root")


def test_rfc3164_nginx_access_line_and_no_host() -> None:
    m = parse(b'<190>Dec  7 21:59:01 web1 nginx: 203.0.113.9 - - [07/Dec/2026:21:59:01 +0700] '
              b'"GET /?id=1%27 HTTP/1.1" 200 5 "-" "sqlmap"')
    assert (m.host, m.program) == ("web1", "nginx")
    assert m.message.startswith("203.0.113.9 - - [07/Dec")
    m = parse(b"<13>Dec  7 21:59:01 postfix/smtpd[1]: connect from x")
    assert (m.host, m.program, m.message) == ("192.0.2.7", "postfix/smtpd", "connect from x")


def test_rfc3164_rsyslog_precise_timestamp() -> None:
    m = parse(b"<86>2026-12-07T21:59:01.123456+07:00 mx dovecot: imap-login: Disconnected")
    assert m.time == datetime(2026, 12, 7, 14, 59, 1, 123456, tzinfo=UTC)
    assert (m.host, m.program, m.message) == ("mx", "dovecot", "imap-login: Disconnected")


def test_rfc3164_year_is_the_one_nearest_reception() -> None:
    new_year = datetime(2027, 1, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=7)))
    m = parse(b"<13>Dec 31 23:59:58 h app: x", received=new_year)
    assert m.time.astimezone(HCM).year == 2026


def test_rfc3164_without_timestamp_keeps_the_text() -> None:
    m = parse(b"<13>just some text")
    assert m.time == RECEIVED and m.message == "just some text"


@pytest.mark.parametrize("data", [
    b"", b"hello", b"<>x", b"<999>Dec  7 21:59:01 h a: x", b"\x00\x01\x02\xff",
    b"<13>1 2026-13-45T99:00:00Z h a - - - x", b"<13>1 short", b"<13>1 - h a - - [unclosed",
])
def test_garbage_is_refused_with_a_format_error(data: bytes) -> None:
    with pytest.raises(SyslogFormatError):
        parse(data)


def test_binary_after_a_valid_priority_is_kept_as_replaced_text() -> None:
    m = parse(b"<13>Dec  7 21:59:01 h app: \xff\xfe\x00bin")
    assert "\ufffd" in m.message


def test_octet_counting_and_lf_framing_mixed_and_split_anywhere() -> None:
    msgs = [b"<13>1 - h a - - - one", b"<13>Dec  7 21:59:01 h a: two", b"<13>1 - h a - - - thr\nee"]
    stream = (b"%d %s" % (len(msgs[0]), msgs[0]) + msgs[1] + b"\r\n"
              + b"%d %s" % (len(msgs[2]), msgs[2]) + b"<13>last\n")
    for cut in range(1, len(stream)):
        d = FrameDecoder()
        out = d.feed(stream[:cut]) + d.feed(stream[cut:])
        assert out == [*msgs, b"<13>last"], cut
        assert d.overlong == d.garbage == 0


def test_overlong_frames_are_dropped_and_counted_without_buffering() -> None:
    d = FrameDecoder(max_frame=100)
    big = b"x" * 10_000
    out = d.feed(b"%d " % len(big))
    for i in range(0, len(big), 999):
        out += d.feed(big[i:i + 999])
        assert len(d._buf) <= 1000
    out += d.feed(b"5 <13>a")
    assert out == [b"<13>a"] and d.overlong == 1
    out = d.feed(b"<13>" + b"y" * 500)  # an LF frame with no end in sight
    out += d.feed(b"y" * 500 + b"\n<13>b\n")
    assert out == [b"<13>b"] and d.overlong == 2


def test_broken_counts_resynchronise_at_the_next_lf() -> None:
    d = FrameDecoder()
    assert d.feed(b"12345678901234 junk\n<13>ok\n") == [b"<13>ok"]
    assert d.feed(b"9x <13>no\n<13>fine\n") == [b"<13>fine"]
    assert d.garbage == 2


def test_finish_hands_out_a_last_unterminated_lf_frame() -> None:
    d = FrameDecoder()
    assert d.feed(b"<13>a\n<13>b") == [b"<13>a"]
    assert d.finish() == [b"<13>b"]
    d = FrameDecoder()
    d.feed(b"20 <13>cut")
    assert d.finish() == [] and d.garbage == 1


def test_rfc3164_tag_ended_by_a_space_after_the_host() -> None:
    m = parse(b"<36>2026-12-07T21:59:01+07:00 web1 sshd Failed password for root")
    assert (m.host, m.program, m.message) == ("web1", "sshd", "Failed password for root")
