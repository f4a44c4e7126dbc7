"""An alert's e-mail reads back exactly as written: subject (Vietnamese, any length up to the
250 characters messages allow) and text. Python's default folding at 78 characters dropped the
space after an encoded word in about one such subject in eight."""

from __future__ import annotations

import random
from email import message_from_bytes, policy

from canhgac.watch.outgoing import Outgoing
from canhgac.watch.senders import mail_of

WORDS = ("Cảnh", "báo", "#12", "·", "Nghiêm", "trọng", "STTTT:", "Cổng", "thông", "tin", "không", "trả",
         "lời", "(HTTP", "503)", "từ", "14:05", "SO-A,", "SO-B", "[canhgac]", "Alert", "Critical",
         "https://portal.so-a.gov.vn/tin-tuc/", "Đã", "bị", "thay", "đổi", "giao", "diện")


def test_subjects_and_text_survive_the_trip_through_smtp_bytes() -> None:
    rng = random.Random(20261207)
    text = "Cơ quan: SO-A\nTài sản: https://portal.so-a.gov.vn/\n" + "Dòng rất dài " * 40 + "\n"
    for n in range(3000):
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 45)))[:250]
        message = Outgoing(f"k{n}", "email", "an@stttt.gov.vn", subject, text)
        raw = mail_of(message, "canhgac@stttt.gov.vn").as_bytes()
        head, _, _ = raw.partition(b"\r\n\r\n")
        assert max(len(line) for line in head.split(b"\r\n")) <= 998 and raw.isascii()
        back = message_from_bytes(raw, policy=policy.default)
        assert back["Subject"] == subject, subject
        assert back.get_content().replace("\r\n", "\n") == text  # CRLF on the wire
