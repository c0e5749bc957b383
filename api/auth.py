"""Who is calling, and may they: API keys, EIP-712 signed requests, and per-route role policies.

Every `/v1` route declares a `Policy` through one of `public()`, `members()` or `roles(...)`;
`create_app` refuses to start when a route has none. The caller's member status and roles
are read from the `Consortium` contract once per block (`api.members.MemberCache`), so a
suspension or key rotation takes effect within one block. Once the caller is let in, each
policy also checks the request's query, path and form inputs (`api.inputs.check_request`), so
every route does, after authentication.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete
from starlette.concurrency import run_in_threadpool

from api.apikeys import member_of_token
from api.errors import Forbidden, NotAuthenticated
from api.inputs import check_request
from api.members import MemberCache
from api.models import RequestNonce
from ledger.chain import Address, checksum
from ledger.consortium import Member, Role
from ledger.consortium import Principal as Principal  # re-exported: routes and pages use it
from ledger.errors import SignatureMalformed, TransactionReverted
from ledger.signatures import canonical_signature

SIGNED_REQUEST_MAX_LIFETIME = 300
"""Seconds a signed request may be valid for: long enough for clock skew and retries, short
enough that the nonce table stays small."""

SIGNER_HEADER = "X-AutoLedger-Signer"
NONCE_HEADER = "X-AutoLedger-Nonce"
EXPIRES_HEADER = "X-AutoLedger-Expires"
SIGNATURE_HEADER = "X-AutoLedger-Signature"

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

REQUEST_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    "Request": [
        {"name": "method", "type": "string"},
        {"name": "path", "type": "string"},
        {"name": "bodySha256", "type": "bytes32"},
        {"name": "nonce", "type": "string"},
        {"name": "expires", "type": "uint256"},
    ],
}


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Who may call a route: anyone (`public`), any active member (`allowed` None), or members
    holding one of `allowed`. `self_service` routes let read-only members manage their own
    credentials."""

    public: bool = False
    allowed: frozenset[Role] | None = None
    self_service: bool = False

    def describe(self) -> str:
        """Human words for the policy (used in 403 messages and docs)."""
        if self.public:
            return "anyone"
        if self.allowed is None:
            return "any active member"
        return "members holding " + " or ".join(sorted(r.value for r in self.allowed))


Dependency = Callable[[Request], Coroutine[Any, Any, Principal | None]]


def public() -> Dependency:
    """Policy dependency: no credentials needed."""

    async def anyone(request: Request) -> Principal | None:
        await check_request(request)
        return None

    return _with_policy(anyone, Policy(public=True))


def members(*, self_service: bool = False) -> Dependency:
    """Policy dependency: any active member."""

    async def member(request: Request) -> Principal | None:
        principal = await _authorize(request, Policy(self_service=self_service))
        await check_request(request)
        return principal

    return _with_policy(member, Policy(self_service=self_service))


def roles(*allowed: Role) -> Dependency:
    """Policy dependency: active members holding at least one of `allowed`."""
    policy = Policy(allowed=frozenset(allowed))

    async def holder(request: Request) -> Principal | None:
        principal = await _authorize(request, policy)
        await check_request(request)
        return principal

    return _with_policy(holder, policy)


def policy_of(dependency: object) -> Policy | None:
    """The policy a dependency declares, if it is one of ours."""
    found = getattr(dependency, "__policy__", None)
    return found if isinstance(found, Policy) else None


def _with_policy(function: Dependency, policy: Policy) -> Dependency:
    function.__policy__ = policy  # type: ignore[attr-defined]
    return function


async def _authorize(request: Request, policy: Policy) -> Principal:
    principal = await authenticate(request)
    if policy.allowed is not None and not (principal.roles & policy.allowed):
        held = ", ".join(sorted(r.value for r in principal.roles)) or "no role"
        raise Forbidden(f"this requires {policy.describe()}; you hold {held}")
    if principal.read_only and request.method not in _SAFE_METHODS and not policy.self_service:
        raise Forbidden("regulators have read-only access")
    request.state.principal = principal
    return principal


async def authenticate(request: Request) -> Principal:
    """The member behind `request`'s API key or signature; raises `NotAuthenticated`."""
    runtime = request.app.state.runtime
    directory: MemberCache = runtime.members
    token = _bearer(request.headers)
    if token is not None:
        member_id = member_of_token(runtime.engine, token)
        if member_id is None:
            raise NotAuthenticated("unknown or revoked API key")
        return _principal(await _member(directory, member_id), via="api-key")
    if SIGNATURE_HEADER.lower() in request.headers:
        signer = await _verify_signature(request, chain_id=runtime.chain.chain_id)
        try:
            member = await _member(directory, signer)
        except TransactionReverted as exc:
            raise NotAuthenticated(f"{signer} is not a consortium member") from exc
        return _principal(member, via="signature")
    raise NotAuthenticated(
        f"send an API key (Authorization: Bearer al_...) or a signed request ({SIGNER_HEADER},"
        f" {NONCE_HEADER}, {EXPIRES_HEADER}, {SIGNATURE_HEADER})"
    )


