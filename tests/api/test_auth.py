"""Authentication (API keys, signed requests) and authorization (route policies, objects)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from api.app import ROUTERS, create_app, require_policies, route_policies
from api.auth import SIGNATURE_HEADER, Policy, members, roles, sign_request
from ledger.consortium import Role
from ledger.keys import dev_account
from ledger.signatures import SECP256K1_N
from tests.api.conftest import Caller

# A valid body for every write route, so the matrix tests the policy, not validation.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/proposals"): {"kind": "set_quorum", "quorum": 1},
    ("POST", "/v1/api-keys"): {"label": "matrix"},
}


def _concrete(path: str, caller: Caller, client: TestClient) -> str:
    """Fill a route's path parameters with objects the caller may see."""
    if "{key_id}" in path:
        created = client.post("/v1/api-keys", json={}, headers=caller.headers).json()
        path = path.replace("{key_id}", created["key"]["key_id"])
    return path.replace("{member_id}", str(caller.member.id)).replace("{proposal_id}", "1")


def _allowed(policy: Policy, caller: Caller, method: str) -> bool:
    held = set(caller.member.roles)
    if policy.allowed is not None and not held & policy.allowed:
        return False
    regulator = Role.REGULATOR in held
    return not (regulator and method not in {"GET", "HEAD"} and not policy.self_service)


def test_every_route_declares_exactly_one_policy():
    policies = route_policies(ROUTERS)
    assert len(policies) >= 10, policies
    assert all(policy is not None for policy in policies.values()), policies
    extra = APIRouter(prefix="/v1")

    @extra.get("/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    @extra.get("/twice", dependencies=[Depends(members()), Depends(roles(Role.LENDER))])
    def twice() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="GET /v1/undeclared, GET /v1/twice"):
        require_policies([*ROUTERS, extra])


def test_every_route_for_every_role(client: TestClient, demo: dict[str, Caller]):
    """Walks every route x every member: 403 exactly where the policy says, 401 unsigned."""
    policies = route_policies(ROUTERS)
    client.post(
        "/v1/proposals", json={"kind": "set_quorum", "quorum": 1}, headers=demo["operator"].headers
    )
    checked = 0
    for (method, path), policy in sorted(policies.items()):
        assert policy is not None
        for name, caller in demo.items():
            url = _concrete(path, caller, client)
            response = client.request(
                method, url, json=BODIES.get((method, path)), headers=caller.headers
            )
            if _allowed(policy, caller, method):
                assert response.status_code not in (401, 403), (name, method, url, response.text)
            else:
                assert response.status_code == 403, (name, method, url, response.text)
                assert response.headers["content-type"] == "application/problem+json"
            checked += 1
        if not policy.public:
            anonymous = client.request(method, path.replace("{", "").replace("}", ""))
            assert anonymous.status_code in (401, 422), (method, path)
            unsigned = client.request(method, _concrete(path, demo["operator"], client))
            assert unsigned.status_code == 401, (method, path)
    assert checked >= len(policies) * len(demo)


