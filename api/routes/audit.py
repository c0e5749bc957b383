"""The audit trail: views over the indexed events (timelines, exposure, open alerts), audit
verification and the regulator's export, collection contacts and their rule breaches.

Who sees what. Regulators and legal teams read everything; a lender or dealer sees what
concerns its own credit lines, a collector its own contacts and breaches, any member its own
timeline; another member's objects answer 404 or an empty list. Regulators, auditors and the
notary run the verification and download exports. The views read the index only: each answer
says through which block it reaches (`indexed_through`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from api.auth import Principal, members, roles
from api.errors import NotFound, Unprocessable
from api.inputs import MAX_ID, AwareMoment, Day
from api.paging import MAX_CURSOR_LENGTH, MAX_PAGE, next_of, start_of
from api.runtime import Runtime
from api.schemas import Channel, MediaType, RequestBody
from ledger.consortium import Role
from ledger.indexer import StoredEvent, indexed_through
from ledger.inventory import VehicleRef
from notary.compliance import RULES
from notary.compliance_models import CollectionContact, ComplianceViolation
from notary.contacts import ContactIn, Window, load_rules, record_contact, summary
from notary.contacts import list_contacts as read_contacts
from notary.contacts import list_violations as read_violations
from notary.intake import Submitter
from notary.queries import READERS, sees_all
from oversight.audit import (
    AuditError,
    Auditor,
    AuditReport,
    Checkpoint,
    bundle_file_name,
    check_export_range,
    export_days,
)
from oversight.views import (
    case_items,
    case_timeline,
    exposure,
    line_books,
    member_names,
    member_timeline,
    open_alerts,
    sees_everything,
    vehicle_timeline,
    visible_lines,
    visible_member_addresses,
)

router = APIRouter(prefix="/v1", tags=["audit"])

Parties = Annotated[Principal, Depends(roles(Role.LENDER, Role.DEALER, Role.REGULATOR, Role.LEGAL))]
CaseReaders = Annotated[Principal, Depends(roles(*READERS))]
AnyMember = Annotated[Principal, Depends(members())]
Auditors = Annotated[Principal, Depends(roles(Role.REGULATOR, Role.AUDITOR, Role.NOTARY))]
Collectors = Annotated[Principal, Depends(roles(Role.COLLECTOR))]
ComplianceReaders = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.REGULATOR, Role.LEGAL))]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
CursorParam = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page"),
]

COMPLIANCE_ALL = frozenset({Role.REGULATOR, Role.LEGAL})
"""Who sees every collector's contacts and breaches; a collector sees its own."""

AlertKind = Literal[
    "sold_out_of_trust",
    "missing_in_audit",
    "curtailment_overdue",
    "unconfirmed",
    "certificate_mismatch",
    "line_frozen_by_audit",
]
RuleName = Literal["contact_hours", "contacts_per_day", "contacts_per_week", "forbidden_wording"]
assert set(RuleName.__args__) == set(RULES)  # type: ignore[attr-defined]


# -- bodies -------------------------------------------------------------------------------------


class EventOut(BaseModel):
    """An indexed event."""

    block_number: int
    block_hash: str
    block_time: datetime
    tx_hash: str
    log_index: int
    contract: str
    address: str
    event: str
    args: dict[str, Any]

    @classmethod
    def of(cls, e: StoredEvent) -> EventOut:
        """From the index."""
        return cls(
            block_number=e.block_number,
            block_hash=e.block_hash,
            block_time=e.block_time,
            tx_hash=e.tx_hash,
            log_index=e.log_index,
            contract=e.contract,
            address=e.address,
            event=e.event,
            args=e.args,
        )


class EventPage(BaseModel):
    """One page of a timeline of events."""

    indexed_through: int | None
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; None on the last."""
    items: list[EventOut]


class VehicleTimeline(EventPage):
    """A vehicle's lien events."""

    vin: str | None
    vin_hash: str


class MemberTimeline(EventPage):
    """The events naming a member (by any of its addresses, or its member id)."""

    member_id: int
    addresses: list[str]


class CaseEntry(BaseModel):
    """A case timeline entry: an item's submission, or a chain event about the case's items."""

    kind: Literal["evidence", "event"]
    name: str
    at: datetime
    evidence_ids: list[str]
    block_number: int | None
    tx_hash: str | None
    log_index: int | None
    contract: str | None
    args: dict[str, Any]


