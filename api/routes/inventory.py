"""Dealer floor-plan financing: credit lines, advances, dealer confirmations, sales, payoffs,
refinancing, lot audits, exposure, alerts, charges and the lien check.

Who sees what. A lender sees and changes only its own lines, a dealer sees only the lines where
it is the dealer, a regulator reads everything; any other line (or a vehicle or audit on one)
answers 404, as if it did not exist. Vehicles are named by VIN, or by the 0x-hex hash of the
VIN that listings show (the chain keeps hashes only). Amounts are integers in the smallest
currency unit, rates and shares basis points, times block timestamps (seconds).

Who signs. Lenders' and dealers' transactions are signed with the caller's own key, which this
service must hold (else 409). A dealer's receipt confirmation carries the dealer's EIP-712
signature: fetch the typed data, sign it in the wallet, post the signature; the service's
operator relays it and the contract checks the signature, so the operator cannot forge one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, model_validator

from api.auth import Principal, members, public, roles
from api.errors import NotFound, Unprocessable
from api.inputs import MAX_ID
from api.paging import MAX_PAGE, PageCursor, PageLimit, page_in_headers
from api.runtime import Runtime
from api.schemas import RequestBody
from ledger import lending
from ledger.consortium import Role
from ledger.financing import (
    BPS,
    MAX_AMOUNT,
    MAX_CURTAILMENT_STEPS,
    MAX_LIMIT,
    MAX_RATE_BPS,
    CurtailmentStep,
    LineTerms,
)
from ledger.floorplan import (
    CHECK_ALL,
    Audit,
    Finding,
    FloorPlanClient,
    Line,
    Outcome,
    Vehicle,
    registration_text,
)
from ledger.inventory import (
    CONFIRMATION_LIFETIME,
    MAX_BATCH,
    Exposure,
    Pledge,
    VehicleRef,
    audit_checklist,
    confirmation_to_sign,
    dealer_line,
    explain_charges,
    exposure_of,
    floor_plan_index,
    hex32,
    is_pledged,
    lender_line,
    line_vehicles,
    obligations,
    open_audit,
    party_names,
    reveal_audit,
    sees_all_lines,
    signed_confirmation,
    vehicle_refs,
    vehicles_on_line,
    vin_directory,
    visible_alerts,
    visible_audit,
    visible_line,
    visible_lines,
    visible_vehicle,
)
from ledger.read_models import FloorPlanIndex
from ledger.transactions import Sent

router = APIRouter(prefix="/v1", tags=["inventory"])

Lender = Annotated[Principal, Depends(roles(Role.LENDER))]
Dealer = Annotated[Principal, Depends(roles(Role.DEALER))]
Party = Annotated[Principal, Depends(roles(Role.LENDER, Role.DEALER, Role.REGULATOR))]
Overseer = Annotated[Principal, Depends(roles(Role.LENDER, Role.REGULATOR))]
AnyMember = Annotated[Principal, Depends(members())]
Anyone = Annotated[Principal | None, Depends(public())]
LineNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Credit line id")]
AuditNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Lot audit id")]

MAX_CONFIRMATION_LIFETIME = 30 * 86_400
"""Longest validity asked for a confirmation: a signature should not stay usable for ever."""

_HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"
_ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"


# -- bodies -------------------------------------------------------------------------------------


class StepBody(RequestBody):
    """A curtailment step: `bps` of the advance falls due `day` days after disbursement."""

    day: int = Field(ge=1, le=65_535)
    bps: int = Field(ge=1, le=BPS)


class TermsBody(RequestBody):
    """Line terms (the contract's `LineTerms`), as sent and as shown; windows in seconds."""

    advance_rate_bps: int = Field(ge=1, le=BPS, description="Advance as a share of value")
    interest_rate_bps: int = Field(ge=0, le=MAX_RATE_BPS, description="Simple interest a year")
    payoff_window_seconds: int = Field(ge=1, lt=2**32, description="To pay off after a sale")
    confirm_window_seconds: int = Field(ge=1, lt=2**32, description="To confirm receipt")
    fee_per_vehicle: int = Field(default=0, ge=0, le=MAX_AMOUNT)
    curtailments: list[StepBody] = Field(default_factory=list, max_length=MAX_CURTAILMENT_STEPS)

    def terms(self) -> LineTerms:
        """As `LineTerms`; the contract's rules are checked (`InvalidTerms` → 422)."""
        return LineTerms(
            advance_rate_bps=self.advance_rate_bps,
            interest_rate_bps=self.interest_rate_bps,
            payoff_window=self.payoff_window_seconds,
            confirm_window=self.confirm_window_seconds,
            fee_per_vehicle=self.fee_per_vehicle,
            curtailments=tuple(CurtailmentStep(day=s.day, bps=s.bps) for s in self.curtailments),
        ).validate()

    @classmethod
    def of(cls, terms: LineTerms) -> TermsBody:
        """From the chain's terms."""
        return cls(
            advance_rate_bps=terms.advance_rate_bps,
            interest_rate_bps=terms.interest_rate_bps,
            payoff_window_seconds=terms.payoff_window,
            confirm_window_seconds=terms.confirm_window,
            fee_per_vehicle=terms.fee_per_vehicle,
            curtailments=[StepBody(day=s.day, bps=s.bps) for s in terms.curtailments],
        )


class LineIn(RequestBody):
    """A new credit line of the calling lender for the dealer `dealer_id`."""

    dealer_id: int = Field(ge=1, le=MAX_ID, description="Member id of the dealer")
    limit: int = Field(ge=0, le=MAX_LIMIT, description="Most principal outstanding at once")
    terms: TermsBody


class LineChangeIn(RequestBody):
    """A new limit and/or new terms; what is left out stays. Liens already disbursed keep the
    terms they were disbursed under."""

    limit: int | None = Field(default=None, ge=0, le=MAX_LIMIT)
    terms: TermsBody | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> LineChangeIn:
        if self.limit is None and self.terms is None:
            raise ValueError("give a new limit, new terms, or both")
        return self


class LineOut(BaseModel):
    """A credit line with its current terms and book."""

    id: int
    lender_id: int
    lender_name: str
    dealer_id: int
    dealer_name: str
    status: str
    limit: int
    outstanding: int
    available: int
    active_liens: int
    terms_id: int
    terms: TermsBody


class VehicleIn(RequestBody):
    """A vehicle to advance on: identifiers as on its documents, and its value."""

    vin: str = Field(min_length=1, max_length=64)
    certificate: str = Field(
        min_length=1, max_length=64, description="Certificate of conformity number"
    )
    engine: str = Field(min_length=1, max_length=64, description="Engine number")
    value: int = Field(ge=1, le=MAX_AMOUNT, description="Invoice or wholesale value")
    make: str = Field(default="", max_length=64, description="Make, for the VIN directory")
    model: str = Field(default="", max_length=64, description="Model, for the VIN directory")
    colour: str = Field(default="", max_length=32, description="Colour, for the VIN directory")
    stock_number: str = Field(
        default="", max_length=32, description="The dealer's stock number, for the VIN directory"
    )

    def description(self) -> dict[str, str]:
        """What the VIN directory keeps besides the identifiers."""
        return {
            "make": self.make.strip(),
            "model": self.model.strip(),
            "colour": self.colour.strip(),
            "stock_number": self.stock_number.strip(),
        }


class AdvanceIn(RequestBody):
    """Up to 100 vehicles advanced on in one transaction, all or nothing."""

    vehicles: list[VehicleIn] = Field(min_length=1, max_length=MAX_BATCH)
    registration: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="Movable-property registration number covering the batch (≤ 32 bytes)",
    )

    @model_validator(mode="after")
    def _registration_fits(self) -> AdvanceIn:
        if self.registration is not None and len(self.registration.encode()) > 32:
            raise ValueError("registration must be at most 32 bytes in UTF-8")
        return self


