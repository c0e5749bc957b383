"""The evidence certificate PDF: from the API and the CLI, every field in its text, and a QR
code that decodes (from the rendered page) to a receipt that verifies."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from pyzbar import pyzbar
from typer.testing import CliRunner

from api.cli import app
from notary.certificate import (
    QR_PREFIX_COMPRESSED,
    CertificateFacts,
    qr_payload,
    receipt_from_qr,
    render_certificate,
)
from notary.receipts import Receipt, verify_receipt
from notary.trust import TrustRoot
from tests.api.conftest import cli_env  # noqa: F401  (the CLI's environment)
from tests.conftest import BUILD_CACHE, NODE_MODULES
from tests.notary.factories import NOTARY_ADDRESS, document, make_receipts, make_record
from tests.pages.conftest import RECORDING, shot, sign_in


def embedded_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """Each font of `pdf` as poppler's pdffonts lists it: its name and whether it is embedded."""
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    fonts = []
    for row in listing.stdout.splitlines()[2:]:
        fields = row.split()
        # name, type (one or two words), encoding, emb, sub, uni, object id, generation
        fonts.append((fields[0], fields[-5] == "yes"))
    return fonts


def page_fill(pdf: Path, tmp_path: Path) -> list[float]:
    """Per page, the share of its height between the first and last inked row above the
    footer (rendered at 30 dpi): how much of the page the content takes."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    prefix = tmp_path / "fill"
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(pdf), str(prefix)], check=True, capture_output=True
    )
    shares = []
    for image in sorted(tmp_path.glob("fill*.pgm")):
        pixels, width, height = _read_pgm(image)
        inked = [
            y for y in range(int(height * 0.92)) if min(pixels[y * width : (y + 1) * width]) < 200
        ]
        shares.append((max(inked) - min(inked)) / height if inked else 0.0)
    return shares


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def _read_pgm(path: Path) -> tuple[bytes, int, int]:
    """The pixels, width and height of a binary 8-bit PGM (what `pdftoppm -gray` writes)."""
    data = path.read_bytes()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255", fields[:4]
    width, height = int(fields[1]), int(fields[2])
    return data[len(data) - width * height :], width, height


def qr_codes(pdf: Path, tmp_path: Path) -> list[str]:
    """The text of every QR code on the PDF's pages, rendered at 200 dpi by poppler."""
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", str(pdf), str(prefix)], check=True, capture_output=True
    )
    found = []
    for image in sorted(tmp_path.glob("page*.pgm")):
        for symbol in pyzbar.decode(_read_pgm(image), symbols=[pyzbar.ZBarSymbol.QRCODE]):
            found.append(symbol.data.decode("ascii"))
    return found


