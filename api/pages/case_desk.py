"""A case as its collector or lender handles it (`/cases?case=...`): the stage and amount due
with their history and the form to set them; the borrower's access links (issue, with the code
shown once; revoke) and their access log; the borrower's reports; the repayment plans, with
accept, decline and counter-proposal for the borrower's open plan (as `/v1/cases/plans`).

The same rules as the API (`/v1/cases/status`): only a member of the case (one that submitted
evidence about it or issued a link for it) sees it; any other case answers 404. Amounts are
typed in main units (yuan, two decimals) and stored in smallest units.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.pages.financing import amount
from api.pages.plan_forms import filled_rows, instalments_of, parse_units, plan_error
from api.pages.site import PageNotFound, Visitor, role_page
from ledger.consortium import Role
from notary.case_access import MAX_LIFETIME, Issued
from notary.case_reports import list_reports, report_text
from notary.case_status import (
    MAX_INSTALMENTS,
    MAX_NOTE,
    STAGES,
    CaseNotFound,
    StatusIn,
    StatusInputError,
    check_status,
    require_member,
    set_status,
    status_history,
)
from notary.intake import Submitter
from notary.repayment import (
    PlanConflict,
    PlanInputError,
    PlanNotFound,
    PlanState,
    accept_by_member,
    counter,
    decline,
    plans,
)

router = APIRouter(include_in_schema=False)

_SMALL_NUMBER = re.compile(r"[0-9]{1,3}")

CaseMember = Annotated[Visitor, Depends(role_page(Role.COLLECTOR, Role.LENDER))]
CaseQuery = Annotated[str, Query(alias="case", max_length=200)]

STATUS_FIELDS = ("stage", "currency", "principal", "interest", "fees", "note",
                 "max_instalments", "latest_end")  # fmt: skip


def case_commitment_of(visitor: Visitor, reference: str) -> str:
    """The commitment of the case `reference`, if the visitor is a member of it (404 else)."""
    commitment = visitor.runtime.intake.case_commitment(reference)
    try:
        require_member(visitor.runtime.engine, commitment, visitor.member.member_id)
    except CaseNotFound as exc:
        raise PageNotFound(str(exc)) from exc
    return commitment


def _status_form(form: dict[str, str]) -> tuple[StatusIn | None, dict[str, str]]:
    """The status the form gives, or the errors (field → catalog key) that stop it."""
    errors: dict[str, str] = {}
    units: dict[str, int] = {}
    for name in ("principal", "interest", "fees"):
        value = parse_units(form.get(name, ""))
        if value is None:
            errors[name] = "cases.error.amount"
        else:
            units[name] = value
    limit_text, end_text = form.get("max_instalments", ""), form.get("latest_end", "")
    limit: int | None = None
    end: date | None = None
    if limit_text:
        limit = int(limit_text) if _SMALL_NUMBER.fullmatch(limit_text) else 0
    if end_text:
        try:
            end = date.fromisoformat(end_text)
        except ValueError:
            errors["latest_end"] = "cases.error.latest_end"
    if errors:
        return None, errors
    given = StatusIn(
        stage=form.get("stage", ""),
        currency=form.get("currency", "").upper(),
        note=form.get("note", "").strip(),
        max_instalments=limit,
        latest_end=end,
        **units,
    )
    try:
        check_status(given)
    except StatusInputError as exc:
        return None, {exc.field: f"cases.error.{exc.field}"}
    return given, {}


def _members_side(visitor: Visitor, commitment: str) -> dict[str, Any]:
    """The member's own links of the case, their access log, and the case's reports."""
    runtime, me = visitor.runtime, visitor.member.member_id
    links = [k for k in runtime.case_access.links(commitment) if k.issued_by == me]
    names = {k.id: k.public_id for k in links}
    log = [e for e in runtime.case_access.case_log(commitment) if e.link_id in names]
    reports = list_reports(runtime.engine, case_commitment=commitment)
    case_plans = plans(runtime.engine, commitment)
    return {
        "plans": case_plans,
        "open_state": PlanState.OPEN,
        "links": links,
        "link_names": names,
        "access_log": log[:200],
        "reports": [(r, report_text(runtime.blobs, r)) for r in reports],
    }


def _page(
    visitor: Visitor,
    reference: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    issued: Issued | None = None,
    plan_form: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "case": reference,
        "stages": STAGES,
        "amount": amount,
        "max_note": MAX_NOTE,
        "max_instalments": MAX_INSTALMENTS,
        "form": form or {},
        "errors": {},
        "history": [],
        "issued": issued,
        "plan_form": plan_form or {},
        "site": str(visitor.request.base_url).rstrip("/"),
        "max_days": MAX_LIFETIME.days,
    }
    if reference:
        commitment = case_commitment_of(visitor, reference)
        context |= {
            "commitment": commitment,
            "history": status_history(visitor.runtime.engine, commitment),
            **_members_side(visitor, commitment),
        }
    now = context["history"][0] if context["history"] else None
    context["errors"] = {
        name: visitor.t(
            key,
            max=(now.max_instalments if now and key.startswith("plan.") else MAX_INSTALMENTS),
            end=now.latest_end if now else "",
            due=amount(now.amount_due) if now else "",
        )
        for name, key in (errors or {}).items()
    }
    return visitor.page("cases.html", status=status, **context)


@router.get("/cases")
def case_page(visitor: CaseMember, case: CaseQuery = "") -> Response:
    """One of the member's cases: stage and amount due with their history."""
    return _page(visitor, case.strip())


