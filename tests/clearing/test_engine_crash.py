"""The crash test: kill the clearing engine at each durable step; a restart settles claims once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sqlmodel import Session, select

from clearing.models import ClearingCycle
from ledger.settlement import ClaimStatus
from tests.clearing.test_engine import MIXED, assert_settled_once, balances, clearing_engine
from tests.ledger import test_settlement_world as shared

pytestmark = pytest.mark.anvil  # time travel

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

KILLER = textwrap.dedent(
    """
    import json, os, sys
    from clearing.engine import ClearingEngine
    from ledger.chain import Chain
    from ledger.consortium import ConsortiumClient
    from ledger.database import make_engine
    from ledger.keys import dev_account
    from ledger.reverts import ErrorDecoder
    from ledger.settlement import ClearingClient, SettlementTokenClient
    from ledger.transactions import Sender

    config = json.load(open(sys.argv[1]))
    step_to_die_at = sys.argv[2]

    def step(name):
        if name == step_to_die_at:
            os._exit(9)  # no cleanup, no commit: as if the power went out

    sender = Sender(Chain(config["rpc_url"]), dev_account(0), errors=ErrorDecoder(config["abis"]))
    ClearingEngine(
        engine=make_engine(config["database_url"]),
        clearing=ClearingClient(sender, **config["clearing"]),
        token=SettlementTokenClient(sender, **config["token"]),
        consortium=ConsortiumClient(sender, **config["consortium"]),
        step=step,
    ).run_cycle()
    """
)


@pytest.mark.parametrize("step", ["prepared", "signed", "broadcast", "settled"])
def test_killed_engine_resumes_and_settles_each_claim_once(
    world, fresh_chain, engine, artifacts, tmp_path, step
):
    ids = world.final_claims(MIXED)
    before = balances(world)
    config = tmp_path / "engine.json"
    config.write_text(
        json.dumps(
            {
                "rpc_url": fresh_chain.url,
                "database_url": engine.url.render_as_string(hide_password=False),
                "abis": list(artifacts.all_abis()),
                "clearing": {"address": world.clearing.address, "abi": world.clearing.abi},
                "token": {"address": world.token.address, "abi": world.token.abi},
                "consortium": {"address": world.council.address, "abi": world.council.abi},
            }
        )
    )
    died = subprocess.run([sys.executable, "-c", KILLER, str(config), step], check=False)
    assert died.returncode == 9, "the engine was killed at the chosen step"

    resumed = clearing_engine(world, engine).run_cycle()
    if step == "settled":
        assert resumed is None, "the cycle was recorded before the process died"
    else:
        assert resumed is not None and resumed.status == "settled"
    assert clearing_engine(world, engine).run_cycle() is None

    with Session(engine) as session:
        (cycle,) = session.exec(select(ClearingCycle)).all()
    assert cycle.status == "settled" and cycle.cycle_id == 1 and cycle.attempts == 1
    assert cycle.claim_id_list() == ids
    assert world.clearing.cycle_count() == 1, "one settlement on chain"
    receipt = fresh_chain.receipt(cycle.tx_hash)
    assert receipt is not None and world.clearing.cycle_settled_in(receipt) == 1
    assert_settled_once(world, ids, before)
    assert {world.clearing.status_of(i) for i in ids} == {ClaimStatus.SETTLED}
