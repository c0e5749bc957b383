"""The evidence certificate (存证证书): one anchored evidence item and its proof as a PDF.

The certificate restates the signed receipt for readers without software: the item, its
record, the Merkle proof, the anchoring transaction and block, the notary's signature, a QR
code holding the receipt itself, and the steps to verify it independently (zh-CN and English).
It adds no proof of its own: the receipt in the QR code (or the receipt file) is what verifies.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ledger.consortium import ConsortiumClient
from ledger.errors import LedgerError, NotFound, Unprocessable
from notary.errors import CertificateFontMissing
from notary.file_names import safe_file_name
from notary.issuance import ReceiptIssuer
from notary.models import EvidenceItem, ItemStatus
from notary.receipts import Receipt
from notary.trust import TrustRoot

FONT = "WenQuanYiMicroHei"
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, Apache-2.0 or GPLv3 with the font
exception: free to embed), installed by scripts/bootstrap. Its Chinese and Latin glyphs are
embedded as a subset, so a court's reader shows the certificate exactly as printed. (Adobe's
non-embedded STSong-Light, used before, left each reader to substitute a font, and spaced
Latin text with CJK widths: "C ertificate".) TrueType outlines: reportlab cannot embed the
CFF outlines of Noto CJK."""

MONO = "DejaVuSansMono"
MONO_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
"""Hashes, addresses and commands: fixed width so digits line up for comparison; DejaVu Sans
Mono (Debian's fonts-dejavu-core, free to embed), embedded like `FONT`."""

QR_PREFIX_COMPRESSED = "AUTOLEDGER-RECEIPT-V1-ZLIB-B64:"
"""Marks a QR code holding the receipt JSON zlib-compressed and base64-encoded, used only when
the plain JSON does not fit one QR code (records with large metadata). `receipt_from_qr`
reads both forms."""

QR_SIZE = 95 * mm
"""The QR code's printed width: a typical receipt (about 1.5 KB) needs a version 25-35 code,
and 95 mm keeps its modules above 0.5 mm, which phone cameras and 200 dpi scans resolve."""

_INK = colors.HexColor("#1b2a41")
_RULE = colors.HexColor("#8a99ad")
_SHADE = colors.HexColor("#eef2f7")


@dataclass(frozen=True, kw_only=True)
class CertificateFacts:
    """What a certificate states about one item besides its receipt (local data the service
    holds: the file name, the submitter's name, contact details)."""

    public_id: str
    status: str
    receipt: Receipt
    file_name: str | None
    submitter_name: str | None
    contact_time: datetime | None
    channel: str | None
    device_id: str | None
    device_seq: int | None
    issued_at: datetime
    trust: TrustRoot
    """The consortium's trust root: the registry a verifier pins (`--registry`)."""


class Runtime(Protocol):
    """What a certificate needs of a started service (`api.runtime.Runtime` is one): the
    receipt issuer, the consortium for the submitter's name, and the trust root it prints."""

    @property
    def issuer(self) -> ReceiptIssuer: ...

    @property
    def consortium(self) -> ConsortiumClient: ...

    def trust_root(self, *, with_notaries: bool = True) -> TrustRoot: ...


def certificate_of(runtime: Runtime, item: EvidenceItem) -> bytes | None:
    """The certificate PDF of `item`, or None while it is pending (no receipt yet).

    The caller checks that the reader may see `item` (`notary.queries.visible_item`).
    """
    facts = facts_of(runtime, item)
    return None if facts is None else render_certificate(facts)


def facts_of(
    runtime: Runtime, item: EvidenceItem, *, issued_at: datetime | None = None
) -> CertificateFacts | None:
    """What the certificate of `item` states, or None while it is pending (no receipt)."""
    issued = runtime.issuer.for_item(item)
    if issued.receipt is None:
        return None
    try:
        submitter_name: str | None = runtime.consortium.member(item.submitter_id).name
    except LedgerError:
        submitter_name = None  # the chain is unreachable: the address on the record remains
    return CertificateFacts(
        public_id=item.public_id,
        status=issued.status,
        receipt=issued.receipt,
        # rows stored before names were normalized are made safe here
        file_name=safe_file_name(item.file_name),
        submitter_name=submitter_name,
        contact_time=item.contact_time,
        channel=item.channel,
        device_id=item.device_id,
        device_seq=item.device_seq,
        issued_at=issued_at or datetime.now(UTC),
        trust=runtime.trust_root(with_notaries=False),
    )


