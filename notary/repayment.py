"""Repayment plans a borrower proposes and a case's member answers, and the agreement on record.

The borrower (through a case session, `notary.case_access`) proposes instalments within the
limits of the case's current status (`notary.case_status`): at most `max_instalments`, the last
on or before `latest_end`, together at least the amount due. A member of the case accepts,
declines or counter-proposes (a new plan that answers the first); the borrower accepts a
counter-proposal or declines it. The borrower's side always takes an explicit consent step.

Only one plan of a case is open at a time, and an agreed plan closes the case's plans (the
unique `open_key` holds, even against concurrent proposals). Every move is a compare-and-set on
the plan's state, so two answers to one plan cannot both win.

An agreed plan becomes a `signed_agreement` evidence item about the case, through the intake
like any evidence (so it is anchored and has a receipt). It is submitted as the member whose
acceptance it carries; its record names both acceptances: the borrower's (the case link of
the session and the time of consent) and the member's (its id, address and time).
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from ledger.models import utcnow
from notary.case_access import CaseLink
from notary.case_status import MAX_AMOUNT, MAX_NOTE, CaseStatus, current_status
from notary.errors import NotaryError
from notary.intake import Intake, Submission, Submitter

AGREEMENT_KIND = "repayment_agreement"
"""The `kind` metadata of an agreed plan's evidence item (type `signed_agreement`)."""


# ------------------------------------------------------------------ errors


class RepaymentError(NotaryError):
    """Base of the repayment plan errors."""


class PlanInputError(RepaymentError):
    """A plan or an answer is malformed; the message starts with the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PlanNotFound(RepaymentError):
    """No plan with that id in the case (one answer for unknown and another case's)."""


class PlanConflict(RepaymentError):
    """The plan's state does not allow this move (answered already, or none may be opened)."""


# ------------------------------------------------------------------ tables


class PlanState(StrEnum):
    """Where a plan stands."""

    OPEN = "open"
    """Awaiting the other side's answer."""
    COUNTERED = "countered"
    """The member answered with a counter-proposal (a newer plan)."""
    DECLINED = "declined"
    AGREED = "agreed"


class RepaymentPlan(SQLModel, table=True):
    """One proposal of instalments for a case, by the borrower or (countering) by a member."""

    __tablename__ = "repayment_plan"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, index=True)
    case_commitment: str = Field(max_length=64, index=True)
    link_id: int = Field(foreign_key="case_link.id", description="the borrower's case link")
    status_id: int = Field(foreign_key="case_status.id", description="limits judged against")
    proposed_by_member: int | None = Field(
        default=None, sa_type=BigInteger, description="None: the borrower proposed it"
    )
    answers: int | None = Field(default=None, foreign_key="repayment_plan.id")
    state: str = Field(max_length=12, index=True)
    open_key: str | None = Field(
        default=None,
        max_length=64,
        unique=True,
        description="the case commitment while open or agreed, else NULL: one such plan a case",
    )
    currency: str = Field(max_length=3)
    total: int = Field(sa_type=BigInteger)
    note: str = Field(default="", max_length=MAX_NOTE)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by_member: int | None = Field(default=None, sa_type=BigInteger)
    decision_note: str = Field(default="", max_length=MAX_NOTE, description="why declined")
    borrower_consent_at: datetime | None = None
    member_accepted_by: int | None = Field(default=None, sa_type=BigInteger)
    member_accepted_at: datetime | None = None
    evidence_id: str | None = Field(default=None, max_length=40)


class PlanInstalment(SQLModel, table=True):
    """One instalment of a plan: its date and amount (smallest units)."""

    __tablename__ = "repayment_instalment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="repayment_plan.id", index=True)
    seq: int
    due_on: date
    amount: int = Field(sa_type=BigInteger)


# ------------------------------------------------------------------ checks


@dataclass(frozen=True)
class InstalmentIn:
    """One instalment as proposed (amount in smallest units)."""

    due_on: date
    amount: int


@dataclass(frozen=True, kw_only=True)
class PlanView:
    """A plan with its instalments, oldest first."""

    plan: RepaymentPlan
    instalments: list[PlanInstalment]

    @property
    def by_borrower(self) -> bool:
        """Whether the borrower proposed it (else a member's counter-proposal)."""
        return self.plan.proposed_by_member is None


