"""Repayment plans of a case (`notary.repayment`): a member of the case accepts, declines or
counter-proposes the borrower's plan; members and the regulator list them. The borrower
proposes and agrees on its own page (`api.pages.borrower`), with its case session.

Every move names the case (`case_reference`) as well as the plan: a plan of another case, or of
a case that is not the caller's, answers 404 as an unknown one does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from api.auth import Principal, roles
from api.inputs import Day
from api.runtime import Runtime
from api.schemas import RequestBody
from ledger.consortium import Role
from notary.case_status import MAX_AMOUNT, MAX_INSTALMENTS, MAX_NOTE, CaseNotFound, require_member
from notary.intake import Submitter
from notary.repayment import (
    InstalmentIn,
    PlanView,
    accept_by_member,
    counter,
    decline,
    plans,
)

router = APIRouter(prefix="/v1/cases/plans", tags=["repayment plans"])

Members = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER))]
Viewers = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER, Role.REGULATOR))]
PlanId = Annotated[str, Path(pattern=r"^rp_[0-9a-f]{16}$", description="plan id")]
CaseReference = Annotated[str, Field(min_length=1, max_length=200)]


class InstalmentBody(RequestBody):
    """One instalment: its date and amount (smallest units)."""

    due_on: Day
    amount: int = Field(gt=0, le=MAX_AMOUNT)


class AnswerBody(RequestBody):
    """Accept or decline: the case the plan belongs to, and a note (declining)."""

    case_reference: CaseReference
    note: str = Field(default="", max_length=MAX_NOTE)


class CounterBody(RequestBody):
    """A counter-proposal to the borrower's plan."""

    case_reference: CaseReference
    instalments: list[InstalmentBody] = Field(min_length=1, max_length=MAX_INSTALMENTS)
    note: str = Field(default="", max_length=MAX_NOTE)


class InstalmentOut(BaseModel):
    """One instalment of a plan."""

    seq: int
    due_on: date
    amount: int


class PlanOut(BaseModel):
    """A plan: who proposed it (None: the borrower), where it stands, its instalments, and
    the evidence item of the agreement once agreed."""

    id: str
    state: str
    proposed_by_member: int | None
    answers_plan: int | None
    currency: str
    total: int
    note: str
    created_at: datetime
    decided_at: datetime | None
    decision_note: str
    borrower_consent_at: datetime | None
    member_accepted_by: int | None
    evidence_id: str | None
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, view: PlanView) -> PlanOut:
        plan = view.plan
        return cls(
            id=plan.public_id,
            state=plan.state,
            proposed_by_member=plan.proposed_by_member,
            answers_plan=plan.answers,
            currency=plan.currency,
            total=plan.total,
            note=plan.note,
            created_at=plan.created_at,
            decided_at=plan.decided_at,
            decision_note=plan.decision_note,
            borrower_consent_at=plan.borrower_consent_at,
            member_accepted_by=plan.member_accepted_by,
            evidence_id=plan.evidence_id,
            instalments=[
                InstalmentOut(seq=p.seq, due_on=p.due_on, amount=p.amount) for p in view.instalments
            ],
        )


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _case_of(runtime: Runtime, principal: Principal, reference: str) -> str:
    commitment = runtime.intake.case_commitment(reference.strip())
    if Role.REGULATOR not in principal.roles:
        require_member(runtime.engine, commitment, principal.member_id)
    return commitment


def _one(runtime: Runtime, commitment: str, public_id: str) -> PlanOut:
    return PlanOut.of(
        next(v for v in plans(runtime.engine, commitment) if v.plan.public_id == public_id)
    )


@router.get("")
def list_plans(
    principal: Viewers,
    request: Request,
    case: Annotated[str, Query(min_length=1, max_length=200, description="case reference")],
) -> list[PlanOut]:
    """The case's plans, newest first."""
    runtime = _runtime(request)
    found = plans(runtime.engine, _case_of(runtime, principal, case))
    if not found and Role.REGULATOR in principal.roles:
        raise CaseNotFound("no repayment plan for that case")
    return [PlanOut.of(v) for v in found]


@router.post("/{public_id}/accept")
def accept(principal: Members, request: Request, public_id: PlanId, body: AnswerBody) -> PlanOut:
    """Accept the borrower's open plan: it is agreed and goes on record as a signed
    agreement (an evidence item of the case, anchored with the next batch)."""
    runtime = _runtime(request)
    commitment = _case_of(runtime, principal, body.case_reference)
    accept_by_member(
        runtime.engine,
        runtime.intake,
        case_commitment=commitment,
        public_id=public_id,
        member=Submitter(member_id=principal.member_id, address=principal.address),
    )
    return _one(runtime, commitment, public_id)


@router.post("/{public_id}/decline")
def decline_plan(
    principal: Members, request: Request, public_id: PlanId, body: AnswerBody
) -> PlanOut:
    """Decline the borrower's open plan (the borrower may propose another)."""
    runtime = _runtime(request)
    commitment = _case_of(runtime, principal, body.case_reference)
    decline(
        runtime.engine,
        case_commitment=commitment,
        public_id=public_id,
        member_id=principal.member_id,
        note=body.note,
    )
    return _one(runtime, commitment, public_id)


@router.post("/{public_id}/counter", status_code=201)
def counter_plan(
    principal: Members, request: Request, public_id: PlanId, body: CounterBody
) -> PlanOut:
    """Answer the borrower's open plan with a counter-proposal (the borrower accepts it with
    explicit consent, or declines it)."""
    runtime = _runtime(request)
    commitment = _case_of(runtime, principal, body.case_reference)
    answer = counter(
        runtime.engine,
        case_commitment=commitment,
        public_id=public_id,
        member_id=principal.member_id,
        instalments=[InstalmentIn(due_on=i.due_on, amount=i.amount) for i in body.instalments],
        note=body.note,
    )
    return _one(runtime, commitment, answer.public_id)
