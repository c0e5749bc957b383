"""Borrowers' reports of improper contacts: `other` evidence items whose record says
``metadata.kind = improper_contact_report`` (submitted by the borrower's page, see
docs/borrower.md), read back for the case's members and the regulator."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from notary.blobs import BlobKeyDestroyed, BlobNotFound, BlobStore
from notary.models import EvidenceItem

REPORT_KIND = "improper_contact_report"
"""The `kind` metadata of a borrower's report (evidence type `other`)."""


@dataclass(frozen=True, kw_only=True)
class Report:
    """One report: its evidence item and the contact's evidence item it is about."""

    item: EvidenceItem
    contact_evidence: str
    case_link: str


def list_reports(
    engine: Engine, *, case_commitment: str | None = None, limit: int = 100
) -> list[Report]:
    """Reports of one case (or of every case, for the regulator), newest first."""
    query = select(EvidenceItem).where(
        EvidenceItem.evidence_type == "other",
        col(EvidenceItem.record_json).contains(REPORT_KIND),
    )
    if case_commitment is not None:
        query = query.where(EvidenceItem.case_commitment == case_commitment)
    with Session(engine) as db:
        items = db.exec(query.order_by(col(EvidenceItem.id).desc()).limit(limit)).all()
    found = []
    for item in items:
        metadata = json.loads(item.record_json).get("metadata", {})
        if metadata.get("kind") == REPORT_KIND:
            found.append(
                Report(
                    item=item,
                    contact_evidence=str(metadata.get("contact_evidence", "")),
                    case_link=str(metadata.get("case_link", "")),
                )
            )
    return found


def report_text(blobs: BlobStore, report: Report) -> str | None:
    """The borrower's words in `report` (None once its document's key is destroyed)."""
    try:
        document = blobs.read_bytes(report.item.document_digest)
    except (BlobKeyDestroyed, BlobNotFound):
        return None
    text = json.loads(document).get("text")
    return text if isinstance(text, str) else None
