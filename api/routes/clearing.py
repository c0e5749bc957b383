"""Claims and clearing: filing, confirming and disputing claims, payoff claims on sales, overdue
curtailment claims, clearing cycles and their reports, payment instructions, and the settlement
token's deposits and off-chain payments.

Who sees what. A member sees the claims it is creditor or debtor of and the cycles it took part
in (reduced to its own claims and transfers); regulators, operators and governors see every
claim; they and settlement banks see every cycle in full and every balance. A claim or cycle
the caller may not see answers 404, as if it did not exist. Amounts are integers in the
settlement token's units (the currency's minor unit), times block timestamps (seconds).

Who signs. Every transaction is signed with the caller's own key, which this service must hold
(else 409); a debtor without a key here confirms a claim with its EIP-712 signature instead
(fetch the typed data, sign it in the wallet, post it: the operator relays it and the contract
checks it). Cycles are signed by the operator (the clearing engine).

What is automatic: see `clearing.service`. The sale report of
``POST /v1/lines/{id}/sales`` (the inventory routes) does not file payoff claims itself; a
dealer reports sales here, with ``POST /v1/lines/{id}/payoff-claims``, to have them filed and
confirmed in the same request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from api.auth import Principal, members, roles
from api.errors import Conflict, Unprocessable
from api.inputs import MAX_ID
from api.paging import MAX_PAGE, PageCursor, PageLimit, page_in_headers
from api.runtime import Runtime
from api.schemas import RequestBody
from clearing.instructions import Party
from clearing.models import ClearingCycle
from clearing.reports import report_csv
from clearing.service import (
    KIND_NAMES,
    STATE_NAMES,
    CurtailmentFiling,
    LienRelease,
    PayoffFiling,
    claim_instruction,
    claims_of,
    cycle_instructions,
    debtor_claim,
    dispute_as_debtor,
    file_claim,
    file_overdue_curtailments,
    file_sale_payoffs,
    member_of,
    names_of,
    next_cycle,
    record_off_chain_payment,
    reference_bytes,
    report_for,
    run_cycle_now,
    sees_all_claims,
    sees_all_cycles,
    visible_claim,
    visible_cycle,
    visible_cycles,
    waiting_documents,
    withdraw_as_creditor,
    withdraw_dispute_as_debtor,
)
from ledger.consortium import Role
from ledger.floorplan import Vehicle
from ledger.inventory import (
    MAX_BATCH,
    VehicleRef,
    chain_now,
    dealer_line,
    hex32,
    vehicle_refs,
    vehicles_on_line,
)
from ledger.settlement import (
    MAX_AMOUNT,
    MAX_DUE_DATE,
    Claim,
    ClaimStatus,
    ClearingClient,
    claim_end_to_end_id,
    confirmation_typed_data,
)
from ledger.signatures import canonical_signature
from notary.queries import dispute_evidence, own_evidence

router = APIRouter(prefix="/v1", tags=["clearing"])

AnyMember = Annotated[Principal, Depends(members())]
Lender = Annotated[Principal, Depends(roles(Role.LENDER))]
Dealer = Annotated[Principal, Depends(roles(Role.DEALER))]
Filer = Annotated[Principal, Depends(roles(Role.LENDER, Role.COLLECTOR))]
Bank = Annotated[Principal, Depends(roles(Role.SETTLEMENT_BANK))]
Governance = Annotated[Principal, Depends(roles(Role.OPERATOR, Role.GOVERNOR))]
ClaimNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Claim id")]
CycleNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Cycle id (the service's record)")]
LineNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Credit line id")]

CONFIRMATION_LIFETIME = 86_400
"""Default seconds a claim confirmation's typed data stays valid: a day to get it signed."""

MAX_CONFIRMATION_LIFETIME = 30 * 86_400
"""Longest validity asked for a confirmation: a signature should not stay usable for ever."""

MAX_ACCOUNTS = 64
"""Most accounts one instruction request gives: a cycle lists at most 64 members (the
contract's `MAX_MEMBERS_PER_CYCLE`)."""

MAX_ALLOWANCE = 2**256 - 1
"""The ERC-20 allowance ceiling ("unlimited")."""