class CaseTimeline(BaseModel):
    """Evidence of one case (by commitment) and the registry events about it."""

    case_commitment: str
    indexed_through: int | None
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; None on the last."""
    items: list[CaseEntry]


class ExposureRow(BaseModel):
    """A lender's or dealer's totals over the lines shown."""

    member_id: int
    name: str
    lines: int
    limit: int
    outstanding: int
    active_liens: int


class ExposureView(BaseModel):
    """Principal outstanding per lender and per dealer, from the indexed events."""

    indexed_through: int | None
    lenders: list[ExposureRow]
    dealers: list[ExposureRow]


class AlertOut(BaseModel):
    """An alert raised on chain and not resolved since."""

    kind: str
    line_id: int | None
    vin_hash: str | None
    block_number: int
    block_time: datetime
    tx_hash: str
    log_index: int
    details: dict[str, Any]


class AlertPage(BaseModel):
    """One page of open alerts, oldest first."""

    indexed_through: int | None
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; None on the last."""
    items: list[AlertOut]


class ContactBody(RequestBody):
    """A collection contact. Give the debtor and the case each by reference (committed here,
    never stored in clear) or by your own commitment, and a transcript, the digest of the
    recording or message you keep, or both."""

    contact_time: AwareMoment
    time_zone: str | None = Field(
        default=None, max_length=64, description="The debtor's IANA time zone"
    )
    channel: Channel
    evidence_type: Literal["call_recording", "message_log"] = "message_log"
    debtor_reference: str | None = Field(default=None, min_length=1, max_length=200)
    debtor_commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    case_reference: str | None = Field(default=None, min_length=1, max_length=200)
    case_commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    transcript: str | None = Field(default=None, max_length=200_000)
    document_digest: str | None = Field(default=None, pattern=r"^(0x)?[0-9a-fA-F]{64}$")
    media_type: MediaType | None = None
    idempotency_key: str | None = Field(default=None, max_length=200)


class ViolationOut(BaseModel):
    """A rule a contact broke."""

    rule: str
    rules_version: str
    detail: str
    contact_id: int
    collector_id: int
    debtor_commitment: str
    contact_time: datetime
    local_date: str
    span: list[int] | None
    matched: str | None
    phrase_id: str | None

    @classmethod
    def of(cls, v: ComplianceViolation) -> ViolationOut:
        """From the stored violation."""
        span = [v.span_start, v.span_end] if v.span_start is not None else None
        return cls(
            rule=v.rule,
            rules_version=v.rules_version,
            detail=v.detail,
            contact_id=v.contact_id,
            collector_id=v.collector_id,
            debtor_commitment=v.debtor_commitment,
            contact_time=v.contact_time,
            local_date=v.local_date,
            span=span,  # type: ignore[arg-type]
            matched=v.matched,
            phrase_id=v.phrase_id,
        )


class ContactOut(BaseModel):
    """A recorded contact and the evidence item that anchors it."""

    id: str
    evidence_id: str
    collector_id: int
    debtor_commitment: str
    case_commitment: str
    channel: str
    contact_time: datetime
    time_zone: str
    local_date: str
    local_hour: int
    rules_version: str
    rules_sha256: str
    violation_count: int

    @classmethod
    def of(cls, c: CollectionContact) -> ContactOut:
        """From the stored contact."""
        return cls(
            id=c.public_id,
            evidence_id=c.evidence_id,
            collector_id=c.collector_id,
            debtor_commitment=c.debtor_commitment,
            case_commitment=c.case_commitment,
            channel=c.channel,
            contact_time=c.contact_time,
            time_zone=c.time_zone,
            local_date=c.local_date,
            local_hour=c.local_hour,
            rules_version=c.rules_version,
            rules_sha256=c.rules_digest,
            violation_count=c.violation_count,
        )


class RecordedOut(BaseModel):
    """The answer to a recorded contact."""

    contact: ContactOut
    violations: list[ViolationOut]
    created: bool


