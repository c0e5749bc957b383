"""The LotAudit contract through `ledger.floorplan`: who audits, the unpredictable draw, findings,
and the sold-out-of-trust alert and freeze a missing vehicle raises on the floor plan."""

from __future__ import annotations

import hashlib

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils import keccak

from ledger.consortium import Role
from ledger.floorplan import (
    CHECK_ALL,
    AuditStatus,
    Finding,
    LineStatus,
    LotAuditClient,
    Outcome,
    audit_commitment,
    drawn,
    new_secret,
)
from tests.ledger import test_floorplan
from tests.ledger.test_floorplan import (
    AUDITOR,
    DEALER,
    LENDER_A,
    LENDER_B,
    MEMBER_ID,
    STRANGER,
    World,
    car,
    events,
    reverts,
)

# The floor plan's world, built once for this module too (pytest finds fixtures by name here).
world = test_floorplan.world
w = test_floorplan.w


def evidence(label: str) -> bytes:
    """A stand-in for the SHA-256 digest of an audit's photos and GPS track."""
    return hashlib.sha256(label.encode()).digest()


def auditor_of(w: World, index: int = AUDITOR) -> LotAuditClient:
    return w.plan.lot_audit().as_sender(w.senders[index])


def mine(w: World, blocks: int = 1) -> None:
    w.chain.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]


def found(vin: bytes, outcome: Outcome = Outcome.FOUND) -> Finding:
    return Finding(vin_hash=vin, outcome=outcome, evidence=evidence(vin.hex()))


# -- check-all audits, alerts and freezes -----------------------------------------------------


def test_a_missing_vehicle_raises_the_alert_and_freezes_the_line(w):
    cars = [car(n) for n in range(1, 4)]
    w.client(LENDER_A).advance(w.line_a, cars)
    audits = auditor_of(w)
    audit_id = audits.open_audit(w.line_a, freeze_on_missing=True)
    audit = audits.audit(audit_id)
    assert (audit.status, audit.check_all, audit.draw_block, audit.commitment) == (
        AuditStatus.REVEALED,
        True,
        None,
        None,
    )
    assert (audit.line_id, audit.opener_id, audit.freeze_on_missing) == (
        w.line_a,
        MEMBER_ID[AUDITOR],
        True,
    )
    assert all(audits.is_selected(audit_id, c.vin_hash) for c in cars)

    stray = car(50)  # on the lot but financed by nobody
    findings = [
        found(cars[0].vin_hash),
        found(cars[1].vin_hash, Outcome.MISSING),
        found(stray.vin_hash, Outcome.UNEXPECTED),
    ]
    sent = audits.record_findings(audit_id, findings)
    assert events(w, sent) == [
        (
            "VehicleAudited",
            {
                "auditId": audit_id,
                "vinHash": cars[0].vin_hash,
                "outcome": Outcome.FOUND,
                "evidence": findings[0].evidence,
            },
        ),
        (
            "VehicleAudited",
            {
                "auditId": audit_id,
                "vinHash": cars[1].vin_hash,
                "outcome": Outcome.MISSING,
                "evidence": findings[1].evidence,
            },
        ),
        (
            "SoldOutOfTrustAlert",
            {"vinHash": cars[1].vin_hash, "lineId": w.line_a, "auditId": audit_id},
        ),
        ("LineFrozen", {"lineId": w.line_a, "by": audits.address, "auditId": audit_id}),
        (
            "VehicleAudited",
            {
                "auditId": audit_id,
                "vinHash": stray.vin_hash,
                "outcome": Outcome.UNEXPECTED,
                "evidence": findings[2].evidence,
            },
        ),
    ]
    assert w.plan.vehicle(cars[1].vin_hash).missing
    assert not w.plan.vehicle(cars[0].vin_hash).missing
    assert w.plan.line(w.line_a).status is LineStatus.FROZEN
    with reverts("FloorPlanInvalidLineStatus", lineId=w.line_a, status=LineStatus.FROZEN):
        w.client(LENDER_A).advance(w.line_a, [car(9)])
    assert audits.outcome_of(audit_id, cars[1].vin_hash) is Outcome.MISSING
    assert audits.outcome_of(audit_id, cars[2].vin_hash) is Outcome.NONE

    # A second missing vehicle alerts again; the line is frozen already.
    sent = audits.record_findings(audit_id, [found(cars[2].vin_hash, Outcome.MISSING)])
    assert [name for name, _ in events(w, sent)] == ["VehicleAudited", "SoldOutOfTrustAlert"]
    closed = audits.close_audit(audit_id)
    assert events(w, closed) == [
        ("AuditClosed", {"auditId": audit_id, "found": 1, "missing": 2, "unexpected": 1})
    ]
    assert audits.audit(audit_id).status is AuditStatus.CLOSED
    with reverts("LotAuditInvalidStatus", auditId=audit_id, status=AuditStatus.CLOSED):
        audits.record_findings(audit_id, [found(car(9).vin_hash, Outcome.UNEXPECTED)])
    with reverts("LotAuditInvalidStatus", auditId=audit_id, status=AuditStatus.CLOSED):
        audits.close_audit(audit_id)
    w.client(LENDER_A).unfreeze_line(w.line_a)  # the lender decides when to lend again


