"""Consortium membership and governance: who is in, in which roles, and proposals to change it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field, Strict, model_validator

from api.auth import Principal, members, roles
from api.errors import NotFound
from api.inputs import MAX_ID
from api.paging import MAX_PAGE, PageCursor, PageLimit, page_in_headers
from api.runtime import Runtime
from api.schemas import MemberOut, RequestBody
from ledger.consortium import DEFAULT_LIFETIME, MAX_LIFETIME, ConsortiumClient, Proposal, Role
from ledger.errors import TransactionReverted

router = APIRouter(prefix="/v1", tags=["consortium"])

AnyMember = Annotated[Principal, Depends(members())]
Governor = Annotated[Principal, Depends(roles(Role.GOVERNOR))]
RoleName = Annotated[Role, Strict(False)]
ProposalNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="Proposal id")]


class ProposalOut(BaseModel):
    """A governance proposal as the API shows it."""

    id: int
    kind: str
    target: str | None
    target_id: int | None
    role: str | None
    name: str | None
    roles: list[str]
    new_address: str | None
    quorum: int | None
    proposer: str
    created_at: int
    expires_at: int
    approvals: int
    executed: bool

    @classmethod
    def of(cls, p: Proposal) -> ProposalOut:
        """From the chain's view of a proposal."""
        return cls(
            id=p.id,
            kind=p.kind.name.lower(),
            target=p.target,
            target_id=p.target_id,
            role=p.role.value if p.role else None,
            name=p.name,
            roles=[r.value for r in p.roles],
            new_address=p.new_address,
            quorum=p.value,
            proposer=p.proposer,
            created_at=p.created_at,
            expires_at=p.expires_at,
            approvals=p.approvals,
            executed=p.executed,
        )


class ProposalIn(RequestBody):
    """A proposal to change the consortium; which fields are needed depends on `kind`."""

    kind: Literal[
        "admit",
        "suspend",
        "reinstate",
        "remove",
        "grant_role",
        "revoke_role",
        "set_quorum",
        "rotate_key",
    ]
    address: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{40}$")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[RoleName] = Field(default_factory=list, max_length=len(Role))
    role: RoleName | None = None
    new_address: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{40}$")
    quorum: int | None = Field(default=None, ge=1, le=MAX_ID)
    lifetime_seconds: int = Field(default=DEFAULT_LIFETIME, ge=1, le=MAX_LIFETIME)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ProposalIn:
        missing = [f for f in _NEEDS[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} proposal needs {', '.join(missing)}")
        return self


_NEEDS: dict[str, tuple[str, ...]] = {
    "admit": ("address", "name"),
    "suspend": ("address",),
    "reinstate": ("address",),
    "remove": ("address",),
    "grant_role": ("address", "role"),
    "revoke_role": ("address", "role"),
    "set_quorum": ("quorum",),
    "rotate_key": ("address", "new_address"),
}


class ProposalCreated(BaseModel):
    """The id of a new proposal and the proposal itself."""

    id: int
    proposal: ProposalOut


def _consortium(request: Request, principal: Principal | None = None) -> ConsortiumClient:
    runtime: Runtime = request.app.state.runtime
    client = runtime.consortium
    return client.as_sender(runtime.sender_for(principal.address)) if principal else client


@router.get("/me")
def me(principal: AnyMember, request: Request) -> MemberOut:
    """The calling member."""
    runtime: Runtime = request.app.state.runtime
    return MemberOut.of(runtime.members.member(principal.member_id))


@router.get("/members")
def list_members(
    principal: AnyMember,
    request: Request,
    response: Response,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[MemberOut]:
    """Every member ever admitted, with status and roles, by id, a page at a time (the `Link`
    and `X-Next-Cursor` headers name the next)."""
    runtime: Runtime = request.app.state.runtime
    page = page_in_headers(
        runtime.members.all(),
        request=request,
        response=response,
        kind="members",
        limit=limit,
        cursor=cursor,
    )
    return [MemberOut.of(m) for m in page]


@router.get("/members/{member_id}")
def get_member(
    principal: AnyMember, request: Request, member_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> MemberOut:
    """One member by id."""
    runtime: Runtime = request.app.state.runtime
    try:
        return MemberOut.of(runtime.members.member(member_id))
    except TransactionReverted as exc:
        raise NotFound(f"no member {member_id}") from exc


@router.get("/proposals")
def list_proposals(
    principal: AnyMember,
    request: Request,
    response: Response,
    limit: PageLimit = MAX_PAGE,
    cursor: PageCursor = None,
) -> list[ProposalOut]:
    """Every governance proposal, oldest first, a page at a time (the `Link` and
    `X-Next-Cursor` headers name the next)."""
    page = page_in_headers(
        _consortium(request).proposals(),
        request=request,
        response=response,
        kind="proposals",
        limit=limit,
        cursor=cursor,
    )
    return [ProposalOut.of(p) for p in page]


@router.get("/proposals/{proposal_id}")
def get_proposal(
    principal: AnyMember, request: Request, proposal_id: ProposalNumber
) -> ProposalOut:
    """One governance proposal."""
    return ProposalOut.of(_proposal(_consortium(request), proposal_id))


@router.post("/proposals", status_code=201)
def create_proposal(principal: Governor, request: Request, body: ProposalIn) -> ProposalCreated:
    """Propose a change; the proposing governor's vote is counted."""
    client = _consortium(request, principal)
    life = body.lifetime_seconds
    address, new_address = body.address or "", body.new_address or ""
    role = body.role or Role.OPERATOR  # only read by the kinds that require `role`
    match body.kind:
        case "admit":
            new = client.propose_admit(address, body.name or "", body.roles, lifetime=life)
        case "suspend":
            new = client.propose_suspend(address, lifetime=life)
        case "reinstate":
            new = client.propose_reinstate(address, lifetime=life)
        case "remove":
            new = client.propose_remove(address, lifetime=life)
        case "grant_role":
            new = client.propose_grant(address, role, lifetime=life)
        case "revoke_role":
            new = client.propose_revoke(address, role, lifetime=life)
        case "set_quorum":
            new = client.propose_quorum(body.quorum or 0, lifetime=life)
        case "rotate_key":
            new = client.propose_rotate(address, new_address, lifetime=life)
    return ProposalCreated(id=new, proposal=ProposalOut.of(client.proposal(new)))


@router.post("/proposals/{proposal_id}/votes")
def vote(principal: Governor, request: Request, proposal_id: ProposalNumber) -> ProposalOut:
    """Approve a proposal as the calling governor."""
    client = _consortium(request, principal)
    _proposal(client, proposal_id)
    client.vote(proposal_id)
    return ProposalOut.of(client.proposal(proposal_id))


@router.post("/proposals/{proposal_id}/execution")
def execute(principal: Governor, request: Request, proposal_id: ProposalNumber) -> ProposalOut:
    """Carry out a proposal that reached the quorum."""
    client = _consortium(request, principal)
    _proposal(client, proposal_id)
    client.execute(proposal_id)
    return ProposalOut.of(client.proposal(proposal_id))


def _proposal(client: ConsortiumClient, proposal_id: int) -> Proposal:
    try:
        return client.proposal(proposal_id)
    except TransactionReverted as exc:
        raise NotFound(f"no proposal {proposal_id}") from exc