async def _member(directory: MemberCache, ref: str | int) -> Member:
    """`directory.member(ref)`: from memory when this block's answer is known, else read from
    the chain in a worker thread, so the event loop never waits on the node."""
    known = directory.known(ref)
    if known is not None:
        return known
    return await run_in_threadpool(directory.member, ref)


def _principal(member: Member, *, via: str) -> Principal:
    if not member.active:
        raise Forbidden(f"member {member.id} ({member.name}) is {member.status.name.lower()}")
    return Principal(
        member_id=member.id,
        address=member.address,
        name=member.name,
        roles=frozenset(member.roles),
        via=via,
    )


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    if value.lower().startswith("bearer "):
        return value[7:].strip()
    return headers.get("x-api-key")


async def _verify_signature(request: Request, *, chain_id: int) -> Address:
    headers = request.headers
    try:
        signer = checksum(headers[SIGNER_HEADER])
        nonce = headers[NONCE_HEADER]
        expires = int(headers[EXPIRES_HEADER])
        signature = headers[SIGNATURE_HEADER]
    except (KeyError, ValueError) as exc:
        raise NotAuthenticated(f"signed request headers incomplete or malformed: {exc}") from exc
    now = int(time.time())
    if expires <= now:
        raise NotAuthenticated(f"signed request expired at {expires} (now {now})")
    if expires > now + SIGNED_REQUEST_MAX_LIFETIME:
        raise NotAuthenticated(f"signed request valid for more than {SIGNED_REQUEST_MAX_LIFETIME}s")
    if not 8 <= len(nonce) <= 100:
        raise NotAuthenticated("nonce must be 8 to 100 characters")
    body = await request.body()
    message = request_message(
        chain_id=chain_id,
        method=request.method,
        path=_path_of(request),
        body=body,
        nonce=nonce,
        expires=expires,
    )
    try:
        raw = canonical_signature(bytes.fromhex(signature.removeprefix("0x")))
    except ValueError as exc:
        raise NotAuthenticated("signature is not hex") from exc
    except SignatureMalformed as exc:
        raise NotAuthenticated(str(exc)) from exc
    try:
        recovered = Account.recover_message(encode_typed_data(full_message=message), signature=raw)
    except Exception as exc:  # eth-account raises several kinds on garbage signatures
        raise NotAuthenticated("signature does not decode") from exc
    if checksum(recovered) != signer:
        raise NotAuthenticated("signature does not match the request or the signer")
    _spend_nonce(request, signer, nonce, expires)
    return signer


def _spend_nonce(request: Request, signer: Address, nonce: str, expires: int) -> None:
    engine = request.app.state.runtime.engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.exec(delete(RequestNonce).where(col(RequestNonce.expires_at) < now))
        session.add(
            RequestNonce(
                signer=signer, nonce=nonce, expires_at=datetime.fromtimestamp(expires, UTC)
            )
        )
        try:
            session.commit()
        except IntegrityError as exc:
            raise NotAuthenticated(f"nonce {nonce!r} was already used: replayed request") from exc


def _path_of(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def request_message(
    *, chain_id: int, method: str, path: str, body: bytes, nonce: str, expires: int
) -> dict[str, Any]:
    """The EIP-712 typed data a signed request signs."""
    return {
        "types": REQUEST_TYPES,
        "primaryType": "Request",
        "domain": {"name": "AutoLedger API", "version": "1", "chainId": chain_id},
        "message": {
            "method": method.upper(),
            "path": path,
            "bodySha256": hashlib.sha256(body).digest(),
            "nonce": nonce,
            "expires": expires,
        },
    }


def sign_request(
    account: LocalAccount,
    *,
    chain_id: int,
    method: str,
    path: str,
    body: bytes = b"",
    nonce: str,
    lifetime: int = 60,
) -> dict[str, str]:
    """Headers that authenticate one request as `account` (for clients and tests)."""
    expires = int(time.time()) + lifetime
    message = request_message(
        chain_id=chain_id, method=method, path=path, body=body, nonce=nonce, expires=expires
    )
    signed = account.sign_message(encode_typed_data(full_message=message))
    return {
        SIGNER_HEADER: account.address,
        NONCE_HEADER: nonce,
        EXPIRES_HEADER: str(expires),
        SIGNATURE_HEADER: "0x" + bytes(signed.signature).hex(),
    }
