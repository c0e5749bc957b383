"""Collection evidence: submit (upload or digest), status, receipt, download, search, supersede,
forget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.auth import Principal, roles
from api.errors import Conflict, NotFound
from api.runtime import Runtime
from api.schemas import RequestBody
from ledger.consortium import Role
from ledger.evidence import ReasonCode
from notary.blobs import BlobKeyDestroyed
from notary.certificate import case_certificate_of, certificate_of
from notary.intake import Accepted, Submission, Submitter
from notary.models import EvidenceItem, ItemStatus
from notary.queries import (
    READERS,
    SUBMITTERS,
    EvidenceFilter,
    case_evidence,
    search_evidence,
    visible_item,
)

router = APIRouter(prefix="/v1/evidence", tags=["evidence"])
cases_router = APIRouter(prefix="/v1/cases", tags=["evidence"])

Submitting = Annotated[Principal, Depends(roles(*SUBMITTERS))]
Reading = Annotated[Principal, Depends(roles(*READERS))]
EvidenceType = Literal[
    "call_recording", "signed_agreement", "visit_photo", "message_log", "audit_photo", "other"
]


class EvidenceOut(BaseModel):
    """An evidence item as the API shows it (never the case reference in clear)."""

    id: str
    status: str
    document_digest: str
    leaf_hash: str
    evidence_type: str
    case_commitment: str
    media_type: str
    size: int | None
    stored: bool
    submitter_id: int
    submitted_at: datetime
    contact_time: datetime | None
    channel: str | None
    device_id: str | None
    device_seq: int | None
    forgotten: bool
    superseded_by: str | None

    @classmethod
    def of(cls, item: EvidenceItem) -> EvidenceOut:
        """From the stored item."""
        return cls(
            id=item.public_id,
            status=item.status,
            document_digest=item.document_digest,
            leaf_hash=item.leaf_hash,
            evidence_type=item.evidence_type,
            case_commitment=item.case_commitment,
            media_type=item.media_type,
            size=item.size,
            stored=item.stored and item.forgotten_at is None,
            submitter_id=item.submitter_id,
            submitted_at=item.submitted_at,
            contact_time=item.contact_time,
            channel=item.channel,
            device_id=item.device_id,
            device_seq=item.device_seq,
            forgotten=item.forgotten_at is not None,
            superseded_by=item.superseded_by,
        )


class SubmissionOut(BaseModel):
    """The answer to a submission: the item's id, at once."""

    id: str
    status: str
    document_digest: str
    created: bool


class DigestIn(RequestBody):
    """Evidence submitted by digest only: the file stays with the submitter."""

    document_digest: str = Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$")
    size: int | None = Field(default=None, ge=0)
    evidence_type: EvidenceType
    media_type: str = "application/octet-stream"
    case_reference: str | None = Field(default=None, min_length=1, max_length=200)
    case_commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    contact_time: datetime | None = None
    channel: str | None = None
    device_id: str | None = Field(default=None, max_length=100)
    device_seq: int | None = Field(default=None, ge=0)
    metadata: dict[str, str] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, max_length=200)


class SupersedeIn(RequestBody):
    """Item `replacement` replaces this one, for `reason`."""

    replacement: str = Field(max_length=40)
    reason: Literal["corrected_metadata", "better_copy", "wrong_case", "duplicate", "other"]


class Page(BaseModel):
    """One page of search results."""

    items: list[EvidenceOut]
    total: int
    offset: int
    limit: int


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _submitter(principal: Principal) -> Submitter:
    return Submitter(member_id=principal.member_id, address=principal.address)


def _load(request: Request, principal: Principal, public_id: str) -> EvidenceItem:
    """The item if the caller may see it; 404 otherwise (another member's looks absent)."""
    return visible_item(_runtime(request).engine, principal, public_id)


def _answer(accepted: Accepted) -> JSONResponse:
    body = SubmissionOut(
        id=accepted.public_id,
        status=accepted.status,
        document_digest=accepted.document_digest,
        created=accepted.created,
    )
    return JSONResponse(body.model_dump(), status_code=201 if accepted.created else 200)


class _Limited:
    """A reader that refuses to go past `limit` bytes (the upload size limit)."""

    def __init__(self, source: BinaryIO, limit: int) -> None:
        self.source, self.limit, self.seen = source, limit, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise UploadTooLarge(f"the file is larger than the limit of {self.limit} bytes")
        return chunk


class UploadTooLarge(Conflict):
    """The upload exceeds `AUTOLEDGER_MAX_UPLOAD_BYTES`."""

    status = 413


