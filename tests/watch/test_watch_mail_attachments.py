"""``mail_of`` with attachments (the campaign's letters carry their Word file); without them an
alert's mail is the single text part it always was."""

from __future__ import annotations

from email import message_from_bytes, policy

from canhgac.watch.outgoing import Attachment, Outgoing
from canhgac.watch.senders import mail_of

TEXT = "Kính gửi: chủ tài khoản an@so-a.gov.vn\nĐổi mật khẩu ngay.\n"
MESSAGE = Outgoing("k1", "email", "an@so-a.gov.vn", "[CSIRT] Tài khoản công vụ bị lộ", TEXT)


def test_an_alert_without_attachments_is_one_text_part() -> None:
    back = message_from_bytes(mail_of(MESSAGE, "canhgac@stttt.gov.vn").as_bytes(), policy=policy.default)
    assert back.get_content_type() == "text/plain" and not back.is_multipart()
    assert back.get_content().replace("\r\n", "\n") == TEXT


def test_attachments_travel_beside_the_same_text() -> None:
    data = bytes(range(256)) * 40
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    raw = mail_of(MESSAGE, "canhgac@stttt.gov.vn", [Attachment("thư-thông-báo.docx", docx, data)]).as_bytes()
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998
    back = message_from_bytes(raw, policy=policy.default)
    assert back.get_content_type() == "multipart/mixed"
    assert back["Message-ID"] == "<k1@canhgac>" and back["Subject"] == MESSAGE.subject
    body = back.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == TEXT
    parts = list(back.iter_attachments())
    assert len(parts) == 1
    assert parts[0].get_filename() == "thư-thông-báo.docx" and parts[0].get_content_type() == docx
    assert parts[0].get_content() == data