def test_without_freeze_a_missing_vehicle_only_alerts(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    audits = auditor_of(w, LENDER_A)  # the line's lender audits its own line
    audit_id = audits.open_audit(w.line_a)
    sent = audits.record_findings(audit_id, [found(car(1).vin_hash, Outcome.MISSING)])
    assert [name for name, _ in events(w, sent)] == ["VehicleAudited", "SoldOutOfTrustAlert"]
    assert w.plan.line(w.line_a).status is LineStatus.OPEN
    assert audits.audit(audit_id).opener_id == MEMBER_ID[LENDER_A]


def test_findings_are_checked_against_the_floor_plan(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1), car(2), car(3)])
    lender.advance(w.line_a2, [car(4)])
    w.client(DEALER).report_sale([car(3).vin_hash])
    audits = auditor_of(w)
    audit_id = audits.open_audit(w.line_a)
    for vin in (car(4).vin_hash, car(3).vin_hash, car(8).vin_hash):  # other line, sold, unknown
        with reverts("LotAuditNotFinancedOnLine", auditId=audit_id, vinHash=vin):
            audits.record_findings(audit_id, [found(vin)])
    with reverts("LotAuditVehicleExpected", auditId=audit_id, vinHash=car(1).vin_hash):
        audits.record_findings(audit_id, [found(car(1).vin_hash, Outcome.UNEXPECTED)])
    for bad in (
        Finding(vin_hash=car(1).vin_hash, outcome=Outcome.NONE, evidence=evidence("x")),
        Finding(vin_hash=car(1).vin_hash, outcome=Outcome.FOUND, evidence=bytes(32)),
    ):
        with reverts("LotAuditInvalidFinding", vinHash=car(1).vin_hash):
            audits.record_findings(audit_id, [bad])
    with reverts("LotAuditAlreadyRecorded", auditId=audit_id, vinHash=car(1).vin_hash):
        audits.record_findings(audit_id, [found(car(1).vin_hash), found(car(1).vin_hash)])
    audits.record_findings(
        audit_id, [found(car(3).vin_hash, Outcome.UNEXPECTED)]
    )  # reported sold, still on the lot
    assert audits.audit(audit_id).unexpected == 1


# -- the draw ---------------------------------------------------------------------------------


@pytest.mark.anvil
def test_a_sampled_audit_draws_after_a_commit_and_a_later_block_hash(w):
    cars = [car(n) for n in range(1, 41)]
    w.client(LENDER_A).advance(w.line_a, cars)
    audits, secret = auditor_of(w), new_secret()
    audit_id = audits.open_audit(w.line_a, sample_bps=2_500, secret=secret)
    opened = audits.audit(audit_id)
    assert (opened.status, opened.commitment) == (AuditStatus.COMMITTED, keccak(secret))
    assert audit_commitment(secret) == keccak(abi_encode(["bytes32"], [secret]))
    draw_block = w.chain.latest_block() + 1
    assert opened.draw_block == draw_block
    with reverts("LotAuditInvalidStatus", auditId=audit_id, status=AuditStatus.COMMITTED):
        audits.is_selected(audit_id, cars[0].vin_hash)
    with reverts("LotAuditInvalidStatus", auditId=audit_id, status=AuditStatus.COMMITTED):
        audits.record_findings(audit_id, [found(cars[0].vin_hash)])
    with reverts("LotAuditDrawNotReady", auditId=audit_id, drawBlock=draw_block):
        audits.reveal_audit(audit_id, secret)  # would land in the draw block itself
    assert not audits.draw_ready(audit_id)
    mine(w, 2)  # the draw block, and one after it for the node to estimate the reveal on
    assert audits.draw_ready(audit_id)
    with reverts("LotAuditWrongSecret", auditId=audit_id):
        audits.reveal_audit(audit_id, new_secret())
    with reverts("LotAuditNotOpener", auditId=audit_id, account=w.address(LENDER_A)):
        auditor_of(w, LENDER_A).reveal_audit(audit_id, secret)
    revealed = audits.reveal_audit(audit_id, secret)
    block_hash = bytes(w.chain.w3.eth.get_block(draw_block)["hash"])
    seed = keccak(abi_encode(["bytes32", "bytes32"], [secret, block_hash]))
    assert events(w, revealed) == [
        ("AuditRevealed", {"auditId": audit_id, "secret": secret, "seed": seed})
    ]
    assert audits.audit(audit_id).seed == seed

    selected = [c for c in cars if drawn(seed, c.vin_hash, 2_500)]
    assert [audits.is_selected(audit_id, c.vin_hash) for c in cars] == [c in selected for c in cars]
    assert 0 < len(selected) < len(cars)  # about a quarter of 40
    skipped = next(c for c in cars if c not in selected)
    with reverts("LotAuditNotSelected", auditId=audit_id, vinHash=skipped.vin_hash):
        audits.record_findings(audit_id, [found(skipped.vin_hash)])
    audits.record_findings(audit_id, [found(c.vin_hash) for c in selected])
    assert audits.audit(audit_id).found == len(selected)
    with reverts("LotAuditInvalidStatus", auditId=audit_id, status=AuditStatus.REVEALED):
        audits.reveal_audit(audit_id, secret)


