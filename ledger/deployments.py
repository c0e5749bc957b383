"""Deploy the contracts once per chain id and reuse the recorded deployment on restart."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.chain import Address, checksum
from ledger.compiler import Artifacts
from ledger.errors import DeploymentMissing, DeploymentOutdated
from ledger.logs import iter_logs
from ledger.models import Deployment
from ledger.transactions import Sender


@dataclass(frozen=True, kw_only=True)
class ContractSpec:
    """One contract of a deployment plan.

    `args` builds the constructor arguments from the addresses of the contracts deployed
    before it in the plan (so a contract can be given the registry it consults).
    """

    name: str
    args: Callable[[Mapping[str, Address]], Sequence[Any]] = field(default=lambda _: ())


@dataclass(frozen=True, kw_only=True)
class Deployed:
    """A contract in use: where it is and whether this start deployed it."""

    name: str
    address: Address
    block_number: int
    fresh: bool


def ensure_deployed(
    *,
    engine: Engine,
    sender: Sender,
    artifacts: Artifacts,
    plan: Sequence[ContractSpec],
    redeploy: bool = False,
) -> dict[str, Deployed]:
    """Reuse or make the deployment of every contract in `plan`, in order.

    A recorded deployment is reused when its init code (bytecode + arguments) is unchanged.
    When the code changed, the contract is deployed anew if the old one holds no data (it
    emitted no event after its deployment block), else only with `redeploy`; the old record
    stays, inactive. Raises `DeploymentMissing` when a recorded contract has no code on the
    chain (a reset or different chain) unless `redeploy`, and `DeploymentOutdated`.
    """
    chain = sender.chain
    chain_id = chain.chain_id
    result: dict[str, Deployed] = {}
    addresses: dict[str, Address] = {}
    for spec in plan:
        artifact = artifacts[spec.name]
        init_code = sender.init_code(artifact, spec.args(addresses))
        code_hash = hashlib.sha256(bytes.fromhex(init_code.removeprefix("0x"))).hexdigest()
        with Session(engine) as session:
            record = session.exec(
                select(Deployment).where(
                    Deployment.chain_id == chain_id,
                    Deployment.name == spec.name,
                    col(Deployment.active).is_(True),
                )
            ).first()
            if record is not None:
                reuse = _check_recorded(record, sender, code_hash, redeploy=redeploy)
                if reuse:
                    addresses[spec.name] = checksum(record.address)
                    result[spec.name] = Deployed(
                        name=spec.name,
                        address=checksum(record.address),
                        block_number=record.block_number,
                        fresh=False,
                    )
                    continue
                record.active = False
                session.add(record)
            address, sent = sender.send_init_code(init_code)
            session.add(
                Deployment(
                    chain_id=chain_id,
                    name=spec.name,
                    address=address,
                    block_number=sent.block_number,
                    block_hash="0x" + bytes(sent.receipt["blockHash"]).hex(),
                    tx_hash=sent.tx_hash,
                    code_hash=code_hash,
                    compiler=artifacts.compiler,
                )
            )
            session.commit()
        addresses[spec.name] = address
        result[spec.name] = Deployed(
            name=spec.name, address=address, block_number=sent.block_number, fresh=True
        )
    return result


def _check_recorded(record: Deployment, sender: Sender, code_hash: str, *, redeploy: bool) -> bool:
    """True to reuse `record`; False to deploy anew; raises when that needs `redeploy`."""
    chain = sender.chain
    code = chain.rpc(chain.w3.eth.get_code, checksum(record.address))
    where = (
        f"{record.name} at {record.address} (block {record.block_number}, chain {record.chain_id})"
    )
    if len(code) == 0:
        if redeploy:
            return False
        raise DeploymentMissing(
            f"{where} is recorded but has no code on the chain: the chain was reset or is another"
            " one. Restore the chain's state, point AUTOLEDGER_RPC_URL at the right node, or"
            " deploy anew with --redeploy (the old records stay in the database)."
        )
    if record.code_hash == code_hash:
        return True
    if redeploy or not _holds_data(record, sender):
        return False
    raise DeploymentOutdated(
        f"{where}: the contract code changed and the deployed contract holds data."
        " Deploy the new code with --redeploy (the old contract and its records stay)."
    )


def _holds_data(record: Deployment, sender: Sender) -> bool:
    """Every state change emits an event, so any log after deployment means data."""
    logs = iter_logs(sender.chain, address=record.address, from_block=record.block_number + 1)
    return next(logs, None) is not None


def active_deployments(engine: Engine, chain_id: int) -> dict[str, Deployment]:
    """The active deployment records on `chain_id`, by contract name."""
    with Session(engine) as session:
        rows = session.exec(
            select(Deployment).where(
                Deployment.chain_id == chain_id, col(Deployment.active).is_(True)
            )
        ).all()
        return {row.name: row for row in rows}
