"""Collection evidence: submit (upload or digest), status, receipt, download, search, supersede,
forget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from api.auth import Principal, roles
from api.errors import ApiError, Conflict, NotFound
from api.inputs import MAX_ID, AwareMoment, Moment
from api.openapi import problems
from api.paging import MAX_CURSOR_LENGTH, MAX_PAGE, BadCursor, decode_cursor, encode_cursor
from api.runtime import Runtime
from api.schemas import Channel, MediaType, RequestBody
from ledger.consortium import Role
from ledger.evidence import ReasonCode
from notary.blobs import BlobKeyDestroyed
from notary.certificate import case_certificate_of, case_file_disposition, certificate_of
from notary.file_names import safe_file_name
from notary.intake import Accepted, Submission, SubmissionError, Submitter
from notary.models import EvidenceItem, ItemStatus
from notary.queries import (
    READERS,
    SUBMITTERS,
    EvidenceFilter,
    case_evidence,
    search_evidence,
    visible_item,
)
from notary.records import MAX_METADATA_ENTRIES, MAX_METADATA_KEY, MAX_METADATA_VALUE

router = APIRouter(prefix="/v1/evidence", tags=["evidence"])
cases_router = APIRouter(prefix="/v1/cases", tags=["evidence"])

Submitting = Annotated[Principal, Depends(roles(*SUBMITTERS))]
Reading = Annotated[Principal, Depends(roles(*READERS))]
EvidenceType = Literal[
    "call_recording", "signed_agreement", "visit_photo", "message_log", "audit_photo", "other"
]
MetadataKey = Annotated[str, Field(max_length=MAX_METADATA_KEY)]
MetadataValue = Annotated[str, Field(max_length=MAX_METADATA_VALUE)]
PublicId = Annotated[str, Path(max_length=40, description="Evidence item id (ev_...)")]


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
    file_name: str | None
    file_name_as_sent: str | None
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
            file_name=safe_file_name(item.file_name),
            file_name_as_sent=item.file_name_as_sent,
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
    size: int | None = Field(default=None, ge=0, le=MAX_ID)
    evidence_type: EvidenceType
    media_type: MediaType = "application/octet-stream"
    case_reference: str | None = Field(default=None, min_length=1, max_length=200)
    case_commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    contact_time: AwareMoment | None = None
    channel: Channel | None = None
    device_id: str | None = Field(default=None, max_length=100)
    device_seq: int | None = Field(default=None, ge=0, le=MAX_ID)
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict, max_length=MAX_METADATA_ENTRIES
    )
    idempotency_key: str | None = Field(default=None, max_length=200)


class SupersedeIn(RequestBody):
    """Item `replacement` replaces this one, for `reason`."""

    replacement: str = Field(max_length=40)
    reason: Literal["corrected_metadata", "better_copy", "wrong_case", "duplicate", "other"]


class Page(BaseModel):
    """One page of search results; `next_cursor` fetches the next (None on the last page)."""

    items: list[EvidenceOut]
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None


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
    media_type: Annotated[str | None, Form(min_length=1, max_length=100)] = None,
    contact_time: Annotated[AwareMoment | None, Form()] = None,
    channel: Annotated[Channel | None, Form()] = None,
    device_id: Annotated[str | None, Form(max_length=100)] = None,
    device_seq: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
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
    accepted = _runtime(request).intake.submit_digest(
        _submitter(principal),
        body.document_digest.removeprefix("0x").lower(),
        _digest_submission(body),
        size=body.size,
    )
    return _answer(accepted)


BULK_LIMIT = 1000
"""Most items in one bulk request: a request of 1,000 digests is about 0.5 MB of JSON and one
group commit of a fifth of `MAX_GROUP_ROWS`; more per request buys no speed, only latency."""


class BulkDigestsIn(RequestBody):
    """Up to 1,000 digest submissions; each item has the fields of `POST /v1/evidence/digests`
    and is judged alone."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=BULK_LIMIT)


class ItemResult(BaseModel):
    """The answer to one item of a bulk request: its submission (`status_code` 201 created,
    200 known) or why it was refused (`status_code` 422, `error`)."""

    index: int
    status_code: int
    id: str | None = None
    status: str | None = None
    document_digest: str | None = None
    created: bool | None = None
    error: str | None = None


class BulkOut(BaseModel):
    """Per-item results of a bulk request, in the order of its items."""

    accepted: int
    refused: int
    results: list[ItemResult]

    @classmethod
    def of(cls, results: list[Accepted | Exception]) -> BulkOut:
        """From the intake's answers (an exception where an item was refused)."""
        out = [_item_result(index, result) for index, result in enumerate(results)]
        refused = sum(1 for r in out if r.error is not None)
        return cls(accepted=len(out) - refused, refused=refused, results=out)


def _item_result(index: int, result: Accepted | Exception) -> ItemResult:
    if isinstance(result, Exception):
        return ItemResult(index=index, status_code=422, error=str(result))
    return ItemResult(
        index=index,
        status_code=201 if result.created else 200,
        id=result.public_id,
        status=result.status,
        document_digest=result.document_digest,
        created=result.created,
    )