class AdvancedVehicle(BaseModel):
    """A vehicle advanced on and the principal advanced."""

    vin: str
    vin_hash: str
    advance: int


class AdvanceOut(BaseModel):
    """The advance's transaction, each vehicle's advance, and the line after it."""

    tx_hash: str
    block_number: int
    vehicles: list[AdvancedVehicle]
    total_advance: int
    line: LineOut


VehicleText = Annotated[str, Field(min_length=1, max_length=66, description="VIN or VIN hash")]
VehiclePath = Annotated[str, Path(min_length=1, max_length=66, description="VIN or VIN hash")]


class VehiclesIn(RequestBody):
    """Up to 100 vehicles, each by VIN or by the 0x-hex hash of its VIN."""

    vehicles: list[VehicleText] = Field(min_length=1, max_length=MAX_BATCH)


class VehicleOut(BaseModel):
    """A vehicle and its current (or last) lien; `vin` only when the request named it."""

    vin: str | None
    vin_hash: str
    status: str
    line_id: int
    terms_id: int
    advance: int
    principal: int
    disbursed_at: int
    confirm_by: int
    confirmed: bool
    flagged_unconfirmed: bool
    missing: bool
    sold_at: int | None
    payoff_due_at: int | None
    curtailments_flagged: int
    registration: str | None
    transfer_offer_line_id: int | None

    @classmethod
    def of(cls, vehicle: Vehicle, vin: str | None = None) -> VehicleOut:
        """From the chain's view of a vehicle."""
        registration = None
        if vehicle.registration is not None:
            registration = registration_text(vehicle.registration) or hex32(vehicle.registration)
        return cls(
            vin=vin,
            vin_hash=hex32(vehicle.vin_hash),
            status=vehicle.status.name.lower(),
            line_id=vehicle.line_id,
            terms_id=vehicle.terms_id,
            advance=vehicle.advance,
            principal=vehicle.principal,
            disbursed_at=vehicle.disbursed_at,
            confirm_by=vehicle.confirm_by,
            confirmed=vehicle.confirmed,
            flagged_unconfirmed=vehicle.flagged_unconfirmed,
            missing=vehicle.missing,
            sold_at=vehicle.sold_at,
            payoff_due_at=vehicle.payoff_due_at,
            curtailments_flagged=vehicle.curtailments_flagged,
            registration=registration,
            transfer_offer_line_id=vehicle.transfer_offer_line_id,
        )