def check_instalments(
    instalments: Sequence[InstalmentIn], status: CaseStatus, *, today: date | None = None
) -> None:
    """Raise `PlanInputError` (naming the field: `instalments`, `instalments[n].amount`,
    `instalments[n].due_on` or `total`) unless `instalments` keep `status`'s limits:
    1 .. `max_instalments` of them, dates after today, increasing, the last on or before
    `latest_end`, each amount positive, together at least the amount due."""
    if status.max_instalments is None or status.latest_end is None:
        raise PlanConflict("the case's members set no limits for a repayment plan")
    today = today or datetime.now(UTC).date()
    if not 1 <= len(instalments) <= status.max_instalments:
        raise PlanInputError("instalments", f"1 .. {status.max_instalments} instalments")
    previous = today
    for n, part in enumerate(instalments):
        if isinstance(part.amount, bool) or not 0 < part.amount <= MAX_AMOUNT:
            raise PlanInputError(f"instalments[{n}].amount", "a positive amount")
        if part.due_on <= previous:
            raise PlanInputError(
                f"instalments[{n}].due_on", "after today and after the instalment before"
            )
        if part.due_on > status.latest_end:
            raise PlanInputError(
                f"instalments[{n}].due_on", f"on or before {status.latest_end.isoformat()}"
            )
        previous = part.due_on
    total = sum(part.amount for part in instalments)
    if total < status.amount_due:
        raise PlanInputError("total", f"together at least the amount due ({status.amount_due})")


def _require_consent(consent: bool) -> None:
    if consent is not True:
        raise PlanInputError("consent", "the borrower's explicit consent is required")


# ------------------------------------------------------------------ reading


def plans(engine: Engine, case_commitment: str) -> list[PlanView]:
    """Every plan of the case with its instalments, newest first."""
    with Session(engine) as db:
        rows = db.exec(
            select(RepaymentPlan)
            .where(RepaymentPlan.case_commitment == case_commitment)
            .order_by(col(RepaymentPlan.id).desc())
        ).all()
        ids = [r.id for r in rows]
        parts = (
            db.exec(
                select(PlanInstalment)
                .where(col(PlanInstalment.plan_id).in_(ids))
                .order_by(col(PlanInstalment.seq))
            ).all()
            if ids
            else []
        )
    by_plan: dict[int, list[PlanInstalment]] = {}
    for part in parts:
        by_plan.setdefault(part.plan_id, []).append(part)
    return [PlanView(plan=r, instalments=by_plan.get(r.id or 0, [])) for r in rows]


def plan_of_case(engine: Engine, case_commitment: str, public_id: str) -> RepaymentPlan:
    """The plan `public_id` of the case; raises `PlanNotFound` (also for another case's)."""
    with Session(engine) as db:
        found = db.exec(select(RepaymentPlan).where(RepaymentPlan.public_id == public_id)).first()
    if found is None or found.case_commitment != case_commitment:
        raise PlanNotFound(f"no repayment plan {public_id!r} in this case")
    return found


# ------------------------------------------------------------------ moves


def _new_plan(
    db: Session,
    *,
    case_commitment: str,
    link_id: int,
    status: CaseStatus,
    instalments: Sequence[InstalmentIn],
    proposed_by_member: int | None,
    answers: int | None,
    note: str,
    consent_at: datetime | None,
) -> RepaymentPlan:
    assert status.id is not None
    plan = RepaymentPlan(
        public_id="rp_" + secrets.token_hex(8),
        case_commitment=case_commitment,
        link_id=link_id,
        status_id=status.id,
        proposed_by_member=proposed_by_member,
        answers=answers,
        state=PlanState.OPEN,
        open_key=case_commitment,
        currency=status.currency,
        total=sum(part.amount for part in instalments),
        note=note,
        borrower_consent_at=consent_at,
    )
    db.add(plan)
    db.flush()
    assert plan.id is not None
    for n, part in enumerate(instalments):
        db.add(PlanInstalment(plan_id=plan.id, seq=n + 1, due_on=part.due_on, amount=part.amount))
    return plan