class ContactPage(BaseModel):
    """One page of contacts, newest first."""

    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; None on the last."""
    items: list[ContactOut]


class ViolationPage(BaseModel):
    """One page of rule breaches, newest contact first."""

    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
    """Pass as `cursor` for the next page; None on the last."""
    items: list[ViolationOut]


# -- helpers ------------------------------------------------------------------------------------


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _page(found: list[StoredEvent], offset: int, limit: int) -> list[EventOut]:
    return [EventOut.of(e) for e in found[offset : offset + limit]]


def _window(principal: Principal, start: date | None, end: date | None) -> Window:
    """Dates are UTC days; `end` is inclusive."""
    own = None if principal.roles & COMPLIANCE_ALL else principal.member_id
    return Window.of_days(collector_id=own, first=start, last=end)


# -- views --------------------------------------------------------------------------------------


@router.get("/views/vehicles/{vin}/timeline")
def vehicle_timeline_view(
    principal: Parties,
    request: Request,
    vin: Annotated[
        str, Path(max_length=66, description="VIN, or 0x + the 64 hex digits of its hash")
    ],
    offset: Offset = 0,
    limit: Limit = 100,
    cursor: CursorParam = None,
) -> VehicleTimeline:
    """Every lien event of a vehicle (FloorPlan and LotAudit) on lines you may see."""
    runtime = _runtime(request)
    ref = VehicleRef.parse(vin)
    chain_id = runtime.chain.chain_id
    start = start_of(cursor, "vehicle-timeline", offset)
    found = vehicle_timeline(runtime.engine, chain_id, ref.vin_hash, principal)
    if not found:
        raise NotFound(f"no indexed lien event of vehicle {ref.label}")
    items = _page(found, start, limit)
    return VehicleTimeline(
        vin=ref.vin,
        vin_hash="0x" + bytes(ref.vin_hash).hex(),
        indexed_through=indexed_through(runtime.engine, chain_id),
        total=len(found),
        offset=start,
        limit=limit,
        items=items,
        next_cursor=next_of("vehicle-timeline", start, len(items), len(found)),
    )


@router.get("/views/cases/timeline")
def case_timeline_view(
    principal: CaseReaders,
    request: Request,
    case: Annotated[
        str | None, Query(max_length=200, description="Case reference (committed here)")
    ] = None,
    case_commitment: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    cursor: CursorParam = None,
) -> CaseTimeline:
    """A case's evidence you may see and the registry events about it (anchoring, etc.)."""
    runtime = _runtime(request)
    offset = start_of(cursor, "case-timeline", offset)
    if (case is None) == (case_commitment is None):
        raise Unprocessable("give exactly one of case and case_commitment")
    commitment = case_commitment or runtime.intake.case_commitment(case or "")
    items = case_items(runtime.engine, commitment, principal, sees_all=sees_all(principal))
    if not items:
        raise NotFound("no evidence of that case that you may see")
    chain_id = runtime.chain.chain_id
    entries = case_timeline(runtime.engine, chain_id, items)
    return CaseTimeline(
        case_commitment=commitment,
        indexed_through=indexed_through(runtime.engine, chain_id),
        total=len(entries),
        offset=offset,
        limit=limit,
        items=[
            CaseEntry(
                kind="evidence" if e.kind == "evidence" else "event",
                name=e.name,
                at=e.at,
                evidence_ids=list(e.evidence_ids),
                block_number=e.block_number,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                contract=e.contract,
                args=e.args,
            )
            for e in entries[offset : offset + limit]
        ],
        next_cursor=next_of(
            "case-timeline", offset, len(entries[offset : offset + limit]), len(entries)
        ),
    )


@router.get("/views/members/{member_id}/timeline")
def member_timeline_view(
    principal: AnyMember,
    request: Request,
    member_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    contract: Annotated[str | None, Query(max_length=100)] = None,
    event: Annotated[str | None, Query(max_length=100)] = None,
    from_block: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    to_block: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    cursor: CursorParam = None,
) -> MemberTimeline:
    """Events that concern a member: its addresses or id, its lines, lot audits and claims
    (yours; anyone's for legal and regulators)."""
    runtime = _runtime(request)
    offset = start_of(cursor, "member-timeline", offset)
    chain_id = runtime.chain.chain_id
    addresses = visible_member_addresses(runtime.engine, chain_id, member_id, principal)
    found, total = member_timeline(
        runtime.engine,
        chain_id=chain_id,
        member_id=member_id,
        addresses=addresses,
        contract=contract,
        event=event,
        from_block=from_block,
        to_block=to_block,
        offset=offset,
        limit=limit,
    )
    return MemberTimeline(
        member_id=member_id,
        addresses=addresses,
        indexed_through=indexed_through(runtime.engine, chain_id),
        total=total,
        offset=offset,
        limit=limit,
        items=[EventOut.of(e) for e in found],
        next_cursor=next_of("member-timeline", offset, len(found), total),
    )


@router.get("/views/exposure")
def exposure_view(principal: Parties, request: Request) -> ExposureView:
    """Principal outstanding per lender and per dealer over the lines you may see."""
    runtime = _runtime(request)
    chain_id = runtime.chain.chain_id
    books = visible_lines(line_books(runtime.engine, chain_id), principal)
    lenders, dealers = exposure(books.values(), member_names(runtime.engine, chain_id))
    return ExposureView(
        indexed_through=indexed_through(runtime.engine, chain_id),
        lenders=[ExposureRow(**vars(x)) for x in lenders],
        dealers=[ExposureRow(**vars(x)) for x in dealers],
    )


