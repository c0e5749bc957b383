"""A member's own API keys: list, create, revoke. Other members' keys do not exist here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from api.apikeys import create_api_key, list_api_keys, revoke_api_key
from api.auth import Principal, members
from api.models import ApiKeyPublic
from api.schemas import RequestBody

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])

Self = Annotated[Principal, Depends(members(self_service=True))]


class ApiKeyIn(RequestBody):
    """A new API key for the calling member."""

    label: str = Field(default="", max_length=200)


class ApiKeyCreated(BaseModel):
    """A new key; `token` is shown this once and never again."""

    key: ApiKeyPublic
    token: str


@router.get("")
def list_keys(principal: Self, request: Request) -> list[ApiKeyPublic]:
    """The calling member's API keys, without secrets."""
    return list_api_keys(request.app.state.runtime.engine, member_id=principal.member_id)


@router.post("", status_code=201)
def create_key(principal: Self, request: Request, body: ApiKeyIn) -> ApiKeyCreated:
    """Make another API key for the calling member."""
    key, token = create_api_key(
        request.app.state.runtime.engine, member_id=principal.member_id, label=body.label
    )
    return ApiKeyCreated(key=key, token=token)


@router.delete("/{key_id}")
def revoke_key(
    principal: Self, request: Request, key_id: Annotated[str, Path(max_length=32)]
) -> ApiKeyPublic:
    """Revoke one of the calling member's API keys."""
    return revoke_api_key(request.app.state.runtime.engine, key_id, member_id=principal.member_id)