def _digest_submission(body: DigestIn) -> Submission:
    return Submission(
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


@router.post("/digests/bulk", response_model=BulkOut)
def submit_digests(principal: Submitting, request: Request, body: BulkDigestsIn) -> BulkOut:
    """Submit up to 1,000 digests in one request; each item is accepted or refused alone."""
    judged: list[tuple[str, int | None, Submission] | Exception] = []
    for item in body.items:
        try:
            parsed = DigestIn.model_validate(item)
        except ValidationError as exc:
            judged.append(SubmissionError(_validation_message(exc)))
            continue
        judged.append(
            (
                parsed.document_digest.removeprefix("0x").lower(),
                parsed.size,
                _digest_submission(parsed),
            )
        )
    valid = [entry for entry in judged if not isinstance(entry, Exception)]
    answers = iter(_runtime(request).intake.submit_each(_submitter(principal), valid))
    return BulkOut.of(
        [entry if isinstance(entry, Exception) else next(answers) for entry in judged]
    )


@router.post("/bulk", response_model=BulkOut)
def submit_files(
    principal: Submitting,
    request: Request,
    files: Annotated[
        list[UploadFile],
        File(max_length=BULK_LIMIT, description="The evidence documents (at most 1,000)"),
    ],
    evidence_type: Annotated[EvidenceType, Form()],
    case_reference: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
    case_commitment: Annotated[str | None, Form(pattern=r"^[0-9a-f]{64}$")] = None,
    contact_time: Annotated[AwareMoment | None, Form()] = None,
    channel: Annotated[Channel | None, Form()] = None,
) -> BulkOut:
    """Upload up to 1,000 documents of one case (multipart, field `files` repeated); each is
    stored encrypted and queued, or refused alone."""
    if len(files) > BULK_LIMIT:
        raise BulkTooLarge(f"{len(files)} files in one request; at most {BULK_LIMIT}")
    limit = _runtime(request).settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise UploadTooLarge(f"the request is larger than the limit of {limit} bytes")
    entries = [
        (
            _Limited(upload.file, limit),
            Submission(
                evidence_type=evidence_type,
                media_type=upload.content_type or "application/octet-stream",
                case_reference=case_reference,
                case_commitment=case_commitment,
                contact_time=contact_time,
                channel=channel,
                file_name=upload.filename,
            ),
        )
        for upload in files
    ]
    results = _runtime(request).intake.submit_files_each(_submitter(principal), entries)  # type: ignore[arg-type]
    return BulkOut.of(list(results))


class BulkTooLarge(ApiError):
    """A bulk request holds more items than `BULK_LIMIT` (422)."""

    status = 422


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'item'}: {error['msg']}"
        for error in exc.errors()
    )


@router.get("")
def search(
    principal: Reading,
    request: Request,
    case: Annotated[
        str | None, Query(max_length=200, description="Case reference (committed before matching)")
    ] = None,
    evidence_type: Annotated[EvidenceType | None, Query(alias="type")] = None,
    submitted_from: Annotated[Moment | None, Query(alias="from")] = None,
    submitted_to: Annotated[Moment | None, Query(alias="to")] = None,
    submitter: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Member id")] = None,
    status: Annotated[Literal["pending", "anchored", "final"] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of a page")
    ] = None,
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
    before = None
    if cursor is not None:
        before = decode_cursor(cursor, _SEARCH).get("before")
        if not isinstance(before, int):
            raise BadCursor("cursor: not a cursor of this search")
    rows, total = search_evidence(
        runtime.engine,
        runtime.intake,
        principal,
        filters,
        offset=offset,
        limit=limit + 1,
        before_id=before,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[EvidenceOut.of(r) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
        next_cursor=encode_cursor(_SEARCH, before=rows[-1].id) if more and rows else None,
    )


_SEARCH = "evidence"
"""The cursor kind of evidence search pages."""


@router.get("/{public_id}")
def get_item(principal: Reading, request: Request, public_id: PublicId) -> EvidenceOut:
    """One evidence item and its status."""
    return EvidenceOut.of(_load(request, principal, public_id))


@router.get("/{public_id}/receipt")
def get_receipt(principal: Reading, request: Request, public_id: PublicId) -> JSONResponse:
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
def get_receipt_file(principal: Reading, request: Request, public_id: PublicId) -> Response:
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
def get_certificate(principal: Reading, request: Request, public_id: PublicId) -> Response:
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


@router.get("/{public_id}/content", responses=problems(410))
def download(principal: Reading, request: Request, public_id: PublicId) -> StreamingResponse:
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
    principal: Submitting, request: Request, public_id: PublicId, body: SupersedeIn
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
def forget(principal: Submitting, request: Request, public_id: PublicId) -> EvidenceOut:
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
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": case_file_disposition(case, commitment)},
    )
