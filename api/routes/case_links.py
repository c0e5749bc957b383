"""Case access links for borrowers: issue, list, revoke, and the access log (`notary.case_access`).

Links are the issuing member's: only it (and the regulator, read-only) sees a link and its log;
another member's link answers 404 as an unknown one does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.auth import Principal, roles
from api.errors import NotFound
from api.paging import MAX_PAGE, PageCursor, PageLimit, page_in_headers
from api.runtime import Runtime
from api.schemas import RequestBody
from ledger.consortium import Role
from notary.case_access import CaseAccess, CaseLink
from notary.case_status import CaseNotFound, require_submitter

router = APIRouter(prefix="/v1/case-links", tags=["case access"])

Issuers = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER))]
Viewers = Annotated[Principal, Depends(roles(Role.COLLECTOR, Role.LENDER, Role.REGULATOR))]
LinkId = Annotated[str, Path(pattern=r"^cl_[0-9a-f]{16}$", description="link id")]


class LinkIn(RequestBody):
    """A new link for one case."""

    case_reference: str = Field(min_length=1, max_length=200)
    lifetime_hours: int = Field(default=14 * 24, ge=1, le=90 * 24)


class LinkOut(BaseModel):
    """A link without its secrets."""

    id: str
    case_commitment: str
    issued_by: int
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    failed_attempts: int

    @classmethod
    def of(cls, link: CaseLink) -> LinkOut:
        return cls(
            id=link.public_id,
            case_commitment=link.case_commitment,
            issued_by=link.issued_by,
            issued_at=link.issued_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            failed_attempts=link.failed_attempts,
        )


class LinkIssued(BaseModel):
    """A new link; `path` (holding the token) and `code` are shown this once and never again."""

    link: LinkOut
    path: str
    code: str


class AccessOut(BaseModel):
    """One logged access; `client` is a keyed hash of the address, never the address."""

    outcome: str
    client: str
    detail: str | None
    at: datetime

    @classmethod
    def of(cls, entry: CaseAccess) -> AccessOut:
        return cls(outcome=entry.outcome, client=entry.client, detail=entry.detail, at=entry.at)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _visible(principal: Principal, link: CaseLink, public_id: str) -> CaseLink:
    if link.issued_by != principal.member_id and Role.REGULATOR not in principal.roles:
        raise NotFound(f"no case link {public_id!r}")
    return link


@router.post("", status_code=201)
def issue(principal: Issuers, request: Request, body: LinkIn) -> LinkIssued:
    """Issue a link and access code for one case (both shown once). Only a member of the case
    may: one that submitted evidence about it (else 404, as for an unknown case). Were anyone
    holding the role let in, a lender that guessed a reference would make itself the case's
    member by issuing a link, and read the borrower's reports and answer its plans."""
    runtime = _runtime(request)
    commitment = runtime.intake.case_commitment(body.case_reference.strip())
    try:
        require_submitter(runtime.engine, commitment, principal.member_id)
    except CaseNotFound as exc:
        raise NotFound(str(exc)) from exc
    issued = runtime.case_access.issue(
        case_commitment=commitment,
        issued_by=principal.member_id,
        lifetime=timedelta(hours=body.lifetime_hours),
    )
    return LinkIssued(
        link=LinkOut.of(issued.link), path=f"/case-access/{issued.token}", code=issued.code
    )


@router.get("")
def list_links(
    principal: Viewers,
    request: Request,
    case_reference: Annotated[str, Query(min_length=1, max_length=200)],
) -> list[LinkOut]:
    """The case's links the caller issued (every link of it, for the regulator)."""
    runtime = _runtime(request)
    found = runtime.case_access.links(runtime.intake.case_commitment(case_reference.strip()))
    mine = Role.REGULATOR in principal.roles
    return [LinkOut.of(k) for k in found if mine or k.issued_by == principal.member_id]


@router.post("/{public_id}/revoke")
def revoke(principal: Issuers, request: Request, public_id: LinkId) -> LinkOut:
    """Revoke a link the caller issued; its sessions end at their next request."""
    desk = _runtime(request).case_access
    _visible(principal, desk.link(public_id), public_id)
    return LinkOut.of(desk.revoke(public_id, revoked_by=principal.member_id))


@router.get("/{public_id}/log")
def access_log(
    principal: Viewers,
    request: Request,
    response: Response,
    public_id: LinkId,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[AccessOut]:
    """Every attempt and use of the link, newest first, a page at a time (the `Link` and
    `X-Next-Cursor` headers name the next)."""
    desk = _runtime(request).case_access
    link = _visible(principal, desk.link(public_id), public_id)
    assert link.id is not None
    page = page_in_headers(
        desk.log(link.id),
        request=request,
        response=response,
        kind="access-log",
        limit=limit,
        cursor=cursor,
    )
    return [AccessOut.of(e) for e in page]