class CaseNotFound(NotFound):
    """No evidence of the case that the reader may see (404)."""


class CaseNotAnchored(Unprocessable):
    """The case has evidence, but none of it is anchored yet: no receipt to certify (422)."""


class CaseTooLarge(Unprocessable):
    """The case has more anchored items than one case certificate holds (422)."""


CASE_NAME_LENGTH = 80
"""Most characters of a case reference kept in a certificate's file name: file systems allow
255 bytes, and a name this long still shows whole in a download list."""

_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def case_file_name(case: str, commitment: str) -> str:
    """The file name of the case certificate of `case`: ``case-REF.certificate.pdf`` with the
    case reference in its safe form (letters, digits, ``.``, ``_``, ``-``; any run of other
    characters one ``_``), or the commitment's first 16 hex digits when none of it is safe."""
    safe = _UNSAFE_IN_NAMES.sub("_", case.strip()).strip("._-")[:CASE_NAME_LENGTH]
    return f"case-{safe or commitment[:16]}.certificate.pdf"


def case_file_disposition(case: str, commitment: str) -> str:
    """The Content-Disposition of the case certificate of `case`: `case_file_name` as
    `filename`, and the reference as written as RFC 8187 `filename*` for browsers that read
    UTF-8 (a Chinese case reference keeps its characters)."""
    full = quote(f"case-{case.strip()[:CASE_NAME_LENGTH]}.certificate.pdf", safe="")
    return f"attachment; filename=\"{case_file_name(case, commitment)}\"; filename*=UTF-8''{full}"


MAX_CASE_ITEMS = 200
"""Anchored items one case certificate holds: each takes two or three A4 pages, so 200 make a
PDF of some 500 pages, about what a court bundle or a PDF reader handles comfortably."""


@dataclass(frozen=True, kw_only=True)
class CaseCertificateFacts:
    """What a case certificate states: the case commitment, each anchored item's facts (oldest
    first), how many items of the case are still pending (left out), and when it was issued."""

    case_commitment: str
    items: tuple[CertificateFacts, ...]
    pending: int
    issued_at: datetime


def case_certificate_of(
    runtime: Runtime, case_commitment: str, items: Sequence[EvidenceItem]
) -> bytes:
    """The certificate PDF of the case `case_commitment` over its anchored `items` (the ones
    the reader may see: `notary.queries.case_evidence`); pending items are counted and
    left out.

    Raises `CaseNotFound` when `items` is empty, `CaseNotAnchored` when none is anchored, and
    `CaseTooLarge` past `MAX_CASE_ITEMS` anchored items.
    """
    if not items:
        raise CaseNotFound("no evidence of that case that you may see")
    # The limits are checked on the items' stored status, before any receipt is signed or
    # page laid out: a case too large is refused at the cost of one query.
    anchoring = [item for item in items if item.status != ItemStatus.PENDING]
    if not anchoring:
        raise CaseNotAnchored(
            f"none of the case's {len(items)} evidence item(s) is anchored yet: no certificate"
            " until one is"
        )
    if len(anchoring) > MAX_CASE_ITEMS:
        raise CaseTooLarge(
            f"the case has {len(anchoring)} anchored items; one certificate holds at most"
            f" {MAX_CASE_ITEMS}: get the items' own certificates"
        )
    issued_at = datetime.now(UTC)
    found = [facts_of(runtime, item, issued_at=issued_at) for item in anchoring]
    anchored = tuple(f for f in found if f is not None)
    if not anchored:
        raise CaseNotAnchored(
            f"none of the case's {len(items)} evidence item(s) is anchored yet: no certificate"
            " until one is"
        )
    return render_case_certificate(
        CaseCertificateFacts(
            case_commitment=case_commitment,
            items=anchored,
            pending=len(items) - len(anchored),
            issued_at=issued_at,
        )
    )