@router.post("", status_code=201, response_model=SubmissionOut)
def submit_file(
    principal: Submitting,
    request: Request,
    file: Annotated[UploadFile, File(description="The evidence document")],
    evidence_type: Annotated[EvidenceType, Form()],
    case_reference: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
    case_commitment: Annotated[str | None, Form(pattern=r"^[0-9a-f]{64}$")] = None,
    media_type: Annotated[str | None, Form()] = None,
    contact_time: Annotated[datetime | None, Form()] = None,
    channel: Annotated[str | None, Form()] = None,
    device_id: Annotated[str | None, Form(max_length=100)] = None,
    device_seq: Annotated[int | None, Form(ge=0)] = None,
    idempotency_key: Annotated[str | None, Form(max_length=200)] = None,
) -> JSONResponse:
    """Upload a document (multipart); it is stored encrypted and queued for anchoring."""
    runtime = _runtime(request)
    limit = runtime.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise UploadTooLarge(f"the request is larger than the limit of {limit} bytes")
    submission = Submission(
        evidence_type=evidence_type,
        media_type=media_type or file.content_type or "application/octet-stream",
        case_reference=case_reference,
        case_commitment=case_commitment,
        contact_time=contact_time,
        channel=channel,
        device_id=device_id,
        device_seq=device_seq,
        idempotency_key=idempotency_key,
        file_name=file.filename,
    )
    source = _Limited(file.file, limit)
    accepted = runtime.intake.submit_file(_submitter(principal), source, submission)  # type: ignore[arg-type]
    return _answer(accepted)


@router.post("/digests", status_code=201, response_model=SubmissionOut)
def submit_digest(principal: Submitting, request: Request, body: DigestIn) -> JSONResponse:
    """Submit a document's digest only; the file stays with the submitter."""
    submission = Submission(
        evidence_type=body.evidence_type,
        media_type=body.media_type,
        case_reference=body.case_reference,
        case_commitment=body.case_commitment,
        contact_time=body.contact_time,
        channel=body.channel,
        device_id=body.device_id,
        device_seq=body.device_seq,
        metadata=body.metadata,
        idempotency_key=body.idempotency_key,
    )
    accepted = _runtime(request).intake.submit_digest(
        _submitter(principal),
        body.document_digest.removeprefix("0x").lower(),
        submission,
        size=body.size,
    )
    return _answer(accepted)