class VehiclesDone(BaseModel):
    """A transaction and the vehicles it changed, as they are now."""

    tx_hash: str
    block_number: int
    vehicles: list[VehicleOut]


class PayoffOut(BaseModel):
    """What paying a lien off costs."""

    principal: int
    interest: int
    fee: int
    total: int


class ReleasedVehicle(BaseModel):
    """A released lien and the payoff charged for it."""

    vin: str | None
    vin_hash: str
    payoff: PayoffOut


class ReleasesOut(BaseModel):
    """The release transaction and the payoff charged for each vehicle."""

    tx_hash: str
    block_number: int
    vehicles: list[ReleasedVehicle]


class PaymentIn(RequestBody):
    """A curtailment (principal) payment received on a vehicle."""

    vehicle: VehicleText
    amount: int = Field(ge=1, le=MAX_AMOUNT)


class PaymentsIn(RequestBody):
    """Up to 100 curtailment payments."""

    payments: list[PaymentIn] = Field(min_length=1, max_length=MAX_BATCH)


class TransferOfferIn(RequestBody):
    """Offer the liens on `vehicles` to line `to_line_id` of the same dealer (0 withdraws)."""

    vehicles: list[VehicleText] = Field(min_length=1, max_length=MAX_BATCH)
    to_line_id: int = Field(ge=0, le=MAX_ID)


class IncomingTransfer(BaseModel):
    """A lien offered to this line: accepting it advances `payoff.total` as the new principal."""

    vin_hash: str
    from_line_id: int
    payoff: PayoffOut