ClaimKindName = Literal["payoff", "curtailment", "interest", "fee", "collection_fee"]
ClaimStateName = Literal[
    "filed", "confirmed", "final", "disputed", "settled", "withdrawn", "rejected"
]
CycleStatusName = Literal["prepared", "signed", "settled", "failed"]

_KINDS = {name: kind for kind, name in KIND_NAMES.items()}
_STATES = {name: status for status, name in STATE_NAMES.items()}
_REFERENCE_TEXT = "0x + 64 hex digits, or text of at most 32 bytes"
ReferenceText = Annotated[str, Field(min_length=1, max_length=66, description=_REFERENCE_TEXT)]
EvidenceId = Annotated[
    str, Field(min_length=1, max_length=40, description="Evidence item id (ev_...)")
]


# -- bodies -------------------------------------------------------------------------------------


class ClaimIn(RequestBody):
    """A claim of yours on member `debtor_id`; say what it is about with exactly one of
    `reference`, `evidence_id` (an evidence item you submitted: its leaf hash is the reference)
    or `vehicle` (a VIN or VIN hash: the lien). Collection fees cite an evidence item."""

    debtor_id: int = Field(ge=1, le=MAX_ID, description="Member id of the debtor")
    amount: int = Field(ge=1, le=MAX_AMOUNT)
    kind: ClaimKindName
    reference: ReferenceText | None = None
    evidence_id: EvidenceId | None = None
    vehicle: str | None = Field(default=None, min_length=1, max_length=66)
    due_date: int = Field(
        default=0, ge=0, le=MAX_DUE_DATE, description="Settles from this time on (0: at once)"
    )

    @model_validator(mode="after")
    def _one_reference(self) -> ClaimIn:
        given = [n for n in ("reference", "evidence_id", "vehicle") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of reference, evidence_id, vehicle")
        if self.kind == "collection_fee" and self.evidence_id is None:
            raise ValueError("a collection_fee claim cites an evidence item (evidence_id)")
        return self


class ClaimOut(BaseModel):
    """A claim as the API shows it; `state` is as of the latest block (a confirmed claim reads
    final once its dispute window has passed)."""

    id: int
    kind: str
    state: str
    creditor_id: int
    creditor_name: str
    debtor_id: int
    debtor_name: str
    amount: int
    due_date: int
    dispute_ends_at: int | None
    reference: str
    dispute_evidence: str | None
    end_to_end_id: str

    @classmethod
    def of(cls, claim: Claim, names: dict[int, str]) -> ClaimOut:
        """From the chain's view of a claim and the parties' names."""
        return cls(
            id=claim.id,
            kind=KIND_NAMES[claim.kind],
            state=STATE_NAMES[claim.status],
            creditor_id=claim.creditor_id,
            creditor_name=names.get(claim.creditor_id, ""),
            debtor_id=claim.debtor_id,
            debtor_name=names.get(claim.debtor_id, ""),
            amount=claim.amount,
            due_date=claim.due_date,
            dispute_ends_at=claim.dispute_ends_at,
            reference=hex32(claim.reference),
            dispute_evidence=hex32(claim.dispute_evidence) if claim.dispute_evidence else None,
            end_to_end_id=claim_end_to_end_id(claim.id),
        )


class SignedConfirmationIn(RequestBody):
    """The debtor's EIP-712 signature of the typed data from ``GET .../confirmation``."""

    deadline: int = Field(ge=0, le=MAX_ID, description="The typed data's deadline, as signed")
    signature: str = Field(pattern=r"^0x([0-9a-fA-F]{2})+$", max_length=2 + 2 * 1024)


class DisputeIn(RequestBody):
    """Why you dispute a claim: exactly one of `evidence_id` (an evidence item you may read)
    or `evidence` (a 32-byte reference, e.g. a document's SHA-256)."""

    evidence_id: EvidenceId | None = None
    evidence: ReferenceText | None = None

    @model_validator(mode="after")
    def _one_evidence(self) -> DisputeIn:
        if (self.evidence_id is None) == (self.evidence is None):
            raise ValueError("give exactly one of evidence_id, evidence")
        return self


class ResolutionIn(RequestBody):
    """A governance decision on a disputed claim: `upheld` makes it final, else it is
    rejected; `decision` references the decision document."""

    upheld: bool
    decision: ReferenceText


class PayoffClaimsIn(RequestBody):
    """Vehicles of your line sold, by VIN or VIN hash (those not reported yet are reported)."""

    vehicles: list[Annotated[str, Field(min_length=1, max_length=66)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )


class PayoffClaimOut(BaseModel):
    """A sold vehicle's payoff claim: ``confirmed`` (by your report), ``filed`` (confirm it
    yourself), ``existing`` (filed before) or ``not_filed`` (see `note`)."""

    vin: str | None
    vin_hash: str
    claim_id: int | None
    amount: int
    outcome: str
    note: str | None

    @classmethod
    def of(cls, filing: PayoffFiling, vin: str | None) -> PayoffClaimOut:
        """From a service result."""
        return cls(
            vin=vin,
            vin_hash=hex32(filing.vin_hash),
            claim_id=filing.claim_id,
            amount=filing.amount,
            outcome=filing.outcome,
            note=filing.note,
        )


class PayoffClaimsOut(BaseModel):
    """The sale report's transaction (None if every vehicle was reported before) and each
    vehicle's payoff claim."""

    line_id: int
    sale_tx_hash: str | None
    claims: list[PayoffClaimOut]


class CurtailmentClaimOut(BaseModel):
    """A curtailment claim filed for an overdue step, or why not (`claim_id` None)."""

    line_id: int
    vin_hash: str
    step: int
    amount: int
    claim_id: int | None
    note: str | None

    @classmethod
    def of(cls, filing: CurtailmentFiling) -> CurtailmentClaimOut:
        """From a service result."""
        return cls(
            line_id=filing.line_id,
            vin_hash=hex32(filing.vin_hash),
            step=filing.step,
            amount=filing.amount,
            claim_id=filing.claim_id,
            note=filing.note,
        )


class CycleOut(BaseModel):
    """A clearing cycle: `id` is the service's record, `chain_cycle_id` the contract's id
    once settled. A failed cycle settled nothing (`error` says why)."""

    id: int
    chain_cycle_id: int | None
    status: str
    trigger: str
    triggered_by: int | None
    plan_hash: str
    claim_ids: list[int]
    deferred_claim_ids: list[int]
    claim_count: int
    transfer_count: int
    gross: int
    net: int
    tx_hash: str | None
    block_number: int | None
    block_time: datetime | None
    created_at: datetime
    settled_at: datetime | None
    failed_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, cycle: ClearingCycle) -> CycleOut:
        """From the stored cycle."""
        assert cycle.id is not None
        return cls(
            id=cycle.id,
            chain_cycle_id=cycle.cycle_id,
            status=cycle.status,
            trigger=cycle.trigger,
            triggered_by=cycle.triggered_by,
            plan_hash=cycle.plan_hash,
            claim_ids=cycle.claim_id_list(),
            deferred_claim_ids=cycle.deferred_claim_id_list(),
            claim_count=cycle.claim_count,
            transfer_count=cycle.transfer_count,
            gross=cycle.gross_value,
            net=cycle.net_value,
            tx_hash=cycle.tx_hash,
            block_number=cycle.block_number,
            block_time=cycle.block_time,
            created_at=cycle.created_at,
            settled_at=cycle.settled_at,
            failed_at=cycle.failed_at,
            error=cycle.error,
        )


class LienReleaseOut(BaseModel):
    """The lien a settled payoff claim paid: released now, or why not."""

    claim_id: int
    vin_hash: str
    released: bool
    note: str | None

    @classmethod
    def of(cls, release: LienRelease) -> LienReleaseOut:
        """From a service result."""
        return cls(
            claim_id=release.claim_id,
            vin_hash=hex32(release.vin_hash),
            released=release.released,
            note=release.note,
        )


class TriggeredOut(BaseModel):
    """The cycle a trigger ran, and the liens of the payoff claims it settled."""

    cycle: CycleOut
    lien_releases: list[LienReleaseOut]


class AccountIn(RequestBody):
    """A party's bank account for a payment instruction (no member bank data is stored)."""

    member_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=140, description="Account holder")
    iban: str = Field(min_length=15, max_length=34)
    bic: str = Field(min_length=8, max_length=11)