def propose(
    engine: Engine, *, link: CaseLink, instalments: Sequence[InstalmentIn], consent: bool
) -> RepaymentPlan:
    """The borrower's proposal for the case of `link`; raises `PlanConflict` while another
    plan of the case is open or one was agreed, or when the members set no limits."""
    _require_consent(consent)
    status = current_status(engine, link.case_commitment)
    if status is None:
        raise PlanConflict("the case's members set no limits for a repayment plan")
    check_instalments(instalments, status)
    assert link.id is not None
    with Session(engine, expire_on_commit=False) as db:
        blocking = db.exec(
            select(RepaymentPlan).where(
                RepaymentPlan.case_commitment == link.case_commitment,
                col(RepaymentPlan.state).in_([PlanState.OPEN, PlanState.AGREED]),
            )
        ).first()
        if blocking is not None:
            raise PlanConflict(f"plan {blocking.public_id} of this case is {blocking.state}")
        try:
            plan = _new_plan(
                db,
                case_commitment=link.case_commitment,
                link_id=link.id,
                status=status,
                instalments=instalments,
                proposed_by_member=None,
                answers=None,
                note="",
                consent_at=datetime.now(UTC),
            )
            db.commit()
        except IntegrityError as exc:  # a concurrent proposal of the case won
            db.rollback()
            raise PlanConflict("another plan of this case was just proposed") from exc
    return plan