def qr_payload(receipt: Receipt) -> str | None:
    """The text a certificate's QR code holds: the receipt as compact JSON, or, when that is
    too long for one QR code, `QR_PREFIX_COMPRESSED` and its zlib + base64 form; None when
    neither fits."""
    found = _qr(receipt)
    return found[0] if found is not None else None


def receipt_from_qr(text: str) -> Receipt:
    """The receipt a certificate's QR code holds (either form of `qr_payload`).

    Raises `notary.errors.ReceiptError` for text that is not a v1 receipt, and `ValueError`
    for a compressed form that does not decode.
    """
    if text.startswith(QR_PREFIX_COMPRESSED):
        raw = zlib.decompress(base64.b64decode(text[len(QR_PREFIX_COMPRESSED) :], validate=True))
        return Receipt.from_json(raw)
    return Receipt.from_json(text)


def _qr_candidates(receipt: Receipt) -> list[str]:
    # ASCII-only JSON: any QR reader returns it unchanged, and JSON parsers read the \u escapes
    # back to the very strings that were signed.
    plain = json.dumps(receipt.to_object(), separators=(",", ":"), ensure_ascii=True)
    packed = base64.b64encode(zlib.compress(plain.encode("ascii"), 9)).decode("ascii")
    return [plain, QR_PREFIX_COMPRESSED + packed]


def _qr(receipt: Receipt) -> tuple[str, Drawing] | None:
    """The first of `_qr_candidates` that fits one QR code, and its drawing."""
    for text in _qr_candidates(receipt):
        drawing = _qr_drawing(text)
        if drawing is not None:
            return text, drawing
    return None


def _qr_drawing(text: str) -> Drawing | None:
    """A QR code (error correction level L) holding `text`, or None when it does not fit."""
    widget = QrCodeWidget(text, barLevel="L", barWidth=QR_SIZE, barHeight=QR_SIZE, barBorder=4)
    try:
        group = widget.draw()
    except Exception:  # reportlab raises a bare Exception("code length overflow ...")
        return None
    # the renderer's initial state would name Helvetica, a font not embedded
    drawing = Drawing(QR_SIZE, QR_SIZE, initialFontName=FONT)
    drawing.add(group)
    return drawing


# ------------------------------------------------------------------ layout