class InstructionsIn(RequestBody):
    """The accounts of every party the instruction pays or is paid by. A settlement bank may
    ask for one payer's transfers (`payer_id`) or all of them; other members get theirs."""

    accounts: list[AccountIn] = Field(min_length=1, max_length=MAX_ACCOUNTS)
    payer_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    def parties(self) -> dict[int, Party]:
        """The accounts by member id."""
        return {
            a.member_id: Party(name=a.name, iban=a.iban.replace(" ", "").upper(), bic=a.bic.upper())
            for a in self.accounts
        }


class TokenMoveIn(RequestBody):
    """Mint to (or burn from) member `member_id` against a deposit (or withdrawal) your bank
    handled off chain, named by your `reference`."""

    member_id: int = Field(ge=1, le=MAX_ID)
    amount: int = Field(ge=1, le=MAX_ALLOWANCE)
    reference: ReferenceText


class AllowanceIn(RequestBody):
    """Let the Clearing contract (default) or settlement bank `bank_id` pull up to `amount` of
    your tokens: the Clearing pulls your net payments, a bank burns against a withdrawal."""

    amount: int = Field(ge=0, le=MAX_ALLOWANCE)
    bank_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class OffChainPaymentIn(RequestBody):
    """A payment your bank made off chain: ``CLM-<claim id>`` pays a claim (it then settles off
    chain), ``CYC-<cycle>-<n>`` a cycle's transfer."""

    end_to_end_id: str = Field(max_length=32, pattern=r"^[A-Za-z0-9/\-?:().,'+ ]{1,32}$")
    debtor_id: int = Field(ge=1, le=MAX_ID)
    creditor_id: int = Field(ge=1, le=MAX_ID)
    amount: int = Field(ge=1, le=MAX_AMOUNT)
    bank_reference: ReferenceText