class ConfirmMessage(RequestBody):
    """The `message` of the confirmation's typed data, exactly as signed."""

    vinHashes: list[Annotated[str, Field(pattern=_HASH_PATTERN)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )
    lender: str = Field(pattern=_ADDRESS_PATTERN)
    lineId: int = Field(ge=1, le=MAX_ID)
    nonce: int = Field(ge=0, le=MAX_ID)
    deadline: int = Field(ge=0, le=MAX_ID)


class ConfirmationIn(RequestBody):
    """A dealer's signed receipt confirmation: the typed data's message and the signature."""

    message: ConfirmMessage
    signature: str = Field(pattern=r"^0x([0-9a-fA-F]{2})+$", max_length=2 + 2 * 1024)


class ConfirmationOut(BaseModel):
    """The relayed confirmation's transaction and the vehicles it confirmed."""

    line_id: int
    tx_hash: str
    block_number: int
    confirmed: list[str]


class CurtailmentsOut(BaseModel):
    """Curtailments of a lien: due so far, paid, overdue, and when the next step falls due."""

    due: int
    paid: int
    overdue: int
    steps_due: int
    next_due_at: int | None


class ObligationOut(BaseModel):
    """What the dealer owes on one vehicle now."""

    vin_hash: str
    status: str
    payoff: PayoffOut
    payoff_due_at: int | None
    curtailments: CurtailmentsOut


class ObligationsOut(BaseModel):
    """What the dealer owes on a line at block time `as_of`."""

    line_id: int
    as_of: int
    total_payoff: int
    total_curtailments_overdue: int
    vehicles: list[ObligationOut]


class AuditIn(RequestBody):
    """A lot audit drawing `sample_bps` of the line's financed vehicles (10,000: all)."""

    sample_bps: int = Field(default=CHECK_ALL, ge=1, le=CHECK_ALL)
    freeze_on_missing: bool = Field(
        default=True, description="Freeze the line against new advances if a vehicle is missing"
    )


class ToCheck(BaseModel):
    """A vehicle the audit must check, and what was recorded for it so far."""

    vin_hash: str
    outcome: str


class AuditOut(BaseModel):
    """A lot audit. A sampled one is revealed once block `draw_block` + 1 is mined (and
    within 256 blocks); `to_check` lists the unsold vehicles financed on the line that the
    draw selected (all of them in a check-all audit), None until the draw is revealed."""

    id: int
    line_id: int
    opener_id: int
    sample_bps: int
    check_all: bool
    freeze_on_missing: bool
    status: str
    draw_block: int | None
    found: int
    missing: int
    unexpected: int
    seed: str | None
    to_check: list[ToCheck] | None


class FindingIn(RequestBody):
    """What the auditor found about a vehicle, with the digest of its evidence."""

    vehicle: VehicleText
    outcome: Literal["found", "missing", "unexpected"]
    evidence: str = Field(
        pattern=r"^(0x)?[0-9a-fA-F]{64}$",
        description="SHA-256 of the photos and GPS track (e.g. a notarized evidence digest)",
    )


class FindingsIn(RequestBody):
    """Up to 100 audit findings."""

    findings: list[FindingIn] = Field(min_length=1, max_length=MAX_BATCH)


AlertKind = Literal[
    "sold_out_of_trust",
    "missing_in_audit",
    "curtailment_overdue",
    "unconfirmed",
    "certificate_mismatch",
    "line_frozen_by_audit",
]


class AlertOut(BaseModel):
    """An alert: from a contract event (`recorded`), or from the state of an active lien whose
    deadline passed without anyone flagging it on chain yet."""

    kind: str
    line_id: int | None
    vin_hash: str | None
    recorded: bool
    block_number: int | None
    tx_hash: str | None
    at: int | None
    details: dict[str, Any]


class LienOut(BaseModel):
    """The lien check: whether the vehicle is under an active lien, and nothing more."""

    vin: str
    pledged: bool


# -- helpers ------------------------------------------------------------------------------------


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _acting(runtime: Runtime, principal: Principal) -> FloorPlanClient:
    """The floor plan signing as the caller (409 when this service lacks its key)."""
    return runtime.floorplan.as_sender(runtime.sender_for(principal.address))


def _line_out(
    runtime: Runtime,
    line: Line,
    names: dict[int, str] | None = None,
    index: FloorPlanIndex | None = None,
) -> LineOut:
    names = party_names(runtime, [line]) if names is None else names
    known = None if index is None else index.terms(line.terms_id)
    terms = known.terms() if known is not None else runtime.floorplan.terms(line.terms_id)[1]
    return LineOut(
        id=line.id,
        lender_id=line.lender_id,
        lender_name=names.get(line.lender_id, ""),
        dealer_id=line.dealer_id,
        dealer_name=names.get(line.dealer_id, ""),
        status=line.status.name.lower(),
        limit=line.limit,
        outstanding=line.outstanding,
        available=line.available,
        active_liens=line.active_liens,
        terms_id=line.terms_id,
        terms=TermsBody.of(terms),
    )


def _after(runtime: Runtime, sent: Sent, refs: list[VehicleRef]) -> VehiclesDone:
    vehicles = []
    for ref in refs:
        vehicle = runtime.floorplan.vehicle(ref.vin_hash)
        if vehicle is not None:
            vehicles.append(VehicleOut.of(vehicle, ref.vin))
    return VehiclesDone(tx_hash=sent.tx_hash, block_number=sent.block_number, vehicles=vehicles)


def _payoff_out(principal: int, interest: int, fee: int) -> PayoffOut:
    return PayoffOut(
        principal=principal, interest=interest, fee=fee, total=principal + interest + fee
    )


def _audit_out(runtime: Runtime, audit: Audit) -> AuditOut:
    checklist = audit_checklist(runtime, audit)
    to_check = None
    if checklist is not None:
        to_check = [
            ToCheck(vin_hash=hex32(vin), outcome=outcome.name.lower()) for vin, outcome in checklist
        ]
    return AuditOut(
        id=audit.id,
        line_id=audit.line_id,
        opener_id=audit.opener_id,
        sample_bps=audit.sample_bps,
        check_all=audit.check_all,
        freeze_on_missing=audit.freeze_on_missing,
        status=audit.status.name.lower(),
        draw_block=audit.draw_block,
        found=audit.found,
        missing=audit.missing,
        unexpected=audit.unexpected,
        seed=hex32(audit.seed) if audit.seed else None,
        to_check=to_check,
    )


# -- credit lines -------------------------------------------------------------------------------


@router.post("/lines", status_code=201)
def open_line(principal: Lender, request: Request, body: LineIn) -> LineOut:
    """Open a credit line of yours for a dealer (by its member id)."""
    runtime = _runtime(request)
    line_id = lending.open_line(
        _acting(runtime, principal),
        runtime.consortium,
        dealer_id=body.dealer_id,
        limit=body.limit,
        terms=body.terms.terms(),
    )
    return _line_out(runtime, runtime.floorplan.line(line_id))


@router.get("/lines")
def list_lines(
    principal: Party,
    request: Request,
    response: Response,
    dealer_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this dealer's")
    ] = None,
    lender_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this lender's")
    ] = None,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[LineOut]:
    """Your lines (as lender or dealer; every line for a regulator), with their exposure, a
    page at a time (the `Link` and `X-Next-Cursor` headers name the next)."""
    runtime = _runtime(request)
    lines = page_in_headers(
        visible_lines(runtime, principal, lender_id=lender_id, dealer_id=dealer_id),
        request=request,
        response=response,
        kind="lines",
        limit=limit,
        cursor=cursor,
    )
    names = party_names(runtime, lines)
    index = floor_plan_index(runtime)
    return [_line_out(runtime, line, names, index) for line in lines]