@router.get("")
def search(
    principal: Reading,
    request: Request,
    case: Annotated[
        str | None, Query(description="Case reference (committed before matching)")
    ] = None,
    evidence_type: Annotated[EvidenceType | None, Query(alias="type")] = None,
    submitted_from: Annotated[datetime | None, Query(alias="from")] = None,
    submitted_to: Annotated[datetime | None, Query(alias="to")] = None,
    submitter: Annotated[int | None, Query(ge=1, description="Member id")] = None,
    status: Annotated[Literal["pending", "anchored", "final"] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page:
    """Search evidence by case, type, time range, submitter and status (newest first)."""
    runtime = _runtime(request)
    filters = EvidenceFilter(
        case=case,
        evidence_type=evidence_type,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        submitter=submitter,
        status=status,
    )
    rows, total = search_evidence(
        runtime.engine, runtime.intake, principal, filters, offset=offset, limit=limit
    )
    return Page(items=[EvidenceOut.of(r) for r in rows], total=total, offset=offset, limit=limit)


@router.get("/{public_id}")
def get_item(principal: Reading, request: Request, public_id: str) -> EvidenceOut:
    """One evidence item and its status."""
    return EvidenceOut.of(_load(request, principal, public_id))


@router.get("/{public_id}/receipt")
def get_receipt(principal: Reading, request: Request, public_id: str) -> JSONResponse:
    """The signed receipt once anchored (202 with the status while pending); ask again later
    to get the final one."""
    item = _load(request, principal, public_id)
    issued = _runtime(request).issuer.for_item(item)
    if issued.receipt is None:
        return JSONResponse({"id": public_id, "status": issued.status}, status_code=202)
    body: dict[str, Any] = {
        "id": public_id,
        "status": issued.status,
        "final": issued.status == ItemStatus.FINAL,
        "receipt": issued.receipt.to_object(),
    }
    return JSONResponse(body)


@router.get(
    "/{public_id}/receipt.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "The receipt file"}},
)
def get_receipt_file(principal: Reading, request: Request, public_id: str) -> Response:
    """The receipt file itself, as `autoledger verify` reads it (409 while pending)."""
    item = _load(request, principal, public_id)
    issued = _runtime(request).issuer.for_item(item)
    if issued.receipt is None:
        raise Conflict(f"{public_id} is {issued.status}: no receipt until it is anchored")
    return Response(
        issued.receipt.to_json(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{public_id}.receipt.json"'},
    )


@router.get(
    "/{public_id}/certificate",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The certificate"}},
)
def get_certificate(principal: Reading, request: Request, public_id: str) -> Response:
    """The evidence certificate (存证证书) PDF once anchored (202 with the status while pending)."""
    item = _load(request, principal, public_id)
    pdf = certificate_of(_runtime(request), item)
    if pdf is None:
        return JSONResponse({"id": public_id, "status": item.status}, status_code=202)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{public_id}.certificate.pdf"'},
    )


@router.get("/{public_id}/content")
def download(principal: Reading, request: Request, public_id: str) -> StreamingResponse:
    """The document, decrypted (streamed)."""
    item = _load(request, principal, public_id)
    if not item.stored:
        raise NotFound(f"evidence item {public_id!r} was submitted by digest; no file is held")
    if item.forgotten_at is not None:
        raise Gone(f"the personal data of {public_id!r} was forgotten; only its proof remains")
    try:
        reader = _runtime(request).blobs.open(item.document_digest)
    except BlobKeyDestroyed as exc:
        raise Gone(f"the content of {public_id!r} can no longer be decrypted") from exc

    def chunks() -> Iterator[bytes]:
        with reader:
            yield from reader

    return StreamingResponse(
        chunks(),
        media_type=item.media_type,
        headers={"X-Document-Digest": item.document_digest, "Content-Length": str(item.size)},
    )


class Gone(Conflict):
    """The content was destroyed on purpose."""

    status = 410


@router.post("/{public_id}/supersede")
def supersede(
    principal: Submitting, request: Request, public_id: str, body: SupersedeIn
) -> EvidenceOut:
    """Record on chain that another item of yours replaces this one; nothing is deleted."""
    runtime = _runtime(request)
    item = _own(principal, _load(request, principal, public_id))
    replacement = _own(principal, _load(request, principal, body.replacement))
    if item.superseded_by is not None:
        raise Conflict(f"{public_id!r} is already superseded by {item.superseded_by!r}")
    if replacement.public_id == item.public_id:
        raise Conflict("an item cannot supersede itself")
    reason = ReasonCode[body.reason.upper()]
    runtime.registry.supersede(
        bytes.fromhex(item.leaf_hash), bytes.fromhex(replacement.leaf_hash), reason
    )
    with Session(runtime.engine) as session:
        stored = session.get_one(EvidenceItem, item.id)
        stored.superseded_by = replacement.public_id
        stored.supersede_reason = int(reason)
        session.add(stored)
        session.commit()
        session.refresh(stored)
        return EvidenceOut.of(stored)


@router.post("/{public_id}/forget")
def forget(principal: Submitting, request: Request, public_id: str) -> EvidenceOut:
    """Destroy the item's data key (its file can no longer be read); the proof stays, and the
    act is recorded on chain."""
    runtime = _runtime(request)
    item = _own(principal, _load(request, principal, public_id))
    if item.forgotten_at is not None:
        raise Conflict(f"the personal data of {public_id!r} was already forgotten")
    if item.stored and not runtime.blobs.key_destroyed(item.document_digest):
        runtime.blobs.destroy_key(item.document_digest)
    runtime.registry.record_forgotten(bytes.fromhex(item.leaf_hash))
    with Session(runtime.engine) as session:
        stored = session.get_one(EvidenceItem, item.id)
        stored.forgotten_at = datetime.now(UTC)
        session.add(stored)
        session.commit()
        session.refresh(stored)
        return EvidenceOut.of(stored)


def _own(principal: Principal, item: EvidenceItem) -> EvidenceItem:
    """Only the submitter (or the notary) changes an item; others get 404, not 403."""
    if item.submitter_id != principal.member_id and Role.NOTARY not in principal.roles:
        raise NotFound(f"no evidence item {item.public_id!r}")
    return item


@cases_router.get(
    "/certificate",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The certificate"}},
)
def get_case_certificate(
    principal: Reading,
    request: Request,
    case: Annotated[
        str, Query(min_length=1, max_length=200, description="Case reference (committed here)")
    ],
) -> Response:
    """One certificate PDF for every anchored item of a case you may see (404 none, 422 none
    anchored)."""
    runtime = _runtime(request)
    commitment, items = case_evidence(runtime.engine, runtime.intake, principal, case)
    pdf = case_certificate_of(runtime, commitment, items)
    name = f"case-{commitment[:16]}.certificate.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