class TransactionOut(BaseModel):
    """A transaction the request sent."""

    tx_hash: str
    block_number: int


class OffChainPaymentOut(BaseModel):
    """The recorded payment and the claim it settled, if any."""

    end_to_end_id: str
    tx_hash: str
    block_number: int
    settled_claim_id: int | None
    note: str | None


class BalanceOut(BaseModel):
    """A member's tokens and what the Clearing may pull of them."""

    member_id: int
    name: str
    address: str
    balance: int
    clearing_allowance: int


class BalancesOut(BaseModel):
    """Token balances (yours; every member's for banks, regulators and governance)."""

    currency: str
    decimals: int
    balances: list[BalanceOut]


# -- helpers ------------------------------------------------------------------------------------


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _claims_out(runtime: Runtime, claims: list[Claim]) -> list[ClaimOut]:
    names = names_of(runtime, [i for c in claims for i in (c.creditor_id, c.debtor_id)])
    return [ClaimOut.of(c, names) for c in claims]


def _claim_out(runtime: Runtime, claim_id: int) -> ClaimOut:
    return _claims_out(runtime, [runtime.clearing_client.claim(claim_id)])[0]


def _acting(runtime: Runtime, principal: Principal) -> ClearingClient:
    """The Clearing signing as the caller (409 when this service lacks its key)."""
    return runtime.clearing_client.as_sender(runtime.sender_for(principal.address))


def _sold_on_line(
    runtime: Runtime, line_id: int, texts: list[str]
) -> list[tuple[VehicleRef, Vehicle]]:
    refs = vehicle_refs(texts)
    return list(zip(refs, vehicles_on_line(runtime, line_id, refs), strict=True))


# -- claims -------------------------------------------------------------------------------------