def _close(
    db: Session, plan: RepaymentPlan, state: PlanState, *, member: int | None, **values: object
) -> None:
    """Move `plan` from OPEN to `state`, or raise `PlanConflict` if it was answered first."""
    moved = db.exec(
        update(RepaymentPlan)
        .where(col(RepaymentPlan.id) == plan.id, col(RepaymentPlan.state) == PlanState.OPEN)
        .values(
            state=state,
            open_key=plan.case_commitment if state == PlanState.AGREED else None,
            decided_at=datetime.now(UTC),
            decided_by_member=member,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.rollback()
        raise PlanConflict(f"plan {plan.public_id} was answered already")


def _open_plan(plan: RepaymentPlan, *, by_borrower: bool) -> None:
    if plan.state != PlanState.OPEN:
        raise PlanConflict(f"plan {plan.public_id} is {plan.state}")
    if (plan.proposed_by_member is None) != by_borrower:
        side = "the borrower" if by_borrower else "a member"
        raise PlanConflict(f"plan {plan.public_id} awaits {side}'s answer, not yours")


def counter(
    engine: Engine,
    *,
    case_commitment: str,
    public_id: str,
    member_id: int,
    instalments: Sequence[InstalmentIn],
    note: str = "",
) -> RepaymentPlan:
    """A member's counter-proposal to the borrower's open plan `public_id`."""
    plan = plan_of_case(engine, case_commitment, public_id)
    _open_plan(plan, by_borrower=True)
    if len(note) > MAX_NOTE:
        raise PlanInputError("note", f"at most {MAX_NOTE} characters")
    status = current_status(engine, case_commitment)
    if status is None:
        raise PlanConflict("the case has no status")
    check_instalments(instalments, status)
    with Session(engine, expire_on_commit=False) as db:
        _close(db, plan, PlanState.COUNTERED, member=member_id)
        answer = _new_plan(
            db,
            case_commitment=case_commitment,
            link_id=plan.link_id,
            status=status,
            instalments=instalments,
            proposed_by_member=member_id,
            answers=plan.id,
            note=note.strip(),
            consent_at=None,
        )
        db.commit()
    return answer


def decline(
    engine: Engine,
    *,
    case_commitment: str,
    public_id: str,
    member_id: int | None,
    note: str = "",
) -> RepaymentPlan:
    """Decline the open plan `public_id`: a member (`member_id`) declines the borrower's, the
    borrower (`member_id` None) a member's counter-proposal."""
    plan = plan_of_case(engine, case_commitment, public_id)
    _open_plan(plan, by_borrower=member_id is not None)
    if len(note) > MAX_NOTE:
        raise PlanInputError("note", f"at most {MAX_NOTE} characters")
    with Session(engine) as db:
        _close(db, plan, PlanState.DECLINED, member=member_id, decision_note=note.strip())
        db.commit()
    return plan_of_case(engine, case_commitment, public_id)


def accept_by_member(
    engine: Engine, intake: Intake, *, case_commitment: str, public_id: str, member: Submitter
) -> RepaymentPlan:
    """A member accepts the borrower's open plan: it is agreed and goes on record."""
    plan = plan_of_case(engine, case_commitment, public_id)
    _open_plan(plan, by_borrower=True)
    return _agree(engine, intake, plan, member=member, member_at=datetime.now(UTC))


def accept_by_borrower(
    engine: Engine,
    intake: Intake,
    *,
    link: CaseLink,
    public_id: str,
    consent: bool,
    submitter_of: Callable[[int], Submitter],
) -> RepaymentPlan:
    """The borrower accepts a member's open counter-proposal with explicit consent: it is
    agreed and goes on record as the countering member's (`submitter_of` its member id)."""
    _require_consent(consent)
    plan = plan_of_case(engine, link.case_commitment, public_id)
    _open_plan(plan, by_borrower=False)
    assert plan.proposed_by_member is not None
    plan.borrower_consent_at = datetime.now(UTC)
    return _agree(
        engine,
        intake,
        plan,
        member=submitter_of(plan.proposed_by_member),
        member_at=plan.created_at,
    )


def _agree(
    engine: Engine, intake: Intake, plan: RepaymentPlan, *, member: Submitter, member_at: datetime
) -> RepaymentPlan:
    """Mark the plan agreed and put the agreement on record (intake, idempotent by plan)."""
    assert plan.borrower_consent_at is not None
    consent_at = _utc(plan.borrower_consent_at)
    view = next(v for v in plans(engine, plan.case_commitment) if v.plan.id == plan.id)
    with Session(engine) as db:
        status = db.get(CaseStatus, plan.status_id)
        link = db.get(CaseLink, plan.link_id)
    assert status is not None and link is not None
    acceptances = {
        "case_session": {"case_link": link.public_id, "consent_at": consent_at.isoformat()},
        "member": {
            "member_id": member.member_id,
            "member_key": member.address,
            "accepted_at": _utc(member_at).isoformat(),
        },
    }
    document = {
        "kind": AGREEMENT_KIND,
        "plan": plan.public_id,
        "answers": plan.answers,
        "currency": plan.currency,
        "amount_due": {
            "principal": status.principal,
            "interest": status.interest,
            "fees": status.fees,
            "total": status.amount_due,
            "note": status.note,
        },
        "instalments": [
            {"seq": p.seq, "due_on": p.due_on.isoformat(), "amount": p.amount}
            for p in view.instalments
        ],
        "total": plan.total,
        "acceptances": acceptances,
    }
    # Claim the plan first, so that a concurrent decline cannot leave an agreement on record
    # for a declined plan; put the state back if the intake refuses.
    with Session(engine) as db:
        _close(
            db,
            plan,
            PlanState.AGREED,
            member=member.member_id,
            borrower_consent_at=consent_at,
            member_accepted_by=member.member_id,
            member_accepted_at=_utc(member_at),
        )
        db.commit()
    try:
        accepted = intake.submit_file(
            member,
            io.BytesIO(json.dumps(document, ensure_ascii=False, sort_keys=True).encode()),
            Submission(
                evidence_type="signed_agreement",
                media_type="application/json",
                case_commitment=plan.case_commitment,
                idempotency_key=f"repayment-agreement/{plan.public_id}",
                metadata={
                    "kind": AGREEMENT_KIND,
                    "plan": plan.public_id,
                    "instalments": str(len(view.instalments)),
                    "total": f"{plan.total} {plan.currency}",
                    "acceptance.case_session": f"{link.public_id} consent {consent_at.isoformat()}",
                    "acceptance.member": (
                        f"{member.member_id} {member.address} {_utc(member_at).isoformat()}"
                    ),
                },
            ),
        )
    except BaseException:
        with Session(engine) as db:
            db.exec(
                update(RepaymentPlan)
                .where(
                    col(RepaymentPlan.id) == plan.id, col(RepaymentPlan.state) == PlanState.AGREED
                )
                .values(
                    state=PlanState.OPEN,
                    decided_at=None,
                    decided_by_member=None,
                    member_accepted_by=None,
                    member_accepted_at=None,
                    borrower_consent_at=(consent_at if plan.proposed_by_member is None else None),
                )
                .execution_options(synchronize_session=False)
            )
            db.commit()
        raise
    with Session(engine) as db:
        db.exec(
            update(RepaymentPlan)
            .where(col(RepaymentPlan.id) == plan.id)
            .values(evidence_id=accepted.public_id)
            .execution_options(synchronize_session=False)
        )
        db.commit()
    return plan_of_case(engine, plan.case_commitment, plan.public_id)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