def _register_fonts() -> None:
    """Register `FONT` and `MONO` with reportlab once; raises `CertificateFontMissing` naming
    the Debian package when a font file is absent."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, path, package, index in (
        (FONT, FONT_FILE, "fonts-wqy-microhei", 0),
        (MONO, MONO_FILE, "fonts-dejavu-core", 0),
    ):
        if name in registered:
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
        except (OSError, TTFError) as exc:
            raise CertificateFontMissing(
                f"cannot load the certificate font {path} ({exc}); install Debian's {package}"
                " (scripts/bootstrap does)"
            ) from exc
        # one face for every style: <b> and <i> in a paragraph keep the embedded font
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=26, textColor=_INK, spaceAfter=2
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, textColor=_RULE),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=12,
            leading=16,
            textColor=_INK,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,  # a heading never ends a page
        ),
        "label": ParagraphStyle("label", parent=base, fontSize=8, leading=11, textColor=_INK),
        "value": ParagraphStyle("value", parent=base, fontSize=9, leading=12),
        "mono": ParagraphStyle(
            "mono", parent=base, fontName=MONO, fontSize=7.5, leading=10, wordWrap=None
        ),
        "step": ParagraphStyle("step", parent=base, leftIndent=12, firstLineIndent=-12),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=_RULE),
    }


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _mono(value: str, *, width: int = 66) -> str:
    """Fixed-width text broken every `width` characters (hex has no spaces to wrap at)."""
    parts = [value[i : i + width] for i in range(0, len(value), width)] or [""]
    return f'<font face="{MONO}" size="7.5">' + "<br/>".join(map(_text, parts)) + "</font>"


def _time(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(rows: Sequence[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    """Label/value rows; labels are plain text, values are already Paragraph markup."""
    data = [
        [Paragraph(_text(label), styles["label"]), Paragraph(value, styles["value"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[48 * mm, 122 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # the default is Helvetica, not embedded
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


_STATUS_SHORT = {ItemStatus.ANCHORED.value: "anchored", ItemStatus.FINAL.value: "final"}

_STATUS = {
    ItemStatus.ANCHORED.value: "已锚定，待最终确认 anchored (awaiting finality)",
    ItemStatus.FINAL.value: "已最终确认 final",
}


def render_certificate(facts: CertificateFacts) -> bytes:
    """The certificate of `facts` as PDF bytes (A4)."""
    return _build(
        _item_story(facts, _styles()),
        title=f"存证证书 Evidence Certificate {facts.public_id}",
        subject=f"SHA-256 {facts.receipt.record.document_digest}",
        footer=f"AutoLedger 存证证书 Evidence Certificate — {facts.public_id}",
    )


def _item_story(facts: CertificateFacts, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The flowables of one item's certificate: sections 1 to 7 under its title."""
    receipt = facts.receipt
    record = receipt.record
    anchor = receipt.anchor
    story: list[Flowable] = [
        Paragraph("存证证书 — Evidence Certificate", styles["title"]),
        Paragraph(_text(f"AutoLedger — {facts.public_id}"), styles["subtitle"]),
        Spacer(1, 4 * mm),
        Paragraph(
            "本证书证明：下列电子数据不晚于所示区块时间，以与现存文件逐字节相同的形式存在，"
            "其摘要经默克尔树批次锚定于联盟链。证书本身不是证据，二维码中的回执（receipt）"
            "与原始文件才是；任何人可按第 7 节的步骤独立验证，无需访问本服务。",
            styles["body"],
        ),
        Spacer(1, 1.5 * mm),
        Paragraph(
            "This certificate attests that the electronic data below existed, byte for byte as "
            "the file it describes, no later than the block time shown: its digest is anchored "
            "on the consortium chain in a Merkle batch. The certificate itself is not the proof; "
            "the receipt in the QR code, with the original file, is. Anyone can verify it "
            "independently by the steps of section 7, without access to this service.",
            styles["body"],
        ),
    ]

    evidence_rows = [
        ("证据编号 Evidence ID", _mono(facts.public_id)),
        (
            "文件名 File name",
            _text(facts.file_name) if facts.file_name else "— (仅提交摘要 digest only)",
        ),
        (
            "大小 Size",
            f"{record.size:,} 字节 bytes" if record.size is not None else "—",
        ),
        ("媒体类型 Media type", _mono(record.media_type)),
        ("SHA-256 文件摘要 Document digest", _mono(record.document_digest)),
        ("证据类型 Evidence type", _text(record.evidence_type.value)),
        ("提交时间 Submitted at", _mono(record.submitted_at) + " (UTC)"),
        ("锚定时间 Anchored at", _mono(anchor.block_time) + " (UTC, 区块时间 block time)"),
        ("状态 Status", _text(_STATUS.get(facts.status, facts.status))),
        (
            "提交成员 Submitted by",
            (_text(facts.submitter_name) + "<br/>" if facts.submitter_name else "")
            + _mono(record.submitter),
        ),
    ]
    if facts.contact_time is not None or facts.channel:
        contact = ", ".join(
            part
            for part in (
                _time(facts.contact_time) if facts.contact_time else "",
                facts.channel or "",
            )
            if part
        )
        evidence_rows.append(("联系时间与渠道 Contact", _text(contact)))
    if facts.device_id:
        seq = f" #{facts.device_seq}" if facts.device_seq is not None else ""
        evidence_rows.append(("设备 Device", _text(facts.device_id + seq)))
    story += [Paragraph("1. 证据 Evidence", styles["h2"]), _table(evidence_rows, styles)]

    record_rows = [
        ("version", _mono(str(record.version))),
        ("document_digest", _mono(record.document_digest)),
        ("evidence_type", _mono(record.evidence_type.value)),
        ("case_commitment", _mono(record.case_commitment)),
        ("submitter", _mono(record.submitter)),
        ("submitted_at", _mono(record.submitted_at)),
        ("media_type", _mono(record.media_type)),
        ("size", _mono("null" if record.size is None else str(record.size))),
    ]
    record_rows += [(f"metadata.{k}", _text(v)) for k, v in sorted(record.metadata.items())]
    story += [
        Paragraph("2. 存证记录 Evidence record (Merkle leaf)", styles["h2"]),
        Paragraph(
            "案件编号仅以加盐承诺值（HMAC-SHA256）出现，不含个人信息。"
            " The case reference appears only as a salted commitment; no personal data.",
            styles["small"],
        ),
        _table(record_rows, styles),
    ]

    path = (
        f'<font face="{MONO}" size="7.5">'
        + "<br/>".join(f"{i:>2}  {h}" for i, h in enumerate(receipt.audit_path)).replace(
            "  ", "&nbsp;&nbsp;"
        )
        + "</font>"
        if receipt.audit_path
        else "— (单叶树 tree of one leaf)"  # Chinese: the body font, the mono one has none
    )
    story += [
        Paragraph("3. 默克尔证明 Merkle proof (RFC 6962)", styles["h2"]),
        _table(
            [
                ("叶序号 Leaf index", _mono(str(receipt.leaf_index))),
                ("树大小 Tree size", _mono(str(receipt.tree_size))),
                ("审计路径 Audit path", path),
                ("根 Root", _mono(receipt.root)),
            ],
            styles,
        ),
        Paragraph("4. 链上锚定 Anchoring on chain", styles["h2"]),
        _table(
            [
                ("链 ID Chain id", _mono(str(anchor.chain_id))),
                ("合约 Contract", _mono(anchor.contract)),
                ("交易哈希 Transaction hash", _mono(anchor.tx_hash)),
                ("区块高度 Block number", _mono(str(anchor.block_number))),
                ("区块哈希 Block hash", _mono(anchor.block_hash)),
                ("区块时间 Block time", _mono(anchor.block_time) + " (UTC)"),
            ],
            styles,
        ),
    ]
    signature = receipt.signature
    story += [
        Paragraph("5. 公证方签名 Notary signature", styles["h2"]),
        _table(
            [
                ("签名者 Signer", _mono(signature.signer) if signature else "—"),
                ("方案 Scheme", _mono(signature.scheme) if signature else "—"),
                ("签名值 Value", _mono(signature.value) if signature else "— (未签名 unsigned)"),
            ],
            styles,
        ),
    ]

    qr = _qr(receipt)
    qr_block: list[Flowable] = [Paragraph("6. 回执二维码 Receipt QR code", styles["h2"])]
    if qr is not None:
        qr_text, drawing = qr
        compressed = qr_text.startswith(QR_PREFIX_COMPRESSED)
        qr_block += [
            Paragraph(
                "二维码内容即完整回执 JSON，扫描后保存为 receipt.json 即可验证。"
                " The QR code holds the complete receipt JSON: save what it reads as "
                "receipt.json and verify it."
                + (
                    f" (压缩形式 compressed form: “{QR_PREFIX_COMPRESSED}” + base64 of zlib;"
                    " docs/pages.md)"
                    if compressed
                    else ""
                ),
                styles["small"],
            ),
            drawing,
        ]
    else:
        qr_block.append(
            Paragraph(
                "回执过大，无法放入一个二维码；请使用回执文件。"
                " The receipt is too large for one QR code; use the receipt file "
                f"({_text(facts.public_id)}.receipt.json).",
                styles["body"],
            )
        )
    story.append(KeepTogether(qr_block))

    trust = facts.trust
    story += [
        Paragraph("7. 信任根 Trust root (consortium.json)", styles["h2"]),
        Paragraph(
            "回执只在联盟自己的证据登记合约发出的 BatchAnchored 事件中才成立：任何人都能部署合约，"
            "所以验证时必须固定（pin）以下地址，而不是相信回执自己写的合约。"
            " A receipt holds only through the BatchAnchored event of the consortium's own "
            "EvidenceRegistry: anyone can deploy a contract, so a verifier pins these addresses "
            "instead of trusting the contract the receipt names.",
            styles["small"],
        ),
        _table(
            [
                ("链 ID Chain id", _mono(str(trust.chain_id))),
                ("联盟合约 Consortium", _mono(trust.consortium or "—")),
                ("证据登记合约 EvidenceRegistry", _mono(trust.registry)),
                (
                    "下载 Download",
                    _text("GET /v1/trust-root → consortium.json (autoledger trust export)"),
                ),
            ],
            styles,
        ),
    ]
    # The steps stay together: split, they left a page holding two steps and a line (a reader
    # took it for a page printed by mistake); whole, they fill most of a page of their own.
    steps: list[Flowable] = [Paragraph("8. 独立验证 How to verify independently", styles["h2"])]
    steps += [Paragraph(step, styles["step"]) for step in _steps(facts)]
    steps += [
        Spacer(1, 4 * mm),
        Paragraph(
            _text(
                f"签发时间 Issued at {_time(facts.issued_at)} (UTC) — "
                "回执格式 receipt format v1 — docs/receipt.md"
            ),
            styles["small"],
        ),
    ]
    story.append(KeepTogether(steps))
    return story


