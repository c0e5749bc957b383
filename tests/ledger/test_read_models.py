"""The floor-plan read models (`ledger.read_models`): projected by the indexer in its own
transaction, equal to the contract's views after every kind of event, rebuilt alike from the
events, rolled back with them on a reorg."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ledger.chain import Chain
from ledger.compiler import Artifacts
from ledger.floorplan import LineStatus, VehicleStatus
from ledger.indexer import Indexer, WatchedContract
from ledger.nonces import resync_all
from ledger.read_models import TABLES, FloorPlanIndex, FloorPlanProjection, drift
from tests.ledger import test_floorplan
from tests.ledger.test_floorplan import (
    DAY,
    DEALER,
    LENDER_A,
    LENDER_B,
    TERMS,
    World,
    car,
    confirm,
    now,
    travel,
    vins,
)

world = test_floorplan.world  # the floor plan's module-scoped world, and each test's view of it
w = test_floorplan.w


def indexer_of(w: World, engine: Engine, artifacts: Artifacts, **kwargs: Any) -> Indexer:
    """An indexer of the world's floor plan (and lot audit) projecting into `engine`."""
    audit = w.plan.lot_audit()
    return Indexer(
        engine=engine,
        chain=w.chain,
        contracts=[
            WatchedContract(
                name="FloorPlan", address=w.plan.address, abi=artifacts["FloorPlan"].abi
            ),
            WatchedContract(name="LotAudit", address=audit.address, abi=artifacts["LotAudit"].abi),
        ],
        **kwargs,
    )


def index_at_head(engine: Engine, chain: Chain) -> FloorPlanIndex:
    head = chain.latest_block()
    stamp = int(chain.w3.eth.get_block(head)["timestamp"])
    return FloorPlanIndex(engine, chain.chain_id, block=head, now=stamp)


def dump(engine: Engine) -> list[list[Any]]:
    """Every read-model row, per table, in key order."""
    with engine.connect() as conn:
        return [
            [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).all()]
            for t in TABLES
        ]


@pytest.fixture
def projected(w: World, engine: Engine, artifacts: Artifacts) -> Indexer:
    return indexer_of(w, engine, artifacts, projections=[FloorPlanProjection()])


def step(indexer: Indexer, w: World) -> FloorPlanIndex:
    """Index up to the head and check the read models against the chain there."""
    indexer.run_once()
    index = index_at_head(indexer.engine, w.chain)
    assert drift(index, w.plan) == []
    return index


def test_every_kind_of_event_leaves_the_read_models_equal_to_the_contract(
    w: World, projected: Indexer
):
    lender_a, lender_b, dealer = w.client(LENDER_A), w.client(LENDER_B), w.client(DEALER)
    one, two, three, four = car(101), car(102), car(103), car(104)
    lender_a.advance(w.line_a, [one, two, three], registration="SH-REG-0001")
    index = step(projected, w)
    assert [v.vehicle.vin_hash for v in index.line_vehicles(w.line_a, active_only=True)] == vins(
        one, two, three
    )
    line = index.line(w.line_a)
    assert line is not None and line.active_liens == 3 and line.outstanding > 0

    confirm(w, w.line_a, [one])
    dealer.report_sale(vins(two))
    lender_a.record_curtailments([(three.vin_hash, 1_000_000)])
    index = step(projected, w)
    found = {v.vehicle.vin_hash: v.vehicle for v in index.line_vehicles(w.line_a, active_only=True)}
    assert found[one.vin_hash].confirmed
    assert found[two.vin_hash].status is VehicleStatus.SOLD
    assert found[three.vin_hash].principal == found[three.vin_hash].advance - 1_000_000

    travel(w.chain, 4 * DAY)  # past the confirmation window of three
    w.plan.flag_unconfirmed(vins(three))
    travel(w.chain, 2 * DAY)  # two's payoff is now overdue: effective status, then recorded
    index = step(projected, w)
    assert index.vehicle(two.vin_hash).vehicle.status is VehicleStatus.SOLD_OUT_OF_TRUST  # type: ignore[union-attr]
    w.plan.mark_sold_out_of_trust(vins(two))
    lender_a.release(vins(one))
    lender_a.offer_transfer(vins(three), w.line_b)
    index = step(projected, w)
    assert index.offered_to(w.line_b)[0].vehicle.vin_hash == three.vin_hash

    lender_b.accept_transfer(w.line_b, vins(three))
    lender_a.repossess(vins(two))
    lender_a.change_line(w.line_a, terms=replace(TERMS, interest_rate_bps=900))
    lender_a.advance(w.line_a, [four])
    lender_a.advance(w.line_a, [one])  # a known vehicle, financed again after its release
    index = step(projected, w)
    assert [v.vehicle.vin_hash for v in index.line_vehicles(w.line_b, active_only=True)] == vins(
        three
    )
    assert index.vehicle(four.vin_hash).terms.interest_rate_bps == 900  # type: ignore[union-attr]

    travel(w.chain, 61 * DAY)  # three's first curtailment step on line B is overdue
    w.plan.flag_overdue_curtailments(vins(three))
    w.client(LENDER_A).freeze_line(w.line_a)
    index = step(projected, w)
    assert index.line(w.line_a).status is LineStatus.FROZEN  # type: ignore[union-attr]
    kinds = [a.kind for a in index.alerts([w.line_a, w.line_b], unlined=True)]
    assert kinds == ["unconfirmed", "sold_out_of_trust", "curtailment_overdue"]


def test_a_rebuild_from_the_events_gives_the_same_rows(w: World, projected: Indexer):
    lender_a = w.client(LENDER_A)
    lender_a.advance(w.line_a, [car(201), car(202)])
    w.client(DEALER).report_sale(vins(car(201)))
    lender_a.release(vins(car(202)))
    step(projected, w)
    before = dump(projected.engine)
    assert before[2]  # vehicles projected
    assert projected.rebuild() > 0
    assert dump(projected.engine) == before


def test_read_models_added_to_an_indexed_database_are_rebuilt_to_match(
    w: World, engine: Engine, artifacts: Artifacts
):
    w.client(LENDER_A).advance(w.line_a, [car(301)])
    indexer_of(w, engine, artifacts).run_once()  # events only, no projection yet
    projection = FloorPlanProjection()
    with engine.connect() as conn:
        assert projection.is_missing(conn, w.chain.chain_id)
    later = indexer_of(w, engine, artifacts, projections=[projection])
    assert later.rebuild() > 0
    step(later, w)
    with engine.connect() as conn:
        assert not projection.is_missing(conn, w.chain.chain_id)


def test_a_reorg_rolls_the_read_models_back_with_the_events(w: World, projected: Indexer):
    lender_a = w.client(LENDER_A)
    lender_a.advance(w.line_a, [car(401)])
    step(projected, w)
    snapshot = w.chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    lender_a.advance(w.line_a, [car(402)])
    w.client(DEALER).report_sale(vins(car(401)))
    index = step(projected, w)
    assert index.vehicle(car(402).vin_hash) is not None
    # The two blocks leave the chain; two others (empty) replace them.
    w.chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    resync_all()
    for _ in range(3):
        w.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    index = step(projected, w)
    assert index.vehicle(car(402).vin_hash) is None
    assert index.vehicle(car(401).vin_hash).vehicle.status is VehicleStatus.FINANCED  # type: ignore[union-attr]
    assert now(w.chain) >= index.now
