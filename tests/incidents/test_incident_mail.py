"""Reading a [TBSC] incident notice from an RFC 5322 file: the sender, the date (to UTC), the
subject without its tag, the body's text (plain preferred, HTML stripped), and a malformed
message refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from canhgac.i18n import language
from canhgac.incidents.mail import MailError, parse_mail

GOOD = (
    "From: Phong CNTT So A <cntt@a.gov.vn>\r\n"
    "To: csirt@stttt.gov.vn\r\n"
    "Date: Sat, 06 Feb 2027 23:40:00 +0700\r\n"
    "Subject: =?utf-8?b?W1RCU0NdIE3DoyDEkeG7mWMgdHLDqm4gbcOheSBjaOG7pw==?=\r\n"
    "Message-ID: <x1@a.gov.vn>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "Máy chủ web nhiễm mã độc.\r\nĐã ngắt mạng.\r\n"
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML copy</p>\r\n--b--\r\n"
).encode()


def test_a_tbsc_notice_is_read() -> None:
    mail = parse_mail(GOOD)
    assert (mail.sender_name, mail.sender_address) == ("Phong CNTT So A", "cntt@a.gov.vn")
    assert mail.sent_at == datetime(2027, 2, 6, 16, 40, tzinfo=UTC)  # Tết's eve night, in UTC
    assert mail.subject == "[TBSC] Mã độc trên máy chủ" and mail.title == "Mã độc trên máy chủ"
    assert mail.body == "Máy chủ web nhiễm mã độc.\nĐã ngắt mạng."
    assert mail.message_id == "<x1@a.gov.vn>"


def test_an_html_only_body_is_stripped_to_text() -> None:
    data = (
        b"From: a@b.vn\nDate: Mon, 02 Mar 2026 08:00:00 +0700\nSubject: [tbsc]: Web\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        b"<html><body><b>Trang</b> &amp; b\xe1\xbb\x8b l\xe1\xbb\x97i</body></html>\n"
    )
    mail = parse_mail(data)
    assert mail.title == "Web" and "Trang" in mail.body and "&" in mail.body and "<b>" not in mail.body


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "not an e-mail"),
        (b"\x00\x01\x02binary", "not an e-mail"),
        (b"just some text without headers\n", "not an e-mail"),
        (b"Date: Mon, 02 Mar 2026 08:00:00 +0700\nSubject: [TBSC] x\n\nbody", "no From"),
        (
            b"From: nobody\nDate: Mon, 02 Mar 2026 08:00:00 +0700\nSubject: [TBSC] x\n\nbody",
            "no e-mail address",
        ),
        (b"From: a@b.vn\nSubject: [TBSC] x\n\nbody", "no Date"),
        (b"From: a@b.vn\nDate: yesterday\nSubject: [TBSC] x\n\nbody", "not a date"),
        (
            b"From: a@b.vn\nDate: Mon, 02 Mar 2026 08:00:00 +0700\nSubject: Re: [TBSC] x\n\nbody",
            "does not start with",
        ),
        (b"From: a@b.vn\nDate: Mon, 02 Mar 2026 08:00:00 +0700\n\nbody", "does not start with"),
    ],
)
def test_a_malformed_message_is_one_line(data: bytes, says: str) -> None:
    with language("en"), pytest.raises(MailError) as caught:
        parse_mail(data)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_raw_utf8_without_a_charset_is_read_as_utf8() -> None:
    data = (
        "From: a@b.vn\nDate: Mon, 02 Mar 2026 08:00:00 +0700\nSubject: [TBSC] Sự cố\n\nNội dung lạ\n".encode()
    )
    mail = parse_mail(data)
    assert mail.title == "Sự cố" and mail.body == "Nội dung lạ"