def _build(story: list[Flowable], *, title: str, subject: str, footer: str) -> bytes:
    """`story` laid out on A4 pages with `footer` and page numbers, as PDF bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="AutoLedger",
        subject=subject,
        creator="AutoLedger",
        initialFontName=FONT,  # else every page names Helvetica, a font not embedded
    )

    def draw_footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(_RULE)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {doc.page} 页 page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()


def render_case_certificate(case: CaseCertificateFacts) -> bytes:
    """The certificate of a whole case as PDF bytes (A4): a summary table of every anchored
    item, then each item's own certificate (`render_certificate`'s sections, its own QR
    receipt), each from a new page."""
    styles = _styles()
    count = len(case.items)
    story: list[Flowable] = [
        Paragraph("案件存证证书 — Case Evidence Certificate", styles["title"]),
        Paragraph(_text(f"AutoLedger — {count} 件证据 items"), styles["subtitle"]),
        Spacer(1, 4 * mm),
        Paragraph(
            "本证书汇总同一案件的全部已锚定电子数据，随后逐件附上各自的存证证书（含回执二维码）。"
            "每件证据须以其自身的回执与原始文件单独验证。",
            styles["body"],
        ),
        Spacer(1, 1.5 * mm),
        Paragraph(
            "This certificate lists every anchored evidence item of one case, followed by each "
            "item's own certificate with its receipt QR code. Each item verifies on its own, by "
            "its receipt and its original file.",
            styles["body"],
        ),
        Paragraph("案件 Case", styles["h2"]),
        _table(
            [
                ("案件承诺值 Case commitment", _mono(case.case_commitment)),
                ("已锚定证据 Anchored items", _text(str(count))),
                ("未锚定（未收录）Pending", _text(f"{case.pending}（未收录 left out）")),
                ("签发时间 Issued at", _mono(_time(case.issued_at)) + " (UTC)"),
            ],
            styles,
        ),
        Paragraph(
            "案件编号仅以加盐承诺值出现。"
            " The case reference appears only as its salted commitment.",
            styles["small"],
        ),
        Paragraph("汇总 Summary", styles["h2"]),
        _summary(case.items, styles),
    ]
    for number, facts in enumerate(case.items, start=1):
        story += [
            PageBreak(),
            Paragraph(_text(f"第 {number} 件 Item {number} / {count}"), styles["subtitle"]),
            *_item_story(facts, styles),
        ]
    return _build(
        story,
        title=f"案件存证证书 Case Evidence Certificate {case.case_commitment}",
        subject=f"{count} evidence items of case commitment {case.case_commitment}",
        footer=f"AutoLedger 案件存证证书 Case Evidence Certificate — {case.case_commitment[:16]}…",
    )


def _summary(items: Sequence[CertificateFacts], styles: dict[str, ParagraphStyle]) -> Table:
    """One row per item: number, id, type and file, SHA-256, submission and anchoring."""
    small = styles["label"]
    head = [
        Paragraph(_text(label), small)
        for label in (
            "#",
            "证据编号 Evidence ID / 类型 Type / 文件 File",
            "SHA-256 文件摘要 Document digest",
            "提交 Submitted / 锚定 Anchored (UTC)",
        )
    ]
    rows: list[list[Flowable]] = [head]
    for number, facts in enumerate(items, start=1):
        record = facts.receipt.record
        anchor = facts.receipt.anchor
        rows.append(
            [
                Paragraph(str(number), small),
                Paragraph(
                    _mono(facts.public_id)
                    + "<br/>"
                    + _text(record.evidence_type.value)
                    + "<br/>"
                    + (_text(facts.file_name) if facts.file_name else "—"),
                    styles["value"],
                ),
                Paragraph(_mono(record.document_digest, width=32), styles["value"]),
                Paragraph(
                    _mono(record.submitted_at)
                    + "<br/>"
                    + _mono(anchor.block_time)
                    + "<br/>"
                    + _text(f"block {anchor.block_number}, {_STATUS_SHORT[facts.status]}"),
                    styles["value"],
                ),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 52 * mm, 56 * mm, 54 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),  # the default is Helvetica, not embedded
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _steps(facts: CertificateFacts) -> list[str]:
    receipt = facts.receipt
    anchor = receipt.anchor
    signer = receipt.signature.signer if receipt.signature else "—"
    name = _text(facts.file_name or "FILE")
    rid = _text(facts.public_id)
    registry = facts.trust.registry
    return [
        "1. 取得原始文件与回执：扫描第 6 节二维码（或下载 "
        f"{rid}.receipt.json）。Get the original file and the receipt: scan the QR code of "
        f"section 6 (or download {rid}.receipt.json).",
        "2. 用 AutoLedger 命令行一步验证（无需本服务或其数据库，只需任一链节点的 JSON-RPC 地址）："
        " With the AutoLedger command line, in one step (no access to this service or its "
        "database, only a JSON-RPC URL of any node of the chain):<br/>"
        + _mono(
            f"autoledger verify {facts.file_name or 'FILE'} {facts.public_id}.receipt.json "
            f"--rpc URL --registry {registry}",
            width=80,
        )
        + "<br/>每一项检查都必须为 ok，最后一行为 verified（退出码 0）。--registry 必不可少："
        "没有它，命令不会判定为 verified（退出码 3）。"
        " Every check must say ok and the last line verified (exit code 0). --registry is "
        "required: without it the command never says verified (exit code 3).",
        "3. 手工验证（docs/receipt.md）：文件的 SHA-256 等于第 1 节的文件摘要"
        f"（如 sha256sum {name}）。 By hand (docs/receipt.md): the SHA-256 of the file equals "
        f"the document digest of section 1 (e.g. sha256sum {name}).",
        "4. 将记录按 RFC 8785 规范化为 JSON 字节即为叶子；按 RFC 9162 §2.1.3.2 用审计路径"
        "从叶子计算根，须等于第 3 节的根。 Encode the record as RFC 8785 canonical JSON: that "
        "is the leaf; hash it with the audit path as RFC 9162 §2.1.3.2 says; the result must "
        "be the root of section 3.",
        f"5. 回执中的合约须为第 7 节的证据登记合约 {registry}。向链 {anchor.chain_id} 的任一节点"
        f"查询交易 eth_getTransactionReceipt：须成功、位于区块 {anchor.block_number}、发往该合约，"
        "且该合约在此交易中发出 BatchAnchored 事件（topic0 为其事件签名哈希），"
        "其根等于第 3 节的根、日志大小等于树大小、"
        f"公证方地址等于签名者 {signer}；其他事件（如 ItemSuperseded）一概不算。"
        "区块时间即锚定时间。"
        f" The receipt's contract must be the EvidenceRegistry {registry} of section 7. Ask "
        f"any node of chain {anchor.chain_id} for the transaction (eth_getTransactionReceipt): "
        "it succeeded, is in the stated block, was sent to that contract, and that contract "
        "emitted in it a BatchAnchored event (topic0 its signature hash) whose root is the "
        "root of section 3, whose log size is the tree size and whose notary is the signer "
        f"{signer}; no other event (such as ItemSuperseded) counts. The block's time is the "
        "anchoring time.",
        "6. 公证签名（EIP-191 personal_sign，对不含 signature 的规范化回执签名）须恢复出"
        f"签名者 {signer}；登记合约只接受 NOTARY 成员的批次，故第 5 步的事件证明其为公证方。"
        " The notary signature (EIP-191 personal_sign over the canonical receipt without its "
        f"signature) must recover to {signer}; the registry accepts batches only from NOTARY "
        "members, so the event of step 5 proves it is the consortium's notary.",
    ]
