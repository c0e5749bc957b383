"""A case as its collector or lender handles it (`/cases?case=...`): the stage and amount due
with their history and the form to set them; the borrower's access links (issue, with the code
shown once; revoke) and their access log; the borrower's reports.

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
from api.pages.site import PageNotFound, Visitor, role_page
from ledger.consortium import Role
from notary.case_access import MAX_LIFETIME, Issued
from notary.case_reports import list_reports, report_text
from notary.case_status import (
    MAX_AMOUNT,
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

router = APIRouter(include_in_schema=False)

CaseMember = Annotated[Visitor, Depends(role_page(Role.COLLECTOR, Role.LENDER))]
CaseQuery = Annotated[str, Query(alias="case", max_length=200)]

_UNITS = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?$")
STATUS_FIELDS = ("stage", "currency", "principal", "interest", "fees", "note",
                 "max_instalments", "latest_end")  # fmt: skip


def parse_units(text: str) -> int | None:
    """An amount typed in main units (``1,234.50``) as smallest units; None if malformed."""
    found = _UNITS.fullmatch(text.strip().replace(",", ""))
    if found is None:
        return None
    value = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    return value if value <= MAX_AMOUNT else None


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
        limit = int(limit_text) if limit_text.isdigit() and len(limit_text) < 4 else 0
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
    return {
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
) -> Response:
    context: dict[str, Any] = {
        "case": reference,
        "stages": STAGES,
        "amount": amount,
        "max_note": MAX_NOTE,
        "max_instalments": MAX_INSTALMENTS,
        "form": form or {},
        "errors": {k: visitor.t(v, max=MAX_INSTALMENTS) for k, v in (errors or {}).items()},
        "history": [],
        "issued": issued,
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
    days = int(days_text) if days_text.isdigit() and len(days_text) < 4 else 0
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
