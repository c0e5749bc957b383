"""Deploy once per chain id, reuse on restart, refuse to silently replace live data."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from ledger.deployments import ContractSpec, active_deployments, ensure_deployed
from ledger.errors import DeploymentMissing, DeploymentOutdated
from ledger.models import Deployment
from ledger.nonces import resync_all


def _plan(limit: int = 100) -> list[ContractSpec]:
    return [ContractSpec(name="Probe", args=lambda _: [limit])]


def test_first_start_deploys_and_records(fresh_chain, operator, artifacts, engine):
    deployed = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan())
    probe = deployed["Probe"]
    assert probe.fresh
    assert len(fresh_chain.w3.eth.get_code(probe.address)) > 0
    record = active_deployments(engine, fresh_chain.chain_id)["Probe"]
    assert record.address == probe.address
    assert record.block_number == probe.block_number
    assert record.compiler == artifacts.compiler
    assert len(record.code_hash) == 64


def test_restart_reuses_the_recorded_deployment(fresh_chain, operator, artifacts, engine):
    first = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan())
    block = fresh_chain.latest_block()
    again = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan())
    assert again["Probe"].address == first["Probe"].address
    assert not again["Probe"].fresh
    assert fresh_chain.latest_block() == block, "reuse sends no transaction"


def test_changed_code_without_data_is_redeployed(fresh_chain, operator, artifacts, engine):
    first = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan(100))
    second = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan(200))
    assert second["Probe"].fresh and second["Probe"].address != first["Probe"].address
    with Session(engine) as session:
        rows = session.exec(select(Deployment).order_by(Deployment.id)).all()  # type: ignore[arg-type]
        assert [(r.address, r.active) for r in rows] == [
            (first["Probe"].address, False),
            (second["Probe"].address, True),
        ]


def test_changed_code_with_data_needs_the_redeploy_flag(fresh_chain, operator, artifacts, engine):
    first = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan(100))
    probe = operator.contract(first["Probe"].address, artifacts["Probe"].abi)
    operator.transact(probe.functions.bump(1))
    with pytest.raises(DeploymentOutdated, match="holds data.*--redeploy"):
        ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan(200))
    assert (
        active_deployments(engine, fresh_chain.chain_id)["Probe"].address == first["Probe"].address
    )
    forced = ensure_deployed(
        engine=engine, sender=operator, artifacts=artifacts, plan=_plan(200), redeploy=True
    )
    assert forced["Probe"].fresh
    assert probe.functions.total().call() == 1, "the old contract and its data stay"


@pytest.mark.anvil
def test_missing_deployment_is_reported_not_silently_replaced(chain, operator, artifacts, engine):
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]
    deployed = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan())
    chain.w3.provider.make_request("evm_revert", [snapshot])  # the chain "was reset"
    resync_all()
    with pytest.raises(DeploymentMissing) as caught:
        ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=_plan())
    assert deployed["Probe"].address in str(caught.value)
    assert "no code on the chain" in str(caught.value)
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        anew = ensure_deployed(
            engine=engine, sender=operator, artifacts=artifacts, plan=_plan(), redeploy=True
        )
        assert anew["Probe"].fresh
    finally:
        chain.w3.provider.make_request("evm_revert", [snapshot])
        resync_all()


def test_later_contracts_get_earlier_addresses(fresh_chain, operator, artifacts, engine):
    plan = [
        ContractSpec(name="Probe", args=lambda _: [1]),
        ContractSpec(
            name="Consortium",
            args=lambda seen: ([seen["Probe"]], ["probe as governor"], 1),
        ),
    ]
    deployed = ensure_deployed(engine=engine, sender=operator, artifacts=artifacts, plan=plan)
    consortium = operator.contract(deployed["Consortium"].address, artifacts["Consortium"].abi)
    assert consortium.functions.isActiveMember(deployed["Probe"].address).call()
