"""The deployment a started service recorded, read without starting anything.

`Runtime.start` compiles, migrates and checks every contract on the chain: seconds of work a
command that only reads (a receipt, a list of claims) does not need. It records which compiler
output its deployment was made from (`record_start`); `Runtime.attach` and the receipt command
read that record and the deployment rows instead. Heavy modules are imported where used, so a
command pays only for what it touches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.errors import ApiError
from api.settings import Settings

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from sqlalchemy import Engine

    from ledger.models import Deployment
    from notary.issuance import ReceiptIssuer


class NotStarted(ApiError):
    """No deployment recorded for this chain and database: `autoledger deploy` (or `serve`)
    has not run against them yet."""

    status = 503


def _record_file(settings: Settings, chain_id: int) -> Path:
    return settings.var_dir / f"deployed-{chain_id}.json"


def record_start(settings: Settings, *, chain_id: int, source_hash: str) -> None:
    """Remember that the deployment on `chain_id` was checked against the compiler output of
    sources hashing to `source_hash` (kept in the build cache)."""
    path = _record_file(settings, chain_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"chain_id": chain_id, "source_hash": source_hash})
    if not path.is_file() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)


def recorded_source_hash(settings: Settings, chain_id: int) -> str:
    """The source hash `record_start` kept for `chain_id`; raises `NotStarted`."""
    try:
        return str(json.loads(_record_file(settings, chain_id).read_text())["source_hash"])
    except (OSError, ValueError, KeyError) as exc:
        raise NotStarted(
            f"no deployment recorded for chain {chain_id} under {settings.var_dir}: run"
            " `autoledger deploy` first"
        ) from exc


def recorded_contracts(engine: Engine, chain_id: int | None = None) -> list[Deployment]:
    """The active deployment rows (of `chain_id`, when given), by name."""
    from sqlmodel import Session, col, select

    from ledger.models import Deployment

    query = select(Deployment).where(col(Deployment.active).is_(True))
    if chain_id is not None:
        query = query.where(Deployment.chain_id == chain_id)
    with Session(engine) as session:
        return list(session.exec(query.order_by(col(Deployment.name))).all())


def operator_account(settings: Settings) -> LocalAccount:
    """The service's own signing key: the keystore, or anvil's account 0 in dev mode."""
    from ledger.keys import dev_account, load_keystore

    if settings.keystore is not None:
        assert settings.keystore_password is not None
        return load_keystore(settings.keystore, settings.keystore_password.get_secret_value())
    return dev_account(0)


def operator_key(settings: Settings) -> bytes:
    """The private key of `operator_account`, without making an account of it in dev mode."""
    from ledger.keys import dev_key

    if settings.keystore is not None:
        return bytes(operator_account(settings).key)
    return dev_key(0)


def receipt_issuer(settings: Settings, engine: Engine) -> ReceiptIssuer:
    """The notary's receipt issuer over `engine`, for the registry the database records.

    Receipts are built from the database alone, so this needs no chain and no compiler. When
    the database records registries on more than one chain, the node says which is current.
    """
    from notary.issuance import ReceiptIssuer

    registries = [d for d in recorded_contracts(engine) if d.name == "EvidenceRegistry"]
    if len(registries) > 1:
        from ledger.chain import Chain

        chain_id = Chain(settings.rpc_url or _embedded_url(settings)).chain_id
        registries = [d for d in registries if d.chain_id == chain_id]
    if not registries:
        raise NotStarted(
            f"no EvidenceRegistry deployment recorded in {settings.effective_database_url}:"
            " run `autoledger deploy` first"
        )
    return ReceiptIssuer(
        engine=engine,
        notary_key=operator_key(settings),
        chain_id=registries[0].chain_id,
        contract=registries[0].address,
    )


def _embedded_url(settings: Settings) -> str:
    try:
        return str(json.loads((settings.var_dir / "anvil" / "node.json").read_text())["url"])
    except (OSError, ValueError, KeyError) as exc:
        raise NotStarted("the embedded node is not running: start `autoledger serve`") from exc


def current_index(settings: Settings, engine: Engine, contract: str) -> tuple[int, int] | None:
    """(chain id, the chain head's timestamp) when the database's index holds every event of
    `contract` up to the chain's head: it reached the head, or no log of `contract` is in the
    blocks after it. None when it does not (or the record is ambiguous, or the node does not
    answer): the caller then starts a runtime, which indexes. Two or three JSON-RPC calls over
    urllib, no web3: what lets a read-only CLI command start in well under a second."""
    from sqlmodel import Session

    from ledger.models import IndexerCursor

    rows = [d for d in recorded_contracts(engine) if d.name == contract]
    if len(rows) != 1:
        return None
    chain_id, address = rows[0].chain_id, rows[0].address
    with Session(engine) as session:
        cursor = session.get(IndexerCursor, chain_id)
    if cursor is None:
        return None
    try:
        url = settings.rpc_url or _embedded_url(settings)
        block = _rpc(url, "eth_getBlockByNumber", ["latest", False])
        head, stamp = int(block["number"], 16), int(block["timestamp"], 16)
        if cursor.block_number < head:
            unseen = _rpc(
                url,
                "eth_getLogs",
                [
                    {
                        "address": address,
                        "fromBlock": hex(cursor.block_number + 1),
                        "toBlock": hex(head),
                    }
                ],
            )
            if unseen:
                return None
    except (NotStarted, OSError, ValueError, KeyError, TypeError):
        return None
    return chain_id, stamp


def _rpc(url: str, method: str, params: list[object]) -> Any:
    """One JSON-RPC call; raises `ValueError` for an error answer."""
    import urllib.request

    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (the node's URL)
        found = json.loads(answer.read())
    if "error" in found:
        raise ValueError(f"{method}: {found['error']}")
    return found["result"]
