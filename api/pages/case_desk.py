"""A case as its collector or lender handles it (`/cases?case=...`): the stage and amount due
with their history, and the form to set them.

The same rules as the API (`/v1/cases/status`): only a member of the case (one that submitted
evidence about it or issued a link for it) sees it; any other case answers 404. Amounts are
typed in main units (yuan, two decimals) and stored in smallest units.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.pages.financing import amount
from api.pages.site import PageNotFound, Visitor, role_page
from ledger.consortium import Role
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


def _page(
    visitor: Visitor,
    reference: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
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
    }
    if reference:
        commitment = case_commitment_of(visitor, reference)
        context |= {
            "commitment": commitment,
            "history": status_history(visitor.runtime.engine, commitment),
        }
    return visitor.page("cases.html", status=status, **context)


@router.get("/cases")
def case_page(visitor: CaseMember, case: CaseQuery = "") -> Response:
    """One of the member's cases: stage and amount due with their history."""
    return _page(visitor, case.strip())


@router.post("/cases/status")
def post_status(visitor: CaseMember) -> Response:
    """Set the case's stage and amount due (a new entry; the earlier ones stay)."""
    reference = visitor.form.get("case", "").strip()[:200]
    if not reference:
        raise PageNotFound("no case given")
    commitment = case_commitment_of(visitor, reference)
    form = {name: visitor.form.get(name, "").strip() for name in STATUS_FIELDS}
    given, errors = _status_form(form)
    if given is None:
        return _page(visitor, reference, status=422, form=form, errors=errors)
    set_status(visitor.runtime.engine, commitment, given, set_by=visitor.member.member_id)
    return visitor.redirect(f"/cases?case={_quoted(reference)}#status")


def _quoted(reference: str) -> str:
    return quote(reference, safe="")
