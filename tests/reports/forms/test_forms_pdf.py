"""The rendered forms open in LibreOffice: each DOCX converts to PDF headless (Debian's
libreoffice-writer-nogui, which .ci/run installs), the PDF's text keeps the Vietnamese
diacritics, and each page becomes a PNG (poppler-utils' pdftoppm) kept as a test artefact to
look at: in ``$CANHGAC_TEST_ARTIFACTS/forms`` when that variable is set, else in pytest's
temporary folder (its path is printed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from forms_readback import rendered

from canhgac.reports.forms import FORMS

pytestmark = pytest.mark.timeout(300)

EXPECTED = {  # text every page set must show, diacritics intact
    "03": [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG",
        "Trần Thị Bích Ngọc",
        "Kiên Giang, ngày 07 tháng 12 năm 2026",
        "Lê Hoàng Đức",
    ],
    "04": ["Độc lập - Tự do - Hạnh phúc", "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ", "Nơi nhận:", "Lê Hoàng Đức"],
    "05": ["BÁO CÁO TỔNG HỢP TÌNH HÌNH SỰ CỐ", "Tấn công sử dụng mã độc", "Tổng cộng", "16.200.000"],
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice is not installed (soffice not found): apt-get install libreoffice-writer-nogui"
        )
    chosen = os.environ.get("CANHGAC_TEST_ARTIFACTS")
    folder = Path(chosen) / "forms" if chosen else tmp_path_factory.mktemp("forms-pages")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"form artefacts: {folder}")
    docs = []
    for form in FORMS:
        path = folder / f"mau-{form}.docx"
        path.write_bytes(rendered(form))
        docs.append(str(path))
    profile = tmp_path_factory.mktemp("lo-profile")
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *docs,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {form: folder / f"mau-{form}.pdf" for form in FORMS}


@pytest.mark.parametrize("form", FORMS)
def test_form_converts_to_pdf_with_its_text(pdfs: dict[str, Path], form: str) -> None:
    pdf = pdfs[form]
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("poppler-utils is not installed (pdftotext not found): the PDF's text is not read back")
    # reading order, not -layout: a cell's wrapped words stay together whatever the fonts' widths
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    flat = " ".join(text.split())
    for expected in EXPECTED[form]:
        assert expected in flat, expected
    assert "{{" not in text


@pytest.mark.parametrize("form", FORMS)
def test_form_pages_as_images(pdfs: dict[str, Path], form: str) -> None:
    pdftoppm, pdfinfo = shutil.which("pdftoppm"), shutil.which("pdfinfo")
    if pdftoppm is None or pdfinfo is None:
        pytest.skip("poppler-utils is not installed (pdftoppm not found): no page images")
    pdf = pdfs[form]
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    assert size.endswith("(A4)") and "595.3" in size, size  # A4 portrait
    assert 1 <= pages <= 3
    prefix = pdf.with_suffix("")
    subprocess.run([pdftoppm, "-r", "80", "-png", str(pdf), str(prefix)], check=True, timeout=120)
    images = sorted(pdf.parent.glob(f"{prefix.name}-*.png"))
    assert len(images) == pages
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)