def test_certificate_from_the_api(client, runtime, demo, verify_url, tmp_path):
    collector, legal = demo["collector"], demo["legal"]
    submitted = client.post(
        "/v1/evidence",
        data={
            "evidence_type": "call_recording",
            "case_reference": "CASE-2026-001",
            "contact_time": "2026-11-20T09:30:00Z",
            "channel": "phone",
        },
        files={"file": ("call-0001.wav", RECORDING, "audio/wav")},
        headers=collector.headers,
    ).json()
    item = submitted["id"]
    pending = client.get(f"/v1/evidence/{item}/certificate", headers=legal.headers)
    assert pending.status_code == 202 and pending.json() == {"id": item, "status": "pending"}
    for other in range(3):  # a batch of four: the audit path has two hashes
        extra = client.post(
            "/v1/evidence/digests",
            json={
                "document_digest": f"{other + 1:064x}",
                "evidence_type": "other",
                "case_reference": "CASE-2026-002",
            },
            headers=collector.headers,
        )
        assert extra.status_code == 201, extra.text
    runtime.anchorer.anchor_all()

    answer = client.get(f"/v1/evidence/{item}/certificate", headers=legal.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="{item}.certificate.pdf"' in answer.headers["content-disposition"]
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(answer.content)
    receipt = Receipt.from_json(
        client.get(f"/v1/evidence/{item}/receipt", headers=legal.headers).json()["receipt"]
    )
    record, anchor, signature = receipt.record, receipt.anchor, receipt.signature
    assert signature is not None and len(receipt.audit_path) == 2

    text = _text(pdf)
    assert "存证证书" in text and "Evidence Certificate" in text
    expected = [
        item,
        "call-0001.wav",
        f"{len(RECORDING):,}",
        "audio/wav",
        record.document_digest,
        "call_recording",
        record.case_commitment,
        record.submitter,
        "Steadfast Collections",
        record.submitted_at,
        "2026-11-20T09:30:00Z, phone",
        anchor.block_time,
        f"Leaf index\n{receipt.leaf_index}",
        f"Tree size\n{receipt.tree_size}",
        *receipt.audit_path,
        receipt.root,
        f"Chain id\n{anchor.chain_id}",
        anchor.contract,
        anchor.tx_hash,
        f"Block number\n{anchor.block_number}",
        anchor.block_hash,
        signature.signer,
        signature.value[:66],
        signature.value[66:],
        "autoledger verify",
        f"--registry {anchor.contract}",
        "EvidenceRegistry",
        "Trust root",
        "信任根",
        "How to verify independently",
        "独立验证",
    ]
    missing = [value for value in expected if value not in text]
    assert not missing, f"not in the certificate: {missing}"
    assert "CASE-2026-001" not in text, "the case reference is only ever committed to"

    # The QR code, read off the rendered page, is the receipt; it verifies with the file.
    (code,) = qr_codes(pdf, tmp_path)
    scanned = receipt_from_qr(code)
    assert scanned == receipt
    offline = verify_receipt(code, document=RECORDING, expected_signer=signature.signer)
    assert offline.ok and offline.skipped == (
        "trust_root",
        "chain_id",
        "transaction",
        "anchored_root",
        "block_time",
    )
    assert offline.verdict == "unverifiable"
    pinned = TrustRoot.for_registry(runtime.registry.address)
    online = verify_receipt(code, document=RECORDING, rpc_url=verify_url, trust=pinned)
    assert online.verified, online.checks

    # Same visibility as the receipt: another lender's item does not exist, a dealer may not.
    assert (
        client.get(f"/v1/evidence/{item}/certificate", headers=demo["lender"].headers).status_code
        == 404
    )
    assert (
        client.get(f"/v1/evidence/{item}/certificate", headers=demo["dealer"].headers).status_code
        == 403
    )
    assert client.get(f"/v1/evidence/{item}/certificate").status_code == 401


def test_certificate_from_the_cli(fresh_chain, database_url, tmp_path, monkeypatch):
    for name, value in {
        "AUTOLEDGER_RPC_URL": fresh_chain.url,
        "AUTOLEDGER_DEV": "1",
        "AUTOLEDGER_VAR_DIR": str(tmp_path / "var"),
        "AUTOLEDGER_DATABASE_URL": database_url,
        "AUTOLEDGER_BUILD_DIR": str(BUILD_CACHE),
        "AUTOLEDGER_NODE_MODULES": str(NODE_MODULES),
        "COLUMNS": "200",
    }.items():
        monkeypatch.setenv(name, value)
    agreement = tmp_path / "agreement.pdf"
    agreement.write_bytes(b"%PDF-1.7 signed repayment agreement")
    runner = CliRunner()
    stamped = runner.invoke(app, ["stamp", str(agreement), "--type", "signed_agreement"])
    assert stamped.exit_code == 0, stamped.output
    item = re.search(r"ev_[0-9a-f]+", stamped.output)
    assert item is not None
    target = tmp_path / "out" / "certificate.pdf"
    target.parent.mkdir()
    made = runner.invoke(app, ["certificate", item.group(), "-o", str(target)])
    assert made.exit_code == 0, made.output
    text = _text(target)
    assert item.group() in text and "agreement.pdf" in text and "signed_agreement" in text
    unknown = runner.invoke(app, ["certificate", "ev_nothing"])
    assert unknown.exit_code == 1 and "no evidence item" in unknown.output
    monkeypatch.chdir(tmp_path)  # the default file name is relative to the working directory
    default = runner.invoke(app, ["certificate", item.group()])
    assert default.exit_code == 0 and (tmp_path / f"{item.group()}.certificate.pdf").is_file()


def _facts(receipt: Receipt) -> CertificateFacts:
    return CertificateFacts(
        public_id="ev_unit",
        status="final",
        receipt=receipt,
        file_name=None,
        submitter_name=None,
        contact_time=None,
        channel=None,
        device_id=None,
        device_seq=None,
        issued_at=datetime(2026, 11, 22, tzinfo=UTC),
        trust=TrustRoot(
            chain_id=receipt.anchor.chain_id,
            consortium="0x" + "c0" * 20,
            registry=receipt.anchor.contract,
        ),
    )


def test_large_receipts_are_compressed_or_left_out_of_the_qr_code(tmp_path):
    big = {f"label-{i}": "repeated text " * 70 for i in range(32)}  # ~32 KB, compresses well
    (compressible,) = make_receipts([make_record(1, metadata=big)])
    payload = qr_payload(compressible)
    assert payload is not None and payload.startswith(QR_PREFIX_COMPRESSED)
    assert receipt_from_qr(payload) == compressible
    pdf = tmp_path / "compressed.pdf"
    pdf.write_bytes(render_certificate(_facts(compressible)))
    (code,) = qr_codes(pdf, tmp_path)
    assert verify_receipt(receipt_from_qr(code), document=document(1)).failed == ()

    noise = {f"label-{i}": os.urandom(500).hex()[:1000] for i in range(32)}
    (incompressible,) = make_receipts([make_record(2, metadata=noise)])
    assert qr_payload(incompressible) is None
    text = _text_of(render_certificate(_facts(incompressible)), tmp_path)
    assert "too large for one QR code" in text and NOTARY_ADDRESS in text


def _text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return _text(path)


def test_plain_receipts_fit_the_qr_code_as_json():
    (receipt,) = make_receipts([make_record(0)])
    payload = qr_payload(receipt)
    assert payload is not None and payload.startswith("{") and payload.isascii()
    assert receipt_from_qr(payload) == receipt


# -- the certificate of a whole case -----------------------------------------------------------

AGREEMENT = b"signed repayment agreement"
"""The digest-only agreement of the `evidence` fixture (its bytes stay with the test)."""


def _receipt_of(client, caller, public_id: str) -> Receipt:
    answer = client.get(f"/v1/evidence/{public_id}/receipt", headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return Receipt.from_json(answer.json()["receipt"])


def _check_case_certificate(
    pdf: Path, tmp_path: Path, expected: dict[str, tuple[Receipt, bytes]], rpc_url: str
) -> str:
    """Every item's fields are in the text, and every QR code is one of their receipts,
    verifying with its file against the chain; returns the text."""
    text = _text(pdf)
    assert "案件存证证书" in text and "Case Evidence Certificate" in text
    for public_id, (receipt, _) in expected.items():
        record, anchor = receipt.record, receipt.anchor
        assert receipt.signature is not None
        wanted = [
            public_id,
            record.document_digest,
            record.evidence_type.value,
            record.submitter,
            record.submitted_at,
            anchor.block_time,
            *receipt.audit_path,
            receipt.root,
            anchor.tx_hash,
            anchor.block_hash,
            receipt.signature.value[:66],
        ]
        missing = [value for value in wanted if value not in text]
        assert not missing, f"{public_id}: not in the case certificate: {missing}"
        assert text.count(public_id) >= 3, public_id  # summary, item title, footer/steps
    codes = qr_codes(pdf, tmp_path)
    assert len(codes) == len(expected), codes
    scanned = {receipt_from_qr(code): code for code in codes}
    by_receipt = {receipt: (public_id, data) for public_id, (receipt, data) in expected.items()}
    assert set(scanned) == set(by_receipt)
    for receipt, code in scanned.items():
        _, data = by_receipt[receipt]
        report = verify_receipt(code, document=data, rpc_url=rpc_url)
        assert report.ok and report.failed == (), report.checks
    return text


def test_case_certificate_from_the_api(client, demo, evidence, verify_url, tmp_path):
    legal = demo["legal"]
    answer = client.get(
        "/v1/cases/certificate", params={"case": "CASE-2026-001"}, headers=legal.headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    commitment = client.get(f"/v1/evidence/{evidence.recording}", headers=legal.headers).json()[
        "case_commitment"
    ]
    disposition = answer.headers["content-disposition"]
    assert 'filename="case-CASE-2026-001.certificate.pdf"' in disposition
    assert "filename*=UTF-8''case-CASE-2026-001.certificate.pdf" in disposition
    pdf = tmp_path / "case.pdf"
    pdf.write_bytes(answer.content)
    expected = {
        evidence.recording: (_receipt_of(client, legal, evidence.recording), RECORDING),
        evidence.agreement: (_receipt_of(client, legal, evidence.agreement), AGREEMENT),
    }
    text = _check_case_certificate(pdf, tmp_path, expected, verify_url)
    assert commitment in text and "call-0001.wav" in text and "Steadfast Collections" in text
    # The summary comes first, in submission order; the pending photo and the other case are
    # left out; the case reference itself never appears.
    assert text.index(evidence.recording) < text.index(evidence.agreement)
    assert "Anchored items\n2\n" in text and "Pending\n1（未收录 left out）" in text
    assert evidence.pending not in text and evidence.other_case not in text
    assert "CASE-2026-001" not in text
    assert len(PdfReader(pdf).pages) >= 5  # a summary page, then each item from a new page

    # Same visibility as evidence reads: a lender sees its own case only, a dealer none.
    lender = demo["lender"]
    own = client.get("/v1/cases/certificate", params={"case": "AUDIT-7"}, headers=lender.headers)
    assert own.status_code == 200, own.text
    theirs = client.get(
        "/v1/cases/certificate", params={"case": "CASE-2026-001"}, headers=lender.headers
    )
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    dealer = client.get(
        "/v1/cases/certificate", params={"case": "AUDIT-7"}, headers=demo["dealer"].headers
    )
    assert dealer.status_code == 403
    assert client.get("/v1/cases/certificate", params={"case": "AUDIT-7"}).status_code == 401

    # Unknown case: 404; no case reference: 422; a case with pending items only: 422.
    unknown = client.get(
        "/v1/cases/certificate", params={"case": "NO-SUCH-CASE"}, headers=legal.headers
    )
    assert unknown.status_code == 404 and "no evidence of that case" in unknown.json()["detail"]
    empty = client.get("/v1/cases/certificate", params={"case": ""}, headers=legal.headers)
    assert empty.status_code == 422
    assert client.get("/v1/cases/certificate", headers=legal.headers).status_code == 422
    waiting = client.post(
        "/v1/evidence/digests",
        json={
            "document_digest": "ab" * 32,
            "evidence_type": "other",
            "case_reference": "CASE-WAITING",
        },
        headers=demo["collector"].headers,
    )
    assert waiting.status_code == 201, waiting.text
    pending = client.get(
        "/v1/cases/certificate", params={"case": "CASE-WAITING"}, headers=legal.headers
    )
    assert pending.status_code == 422
    assert pending.headers["content-type"] == "application/problem+json"
    assert "none of the case's 1 evidence item(s) is anchored" in pending.json()["detail"]


def test_case_certificate_from_the_search_page(
    page: Page, server, client, demo, evidence, verify_url, tmp_path
):
    legal = demo["legal"]
    sign_in(page, server, legal)
    page.goto(f"{server}/evidence")
    expect(page.locator("#case-certificate-link")).to_have_count(0)  # no case searched yet
    page.get_by_label("Case reference").fill("CASE-2026-001")
    page.get_by_role("button", name="Search").click()
    link = page.get_by_role("link", name="Download the certificate of the whole case")
    expect(link).to_be_visible()
    shot(page, "case-certificate-01-search")
    with page.expect_download() as info:
        link.click()
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.name == "case-CASE-2026-001.certificate.pdf"
    expected = {
        evidence.recording: (_receipt_of(client, legal, evidence.recording), RECORDING),
        evidence.agreement: (_receipt_of(client, legal, evidence.agreement), AGREEMENT),
    }
    _check_case_certificate(pdf, tmp_path, expected, verify_url)

    # A case whose only item is still pending: a clear error page, not an empty PDF.
    waiting = client.post(
        "/v1/evidence/digests",
        json={"document_digest": "cd" * 32, "evidence_type": "other", "case_reference": "C-WAIT"},
        headers=demo["collector"].headers,
    )
    assert waiting.status_code == 201, waiting.text
    page.get_by_label("Case reference").fill("C-WAIT")
    page.get_by_role("button", name="Search").click()
    answer = page.goto(f"{server}/cases/certificate.pdf?case=C-WAIT")
    assert answer is not None and answer.status == 422
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("None of this case's evidence is anchored yet")
    expect(alert).to_be_focused()

    # A case nobody submitted evidence for: a clear error page, not an empty PDF.
    answer = page.goto(f"{server}/cases/certificate.pdf?case=NO-SUCH-CASE")
    assert answer is not None and answer.status == 404
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "nothing here, or nothing your organisation may see", ignore_case=True
    )
    expect(alert).to_be_focused()


def test_case_certificate_from_the_cli(cli_env, tmp_path):  # noqa: F811
    files = []
    for n in range(2):
        path = tmp_path / f"visit-{n}.jpg"
        path.write_bytes(f"visit photo {n}".encode())
        files.append(path)
    runner = CliRunner()
    stamped = runner.invoke(
        app, ["stamp", *map(str, files), "--type", "visit_photo", "--case", "CASE-CLI-7"]
    )
    assert stamped.exit_code == 0, stamped.output
    ids = re.findall(r"ev_[0-9a-f]+", stamped.output)
    assert len(set(ids)) == 2, stamped.output
    target = tmp_path / "case.pdf"
    made = runner.invoke(app, ["certificate", "--case", "CASE-CLI-7", "-o", str(target)])
    assert made.exit_code == 0, made.output
    assert "case certificate of 2 anchored item(s)" in made.output
    text = _text(target)
    for public_id in set(ids):
        assert public_id in text
    assert "visit-0.jpg" in text and "visit-1.jpg" in text
    assert len(qr_codes(target, tmp_path)) == 2

    unknown = runner.invoke(app, ["certificate", "--case", "CASE-NOBODY"])
    assert unknown.exit_code == 1 and "no evidence of that case" in unknown.output
    waiting = tmp_path / "waiting.txt"
    waiting.write_bytes(b"not anchored yet")
    queued = runner.invoke(app, ["stamp", str(waiting), "--case", "CASE-CLI-8", "--no-wait"])
    assert queued.exit_code == 0, queued.output
    pending = runner.invoke(app, ["certificate", "--case", "CASE-CLI-8"])
    assert pending.exit_code == 1 and "is anchored yet" in pending.output
    both = runner.invoke(app, ["certificate", ids[0], "--case", "CASE-CLI-7"])
    assert both.exit_code == 2 and "not both" in both.output
