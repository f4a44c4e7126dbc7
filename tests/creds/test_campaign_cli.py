"""``canhgac creds campaign`` end to end in a fresh interpreter, on a store with leaked accounts of
two agencies: the list per agency and one agency's accounts; steps recorded with a note, a file
and an attestation until the case closes; an officer refused another agency's account and the
CSIRT's reopen; letters written as Word and .eml (Vietnamese and English); a letter sent through
the watch's relay (a local STARTTLS+AUTH SMTP sink on loopback) and refused without one; bad
input in one line, never a traceback; and no output, letter or e-mail holding a password or a
full hash."""

from __future__ import annotations

import email
import sys
from email import policy
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "watch"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from campaign_cli_support import relay_workspace, run_batch, secrets_of
from watch_sink_support import smtp_sink

LEAKED = {"le.c@b.gov.vn": "Beta@2024secret", "an.b@a.gov.vn": "Alpha!Leaked#7"}

def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    return run_batch(ws, LEAKED, *commands)


def _secrets() -> list[str]:
    return secrets_of(LEAKED)


def test_campaign_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    head, user, eml = tmp_path / "head.docx", tmp_path / "user.docx", tmp_path / "user.eml"
    b1 = "le.c@b.gov.vn"
    answers = _batch(
        ws,
        ["creds", "campaign", "list"],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "password",
            "--note",
            "changed at the desk",
            "-f",
            str(shot),
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "sessions",
            "--note",
            "revoked in webmail",
            "--as",
            "officer.b",
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-A",
            "an.b@a.gov.vn",
            "password",
            "--note",
            "x",
            "--as",
            "officer.b",
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "second-factor",
            "--attest",
            "TOTP on",
            "--as",
            "officer.b",
        ],
        ["creds", "campaign", "list", "--agency", "SO-B"],
        ["creds", "campaign", "reopen", "SO-B", b1, "--reason", "again", "--as", "officer.b"],
        ["creds", "campaign", "reopen", "SO-B", b1, "--reason", "still logs in"],
        ["creds", "campaign", "letter", "SO-B", "--head", "-o", str(head)],
        ["creds", "campaign", "letter", "SO-B", b1, "--language", "en", "-o", str(user)],
        ["creds", "campaign", "letter", "SO-B", b1, "--format", "eml", "-o", str(eml)],
        ["creds", "campaign", "send", "SO-B", b1],
        ["creds", "campaign", "step", "SO-B", b1, "firewall", "--note", "x"],
        ["creds", "campaign", "step", "SO-B", b1, "password"],
        ["creds", "campaign", "list", "--as", "officer.b"],
    )
    codes = [a[0] for a in answers]
    print(codes)
    assert codes == [0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 2, 2, 2, 0], answers
    overview = answers[0][1]
    assert "SO-B" in overview and "SO-A" in overview and "0 %" in overview
    assert "The case of le.c@b.gov.vn is closed." in answers[4][1]
    assert "no leaked account an.b@a.gov.vn of SO-A" in answers[3][2]
    assert "yes" in answers[5][1] and "attestation" in answers[5][1]
    assert "Reopened: 3 steps undone." in answers[7][1]
    assert "no mail relay is configured" in answers[11][2]
    assert "unknown step firewall" in answers[12][2] and "evidence needs a note or a file" in answers[13][2]
    assert "SO-A" not in answers[14][1] and "SO-B" in answers[14][1]
    assert all("Traceback" not in out + err for _c, out, err in answers)
    head_text = "\n".join(p.text for p in Document(str(head)).paragraphs)
    assert "Thủ trưởng" in head_text
    assert "NOTICE" in "\n".join(p.text for p in Document(str(user)).paragraphs)
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == b1
    everything = [a[1] + a[2] for a in answers] + [eml.read_bytes().decode(), head_text]
    for text in everything:
        for secret in _secrets():
            assert secret not in text


def test_a_letter_goes_through_the_watchs_relay(tmp_path: Path) -> None:
    ws, tls, port = relay_workspace(tmp_path)
    with smtp_sink(tls, port) as sink:
        answers = _batch(
            ws,
            ["creds", "campaign", "send", "SO-B", "le.c@b.gov.vn", "--language", "vi"],
            ["creds", "campaign", "send", "SO-B", "--head", "--to", "thutruong@b.gov.vn"],
            ["creds", "campaign", "send", "SO-B", "--head", "--to", "x@b.gov.vn", "--as", "officer.b"],
            ["creds", "campaign", "list"],
        )
    assert [a[0] for a in answers] == [0, 0, 2, 0], answers
    assert "Sent to le.c@b.gov.vn." in answers[0][1]
    got = {r.to[0]: r for r in sink.received}
    assert set(got) == {"le.c@b.gov.vn", "thutruong@b.gov.vn"}
    assert "bị lộ" in str(got["le.c@b.gov.vn"].mail["Subject"])
    assert "le.c@b.gov.vn" in got["thutruong@b.gov.vn"].text
    for r in sink.received:
        for secret in _secrets():
            assert secret not in r.mail.as_string()
