"""Request and response bodies shared by the routes. Request bodies reject unknown fields,
take numbers and booleans only as JSON numbers and booleans, and no forbidden characters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.inputs import check_texts
from ledger.consortium import Member
from notary.intake import CHANNELS

Channel = Literal["phone", "sms", "app", "email", "visit", "letter", "other"]
"""How a collection contact happened (`notary.intake.CHANNELS`)."""
assert set(Channel.__args__) == CHANNELS  # type: ignore[attr-defined]

MediaType = Annotated[str, Field(min_length=1, max_length=100, description="e.g. audio/mpeg")]
"""A document's media type; 100 characters, as the evidence table stores it."""


class RequestBody(BaseModel):
    """Base of every request body.

    Unknown fields are an error, so a caller cannot slip in `status`, `amount` or `member`
    fields it does not own. Types are strict: ``{"amount": true}`` is not 1 and ``"100"`` is
    not 100 (a field that must read text, such as a time or a role, says so with
    ``Strict(False)``: see `api.inputs.Moment`). No string anywhere in a body, dict keys
    included, may hold a NUL or another forbidden character (`api.inputs.check_text`).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _allowed_characters(cls, value: Any) -> Any:
        check_texts(value)
        return value


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
