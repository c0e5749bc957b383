"""A case's stage and amount due (`notary.case_status`): set by a collector or lender of the
case, read by them and the regulator. Every setting is kept; the answer lists them newest
first. A case that is not the caller's answers 404, as an unknown one does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import Principal, roles
from api.inputs import Day
from api.runtime import Runtime
from api.schemas import RequestBody
from ledger.consortium import Role
from notary.case_status import (
    MAX_AMOUNT,
    MAX_INSTALMENTS,
    MAX_NOTE,
    STAGES,
    CaseNotFound,
    CaseStatus,
    StatusIn,
    require_member,
    set_status,
    status_history,
)

router = APIRouter(prefix="/v1/cases", tags=["case status"])

Setters = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER))]
Viewers = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER, Role.REGULATOR))]
Units = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="smallest currency units (fen)")]
Stage = Literal["reminder", "negotiation", "agreement", "repayment", "legal"]
CaseReference = Annotated[str, Query(min_length=1, max_length=200, description="case reference")]


class StatusBody(RequestBody):
    """A new stage and amount due for one case (amounts in smallest units), with the limits a
    borrower's repayment plan must keep (both or neither)."""

    case_reference: str = Field(min_length=1, max_length=200)
    stage: Stage
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    principal: Units
    interest: Units
    fees: Units
    note: str = Field(default="", max_length=MAX_NOTE)
    max_instalments: int | None = Field(default=None, ge=1, le=MAX_INSTALMENTS)
    latest_end: Day | None = None


class StatusOut(BaseModel):
    """One setting of the case's status."""

    stage: str
    currency: str
    principal: int
    interest: int
    fees: int
    amount_due: int
    note: str
    max_instalments: int | None
    latest_end: date | None
    set_by: int
    set_at: datetime

    @classmethod
    def of(cls, row: CaseStatus) -> StatusOut:
        return cls(
            stage=row.stage,
            currency=row.currency,
            principal=row.principal,
            interest=row.interest,
            fees=row.fees,
            amount_due=row.amount_due,
            note=row.note,
            max_instalments=row.max_instalments,
            latest_end=row.latest_end,
            set_by=row.set_by,
            set_at=row.set_at,
        )


class StatusHistory(BaseModel):
    """The case's current status (None before any) and every setting, newest first."""

    case_commitment: str
    current: StatusOut | None
    history: list[StatusOut]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _history(runtime: Runtime, commitment: str) -> StatusHistory:
    rows = [StatusOut.of(r) for r in status_history(runtime.engine, commitment)]
    return StatusHistory(
        case_commitment=commitment, current=rows[0] if rows else None, history=rows
    )


@router.post("/status", status_code=201)
def post_status(principal: Setters, request: Request, body: StatusBody) -> StatusHistory:
    """Set the case's stage and amount due (a new entry; the earlier ones stay)."""
    runtime = _runtime(request)
    commitment = runtime.intake.case_commitment(body.case_reference)
    require_member(runtime.engine, commitment, principal.member_id)
    given = StatusIn(**body.model_dump(exclude={"case_reference"}))
    set_status(runtime.engine, commitment, given, set_by=principal.member_id)
    return _history(runtime, commitment)


@router.get("/status")
def get_status(principal: Viewers, request: Request, case: CaseReference) -> StatusHistory:
    """The case's stage and amount due, with every earlier setting."""
    runtime = _runtime(request)
    commitment = runtime.intake.case_commitment(case.strip())
    if Role.REGULATOR not in principal.roles:
        require_member(runtime.engine, commitment, principal.member_id)
    elif not status_history(runtime.engine, commitment):
        raise CaseNotFound("no status for that case")
    return _history(runtime, commitment)


assert Stage.__args__ == STAGES  # type: ignore[attr-defined]