@router.get("/lines/{line_id}")
def get_line(principal: Party, request: Request, line_id: LineNumber) -> LineOut:
    """One line with its terms and book."""
    runtime = _runtime(request)
    return _line_out(runtime, visible_line(runtime, principal, line_id))


@router.patch("/lines/{line_id}")
def change_line(
    principal: Lender, request: Request, line_id: LineNumber, body: LineChangeIn
) -> LineOut:
    """Change your line's limit and/or terms (new terms apply to later advances)."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    terms = body.terms.terms() if body.terms is not None else None
    _acting(runtime, principal).change_line(line_id, limit=body.limit, terms=terms)
    return _line_out(runtime, runtime.floorplan.line(line_id))


def _line_status_change(
    request: Request, principal: Principal, line_id: int, action: str
) -> LineOut:
    """Freeze, unfreeze or close the caller's own line (`action` names the client method)."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    getattr(_acting(runtime, principal), action)(line_id)
    return _line_out(runtime, runtime.floorplan.line(line_id))


@router.post("/lines/{line_id}/freeze")
def freeze_line(principal: Lender, request: Request, line_id: LineNumber) -> LineOut:
    """Freeze your open line against new advances."""
    return _line_status_change(request, principal, line_id, "freeze_line")


@router.post("/lines/{line_id}/unfreeze")
def unfreeze_line(principal: Lender, request: Request, line_id: LineNumber) -> LineOut:
    """Reopen your frozen line."""
    return _line_status_change(request, principal, line_id, "unfreeze_line")


@router.post("/lines/{line_id}/close")
def close_line(principal: Lender, request: Request, line_id: LineNumber) -> LineOut:
    """Close your line for good (only once no lien on it is active)."""
    return _line_status_change(request, principal, line_id, "close_line")