@pytest.mark.anvil
def test_a_draw_not_revealed_within_256_blocks_expires(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    audits, secret = auditor_of(w), new_secret()
    audit_id = audits.open_audit(w.line_a, sample_bps=5_000, secret=secret)
    draw_block = audits.audit(audit_id).draw_block
    mine(w, 300)
    with reverts("LotAuditDrawExpired", auditId=audit_id, drawBlock=draw_block):
        audits.reveal_audit(audit_id, secret)
    audits.close_audit(audit_id)  # closed without a draw; open a new one
    assert audits.audit(audit_id).status is AuditStatus.CLOSED


# -- who may audit ----------------------------------------------------------------------------


def test_only_auditors_and_the_line_lender_open_audits(w):
    audits = w.plan.lot_audit()
    with reverts("ConsortiumMissingRole", account=w.address(DEALER), role=Role.LENDER.id):
        auditor_of(w, DEALER).open_audit(w.line_a)
    with reverts("LotAuditNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        auditor_of(w, LENDER_B).open_audit(w.line_a)
    with reverts("ConsortiumMemberNotActive", account=w.address(STRANGER)):
        auditor_of(w, STRANGER).open_audit(w.line_a)
    with reverts("FloorPlanUnknownLine", lineId=42):
        auditor_of(w).open_audit(42)
    for sample in (0, CHECK_ALL + 1):
        with reverts("LotAuditInvalidSample", sampleBps=sample):
            auditor_of(w).open_audit(w.line_a, sample_bps=sample)
    with reverts("LotAuditMissingCommitment"):
        auditor_of(w).open_audit(w.line_a, sample_bps=100)
    w.client(LENDER_B).close_line(w.line_b)
    with reverts("LotAuditLineClosed", lineId=w.line_b):
        auditor_of(w).open_audit(w.line_b)
    with reverts("LotAuditUnknownAudit", auditId=1):
        audits.audit(1)
    assert audits.contract.functions.auditCount().call() == 0


def test_only_the_opener_acts_on_its_audit_while_active(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    audit_id = auditor_of(w).open_audit(w.line_a)
    for other in (LENDER_A, STRANGER):
        with reverts("LotAuditNotOpener", auditId=audit_id, account=w.address(other)):
            auditor_of(w, other).record_findings(audit_id, [found(car(1).vin_hash)])
        with reverts("LotAuditNotOpener", auditId=audit_id, account=w.address(other)):
            auditor_of(w, other).close_audit(audit_id)
    w.council.execute(w.council.propose_suspend(w.address(AUDITOR)))
    with reverts("LotAuditNotOpener", auditId=audit_id, account=w.address(AUDITOR)):
        auditor_of(w).record_findings(audit_id, [found(car(1).vin_hash)])


def test_only_the_lot_audit_reports_missing_vehicles_to_the_floor_plan(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    for index in (LENDER_A, AUDITOR, STRANGER):
        client = w.client(index)
        function = client.contract.functions.reportMissing(car(1).vin_hash, 1, True)
        with reverts("FloorPlanNotLotAudit", caller=w.address(index)):
            client.sender.transact(function)
    assert not w.plan.vehicle(car(1).vin_hash).missing
