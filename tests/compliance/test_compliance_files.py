"""Evidence files: the size limit, the type read from the content, names made safe."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from canhgac.console.store.compliance_files import EvidenceError, check_file, read_file, store_file

PDF = b"%PDF-1.4\n%%EOF\n"


def test_an_accepted_file_gets_its_digest_size_and_content_type() -> None:
    checked = check_file("Kế hoạch ứng phó.pdf", PDF)
    expected = ("Kế hoạch ứng phó.pdf", len(PDF), "application/pdf")
    assert (checked.name, checked.size, checked.content_type) == expected
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()
    assert check_file("notice.txt", "Thông báo".encode()).content_type == "text/plain"
    assert check_file("x.docx", b"PK\x03\x04rest").content_type.endswith("wordprocessingml.document")


def test_the_size_limit_is_enforced_to_the_byte() -> None:
    assert check_file("a.pdf", PDF, max_bytes=len(PDF)).size == len(PDF)
    with pytest.raises(EvidenceError, match="more than the limit"):
        check_file("a.pdf", PDF + b"x", max_bytes=len(PDF))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("plan.pdf", b"", "empty"),
        ("plan.pdf", b"<html>not a pdf", r"not a \.pdf"),
        ("photo.png", b"\xff\xd8\xffjpeg", r"not a \.png"),
        ("tool.exe", b"MZ", "accepted"),
        ("noext", b"data", "accepted"),
        ("notes.txt", b"\xff\xfe\x00bin", "UTF-8"),
        ("", PDF, "needs a name"),
        (".pdf", PDF, "needs a name"),
    ],
)
def test_a_bad_file_is_refused_with_one_line(name: str, data: bytes, message: str) -> None:
    with pytest.raises(EvidenceError, match=message) as caught:
        check_file(name, data)
    assert "\n" not in str(caught.value)


def test_names_cannot_climb_out_and_a_stored_file_is_verified_on_read(tmp_path: Path) -> None:
    checked = check_file("..\\..\\windows/evil\x00.pdf", PDF)
    assert checked.name == "evil_.pdf"
    stored = store_file(tmp_path, "../SO-A", checked)
    assert stored == f"compliance/.._SO-A/{checked.sha256}"
    assert (tmp_path / stored).resolve().is_relative_to(tmp_path / "compliance")
    assert read_file(tmp_path, stored, checked.sha256) == PDF
    (tmp_path / stored).write_bytes(PDF + b"tampered")
    with pytest.raises(EvidenceError, match="no longer matches"):
        read_file(tmp_path, stored, checked.sha256)