@router.get("/lines/{line_id}/vehicles")
def line_vehicle_list(
    principal: Party,
    request: Request,
    response: Response,
    line_id: LineNumber,
    include_released: Annotated[bool, Query(description="Also liens already ended")] = False,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[VehicleOut]:
    """The vehicles financed on a line (by VIN hash), active liens unless asked otherwise, a
    page at a time (the `Link` and `X-Next-Cursor` headers name the next)."""
    runtime = _runtime(request)
    visible_line(runtime, principal, line_id)
    vehicles = line_vehicles(floor_plan_index(runtime), line_id, active_only=not include_released)
    page = page_in_headers(
        vehicles, request=request, response=response, kind="vehicles", limit=limit, cursor=cursor
    )
    return [VehicleOut.of(v) for v in page]


# -- advances, sales, payoffs -------------------------------------------------------------------


@router.post("/lines/{line_id}/advances", status_code=201)
def advance_vehicles(
    principal: Lender, request: Request, line_id: LineNumber, body: AdvanceIn
) -> AdvanceOut:
    """Advance on up to 100 vehicles on your line: a lien on each VIN, certificate and engine."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    pledges = [
        Pledge.of(vin=v.vin, certificate=v.certificate, engine=v.engine, value=v.value)
        for v in body.vehicles
    ]
    done = lending.advance_and_describe(
        _acting(runtime, principal),
        vin_directory(runtime),
        line_id,
        [(p, v.description()) for p, v in zip(pledges, body.vehicles, strict=True)],
        body.registration,
    )
    sent = done.sent
    vehicles = [
        AdvancedVehicle(
            vin=p.vin, vin_hash=hex32(p.keys.vin_hash), advance=done.advances[p.keys.vin_hash]
        )
        for p in pledges
    ]
    return AdvanceOut(
        tx_hash=sent.tx_hash,
        block_number=sent.block_number,
        vehicles=vehicles,
        total_advance=sum(v.advance for v in vehicles),
        line=_line_out(runtime, runtime.floorplan.line(line_id)),
    )


@router.post("/lines/{line_id}/sales")
def report_sales(
    principal: Dealer, request: Request, line_id: LineNumber, body: VehiclesIn
) -> VehiclesDone:
    """Report vehicles of your line sold: each payoff falls due within the payoff window."""
    runtime = _runtime(request)
    dealer_line(runtime, principal, line_id)
    refs = vehicle_refs(body.vehicles)
    vehicles_on_line(runtime, line_id, refs)
    sent = _acting(runtime, principal).report_sale([r.vin_hash for r in refs])
    return _after(runtime, sent, refs)


@router.post("/lines/{line_id}/releases")
def release_liens(
    principal: Lender, request: Request, line_id: LineNumber, body: VehiclesIn
) -> ReleasesOut:
    """Record payoffs received on your line: the liens are released and their keys freed."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    refs = vehicle_refs(body.vehicles)
    vehicles_on_line(runtime, line_id, refs)
    done = lending.release_liens(_acting(runtime, principal), refs)
    return ReleasesOut(
        tx_hash=done.sent.tx_hash,
        block_number=done.sent.block_number,
        vehicles=[
            ReleasedVehicle(
                vin=r.vin, vin_hash=hex32(r.vin_hash), payoff=_payoff_out(*done.charged[r.vin_hash])
            )
            for r in refs
        ],
    )


@router.post("/lines/{line_id}/curtailment-payments")
def record_curtailments(
    principal: Lender, request: Request, line_id: LineNumber, body: PaymentsIn
) -> VehiclesDone:
    """Record curtailment (principal) payments received on vehicles of your line."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    refs = vehicle_refs([p.vehicle for p in body.payments])
    vehicles_on_line(runtime, line_id, refs)
    payments = [(r.vin_hash, p.amount) for r, p in zip(refs, body.payments, strict=True)]
    sent = _acting(runtime, principal).record_curtailments(payments)
    return _after(runtime, sent, refs)


@router.get("/lines/{line_id}/obligations")
def line_obligations(principal: Party, request: Request, line_id: LineNumber) -> ObligationsOut:
    """What the dealer owes on a line now: each vehicle's payoff and curtailments."""
    runtime = _runtime(request)
    visible_line(runtime, principal, line_id)
    owed = obligations(runtime, line_id)
    return ObligationsOut(
        line_id=line_id,
        as_of=owed.as_of,
        total_payoff=owed.total_payoff,
        total_curtailments_overdue=owed.total_curtailments_overdue,
        vehicles=[
            ObligationOut(
                vin_hash=hex32(o.vehicle.vin_hash),
                status=o.vehicle.status.name.lower(),
                payoff=_payoff_out(o.payoff.principal, o.payoff.interest, o.payoff.fee),
                payoff_due_at=o.vehicle.payoff_due_at,
                curtailments=CurtailmentsOut(
                    due=o.curtailments.due,
                    paid=o.curtailments.paid,
                    overdue=o.curtailments.overdue,
                    steps_due=o.curtailments.steps_due,
                    next_due_at=o.curtailments.next_due_at,
                ),
            )
            for o in owed.vehicles
        ],
    )


# -- dealer confirmations -----------------------------------------------------------------------


@router.get("/lines/{line_id}/confirmation")
def confirmation_typed_data(
    principal: Dealer,
    request: Request,
    line_id: LineNumber,
    vin: Annotated[
        list[VehicleText] | None,
        Query(
            max_length=MAX_BATCH,
            description="VINs (or VIN hashes) to confirm; default: every unconfirmed one",
        ),
    ] = None,
    valid_for: Annotated[
        int, Query(ge=60, le=MAX_CONFIRMATION_LIFETIME, description="Seconds it stays valid")
    ] = CONFIRMATION_LIFETIME,
) -> dict[str, Any]:
    """The EIP-712 typed data confirming receipt of vehicles on your line, to sign as is."""
    runtime = _runtime(request)
    dealer_line(runtime, principal, line_id)
    if vin and len(vin) > MAX_BATCH:
        raise Unprocessable(f"at most {MAX_BATCH} vehicles per confirmation")
    refs = vehicle_refs(vin or [])
    return confirmation_to_sign(runtime, line_id, refs, valid_for=valid_for).typed_data()


@router.post("/lines/{line_id}/confirmations")
def confirm_receipt(
    principal: Dealer, request: Request, line_id: LineNumber, body: ConfirmationIn
) -> ConfirmationOut:
    """Submit your signed confirmation; the operator relays it and the contract checks it."""
    runtime = _runtime(request)
    dealer_line(runtime, principal, line_id)
    message = body.message
    if message.lineId != line_id:
        raise Unprocessable(f"the message confirms line {message.lineId}, not line {line_id}")
    confirmation = signed_confirmation(
        runtime,
        line_id=line_id,
        dealer=principal.address,
        vin_hashes=[bytes.fromhex(h[2:]) for h in message.vinHashes],
        lender=message.lender,
        nonce=message.nonce,
        deadline=message.deadline,
    )
    sent = runtime.floorplan.confirm_receipt(confirmation, bytes.fromhex(body.signature[2:]))
    return ConfirmationOut(
        line_id=line_id,
        tx_hash=sent.tx_hash,
        block_number=sent.block_number,
        confirmed=[h.lower() for h in message.vinHashes],
    )


# -- refinancing --------------------------------------------------------------------------------


@router.post("/lines/{line_id}/transfer-offers")
def offer_transfer(
    principal: Lender, request: Request, line_id: LineNumber, body: TransferOfferIn
) -> VehiclesDone:
    """Offer liens on your line to another lender's line of the same dealer (0 withdraws)."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    refs = vehicle_refs(body.vehicles)
    client = _acting(runtime, principal)
    sent = lending.offer_transfers(runtime, client, line_id, refs, body.to_line_id)
    return _after(runtime, sent, refs)


@router.get("/lines/{line_id}/transfer-offers")
def incoming_transfers(
    principal: Overseer, request: Request, line_id: LineNumber
) -> list[IncomingTransfer]:
    """Liens offered to your line, with the payoff accepting each would advance."""
    runtime = _runtime(request)
    line = visible_line(runtime, principal, line_id)
    if not sees_all_lines(principal) and line.lender_id != principal.member_id:
        raise NotFound(f"no line {line_id} of yours as its lender")
    return [
        IncomingTransfer(
            vin_hash=hex32(offered.vehicle.vin_hash),
            from_line_id=offered.vehicle.line_id,
            payoff=_payoff_out(
                offered.payoff.principal, offered.payoff.interest, offered.payoff.fee
            ),
        )
        for offered in lending.incoming_transfers(runtime, line_id)
    ]


@router.post("/lines/{line_id}/transfer-acceptances")
def accept_transfer(
    principal: Lender, request: Request, line_id: LineNumber, body: VehiclesIn
) -> VehiclesDone:
    """Accept liens offered to your line: you advance each old payoff as the new principal."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    refs = vehicle_refs(body.vehicles)
    done = lending.accept_transfers(runtime, _acting(runtime, principal), line_id, refs)
    return _after(runtime, done.sent, refs)


# -- lot audits ---------------------------------------------------------------------------------


@router.post("/lines/{line_id}/audits", status_code=201)
def open_lot_audit(
    principal: Lender, request: Request, line_id: LineNumber, body: AuditIn
) -> AuditOut:
    """Open a lot audit of your line; a sampled one commits to a secret the service derives
    again at reveal (nothing is stored), so the dealer cannot predict the draw."""
    runtime = _runtime(request)
    lender_line(runtime, principal, line_id)
    audits = runtime.lot_audit.as_sender(runtime.sender_for(principal.address))
    audit_id = open_audit(
        audits,
        runtime.settings.master_key_bytes(),
        line_id=line_id,
        opener_id=principal.member_id,
        sample_bps=body.sample_bps,
        freeze_on_missing=body.freeze_on_missing,
    )
    return _audit_out(runtime, runtime.lot_audit.audit(audit_id))


@router.get("/audits/{audit_id}")
def get_audit(principal: Overseer, request: Request, audit_id: AuditNumber) -> AuditOut:
    """A lot audit, with the vehicles it must check once its draw is revealed."""
    runtime = _runtime(request)
    return _audit_out(runtime, visible_audit(runtime, principal, audit_id))


@router.post("/audits/{audit_id}/reveal")
def reveal_lot_audit(principal: Lender, request: Request, audit_id: AuditNumber) -> AuditOut:
    """Reveal your sampled audit's secret once its draw block is mined: the draw is fixed."""
    runtime = _runtime(request)
    audit = lending.opened_audit(runtime, principal, audit_id)
    audits = runtime.lot_audit.as_sender(runtime.sender_for(principal.address))
    reveal_audit(audits, runtime.settings.master_key_bytes(), audit)
    return _audit_out(runtime, runtime.lot_audit.audit(audit_id))


@router.post("/audits/{audit_id}/findings")
def record_findings(
    principal: Lender, request: Request, audit_id: AuditNumber, body: FindingsIn
) -> AuditOut:
    """Record what your audit found; a missing vehicle raises a sold-out-of-trust alert."""
    runtime = _runtime(request)
    lending.opened_audit(runtime, principal, audit_id)
    refs = vehicle_refs([f.vehicle for f in body.findings])
    findings = [
        Finding(
            vin_hash=ref.vin_hash,
            outcome=Outcome[f.outcome.upper()],
            evidence=bytes.fromhex(f.evidence.removeprefix("0x")),
        )
        for ref, f in zip(refs, body.findings, strict=True)
    ]
    runtime.lot_audit.as_sender(runtime.sender_for(principal.address)).record_findings(
        audit_id, findings
    )
    return _audit_out(runtime, runtime.lot_audit.audit(audit_id))


@router.post("/audits/{audit_id}/close")
def close_lot_audit(principal: Lender, request: Request, audit_id: AuditNumber) -> AuditOut:
    """Close your audit: no more findings."""
    runtime = _runtime(request)
    lending.opened_audit(runtime, principal, audit_id)
    runtime.lot_audit.as_sender(runtime.sender_for(principal.address)).close_audit(audit_id)
    return _audit_out(runtime, runtime.lot_audit.audit(audit_id))


# -- overview -----------------------------------------------------------------------------------


@router.get("/exposure")
def exposure(principal: Overseer, request: Request) -> list[Exposure]:
    """Principal outstanding per dealer over your lines (every lender's, for a regulator)."""
    return exposure_of(_runtime(request), principal)


@router.get("/alerts")
def alerts(
    principal: Party,
    request: Request,
    response: Response,
    line_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this line's")] = None,
    kind: Annotated[AlertKind | None, Query(description="Only this kind")] = None,
    pending: Annotated[
        bool, Query(description="Include deadlines passed but not yet flagged on chain")
    ] = True,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[AlertOut]:
    """Alerts on your lines (every line, for a regulator): sold out of trust, missing in an
    audit, overdue curtailments, unconfirmed vehicles, certificate mismatches."""
    found = page_in_headers(
        visible_alerts(_runtime(request), principal, line_id=line_id, kind=kind, pending=pending),
        request=request,
        response=response,
        kind="line-alerts",
        limit=limit,
        cursor=cursor,
    )
    return [
        AlertOut(
            kind=a.kind,
            line_id=a.line_id,
            vin_hash=a.vin_hash,
            recorded=a.recorded,
            block_number=a.block_number,
            tx_hash=a.tx_hash,
            at=a.at,
            details=a.details,
        )
        for a in found
    ]


# -- vehicles -----------------------------------------------------------------------------------


@router.get("/vehicles/{vin}/lien")
def lien_check(principal: AnyMember, request: Request, vin: VehiclePath) -> LienOut:
    """Whether a vehicle is under an active lien, whoever the lender: yes or no."""
    runtime = _runtime(request)
    ref = VehicleRef.parse(vin)
    if ref.vin is None:
        raise Unprocessable("the lien check takes a VIN")
    pledged = is_pledged(runtime.floorplan, ref.vin_hash, asked_by=principal.address)
    return LienOut(vin=ref.vin, pledged=pledged)


@router.get("/public/vehicles/{vin}/lien")
def public_lien_check(principal: Anyone, request: Request, vin: VehiclePath) -> LienOut:
    """For a buyer holding a VIN: whether the vehicle is under an active lien, yes or no."""
    runtime = _runtime(request)
    ref = VehicleRef.parse(vin)
    if ref.vin is None:
        raise Unprocessable("the lien check takes a VIN")
    vehicle = runtime.floorplan.vehicle(ref.vin_hash)
    return LienOut(vin=ref.vin, pledged=vehicle is not None and vehicle.status.pledged)


@router.get("/vehicles/{vehicle}")
def get_vehicle(principal: Party, request: Request, vehicle: VehiclePath) -> VehicleOut:
    """A vehicle on one of your lines (by VIN or VIN hash) and its current or last lien."""
    ref, found = visible_vehicle(_runtime(request), principal, vehicle)
    return VehicleOut.of(found, ref.vin)


@router.get("/vehicles/{vehicle}/charges")
def vehicle_charges(
    principal: Party,
    request: Request,
    vehicle: VehiclePath,
    at: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Block time to price at; default now")
    ] = None,
) -> dict[str, Any]:
    """Every charge of a vehicle's active lien explained: principal, interest per accrual
    period with its formula inputs, fee, and the contract's own figure beside."""
    runtime = _runtime(request)
    ref, found = visible_vehicle(runtime, principal, vehicle)
    return {"vin": ref.vin, **explain_charges(runtime, ref, found, at=at)}
