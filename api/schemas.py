"""Request and response bodies shared by the routes. Request bodies reject unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ledger.consortium import Member


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are an error, so a caller cannot slip in
    `status`, `amount` or `member` fields it does not own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MemberOut(BaseModel):
    """A consortium member as the API shows it."""

    id: int
    address: str
    name: str
    status: str
    roles: list[str]
    joined_at_block: int

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        """From the chain's view of a member."""
        return cls(
            id=member.id,
            address=member.address,
            name=member.name,
            status=member.status.name.lower(),
            roles=[r.value for r in member.roles],
            joined_at_block=member.joined_at_block,
        )