@router.post("/cases/status")
def post_status(visitor: CaseMember) -> Response:
    """Set the case's stage and amount due (a new entry; the earlier ones stay)."""
    reference, commitment = _form_case(visitor)
    form = {name: visitor.form.get(name, "").strip() for name in STATUS_FIELDS}
    given, errors = _status_form(form)
    if given is None:
        return _page(visitor, reference, status=422, form=form, errors=errors)
    set_status(visitor.runtime.engine, commitment, given, set_by=visitor.member.member_id)
    return visitor.redirect(f"/cases?case={_quoted(reference)}#status")


def _quoted(reference: str) -> str:
    return quote(reference, safe="")


def _form_case(visitor: Visitor) -> tuple[str, str]:
    """The case reference a POST names, and its commitment (404 unless the visitor's)."""
    reference = visitor.form.get("case", "").strip()[:200]
    if not reference:
        raise PageNotFound("no case given")
    return reference, case_commitment_of(visitor, reference)


@router.post("/cases/links")
def issue_link(visitor: CaseMember) -> Response:
    """Issue a borrower's access link for the case; the page shows the link and code once."""
    reference, commitment = _form_case(visitor)
    days_text = visitor.form.get("lifetime_days", "").strip()
    days = int(days_text) if _SMALL_NUMBER.fullmatch(days_text) else 0
    if not 1 <= days <= MAX_LIFETIME.days:
        return _page(
            visitor, reference, status=422, errors={"lifetime_days": "cases.error.lifetime_days"}
        )
    issued = visitor.runtime.case_access.issue(
        case_commitment=commitment,
        issued_by=visitor.member.member_id,
        lifetime=timedelta(days=days),
    )
    return _page(visitor, reference, status=201, issued=issued)


@router.post("/cases/links/{public_id}/revoke")
def revoke_link(visitor: CaseMember, public_id: str) -> Response:
    """Revoke one of the member's links of the case."""
    reference, commitment = _form_case(visitor)
    desk = visitor.runtime.case_access
    link = next((k for k in desk.links(commitment) if k.public_id == public_id), None)
    if link is None or link.issued_by != visitor.member.member_id:
        raise PageNotFound(f"no case link {public_id!r} of yours in this case")
    desk.revoke(public_id, revoked_by=visitor.member.member_id)
    return visitor.redirect(f"/cases?case={_quoted(reference)}#links")


def _plan_move(visitor: Visitor, public_id: str, move: str) -> Response:
    """Accept, decline or counter the borrower's open plan `public_id` of the form's case."""
    reference, commitment = _form_case(visitor)
    runtime, me = visitor.runtime, visitor.member
    note = visitor.form.get("note", "").strip()
    history = status_history(runtime.engine, commitment)
    rows = (history[0].max_instalments or 0) if history else 0
    form = {k: v for k, v in visitor.form.items() if k.startswith(("due_on-", "amount-"))}
    if len(note) > MAX_NOTE:
        errors = {"note": "cases.error.note"}
        return _page(visitor, reference, status=422, errors=errors, plan_form=form)
    try:
        if move == "accept":
            accept_by_member(
                runtime.engine,
                runtime.intake,
                case_commitment=commitment,
                public_id=public_id,
                member=Submitter(member_id=me.member_id, address=me.address),
            )
        elif move == "decline":
            decline(
                runtime.engine,
                case_commitment=commitment,
                public_id=public_id,
                member_id=me.member_id,
                note=note,
            )
        else:
            instalments, errors = instalments_of(visitor.form, rows)
            if errors:
                return _page(visitor, reference, status=422, errors=errors, plan_form=form)
            counter(
                runtime.engine,
                case_commitment=commitment,
                public_id=public_id,
                member_id=me.member_id,
                instalments=instalments,
                note=note,
            )
    except PlanNotFound as exc:
        raise PageNotFound(str(exc)) from exc
    except PlanInputError as exc:
        errors = plan_error(exc, filled_rows(form, rows))
        return _page(visitor, reference, status=422, errors=errors, plan_form=form)
    except PlanConflict:
        errors = {"plans": "plan.error.conflict"}
        return _page(visitor, reference, status=409, errors=errors, plan_form=form)
    return visitor.redirect(f"/cases?case={_quoted(reference)}#plans")


@router.post("/cases/plans/{public_id}/accept")
def accept_plan(visitor: CaseMember, public_id: str) -> Response:
    """Accept the borrower's plan: agreed, and recorded as a signed agreement."""
    return _plan_move(visitor, public_id[:40], "accept")


@router.post("/cases/plans/{public_id}/decline")
def decline_plan(visitor: CaseMember, public_id: str) -> Response:
    """Decline the borrower's plan."""
    return _plan_move(visitor, public_id[:40], "decline")


@router.post("/cases/plans/{public_id}/counter")
def counter_plan(visitor: CaseMember, public_id: str) -> Response:
    """Answer the borrower's plan with a counter-proposal."""
    return _plan_move(visitor, public_id[:40], "counter")