@router.get("/views/alerts")
def alerts_view(
    principal: Parties,
    request: Request,
    kind: Annotated[AlertKind | None, Query()] = None,
    line_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    cursor: CursorParam = None,
) -> AlertPage:
    """Alerts raised on chain and not resolved since, on the lines you may see."""
    runtime = _runtime(request)
    offset = start_of(cursor, "alerts", offset)
    chain_id = runtime.chain.chain_id
    lines = visible_lines(line_books(runtime.engine, chain_id), principal)
    found = [
        a
        for a in open_alerts(runtime.engine, chain_id)
        if (a.line_id in lines or (a.line_id is None and sees_everything(principal)))
        and (kind is None or a.kind == kind)
        and (line_id is None or a.line_id == line_id)
    ]
    return AlertPage(
        indexed_through=indexed_through(runtime.engine, chain_id),
        total=len(found),
        offset=offset,
        limit=limit,
        items=[AlertOut(**vars(a)) for a in found[offset : offset + limit]],
        next_cursor=next_of("alerts", offset, len(found[offset : offset + limit]), len(found)),
    )


# -- verification and export --------------------------------------------------------------------


@router.get("/audit/verify")
def verify(
    principal: Auditors,
    request: Request,
    checkpoint_size: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Size of an evidence log you noted earlier")
    ] = None,
    checkpoint_root: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{64}$", description="Its root")
    ] = None,
) -> JSONResponse:
    """Check the database against the chain; every discrepancy is listed (ok false if any)."""
    runtime = _runtime(request)
    if (checkpoint_size is None) != (checkpoint_root is None):
        raise Unprocessable("give both checkpoint_size and checkpoint_root, or neither")
    checkpoint = None
    if checkpoint_size is not None and checkpoint_root is not None:
        checkpoint = Checkpoint(size=checkpoint_size, root=checkpoint_root)
    report: AuditReport = Auditor.of(runtime).verify(checkpoint=checkpoint)
    return JSONResponse(report.to_object())


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The bundle"}},
)
def export(
    principal: Auditors,
    request: Request,
    start: Annotated[Day, Query(alias="from", description="First day (UTC)")],
    end: Annotated[Day, Query(alias="to", description="Last day (UTC), included")],
) -> StreamingResponse:
    """A signed zip of the days' events, receipts and breaches (`autoledger verify` checks it)."""
    try:
        check_export_range(start, end)
    except AuditError as exc:
        raise Unprocessable(str(exc)) from exc
    spool, size = export_days(_runtime(request), first=start, last=end)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(1 << 20):
                yield chunk

    name = bundle_file_name(start, end)
    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(size),
        },
    )


# -- collection compliance ----------------------------------------------------------------------


@router.post("/contacts", status_code=201)
def record(principal: Collectors, request: Request, body: ContactBody) -> JSONResponse:
    """Record a contact: checked against the rules, breaches stored, anchored as evidence."""
    runtime = _runtime(request)
    recorded = record_contact(
        engine=runtime.engine,
        intake=runtime.intake,
        rules=load_rules(runtime.settings.var_dir),
        submitter=Submitter(member_id=principal.member_id, address=principal.address),
        contact=ContactIn(**body.model_dump()),
    )
    answer = RecordedOut(
        contact=ContactOut.of(recorded.contact),
        violations=[ViolationOut.of(v) for v in recorded.violations],
        created=recorded.created,
    )
    return JSONResponse(
        answer.model_dump(mode="json"), status_code=201 if recorded.created else 200
    )


@router.get("/contacts")
def list_contacts(
    principal: ComplianceReaders,
    request: Request,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> ContactPage:
    """Recorded contacts (yours; every collector's for regulators and legal), newest first."""
    offset = start_of(cursor, "contacts", offset)
    rows, total = read_contacts(
        _runtime(request).engine, _window(principal, start, end), offset=offset, limit=limit
    )
    return ContactPage(
        total=total,
        offset=offset,
        limit=limit,
        items=[ContactOut.of(r) for r in rows],
        next_cursor=next_of("contacts", offset, len(rows), total),
    )


@router.get("/compliance/violations")
def list_violations(
    principal: ComplianceReaders,
    request: Request,
    rule: Annotated[RuleName | None, Query()] = None,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> ViolationPage:
    """Collection rule breaches (yours; every collector's for regulators and legal)."""
    offset = start_of(cursor, "violations", offset)
    rows, total = read_violations(
        _runtime(request).engine,
        _window(principal, start, end),
        rule=rule,
        offset=offset,
        limit=limit,
    )
    return ViolationPage(
        total=total,
        offset=offset,
        limit=limit,
        items=[ViolationOut.of(r) for r in rows],
        next_cursor=next_of("violations", offset, len(rows), total),
    )


@router.get("/compliance/summary")
def compliance_summary(
    principal: ComplianceReaders,
    request: Request,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Breaches per day and rule, and contacts by hour of day (debtor time), with totals."""
    return summary(_runtime(request).engine, _window(principal, start, end))


@router.get("/compliance/rules")
def rules_in_force(principal: AnyMember, request: Request) -> dict[str, Any]:
    """The collection rule set in force: its version, digest and rules."""
    rules = load_rules(_runtime(request).settings.var_dir)
    return {"version": rules.version, "sha256": rules.digest, "rules": dict(rules.document)}
