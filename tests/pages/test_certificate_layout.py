"""The certificate PDF as printed: every font embedded (a CJK font free to embed, and a
monospace one), Latin words spaced as words, no page nearly empty, the first page rendered to
PNG; the case certificate's file name carries the case reference."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

from notary.certificate import case_file_disposition, case_file_name, render_certificate
from tests.conftest import ROOT
from tests.notary.factories import make_receipts, make_record
from tests.pages.test_certificate import _facts, embedded_fonts, page_fill

ARTIFACTS = ROOT / "test-artifacts" / "pages"


def test_every_font_is_embedded_and_no_page_is_nearly_empty(tmp_path):
    receipts = make_receipts([make_record(n) for n in range(1, 5)])  # an audit path of two
    for receipt in (receipts[2], make_receipts([make_record(9)])[0]):  # and a tree of one
        pdf = tmp_path / f"certificate-{receipt.leaf_index}-{receipt.tree_size}.pdf"
        pdf.write_bytes(render_certificate(_facts(receipt)))
        fonts = embedded_fonts(pdf)
        assert fonts, "pdffonts lists no font"
        assert all(embedded for _, embedded in fonts), fonts
        names = {name.split("+", 1)[-1] for name, _ in fonts}
        assert names == {"WenQuanYiMicroHei-0", "DejaVuSansMono"}, names
        shares = page_fill(pdf, tmp_path / pdf.stem)
        assert len(shares) >= 2 and min(shares) >= 0.25, shares

        text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert "存证证书 — Evidence Certificate" in text  # not "C ertificate"
        assert "How to verify independently" in text
        assert "tree of one leaf" in text or receipt.audit_path


def test_the_first_page_renders(tmp_path):
    (receipt,) = make_receipts([make_record(1)])
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(render_certificate(_facts(receipt)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "certificate-page-1"
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)],
        check=True,
        capture_output=True,
    )
    image = Path(f"{png}.png").read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 20_000  # text and tables, drawn


def test_the_case_file_name_carries_the_case_reference():
    commitment = "ab" * 32
    assert case_file_name("CASE-2026-001", commitment) == "case-CASE-2026-001.certificate.pdf"
    assert case_file_name(" 沪 2026 / 17 ", commitment) == "case-2026_17.certificate.pdf"
    assert case_file_name("../..", commitment) == f"case-{'ab' * 8}.certificate.pdf"
    assert case_file_name("案件", commitment) == f"case-{'ab' * 8}.certificate.pdf"
    assert len(case_file_name("X" * 300, commitment)) == len("case-.certificate.pdf") + 80
    disposition = case_file_disposition("案件-7", commitment)
    assert disposition == (
        'attachment; filename="case-7.certificate.pdf"; '
        "filename*=UTF-8''case-%E6%A1%88%E4%BB%B6-7.certificate.pdf"
    )
