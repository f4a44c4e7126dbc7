"""``canhgac creds campaign letters`` and ``send-all`` end to end in a fresh interpreter: every
holder's letter of an agency and the head's, into a folder and as one ZIP (read back: the names,
each a Word file naming its holder); an officer refused another agency ("no campaign", as if it
did not exist) and refused sending; every holder e-mailed through a loopback STARTTLS+AUTH relay
with the Word letter attached, one address refused by the relay; a rerun sending nobody twice; the
relay away, the one left counted failed; and no output, letter or e-mail holding a password or a
full hash."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "watch"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from campaign_cli_support import relay_workspace, run_batch, secrets_of
from watch_sink_support import smtp_sink

LEAKED = {
    "le.c@b.gov.vn": "Beta@2024secret",
    "tran.d@b.gov.vn": "Tr@nD-leaked-99",
    "ngo.e@b.gov.vn": "NgoE#pass-2017",
    "an.b@a.gov.vn": "Alpha!Leaked#7",
}
HOLDERS_B = ["le.c@b.gov.vn", "ngo.e@b.gov.vn", "tran.d@b.gov.vn"]


def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    return run_batch(ws, LEAKED, *commands)


def _secrets() -> list[str]:
    return secrets_of(LEAKED)


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _clean(text: str) -> None:
    for secret in _secrets():
        assert secret not in text


def test_letters_in_bulk_and_scoped(tmp_path: Path) -> None:
    ws, folder, packed = tmp_path / "ws", tmp_path / "letters", tmp_path / "letters.zip"
    answers = _batch(
        ws,
        ["creds", "campaign", "letters", "--agency", "SO-B", "--out", str(folder)],
        [
            *("creds", "campaign", "letters", "-a", "SO-B", "-o", str(packed)),
            *("--language", "en", "--as", "officer.b"),
        ],
        ["creds", "campaign", "letters", "-a", "SO-A", "-o", str(tmp_path / "a.zip"), "--as", "officer.b"],
        ["creds", "campaign", "letters", "-a", "SO-B", "-o", str(folder), "--language", "fr"],
        ["creds", "campaign", "list"],
    )
    assert [a[0] for a in answers] == [0, 0, 2, 2, 0], answers
    assert "Wrote 4 letters (3 to holders, one to the head)" in answers[0][1]
    assert "no campaign for SO-A" in answers[2][2] and not (tmp_path / "a.zip").exists()
    assert "unknown language fr" in answers[3][2]
    stems = [f"campaign-SO-B-{a.replace('@', '_at_')}" for a in HOLDERS_B] + ["campaign-SO-B-thu-truong"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}-vi.docx" for s in stems)
    with zipfile.ZipFile(packed) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert sorted(names) == sorted(f"{s}-en.docx" for s in stems)
        texts = {n: _docx_text(archive.read(n)) for n in names}
    for address in HOLDERS_B:
        mine = texts[f"campaign-SO-B-{address.replace('@', '_at_')}-en.docx"]
        assert address in mine and "NOTICE" in mine
        assert all(other not in mine for other in HOLDERS_B if other != address)
        assert address in texts["campaign-SO-B-thu-truong-en.docx"]
    assert "an.b@a.gov.vn" not in "\n".join(texts.values())
    _clean("\n".join(texts.values()) + "".join(_docx_text(p.read_bytes()) for p in folder.iterdir()))
    # each letter recorded as a single one is: 4 + 4 Word letters for SO-B, none for SO-A
    row_b = next(line for line in answers[4][1].splitlines() if "SO-B" in line)
    row_a = next(line for line in answers[4][1].splitlines() if "SO-A" in line)
    assert row_b.rstrip(" │|").split()[-1] == "8" and row_a.rstrip(" │|").split()[-1] == "0", answers[4][1]
    for _code, out, err in answers:
        assert "Traceback" not in out + err
        _clean(out + err)


def test_every_holder_mailed_once_with_the_letter_attached(tmp_path: Path) -> None:
    ws, tls, port = relay_workspace(tmp_path)
    with smtp_sink(tls, port) as sink:
        sink.refuse.add("ngo.e@b.gov.vn")
        answers = _batch(
            ws,
            ["creds", "campaign", "send-all", "--agency", "SO-B", "--as", "officer.b"],
            ["creds", "campaign", "send-all", "--agency", "SO-B"],
            ["creds", "campaign", "send-all", "--agency", "SO-B"],
        )
        received = list(sink.received)
    late = _batch(ws, ["creds", "campaign", "send-all", "--agency", "SO-B"])  # the relay is away
    assert [a[0] for a in answers] == [2, 1, 1], answers
    assert "your role may not do this" in answers[0][2]
    assert "Sent 2, refused 1, failed 0; 0 notified before" in answers[1][1]
    assert "Refused: ngo.e@b.gov.vn" in answers[1][1]
    assert "Sent 0, refused 1, failed 0; 2 notified before" in answers[2][1]
    assert late[0][0] == 1 and "Sent 0, refused 0, failed 1; 2 notified before" in late[0][1], late
    assert sorted(r.to[0] for r in received) == ["le.c@b.gov.vn", "tran.d@b.gov.vn"]  # once each
    for r in received:
        address = r.to[0]
        assert address in r.text and "bị lộ" in str(r.mail["Subject"])
        [(name, data)] = r.attachments
        assert name == f"campaign-SO-B-{address.replace('@', '_at_')}-vi.docx"
        assert address in _docx_text(data)
        _clean(r.mail.as_string() + _docx_text(data))
    for _code, out, err in answers + late:
        assert "Traceback" not in out + err
        _clean(out + err)