def test_wrong_role_is_403_naming_the_roles_allowed(client, demo):
    response = client.post(
        "/v1/proposals", json={"kind": "set_quorum", "quorum": 1}, headers=demo["dealer"].headers
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "members holding GOVERNOR" in detail and "you hold DEALER" in detail


def test_regulators_read_everything_and_write_nothing(runtime, demo):
    app = create_app(runtime)

    @app.post("/v1/test-write", dependencies=[Depends(roles(Role.REGULATOR, Role.LENDER))])
    def write() -> dict[str, bool]:
        return {"written": True}

    with TestClient(app) as client:
        assert client.post("/v1/test-write", headers=demo["lender"].headers).status_code == 200
        refused = client.post("/v1/test-write", headers=demo["regulator"].headers)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "regulators have read-only access"
        assert client.get("/v1/members", headers=demo["regulator"].headers).status_code == 200


def test_unknown_and_revoked_keys_are_401(client, demo):
    unknown = client.get("/v1/me", headers={"Authorization": "Bearer al_0000_nope"})
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"].startswith("Bearer")
    assert unknown.json()["detail"] == "unknown or revoked API key"
    dealer = demo["dealer"]
    assert client.get("/v1/me", headers=dealer.headers).json()["name"] == "Sunrise Motors"
    key_id = dealer.token.split("_")[1]
    revoked = client.delete(f"/v1/api-keys/{key_id}", headers=dealer.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/v1/me", headers=dealer.headers).status_code == 401


def test_a_key_with_the_right_id_but_wrong_secret_is_401(client, demo):
    key_id = demo["lender"].token.split("_")[1]
    forged = f"al_{key_id}_{secrets.token_urlsafe(32)}"
    assert client.get("/v1/me", headers={"X-API-Key": forged}).status_code == 401


def test_keys_are_listed_without_secrets_and_only_ones_own(client, demo):
    lender, dealer = demo["lender"], demo["dealer"]
    created = client.post("/v1/api-keys", json={"label": "laptop"}, headers=lender.headers)
    assert created.status_code == 201
    token = created.json()["token"]
    listed = client.get("/v1/api-keys", headers=lender.headers).json()
    assert [k["label"] for k in listed] == ["demo", "laptop"]
    assert all(
        set(k) == {"key_id", "member_id", "label", "created_at", "revoked_at", "last_used_at"}
        for k in listed
    )
    assert token not in str(listed)
    assert all(k["member_id"] == lender.member.id for k in listed)
    # Another member's key: 404, as if it did not exist, and it stays valid.
    other = client.delete(f"/v1/api-keys/{created.json()['key']['key_id']}", headers=dealer.headers)
    assert other.status_code == 404
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_request_bodies_reject_unknown_fields(client, demo):
    response = client.post(
        "/v1/api-keys", json={"label": "x", "member_id": 5}, headers=demo["dealer"].headers
    )
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert "body.member_id" in body["detail"] and "Extra inputs" in body["detail"]
    assert client.get("/v1/api-keys", headers=demo["dealer"].headers).json()[0]["label"] == "demo"


def test_proposal_fields_are_checked_per_kind(client, demo):
    response = client.post(
        "/v1/proposals", json={"kind": "admit", "name": "X"}, headers=demo["operator"].headers
    )
    assert response.status_code == 422
    assert "a admit proposal needs address" in response.json()["detail"]


def test_signed_request_authenticates_once(client, runtime, demo):
    account = runtime.keyring.get(demo["legal"].member.address)
    headers = sign_request(
        account,
        chain_id=runtime.chain.chain_id,
        method="GET",
        path="/v1/me",
        nonce=secrets.token_hex(8),
    )
    first = client.get("/v1/me", headers=headers)
    assert first.status_code == 200 and first.json()["name"] == "Lex & Partners Legal"
    replay = client.get("/v1/me", headers=headers)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]


def test_signed_request_covers_method_path_and_body(client, runtime, demo):
    account = runtime.keyring.get(demo["legal"].member.address)
    chain_id = runtime.chain.chain_id
    body = b'{"label": "signed"}'
    headers = sign_request(
        account,
        chain_id=chain_id,
        method="POST",
        path="/v1/api-keys",
        body=body,
        nonce=secrets.token_hex(8),
    )
    tampered = client.post(
        "/v1/api-keys",
        content=b'{"label": "evil"}',
        headers=headers | {"Content-Type": "application/json"},
    )
    assert tampered.status_code == 401
    assert tampered.json()["detail"] == "signature does not match the request or the signer"
    headers = sign_request(
        account,
        chain_id=chain_id,
        method="POST",
        path="/v1/api-keys",
        body=body,
        nonce=secrets.token_hex(8),
    )
    ok = client.post(
        "/v1/api-keys", content=body, headers=headers | {"Content-Type": "application/json"}
    )
    assert ok.status_code == 201 and ok.json()["key"]["label"] == "signed"


def test_expired_too_long_and_foreign_signatures_are_401(client, runtime, demo):
    account = runtime.keyring.get(demo["legal"].member.address)
    chain_id = runtime.chain.chain_id

    def call(signer, **kwargs) -> Any:
        headers = sign_request(
            signer,
            chain_id=kwargs.pop("chain_id", chain_id),
            method="GET",
            path="/v1/me",
            nonce=secrets.token_hex(8),
            **kwargs,
        )
        return client.get("/v1/me", headers=headers)

    expired = call(account, lifetime=-5)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    too_long = call(account, lifetime=3600)
    assert too_long.status_code == 401 and "more than 300s" in too_long.json()["detail"]
    other_chain = call(account, chain_id=1)
    assert other_chain.status_code == 401
    stranger = call(dev_account(9))
    assert stranger.status_code == 401 and "not a consortium member" in stranger.json()["detail"]


def test_suspended_member_is_refused_and_key_follows_rotation(client, runtime, demo):
    operator = demo["operator"].headers
    dealer = demo["dealer"]
    proposal = client.post(
        "/v1/proposals",
        json={"kind": "suspend", "address": dealer.member.address},
        headers=operator,
    ).json()["id"]
    executed = client.post(f"/v1/proposals/{proposal}/execution", headers=operator)
    assert executed.status_code == 200 and executed.json()["executed"] is True
    refused = client.get("/v1/me", headers=dealer.headers)
    assert refused.status_code == 403 and "suspended" in refused.json()["detail"]

    lender = demo["lender"]
    new_key = runtime.keyring.create()
    client_as_lender = runtime.consortium.as_sender(runtime.sender_for(lender.member.address))
    client_as_lender.rotate_key(new_key.address)
    me = client.get("/v1/me", headers=lender.headers).json()
    assert me["id"] == lender.member.id and me["address"] == new_key.address


def test_governance_through_the_api(client, demo):
    operator = demo["operator"].headers
    newcomer = dev_account(8).address
    created = client.post(
        "/v1/proposals",
        headers=operator,
        json={
            "kind": "admit",
            "address": newcomer,
            "name": "Newcomer Leasing",
            "roles": ["LENDER"],
        },
    )
    assert created.status_code == 201
    proposal = created.json()["id"]
    assert created.json()["proposal"]["approvals"] == 1
    assert client.post(f"/v1/proposals/{proposal}/execution", headers=operator).status_code == 200
    listed = client.get("/v1/members", headers=demo["dealer"].headers).json()
    assert {"name": "Newcomer Leasing", "roles": ["LENDER"], "status": "active"}.items() <= next(
        m for m in listed if m["address"] == newcomer
    ).items()
    again = client.post(f"/v1/proposals/{proposal}/execution", headers=operator)
    assert again.status_code == 409
    assert again.json()["error"] == "ConsortiumProposalAlreadyExecuted"
    assert client.get("/v1/proposals/999", headers=operator).status_code == 404
    assert client.get("/v1/members/999", headers=operator).status_code == 404


def test_signed_requests_have_one_spelling_low_s_and_v_27_or_28(client, runtime, demo):
    """High s (the same message signed twice, EIP-2 malleability) and odd v are refused; v
    0/1 is the same signature as 27/28 and is read as such, as for claim confirmations."""
    account = runtime.keyring.get(demo["legal"].member.address)

    def call(respell) -> Any:
        headers = sign_request(
            account,
            chain_id=runtime.chain.chain_id,
            method="GET",
            path="/v1/me",
            nonce=secrets.token_hex(8),
        )
        raw = bytes.fromhex(headers[SIGNATURE_HEADER][2:])
        headers[SIGNATURE_HEADER] = "0x" + respell(raw).hex()
        return client.get("/v1/me", headers=headers)

    def high_s(raw: bytes) -> bytes:
        s = SECP256K1_N - int.from_bytes(raw[32:64], "big")
        return raw[:32] + s.to_bytes(32, "big") + bytes([55 - raw[64]])

    refused = call(high_s)
    assert refused.status_code == 401 and "high s" in refused.json()["detail"]
    odd_v = call(lambda raw: raw[:64] + bytes([raw[64] + 2]))
    assert odd_v.status_code == 401 and "it must be 27 or 28" in odd_v.json()["detail"]
    short = call(lambda raw: raw[:64])
    assert short.status_code == 401 and "65 bytes" in short.json()["detail"]
    wallet_v = call(lambda raw: raw[:64] + bytes([raw[64] - 27]))
    assert wallet_v.status_code == 200 and wallet_v.json()["name"] == "Lex & Partners Legal"