@router.post("/claims", status_code=201)
def create_claim(principal: Filer, request: Request, body: ClaimIn) -> ClaimOut:
    """File a claim on a member: lenders payoff, curtailment, interest and fee claims,
    collectors collection fees citing their evidence."""
    runtime = _runtime(request)
    if body.evidence_id is not None:
        item = own_evidence(runtime.engine, principal.member_id, body.evidence_id)
        reference = bytes.fromhex(item.leaf_hash)
    elif body.vehicle is not None:
        reference = bytes(VehicleRef.parse(body.vehicle).vin_hash)
    else:
        assert body.reference is not None
        reference = reference_bytes(body.reference)
    claim = file_claim(
        runtime,
        principal,
        debtor_id=body.debtor_id,
        amount=body.amount,
        kind=_KINDS[body.kind],
        reference=reference,
        due_date=body.due_date,
    )
    return _claims_out(runtime, [claim])[0]


@router.get("/claims")
def list_claims(
    principal: AnyMember,
    request: Request,
    response: Response,
    state: Annotated[ClaimStateName | None, Query(description="Only claims in this state")] = None,
    kind: Annotated[ClaimKindName | None, Query(description="Only claims of this kind")] = None,
    role: Annotated[
        Literal["creditor", "debtor"] | None, Query(description="Only where you are this party")
    ] = None,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[ClaimOut]:
    """Your claims, as creditor or debtor (every claim for regulators and governance),
    ascending id, a page at a time (the `Link` and `X-Next-Cursor` headers name the next)."""
    runtime = _runtime(request)
    everyone = sees_all_claims(principal) and role is None
    claims = claims_of(
        runtime,
        member_id=None if everyone else principal.member_id,
        states=[_STATES[state]] if state else [],
        kinds=[_KINDS[kind]] if kind else [],
        as_party=role,
    )
    page = page_in_headers(
        claims, request=request, response=response, kind="claims", limit=limit, cursor=cursor
    )
    return _claims_out(runtime, page)


@router.get("/claims/{claim_id}")
def get_claim(principal: AnyMember, request: Request, claim_id: ClaimNumber) -> ClaimOut:
    """One claim you are a party to."""
    runtime = _runtime(request)
    return _claims_out(runtime, [visible_claim(runtime, principal, claim_id)])[0]


@router.get("/claims/{claim_id}/confirmation")
def claim_confirmation_typed_data(
    principal: AnyMember,
    request: Request,
    claim_id: ClaimNumber,
    valid_for: Annotated[
        int, Query(ge=60, le=MAX_CONFIRMATION_LIFETIME, description="Seconds it stays valid")
    ] = CONFIRMATION_LIFETIME,
) -> dict[str, Any]:
    """The EIP-712 typed data confirming a claim on you, to sign as is."""
    runtime = _runtime(request)
    claim = debtor_claim(runtime, principal, claim_id)
    if claim.status is not ClaimStatus.FILED:
        raise Conflict(f"claim {claim_id} is {STATE_NAMES[claim.status]}, not awaiting you")
    clearing = runtime.clearing_client
    deadline = chain_now(runtime.chain) + valid_for
    typed = _typed_data(runtime, claim, clearing.nonce_of(claim.debtor_id), deadline)
    return typed


def _typed_data(runtime: Runtime, claim: Claim, nonce: int, deadline: int) -> dict[str, Any]:
    typed = confirmation_typed_data(
        chain_id=runtime.chain.chain_id,
        clearing=runtime.clearing_client.address,
        claim=claim,
        nonce=nonce,
        deadline=deadline,
    )
    typed["message"]["ref"] = hex32(claim.reference)  # JSON: bytes32 as 0x-hex
    return typed


@router.post("/claims/{claim_id}/confirmation")
def confirm_claim(
    principal: AnyMember,
    request: Request,
    claim_id: ClaimNumber,
    body: SignedConfirmationIn | None = None,
) -> ClaimOut:
    """Confirm a claim on you: with your signature (relayed by the operator, checked on
    chain), or without a body by your own transaction."""
    runtime = _runtime(request)
    debtor_claim(runtime, principal, claim_id)
    if body is None:
        _acting(runtime, principal).confirm(claim_id)
    else:
        # v 0/1 (some hardware wallets) becomes 27/28, which the contract's ECDSA requires;
        # a high s is refused here with a 422, as for signed requests.
        signature = canonical_signature(bytes.fromhex(body.signature[2:]))
        runtime.clearing_client.confirm_with_signature(claim_id, body.deadline, signature)
    return _claim_out(runtime, claim_id)


@router.post("/claims/{claim_id}/dispute")
def dispute_claim(
    principal: AnyMember, request: Request, claim_id: ClaimNumber, body: DisputeIn
) -> ClaimOut:
    """Dispute a claim on you, citing evidence; it cannot settle until the dispute ends."""
    runtime = _runtime(request)
    debtor_claim(runtime, principal, claim_id)  # before the evidence: a 404 says nothing more
    if body.evidence_id is not None:
        evidence = dispute_evidence(runtime.engine, principal, body.evidence_id)
    else:
        assert body.evidence is not None
        evidence = reference_bytes(body.evidence, "evidence")
    dispute_as_debtor(runtime, principal, claim_id, evidence)
    return _claim_out(runtime, claim_id)


@router.delete("/claims/{claim_id}/dispute")
def withdraw_dispute(principal: AnyMember, request: Request, claim_id: ClaimNumber) -> ClaimOut:
    """Withdraw your dispute: the claim stands and is final at once."""
    runtime = _runtime(request)
    withdraw_dispute_as_debtor(runtime, principal, claim_id)
    return _claim_out(runtime, claim_id)


@router.post("/claims/{claim_id}/resolution")
def resolve_dispute(
    principal: Governance, request: Request, claim_id: ClaimNumber, body: ResolutionIn
) -> ClaimOut:
    """Decide a disputed claim you are not a party to: upheld (final) or rejected."""
    runtime = _runtime(request)
    visible_claim(runtime, principal, claim_id)
    decision = reference_bytes(body.decision, "decision")
    _acting(runtime, principal).resolve_dispute(claim_id, upheld=body.upheld, decision=decision)
    return _claim_out(runtime, claim_id)


@router.post("/claims/{claim_id}/withdrawal")
def withdraw_claim(principal: Filer, request: Request, claim_id: ClaimNumber) -> ClaimOut:
    """Withdraw your claim (any time before it settles)."""
    runtime = _runtime(request)
    withdraw_as_creditor(runtime, principal, claim_id)
    return _claim_out(runtime, claim_id)


@router.post("/claims/{claim_id}/payment-instruction")
def claim_payment_instruction(
    principal: AnyMember, request: Request, claim_id: ClaimNumber, body: InstructionsIn
) -> Response:
    """The pacs.008 XML paying a claim on you off chain (end-to-end id CLM-<id>)."""
    runtime = _runtime(request)
    claim = debtor_claim(runtime, principal, claim_id)
    xml = claim_instruction(runtime, claim, accounts=body.parties())
    return Response(xml, media_type="application/xml")


@router.post("/claims/overdue-curtailments")
def file_overdue(principal: Lender, request: Request) -> list[CurtailmentClaimOut]:
    """File a curtailment claim for every overdue step on your lines (none twice)."""
    runtime = _runtime(request)
    filings = file_overdue_curtailments(runtime, lender_id=principal.member_id)
    return [CurtailmentClaimOut.of(f) for f in filings]


@router.post("/lines/{line_id}/payoff-claims")
def report_sales_with_payoffs(
    principal: Dealer, request: Request, line_id: LineNumber, body: PayoffClaimsIn
) -> PayoffClaimsOut:
    """Report vehicles of your line sold; each payoff claim is filed and your report confirms
    it."""
    runtime = _runtime(request)
    line = dealer_line(runtime, principal, line_id)
    found = _sold_on_line(runtime, line_id, body.vehicles)
    sale, filings = file_sale_payoffs(runtime, line=line, vehicles=[v for _, v in found])
    return PayoffClaimsOut(
        line_id=line_id,
        sale_tx_hash=sale.tx_hash if sale is not None else None,
        claims=[PayoffClaimOut.of(f, ref.vin) for f, (ref, _) in zip(filings, found, strict=True)],
    )


# -- cycles -------------------------------------------------------------------------------------


@router.post("/cycles", status_code=201)
def trigger_cycle(principal: Lender, request: Request) -> TriggeredOut:
    """Run a clearing cycle now over every final, due claim (409 when none can settle, with
    each waiting claim and why in ``waiting``)."""
    cycle, releases = run_cycle_now(
        _runtime(request), principal.member_id, sees_all=sees_all_claims(principal)
    )
    return TriggeredOut(
        cycle=CycleOut.of(cycle), lien_releases=[LienReleaseOut.of(r) for r in releases]
    )


class WaitingClaimOut(BaseModel):
    """An open claim the next cycle leaves out, and why. `reason` is one of
    ``awaiting_confirmation``, ``dispute_window`` (final at `until`), ``disputed``, ``not_due``
    (due at `until`), ``payer_short`` (member `payer_id` lacks `short_by`: see its `balance`
    and its `allowance` to the Clearing) or ``cycle_full``; `detail` says it in words."""

    claim_id: int
    kind: str
    state: str
    creditor_id: int
    debtor_id: int
    amount: int
    reason: str
    until: int | None
    payer_id: int | None
    short_by: int | None
    balance: int | None
    allowance: int | None
    detail: str


class NextCycleOut(BaseModel):
    """The next cycle as of chain time `chain_time` (seconds): the claims it would settle and
    every other open claim of yours (everyone's for regulators and governance) with why it
    waits."""

    chain_time: int
    settling: list[int]
    waiting: list[WaitingClaimOut]


@router.get("/cycles/next")
def get_next_cycle(principal: AnyMember, request: Request) -> NextCycleOut:
    """What the next clearing cycle would settle, and why each other open claim waits."""
    runtime = _runtime(request)
    everyone = sees_all_claims(principal)
    outlook = next_cycle(runtime, None if everyone else principal.member_id)
    visible = set() if everyone else _party_claim_ids(runtime, principal.member_id)
    return NextCycleOut(
        chain_time=outlook.now,
        settling=[i for i in outlook.settling if everyone or i in visible],
        waiting=[WaitingClaimOut(**w) for w in waiting_documents(outlook)],
    )


def _party_claim_ids(runtime: Runtime, member_id: int) -> set[int]:
    return {c.id for c in claims_of(runtime, member_id=member_id)}


@router.get("/cycles")
def get_cycles(
    principal: AnyMember,
    request: Request,
    response: Response,
    status: Annotated[CycleStatusName | None, Query(description="Only cycles in this status")] = (
        None
    ),
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[CycleOut]:
    """The cycles you took part in (every cycle for regulators, governance and banks), newest
    first, a page at a time (the `Link` and `X-Next-Cursor` headers name the next)."""
    cycles = visible_cycles(_runtime(request), principal, status=status)
    page = page_in_headers(
        cycles, request=request, response=response, kind="cycles", limit=limit, cursor=cursor
    )
    return [CycleOut.of(c) for c in page]


@router.get("/cycles/{cycle_id}")
def get_cycle(principal: AnyMember, request: Request, cycle_id: CycleNumber) -> CycleOut:
    """One cycle you took part in."""
    return CycleOut.of(visible_cycle(_runtime(request), principal, cycle_id))


@router.get("/cycles/{cycle_id}/report")
def get_cycle_report(
    principal: AnyMember,
    request: Request,
    cycle_id: CycleNumber,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    off_chain_member: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
        Query(
            max_length=MAX_ACCOUNTS,
            description="Members settling through their bank: their transfers' payment ids",
        ),
    ] = None,
) -> Response:
    """A cycle's reconciliation report (your claims and transfers in it, unless you read every
    cycle) as JSON or CSV."""
    runtime = _runtime(request)
    cycle = visible_cycle(runtime, principal, cycle_id)
    document = report_for(runtime, principal, cycle, off_chain_members=off_chain_member or ())
    if format == "csv":
        return Response(
            report_csv([document]),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="cycle-{cycle_id}.csv"'},
        )
    return JSONResponse(document)


@router.post("/cycles/{cycle_id}/payment-instructions")
def cycle_payment_instructions(
    principal: AnyMember, request: Request, cycle_id: CycleNumber, body: InstructionsIn
) -> Response:
    """The pacs.008 XML of the net transfers you pay in a settled cycle (any payer's, or all,
    for a settlement bank)."""
    runtime = _runtime(request)
    cycle = visible_cycle(runtime, principal, cycle_id)
    if Role.SETTLEMENT_BANK in principal.roles:
        payer = body.payer_id
    else:
        if body.payer_id not in (None, principal.member_id):
            raise Unprocessable("payer_id: you get the instructions of your own transfers")
        payer = principal.member_id
    xml = cycle_instructions(runtime, cycle, payer_id=payer, accounts=body.parties())
    return Response(xml, media_type="application/xml")


# -- the settlement token -----------------------------------------------------------------------


@router.post("/settlement/mints")
def mint(principal: Bank, request: Request, body: TokenMoveIn) -> TransactionOut:
    """Mint tokens to a member against a deposit your bank received."""
    runtime = _runtime(request)
    member = member_of(runtime, body.member_id)
    token = runtime.token.as_sender(runtime.sender_for(principal.address))
    sent = token.mint(member.address, body.amount, reference_bytes(body.reference))
    return TransactionOut(tx_hash=sent.tx_hash, block_number=sent.block_number)


@router.post("/settlement/burns")
def burn(principal: Bank, request: Request, body: TokenMoveIn) -> TransactionOut:
    """Burn a member's tokens against a withdrawal your bank paid out (needs its allowance)."""
    runtime = _runtime(request)
    member = member_of(runtime, body.member_id)
    token = runtime.token.as_sender(runtime.sender_for(principal.address))
    sent = token.burn(member.address, body.amount, reference_bytes(body.reference))
    return TransactionOut(tx_hash=sent.tx_hash, block_number=sent.block_number)


@router.post("/settlement/off-chain-payments", status_code=201)
def record_payment(
    principal: Bank, request: Request, body: OffChainPaymentIn
) -> OffChainPaymentOut:
    """Record a payment your bank made off chain; a CLM-<id> payment settles that claim."""
    runtime = _runtime(request)
    recorded = record_off_chain_payment(
        runtime,
        principal,
        end_to_end_id=body.end_to_end_id,
        debtor_id=body.debtor_id,
        creditor_id=body.creditor_id,
        amount=body.amount,
        bank_reference=reference_bytes(body.bank_reference, "bank_reference"),
    )
    return OffChainPaymentOut(
        end_to_end_id=body.end_to_end_id,
        tx_hash=recorded.sent.tx_hash,
        block_number=recorded.sent.block_number,
        settled_claim_id=recorded.settled_claim_id,
        note=recorded.note,
    )


@router.post("/settlement/allowances")
def approve(principal: AnyMember, request: Request, body: AllowanceIn) -> BalanceOut:
    """Let the Clearing (or a settlement bank) pull your tokens, up to an amount."""
    runtime = _runtime(request)
    spender = runtime.clearing_client.address
    if body.bank_id is not None:
        bank = member_of(runtime, body.bank_id, "settlement bank")
        if Role.SETTLEMENT_BANK not in bank.roles:
            raise Unprocessable(f"member {bank.id} ({bank.name}) is not a settlement bank")
        spender = bank.address
    runtime.token.as_sender(runtime.sender_for(principal.address)).approve(spender, body.amount)
    return _balance(runtime, principal.member_id, principal.name, principal.address)


@router.get("/settlement/balances")
def balances(principal: AnyMember, request: Request) -> BalancesOut:
    """Your token balance and allowance to the Clearing (every member's for banks,
    regulators and governance)."""
    runtime = _runtime(request)
    if sees_all_cycles(principal):
        rows = [
            _balance(runtime, m.id, m.name, m.address) for m in runtime.members.all() if m.active
        ]
    else:
        rows = [_balance(runtime, principal.member_id, principal.name, principal.address)]
    return BalancesOut(
        currency=runtime.token.currency(), decimals=runtime.token.decimals(), balances=rows
    )


def _balance(runtime: Runtime, member_id: int, name: str, address: str) -> BalanceOut:
    token = runtime.token
    return BalanceOut(
        member_id=member_id,
        name=name,
        address=address,
        balance=token.balance_of(address),
        clearing_allowance=token.allowance(address, runtime.clearing_client.address),
    )
