"""The FloorPlan contract through `ledger.floorplan`: lines, one lien per vehicle, confirmations,
sales and payoffs, curtailments, refinancing, and figures equal to `ledger.financing`'s."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_utils import keccak
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.chain import Chain
from ledger.compiler import Artifacts
from ledger.consortium import ConsortiumClient, Role, deploy_consortium
from ledger.errors import TransactionReverted
from ledger.financing import (
    BPS,
    DAY,
    MAX_AMOUNT,
    YEAR,
    CurtailmentStep,
    InvalidTerms,
    LineTerms,
    Payment,
    Payoff,
    advance_for,
    curtailments,
    interest,
    payoff,
)
from ledger.floorplan import (
    CONFIRM_RECEIPT_TYPE,
    DOMAIN_NAME,
    DOMAIN_VERSION,
    FloorPlanClient,
    KeyKind,
    LineId,
    LineStatus,
    NewVehicle,
    VehicleStatus,
    deploy_floor_plan,
    registration_text,
)
from ledger.keys import dev_account
from ledger.nonces import resync_all
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender, Sent
from ledger.vin import VehicleKeys, check_digit

# A module-wide world that fresh_chain's evm_snapshot undoes after each test: anvil only.
pytestmark = pytest.mark.anvil

# Dev accounts and the member ids they get, in order of admission (the operator founds it).
OPERATOR, LENDER_A, LENDER_B, DEALER, DEALER_B, AUDITOR, REGULATOR, LENDER_C = range(8)
NEW_KEY, STRANGER = 8, 9  # a fresh key for rotations; never a member
MEMBER_ID = {index: index + 1 for index in range(8)}
MEMBERS = [
    (LENDER_A, "Alpha Bank", [Role.LENDER]),
    (LENDER_B, "Beta Motor Finance", [Role.LENDER]),
    (DEALER, "Main Street Motors", [Role.DEALER]),
    (DEALER_B, "Harbour Auto", [Role.DEALER]),
    (AUDITOR, "Lot Check Ltd", [Role.AUDITOR]),
    (REGULATOR, "Banking Regulator", [Role.REGULATOR]),
    (LENDER_C, "Gamma Leasing", [Role.LENDER]),
]

TERMS = LineTerms(
    advance_rate_bps=9_000,
    interest_rate_bps=650,
    payoff_window=5 * DAY,
    confirm_window=3 * DAY,
    fee_per_vehicle=5_000,
    curtailments=(
        CurtailmentStep(day=60, bps=1_000),
        CurtailmentStep(day=90, bps=1_000),
        CurtailmentStep(day=120, bps=1_000),
    ),
)
LIMIT = 10**12
VALUE = 25_000_000  # 250,000.00 in fen
ADVANCE = advance_for(VALUE, TERMS.advance_rate_bps)
MAX_CODE_SIZE = 24_576

GAS_PER_NEW_VEHICLE = 75_000
"""Goal for a vehicle's first advance, in a batch of 100: three new key slots (66,300) plus
calldata (~1,700), the event (~2,300) and the loop. Measured: 73,951 per vehicle (batch of 100,
transaction overhead included)."""

GAS_PER_KNOWN_VEHICLE = 30_000
"""Goal for advancing again on a vehicle (new lien after payoff, or refinancing), in a batch of
100. Measured: 16,475 (new lien after payoff) and about 19,000 (accepting a transfer)."""


# -- world ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A consortium, a floor plan, and three lines: A and B for the dealer, A2 for dealer B."""

    chain: Chain
    senders: list[Sender]
    council: ConsortiumClient
    plan: FloorPlanClient  # acting as the operator
    line_a: LineId
    line_b: LineId
    line_a2: LineId

    def client(self, index: int) -> FloorPlanClient:
        """The floor plan acting as dev account `index`."""
        return self.plan.as_sender(self.senders[index])

    def address(self, index: int) -> str:
        return self.senders[index].address


@pytest.fixture(scope="module")
def world(chain: Chain, artifacts: Artifacts, errors: ErrorDecoder) -> Iterator[World]:
    """Built once per module on the session chain, and undone when the module ends."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    senders = [Sender(chain, dev_account(i), errors=errors) for i in range(10)]
    council = deploy_consortium(senders[0], artifacts, [senders[0].address], ["Operator"], 1)
    for index, name, roles in MEMBERS:
        council.execute(council.propose_admit(senders[index].address, name, roles))
    plan = deploy_floor_plan(senders[0], artifacts, council.address)
    lender_a = plan.as_sender(senders[LENDER_A])
    yield World(
        chain=chain,
        senders=senders,
        council=council,
        plan=plan,
        line_a=lender_a.open_line(senders[DEALER].address, LIMIT, TERMS),
        line_b=plan.as_sender(senders[LENDER_B]).open_line(senders[DEALER].address, LIMIT, TERMS),
        line_a2=lender_a.open_line(senders[DEALER_B].address, LIMIT, TERMS),
    )
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    resync_all()


@pytest.fixture
def w(world: World, fresh_chain: Chain) -> World:
    """The module's world, reverted to its pristine state after the test."""
    return world


# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def reverts(error: str, **arguments: Any) -> Iterator[None]:
    """Expect the block to revert with custom error `error` and exactly these `arguments`."""
    with pytest.raises(TransactionReverted) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def make_vin(n: int) -> str:
    """A valid synthetic VIN (FAW-VW WMI, 2022 model year) with serial `n`."""
    body = f"LFV2A21K0N3{n:06d}"
    return body[:8] + check_digit(body) + body[9:]


def car(n: int, *, certificate: str = "", engine: str = "", value: int = VALUE) -> NewVehicle:
    """Vehicle `n` with its own certificate and engine numbers unless given."""
    keys = VehicleKeys.of(
        vin=make_vin(n),
        certificate=certificate or f"WDK{n:012d}",
        engine=engine or f"EA{n:08d}",
    )
    return NewVehicle.of(keys, value)


def vins(*cars: NewVehicle) -> list[bytes]:
    return [c.vin_hash for c in cars]


def events(w: World, sent: Sent, name: str | None = None) -> list[Any]:
    """The floor plan's and lot audit's events in `sent`: (name, args) pairs, or the args of
    those named `name`."""
    found = w.plan.events(sent)
    if name is None:
        return [(e.name, e.args) for e in found]
    return [e.args for e in found if e.name == name]


def travel(chain: Chain, seconds: int) -> None:
    """Move the chain's clock forward by `seconds` and mine a block (test-only RPC)."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def now(chain: Chain) -> int:
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def mined_at(chain: Chain, sent: Sent) -> int:
    return int(chain.w3.eth.get_block(sent.block_number)["timestamp"])


def terms_arg(terms: LineTerms) -> tuple[Any, ...]:
    """`terms` as the contract's tuple, without the client's validation."""
    steps = [(s.day, s.bps) for s in terms.curtailments]
    return (
        terms.advance_rate_bps,
        terms.interest_rate_bps,
        terms.payoff_window,
        terms.confirm_window,
        terms.fee_per_vehicle,
        steps,
    )


def confirm(w: World, line_id: int, cars: list[NewVehicle], *, relay: int = OPERATOR) -> Sent:
    """Have the dealer of `line_id` sign a confirmation of `cars` and `relay` send it."""
    confirmation = w.plan.confirmation(line_id, vins(*cars), deadline=now(w.chain) + 3_600)
    line = w.plan.line(line_id)
    dealer = next(i for i, m in MEMBER_ID.items() if m == line.dealer_id)
    signature = confirmation.sign(w.senders[dealer].account)
    return w.client(relay).confirm_receipt(confirmation, signature)


# -- construction -----------------------------------------------------------------------------


def test_contracts_fit_the_code_size_limit(artifacts):
    for name in ("FloorPlan", "LotAudit"):
        assert len(bytes.fromhex(artifacts[name].deployed_bytecode)) <= MAX_CODE_SIZE


def test_floor_plan_deploys_its_lot_audit_and_mirrors_the_client_constants(w):
    audit = w.plan.lot_audit()
    assert audit.contract.functions.floorPlan().call() == w.plan.address
    assert audit.contract.functions.consortium().call() == w.council.address
    functions = w.plan.contract.functions
    assert functions.consortium().call() == w.council.address
    assert functions.lotAudit().call() == audit.address
    assert (functions.BPS().call(), functions.YEAR().call()) == (BPS, YEAR)
    assert functions.MAX_CURTAILMENT_STEPS().call() == 8
    struct = ",".join(f"{f['type']} {f['name']}" for f in CONFIRM_RECEIPT_TYPE)
    assert functions.CONFIRM_RECEIPT_TYPEHASH().call() == keccak(text=f"ConfirmReceipt({struct})")
    domain_type = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                domain_type,
                keccak(text=DOMAIN_NAME),
                keccak(text=DOMAIN_VERSION),
                w.chain.chain_id,
                w.plan.address,
            ],
        )
    )
    assert functions.domainSeparator().call() == expected


def test_constructor_rejects_an_address_without_code(w, artifacts):
    stranger = w.address(STRANGER)
    with reverts("FloorPlanInvalidConsortium", consortium=stranger):
        deploy_floor_plan(w.senders[OPERATOR], artifacts, stranger)


def test_client_rejects_hashes_that_are_not_32_bytes(w):
    with pytest.raises(ValueError, match="vin_hash must be 32 bytes, got 31"):
        w.plan.vehicle(bytes(31))


# -- credit lines -----------------------------------------------------------------------------


def test_open_line_records_parties_limit_and_terms(w):
    lender = w.client(LENDER_B)
    line_id = lender.open_line(w.address(DEALER_B), 5 * 10**9, TERMS)
    line = w.plan.line(line_id)
    assert (line.lender_id, line.dealer_id, line.status) == (
        MEMBER_ID[LENDER_B],
        MEMBER_ID[DEALER_B],
        LineStatus.OPEN,
    )
    assert (line.limit, line.outstanding, line.active_liens, line.available) == (
        5 * 10**9,
        0,
        0,
        5 * 10**9,
    )
    assert w.plan.terms(line.terms_id) == (line_id, TERMS)
    assert w.plan.lines(dealer_id=MEMBER_ID[DEALER_B]) == [w.plan.line(w.line_a2), line]
    (opened,) = w.plan.contract.events.LineOpened.get_logs(from_block=w.chain.latest_block())
    assert dict(opened["args"]) == {
        "lineId": line_id,
        "lenderId": MEMBER_ID[LENDER_B],
        "dealerId": MEMBER_ID[DEALER_B],
        "limit": 5 * 10**9,
        "termsId": line.terms_id,
    }
    (terms_set,) = w.plan.contract.events.TermsSet.get_logs(from_block=w.chain.latest_block())
    assert (terms_set["args"]["termsId"], terms_set["args"]["lineId"]) == (line.terms_id, line_id)
    decoded = dict(terms_set["args"]["terms"])
    assert [dict(step) for step in decoded.pop("curtailments")] == [
        {"day": s.day, "bps": s.bps} for s in TERMS.curtailments
    ]
    assert decoded == {
        "advanceRateBps": 9_000,
        "interestRateBps": 650,
        "payoffWindow": 5 * DAY,
        "confirmWindow": 3 * DAY,
        "feePerVehicle": 5_000,
    }


def test_only_lenders_open_lines_and_only_for_dealers(w):
    dealer, other_lender = w.address(DEALER), w.address(LENDER_B)
    with reverts("ConsortiumMissingRole", account=dealer, role=Role.LENDER.id):
        w.client(DEALER).open_line(dealer, LIMIT, TERMS)
    with reverts("ConsortiumMissingRole", account=other_lender, role=Role.DEALER.id):
        w.client(LENDER_A).open_line(other_lender, LIMIT, TERMS)
    with reverts("ConsortiumMemberNotActive", account=w.address(STRANGER)):
        w.client(STRANGER).open_line(dealer, LIMIT, TERMS)


@pytest.mark.parametrize(
    ("changes", "limit", "error", "arguments"),
    [
        ({"advance_rate_bps": 0}, LIMIT, "FloorPlanInvalidAdvanceRate", {"advanceRateBps": 0}),
        (
            {"advance_rate_bps": 10_001},
            LIMIT,
            "FloorPlanInvalidAdvanceRate",
            {"advanceRateBps": 10_001},
        ),
        (
            {"payoff_window": 0},
            LIMIT,
            "FloorPlanInvalidWindows",
            {"payoffWindow": 0, "confirmWindow": 3 * DAY},
        ),
        (
            {"confirm_window": 0},
            LIMIT,
            "FloorPlanInvalidWindows",
            {"payoffWindow": 5 * DAY, "confirmWindow": 0},
        ),
        (
            {"curtailments": tuple(CurtailmentStep(day=d, bps=1) for d in range(1, 10))},
            LIMIT,
            "FloorPlanTooManyCurtailmentSteps",
            {"count": 9},
        ),
        (
            {"curtailments": (CurtailmentStep(day=0, bps=1),)},
            LIMIT,
            "FloorPlanInvalidCurtailmentStep",
            {"index": 0},
        ),
        (
            {"curtailments": (CurtailmentStep(day=9, bps=1), CurtailmentStep(day=9, bps=1))},
            LIMIT,
            "FloorPlanInvalidCurtailmentStep",
            {"index": 1},
        ),
        (
            {"curtailments": (CurtailmentStep(day=9, bps=0),)},
            LIMIT,
            "FloorPlanInvalidCurtailmentStep",
            {"index": 0},
        ),
        (
            {"curtailments": (CurtailmentStep(day=1, bps=9_999), CurtailmentStep(day=2, bps=2))},
            LIMIT,
            "FloorPlanInvalidCurtailmentStep",
            {"index": 1},
        ),
        ({}, 2**96, "FloorPlanAmountTooLarge", {"amount": 2**96}),
    ],
)
def test_contract_and_client_reject_the_same_bad_terms(w, changes, limit, error, arguments):
    terms = replace(TERMS, **changes)
    lender = w.client(LENDER_A)
    if changes:
        with pytest.raises(InvalidTerms):
            terms.validate()
    function = lender.contract.functions.openLine(w.address(DEALER), limit, terms_arg(terms))
    with reverts(error, **arguments):
        lender.sender.transact(function)
    with reverts(error, **arguments):
        lender.sender.transact(
            lender.contract.functions.changeLine(w.line_a, limit, terms_arg(terms))
        )


def test_new_terms_apply_to_new_advances_only(w):
    lender, first, second = w.client(LENDER_A), car(1), car(2)
    lender.advance(w.line_a, [first])
    old_terms = w.plan.line(w.line_a).terms_id
    dearer = replace(TERMS, advance_rate_bps=8_000, interest_rate_bps=1_200)
    new_terms = lender.change_line(w.line_a, terms=dearer)
    assert new_terms != old_terms
    assert w.plan.line(w.line_a).limit == LIMIT  # kept
    assert w.plan.terms(new_terms) == (w.line_a, dearer)
    lender.advance(w.line_a, [second])
    kept, new = w.plan.vehicle(first.vin_hash), w.plan.vehicle(second.vin_hash)
    assert (kept.terms_id, kept.advance) == (old_terms, ADVANCE)
    assert (new.terms_id, new.advance) == (new_terms, advance_for(VALUE, 8_000))
    at = now(w.chain) + 30 * DAY
    assert w.plan.payoff(first.vin_hash, at).interest == interest(
        ADVANCE, 650, at - kept.disbursed_at
    )
    assert w.plan.payoff(second.vin_hash, at).interest == interest(
        new.advance, 1_200, at - new.disbursed_at
    )
    lender.change_line(w.line_a, limit=10)
    assert w.plan.line(w.line_a).limit == 10
    assert w.plan.line(w.line_a).terms_id == new_terms + 1
    assert w.plan.terms(new_terms + 1) == (w.line_a, dearer)


def test_only_the_line_lender_manages_the_line(w):
    other = w.client(LENDER_B)
    address = w.address(LENDER_B)
    for attempt in (
        lambda: other.change_line(w.line_a, limit=1, terms=TERMS),
        lambda: other.freeze_line(w.line_a),
        lambda: other.unfreeze_line(w.line_a),
        lambda: other.close_line(w.line_a),
        lambda: other.advance(w.line_a, [car(1)]),
    ):
        with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=address):
            attempt()
    with reverts("FloorPlanUnknownLine", lineId=99):
        w.client(LENDER_A).freeze_line(99)
    with reverts("FloorPlanUnknownLine", lineId=99):
        w.plan.line(99)


def test_freeze_unfreeze_and_close(w):
    lender, line = w.client(LENDER_A), w.line_a
    with reverts("FloorPlanInvalidLineStatus", lineId=line, status=LineStatus.OPEN):
        lender.unfreeze_line(line)
    sent = lender.freeze_line(line)
    assert events(w, sent) == [
        ("LineFrozen", {"lineId": line, "by": w.address(LENDER_A), "auditId": 0})
    ]
    assert w.plan.line(line).status is LineStatus.FROZEN
    with reverts("FloorPlanInvalidLineStatus", lineId=line, status=LineStatus.FROZEN):
        lender.freeze_line(line)
    with reverts("FloorPlanInvalidLineStatus", lineId=line, status=LineStatus.FROZEN):
        lender.advance(line, [car(1)])
    assert events(w, lender.unfreeze_line(line)) == [("LineUnfrozen", {"lineId": line})]
    lender.advance(line, [car(1)])
    with reverts("FloorPlanLineHasLiens", lineId=line, activeLiens=1):
        lender.close_line(line)
    lender.release([car(1).vin_hash])
    assert events(w, lender.close_line(line)) == [("LineClosed", {"lineId": line})]
    for attempt in (
        lambda: lender.close_line(line),
        lambda: lender.change_line(line, limit=1, terms=TERMS),
        lambda: lender.freeze_line(line),
        lambda: lender.advance(line, [car(2)]),
    ):
        with reverts("FloorPlanInvalidLineStatus", lineId=line, status=LineStatus.CLOSED):
            attempt()


# -- advances and uniqueness ------------------------------------------------------------------


def test_advance_puts_a_lien_on_each_vehicle(w):
    lender, cars = w.client(LENDER_A), [car(1), car(2, value=10_000_001)]
    sent = lender.advance(w.line_a, cars, registration="0456 3420 0001 2345")
    financed = events(w, sent, "VehicleFinanced")
    assert financed == [
        {
            "vinHash": c.vin_hash,
            "lineId": w.line_a,
            "certificateHash": c.certificate_hash,
            "engineHash": c.engine_hash,
            "advance": advance_for(c.value, 9_000),
        }
        for c in cars
    ]
    assert [e["vinHash"] for e in events(w, sent, "RegistrationRecorded")] == vins(*cars)
    assert events(w, sent, "CertificateMismatch") == []
    line = w.plan.line(w.line_a)
    assert (line.outstanding, line.active_liens) == (ADVANCE + 9_000_000, 2)
    vehicle = w.plan.vehicle(cars[0].vin_hash)
    disbursed = mined_at(w.chain, sent)
    assert vehicle is not None
    assert (vehicle.status, vehicle.line_id, vehicle.advance, vehicle.principal) == (
        VehicleStatus.FINANCED,
        w.line_a,
        ADVANCE,
        ADVANCE,
    )
    assert (vehicle.disbursed_at, vehicle.confirm_by) == (disbursed, disbursed + 3 * DAY)
    assert (vehicle.sold_at, vehicle.payoff_due_at, vehicle.confirmed) == (None, None, False)
    assert registration_text(vehicle.registration) == "0456 3420 0001 2345"
    assert w.plan.vehicle(car(3).vin_hash) is None
    assert w.client(REGULATOR).is_pledged(cars[0].vin_hash)
    assert not w.client(DEALER_B).is_pledged(car(3).vin_hash)
    assert w.plan.payoff(cars[0].vin_hash, disbursed) == Payoff(
        principal=ADVANCE, interest=0, fee=5_000
    )


def test_a_vin_cannot_be_pledged_to_two_lenders(w):
    first = car(1)
    w.client(LENDER_A).advance(w.line_a, [first])
    same_vin = car(1, certificate="OTHER-CERT", engine="OTHER-ENGINE")
    with reverts("FloorPlanAlreadyPledged", key=first.vin_hash, kind=KeyKind.VIN):
        w.client(LENDER_B).advance(w.line_b, [car(2), same_vin])
    assert w.plan.line(w.line_b).outstanding == 0  # the whole batch reverted
    assert w.plan.vehicle(car(2).vin_hash) is None


def test_a_certificate_cannot_be_pledged_to_two_lenders(w):
    first = car(1)
    w.client(LENDER_A).advance(w.line_a, [first])
    same_certificate = car(2, certificate=f"wdk-{1:012d}")  # normalizes to car 1's number
    assert same_certificate.certificate_hash == first.certificate_hash
    with reverts("FloorPlanAlreadyPledged", key=first.certificate_hash, kind=KeyKind.CERTIFICATE):
        w.client(LENDER_B).advance(w.line_b, [same_certificate])


def test_an_engine_cannot_be_pledged_to_two_lenders(w):
    first = car(1)
    w.client(LENDER_A).advance(w.line_a, [first])
    same_engine = car(2, engine=f"EA{1:08d}")
    with reverts("FloorPlanAlreadyPledged", key=first.engine_hash, kind=KeyKind.ENGINE):
        w.client(LENDER_C).advance(
            w.client(LENDER_C).open_line(w.address(DEALER), LIMIT, TERMS), [same_engine]
        )


def test_a_batch_cannot_pledge_a_key_twice(w):
    with reverts("FloorPlanAlreadyPledged", key=car(1).vin_hash, kind=KeyKind.VIN):
        w.client(LENDER_A).advance(w.line_a, [car(1), car(2), car(1)])
    twin = car(3, certificate=f"WDK{2:012d}")
    with reverts("FloorPlanAlreadyPledged", key=car(2).certificate_hash, kind=KeyKind.CERTIFICATE):
        w.client(LENDER_A).advance(w.line_a, [car(2), twin])


def test_keys_are_free_again_after_payoff(w):
    first = car(1)
    w.client(LENDER_A).advance(w.line_a, [first])
    w.client(LENDER_A).release([first.vin_hash])
    assert not w.client(REGULATOR).is_pledged(first.vin_hash)
    sent = w.client(LENDER_B).advance(w.line_b, [first])  # a new lien after payoff
    assert events(w, sent, "CertificateMismatch") == []
    vehicle = w.plan.vehicle(first.vin_hash)
    assert (vehicle.line_id, vehicle.status) == (w.line_b, VehicleStatus.FINANCED)


def test_certificate_mismatches_raise_alerts(w):
    lender = w.client(LENDER_A)
    original = car(1)
    lender.advance(w.line_a, [original])
    lender.release([original.vin_hash])

    # The VIN comes back with another certificate.
    new_certificate = car(1, certificate="WDK-NEW")
    sent = lender.advance(w.line_a, [new_certificate])
    assert events(w, sent, "CertificateMismatch") == [
        {
            "vinHash": original.vin_hash,
            "certificateHash": new_certificate.certificate_hash,
            "previousVinHash": bytes(32),
        }
    ]
    # Its old certificate is no longer held by its active lien: another VIN may use it (alert).
    other_vin = car(2, certificate=f"WDK{1:012d}")
    sent = w.client(LENDER_B).advance(w.line_b, [other_vin])
    assert events(w, sent, "CertificateMismatch") == [
        {
            "vinHash": other_vin.vin_hash,
            "certificateHash": original.certificate_hash,
            "previousVinHash": original.vin_hash,
        }
    ]
    # ... but not the certificate it holds now.
    with reverts(
        "FloorPlanAlreadyPledged", key=new_certificate.certificate_hash, kind=KeyKind.CERTIFICATE
    ):
        w.client(LENDER_B).advance(w.line_b, [car(3, certificate="WDK-NEW")])
    # Back to its first certificate later: an alert too.
    lender.release([original.vin_hash])
    w.client(LENDER_B).release([other_vin.vin_hash])
    sent = lender.advance(w.line_a, [original])
    assert [e["previousVinHash"] for e in events(w, sent, "CertificateMismatch")] == [
        other_vin.vin_hash
    ]


def test_an_engine_swap_after_payoff_is_allowed_without_alert(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1)])
    lender.release([car(1).vin_hash])
    sent = lender.advance(w.line_a, [car(1, engine="EA-REPLACEMENT"), car(2, engine=f"EA{1:08d}")])
    assert events(w, sent, "CertificateMismatch") == []
    assert w.plan.line(w.line_a).active_liens == 2


def test_advance_over_the_limit_reverts_with_the_figures(w):
    lender = w.client(LENDER_A)
    lender.change_line(w.line_a, limit=2 * ADVANCE + 1)
    lender.advance(w.line_a, [car(1)])
    with reverts(
        "FloorPlanLimitExceeded",
        lineId=w.line_a,
        limit=2 * ADVANCE + 1,
        outstanding=ADVANCE,
        requested=2 * ADVANCE,
    ):
        lender.advance(w.line_a, [car(2), car(3)])
    lender.advance(w.line_a, [car(2)])
    assert w.plan.line(w.line_a).available == 1


def test_advance_input_errors(w):
    lender = w.client(LENDER_A)
    with reverts("FloorPlanEmptyBatch"):
        lender.advance(w.line_a, [])
    with reverts("FloorPlanZeroHash"):
        lender.advance(w.line_a, [replace(car(1), engine_hash=bytes(32))])
    with reverts("FloorPlanZeroAdvance", vinHash=car(1).vin_hash):
        lender.advance(w.line_a, [car(1, value=1)])  # 90 % of 1 rounds down to 0
    with reverts("FloorPlanAmountTooLarge", amount=MAX_AMOUNT + 1):
        lender.advance(w.line_a, [car(1, value=MAX_AMOUNT + 1)])
    with pytest.raises(ValueError, match="registration number must be 1-32 bytes"):
        lender.advance(w.line_a, [car(1)], registration="x" * 33)


def test_only_lenders_advance_and_is_pledged_is_for_active_members(w):
    with reverts("ConsortiumMissingRole", account=w.address(DEALER), role=Role.LENDER.id):
        w.client(DEALER).advance(w.line_a, [car(1)])
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    assert w.client(DEALER_B).is_pledged(car(1).vin_hash)
    with reverts("ConsortiumMemberNotActive", account=w.address(STRANGER)):
        w.client(STRANGER).is_pledged(car(1).vin_hash)
    w.council.execute(w.council.propose_suspend(w.address(LENDER_A)))
    with reverts("ConsortiumMemberNotActive", account=w.address(LENDER_A)):
        w.client(LENDER_A).is_pledged(car(1).vin_hash)
    with reverts("ConsortiumMemberNotActive", account=w.address(LENDER_A)):
        w.client(LENDER_A).advance(w.line_a, [car(2)])


def test_registration_is_recorded_by_the_lender_and_ends_with_the_lien(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1)])
    digest = keccak(text="registration certificate scan")
    sent = lender.record_registration([car(1).vin_hash], digest)
    assert events(w, sent) == [
        ("RegistrationRecorded", {"vinHash": car(1).vin_hash, "registration": digest})
    ]
    vehicle = w.plan.vehicle(car(1).vin_hash)
    assert vehicle.registration == digest and registration_text(digest) is None
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        w.client(LENDER_B).record_registration([car(1).vin_hash], digest)
    with reverts("FloorPlanNotPledged", vinHash=car(2).vin_hash):
        lender.record_registration([car(2).vin_hash], digest)
    sent = lender.release([car(1).vin_hash])
    assert ("RegistrationRecorded", {"vinHash": car(1).vin_hash, "registration": bytes(32)}) in (
        events(w, sent)
    )
    assert w.plan.vehicle(car(1).vin_hash).registration is None


# -- dealer confirmation ----------------------------------------------------------------------


def test_dealer_confirms_receipt_and_an_operator_relays_it(w):
    cars = [car(1), car(2)]
    w.client(LENDER_A).advance(w.line_a, cars)
    dealer = w.address(DEALER)
    assert w.plan.confirmation_nonce(dealer) == 0
    sent = confirm(w, w.line_a, cars, relay=OPERATOR)
    assert events(w, sent) == [
        ("VehicleConfirmed", {"vinHash": c.vin_hash, "lineId": w.line_a, "nonce": 0}) for c in cars
    ]
    assert all(w.plan.vehicle(c.vin_hash).confirmed for c in cars)
    assert w.plan.confirmation_nonce(dealer) == 1
    with reverts("FloorPlanAlreadyConfirmed", vinHash=cars[0].vin_hash):
        confirm(w, w.line_a, [cars[0]], relay=STRANGER)  # anyone may relay


def test_a_forged_or_altered_confirmation_reverts(w):
    cars = [car(1), car(2)]
    w.client(LENDER_A).advance(w.line_a, cars)
    confirmation = w.plan.confirmation(w.line_a, vins(*cars), deadline=now(w.chain) + 3_600)
    dealer = w.address(DEALER)
    relay = w.client(OPERATOR)
    for forger in (OPERATOR, LENDER_A, DEALER_B):
        with reverts("FloorPlanInvalidSignature", dealer=dealer):
            relay.confirm_receipt(confirmation, confirmation.sign(w.senders[forger].account))
    genuine = confirmation.sign(w.senders[DEALER].account)
    for altered in (
        replace(confirmation, vin_hashes=(cars[0].vin_hash,)),
        replace(confirmation, deadline=confirmation.deadline + 1),
    ):
        with reverts("FloorPlanInvalidSignature", dealer=dealer):
            relay.confirm_receipt(altered, genuine)
    with reverts("FloorPlanInvalidSignature", dealer=dealer):
        relay.confirm_receipt(confirmation, bytes(65))
    with reverts("FloorPlanInvalidSignature", dealer=dealer):
        relay.confirm_receipt(confirmation, genuine[:64])
    relay.confirm_receipt(confirmation, genuine)


def test_an_expired_confirmation_reverts(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    deadline = now(w.chain) + 60
    confirmation = w.plan.confirmation(w.line_a, [car(1).vin_hash], deadline=deadline)
    signature = confirmation.sign(w.senders[DEALER].account)
    travel(w.chain, 120)
    with reverts("FloorPlanSignatureExpired", deadline=deadline):
        w.plan.confirm_receipt(confirmation, signature)


def test_a_replayed_confirmation_reverts(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    confirmation = w.plan.confirmation(w.line_a, [car(1).vin_hash], deadline=now(w.chain) + 600)
    signature = confirmation.sign(w.senders[DEALER].account)
    w.plan.confirm_receipt(confirmation, signature)
    with reverts("FloorPlanInvalidNonce", dealer=w.address(DEALER), expected=1, nonce=0):
        w.client(STRANGER).confirm_receipt(confirmation, signature)


def test_a_confirmation_signed_for_another_chain_reverts(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    confirmation = w.plan.confirmation(w.line_a, [car(1).vin_hash], deadline=now(w.chain) + 600)
    for elsewhere in (
        replace(confirmation, chain_id=1),
        replace(confirmation, contract=w.address(STRANGER)),
    ):
        signature = elsewhere.sign(w.senders[DEALER].account)
        with reverts("FloorPlanInvalidSignature", dealer=w.address(DEALER)):
            w.plan.confirm_receipt(confirmation, signature)


def test_a_confirmation_must_name_the_line_parties_and_its_vehicles(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1)])
    lender.advance(w.line_a2, [car(2)])
    base = w.plan.confirmation(w.line_a, [car(1).vin_hash], deadline=now(w.chain) + 600)

    def relay(confirmation, signer):
        return w.plan.confirm_receipt(confirmation, confirmation.sign(w.senders[signer].account))

    wrong_lender = replace(base, lender=w.address(LENDER_B))
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        relay(wrong_lender, DEALER)
    wrong_dealer = replace(base, dealer=w.address(DEALER_B))
    with reverts("FloorPlanNotLineDealer", lineId=w.line_a, account=w.address(DEALER_B)):
        relay(wrong_dealer, DEALER_B)
    not_a_dealer = replace(base, dealer=w.address(AUDITOR))
    with reverts("ConsortiumMissingRole", account=w.address(AUDITOR), role=Role.DEALER.id):
        relay(not_a_dealer, AUDITOR)
    other_line = replace(base, vin_hashes=(car(2).vin_hash,))
    with reverts("FloorPlanNotOnLine", vinHash=car(2).vin_hash, lineId=w.line_a):
        relay(other_line, DEALER)
    with reverts("FloorPlanNotPledged", vinHash=car(3).vin_hash):
        relay(replace(base, vin_hashes=(car(3).vin_hash,)), DEALER)
    with reverts("FloorPlanEmptyBatch"):
        relay(replace(base, vin_hashes=()), DEALER)


def test_confirmation_nonces_follow_the_dealer_through_a_key_rotation(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1), car(2)])
    confirm(w, w.line_a, [car(1)])
    old, new = w.address(DEALER), w.address(NEW_KEY)
    stale = w.plan.confirmation(w.line_a, [car(2).vin_hash], deadline=now(w.chain) + 600)
    stale_signature = stale.sign(w.senders[DEALER].account)
    w.council.as_sender(w.senders[DEALER]).rotate_key(new)
    with reverts("ConsortiumMemberNotActive", account=old):
        w.plan.confirm_receipt(stale, stale_signature)
    assert w.plan.confirmation_nonce(new) == 1 and w.plan.confirmation_nonce(old) == 0
    fresh = w.plan.confirmation(w.line_a, [car(2).vin_hash], deadline=now(w.chain) + 600)
    assert (fresh.dealer, fresh.nonce) == (new, 1)
    w.plan.confirm_receipt(fresh, fresh.sign(w.senders[NEW_KEY].account))
    assert w.plan.vehicle(car(2).vin_hash).confirmed


def test_unconfirmed_vehicles_are_flagged_after_the_deadline(w):
    lender = w.client(LENDER_A)
    sent = lender.advance(w.line_a, [car(1), car(2)])
    confirm_by = mined_at(w.chain, sent) + TERMS.confirm_window
    confirm(w, w.line_a, [car(2)])
    with reverts("FloorPlanConfirmationNotDue", vinHash=car(1).vin_hash, confirmBy=confirm_by):
        w.client(STRANGER).flag_unconfirmed([car(1).vin_hash])
    travel(w.chain, TERMS.confirm_window + 1)
    sent = w.client(STRANGER).flag_unconfirmed([car(1).vin_hash])
    assert events(w, sent) == [
        (
            "VehicleUnconfirmed",
            {"vinHash": car(1).vin_hash, "lineId": w.line_a, "confirmBy": confirm_by},
        )
    ]
    assert w.plan.vehicle(car(1).vin_hash).flagged_unconfirmed
    with reverts("FloorPlanAlreadyFlagged", vinHash=car(1).vin_hash):
        w.plan.flag_unconfirmed([car(1).vin_hash])
    with reverts("FloorPlanAlreadyConfirmed", vinHash=car(2).vin_hash):
        w.plan.flag_unconfirmed([car(2).vin_hash])
    confirm(w, w.line_a, [car(1)])  # a late confirmation still counts
    assert w.plan.vehicle(car(1).vin_hash).confirmed


# -- sale, payoff, sold out of trust ----------------------------------------------------------


def test_sale_then_payoff_then_release(w):
    lender, dealer = w.client(LENDER_A), w.client(DEALER)
    advanced = lender.advance(w.line_a, [car(1), car(2)])
    disbursed = mined_at(w.chain, advanced)
    travel(w.chain, 40 * DAY)
    sold = dealer.report_sale([car(1).vin_hash])
    sold_at = mined_at(w.chain, sold)
    assert events(w, sold) == [
        (
            "VehicleSold",
            {"vinHash": car(1).vin_hash, "lineId": w.line_a, "payoffDueAt": sold_at + 5 * DAY},
        )
    ]
    vehicle = w.plan.vehicle(car(1).vin_hash)
    assert (vehicle.status, vehicle.sold_at, vehicle.payoff_due_at) == (
        VehicleStatus.SOLD,
        sold_at,
        sold_at + 5 * DAY,
    )
    travel(w.chain, 2 * DAY)
    quoted_at = now(w.chain) + 100
    expected = payoff(
        advance=ADVANCE, interest_rate_bps=650, fee=5_000, disbursed_at=disbursed, at=quoted_at
    )
    assert w.plan.payoff(car(1).vin_hash, quoted_at) == expected
    released = lender.release([car(1).vin_hash])
    paid_at = mined_at(w.chain, released)
    assert events(w, released) == [
        (
            "LienReleased",
            {
                "vinHash": car(1).vin_hash,
                "lineId": w.line_a,
                "principal": ADVANCE,
                "interest": interest(ADVANCE, 650, paid_at - disbursed),
                "fee": 5_000,
            },
        )
    ]
    line = w.plan.line(w.line_a)
    assert (line.outstanding, line.active_liens) == (ADVANCE, 1)
    assert w.plan.vehicle(car(1).vin_hash).status is VehicleStatus.RELEASED
    assert not w.client(REGULATOR).is_pledged(car(1).vin_hash)
    with reverts("FloorPlanNotPledged", vinHash=car(1).vin_hash):
        lender.release([car(1).vin_hash])
    with reverts("FloorPlanNotPledged", vinHash=car(1).vin_hash):
        w.plan.payoff(car(1).vin_hash)


def test_sales_are_reported_by_the_line_dealer_only(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    with reverts("FloorPlanNotLineDealer", lineId=w.line_a, account=w.address(DEALER_B)):
        w.client(DEALER_B).report_sale([car(1).vin_hash])
    with reverts("ConsortiumMissingRole", account=w.address(LENDER_A), role=Role.DEALER.id):
        w.client(LENDER_A).report_sale([car(1).vin_hash])
    with reverts("FloorPlanNotPledged", vinHash=car(2).vin_hash):
        w.client(DEALER).report_sale([car(2).vin_hash])
    with reverts("FloorPlanEmptyBatch"):
        w.client(DEALER).report_sale([])
    w.client(DEALER).report_sale([car(1).vin_hash])
    with reverts("FloorPlanInvalidStatus", vinHash=car(1).vin_hash, status=VehicleStatus.SOLD):
        w.client(DEALER).report_sale([car(1).vin_hash])


def test_only_the_line_lender_releases(w):
    w.client(LENDER_A).advance(w.line_a, [car(1)])
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        w.client(LENDER_B).release([car(1).vin_hash])
    with reverts("ConsortiumMissingRole", account=w.address(DEALER), role=Role.LENDER.id):
        w.client(DEALER).release([car(1).vin_hash])


def test_a_missed_payoff_deadline_is_sold_out_of_trust(w):
    w.client(LENDER_A).advance(w.line_a, [car(1), car(2)])
    sold = w.client(DEALER).report_sale([car(1).vin_hash])
    due = mined_at(w.chain, sold) + 5 * DAY
    anyone = w.client(STRANGER)  # not even a member
    with reverts("FloorPlanPayoffNotOverdue", vinHash=car(1).vin_hash, payoffDueAt=due):
        anyone.mark_sold_out_of_trust([car(1).vin_hash])
    with reverts("FloorPlanInvalidStatus", vinHash=car(2).vin_hash, status=VehicleStatus.FINANCED):
        anyone.mark_sold_out_of_trust([car(2).vin_hash])
    travel(w.chain, 5 * DAY + 1)
    assert w.plan.vehicle(car(1).vin_hash).status is VehicleStatus.SOLD_OUT_OF_TRUST  # at once
    sent = anyone.mark_sold_out_of_trust([car(1).vin_hash])
    assert events(w, sent) == [
        (
            "VehicleSoldOutOfTrust",
            {"vinHash": car(1).vin_hash, "lineId": w.line_a, "payoffDueAt": due},
        )
    ]
    stored = w.plan.contract.functions.lienOf(car(1).vin_hash).call()
    assert stored == [w.line_a, VehicleStatus.SOLD_OUT_OF_TRUST]
    with reverts(
        "FloorPlanInvalidStatus", vinHash=car(1).vin_hash, status=VehicleStatus.SOLD_OUT_OF_TRUST
    ):
        anyone.mark_sold_out_of_trust([car(1).vin_hash])
    assert w.client(REGULATOR).is_pledged(car(1).vin_hash)
    w.client(LENDER_A).release([car(1).vin_hash])  # a late payoff still releases


def test_repossession_keeps_the_lien_until_release(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1)])
    sent = lender.repossess([car(1).vin_hash])
    assert events(w, sent) == [
        ("VehicleRepossessed", {"vinHash": car(1).vin_hash, "lineId": w.line_a})
    ]
    assert w.plan.vehicle(car(1).vin_hash).status is VehicleStatus.REPOSSESSED
    assert w.client(REGULATOR).is_pledged(car(1).vin_hash)
    with reverts(
        "FloorPlanInvalidStatus", vinHash=car(1).vin_hash, status=VehicleStatus.REPOSSESSED
    ):
        lender.repossess([car(1).vin_hash])
    with reverts(
        "FloorPlanInvalidStatus", vinHash=car(1).vin_hash, status=VehicleStatus.REPOSSESSED
    ):
        w.client(DEALER).report_sale([car(1).vin_hash])
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        w.client(LENDER_B).repossess([car(1).vin_hash])
    lender.release([car(1).vin_hash])
    assert not w.client(REGULATOR).is_pledged(car(1).vin_hash)


# -- curtailments -----------------------------------------------------------------------------


def test_overdue_curtailments_are_flagged_once_per_step(w):
    lender, anyone = w.client(LENDER_A), w.client(STRANGER)
    sent = lender.advance(w.line_a, [car(1)])
    disbursed, vin = mined_at(w.chain, sent), car(1).vin_hash
    step = ADVANCE * 1_000 // BPS

    def figures(at):
        return curtailments(
            advance=ADVANCE, schedule=TERMS.curtailments, disbursed_at=disbursed, at=at
        )

    for at in (disbursed, disbursed + 60 * DAY - 1, disbursed + 60 * DAY, disbursed + 200 * DAY):
        assert w.plan.curtailments(vin, at) == figures(at)
    travel(w.chain, 59 * DAY)
    with reverts("FloorPlanNoOverdueCurtailment", vinHash=vin):
        anyone.flag_overdue_curtailments([vin])
    travel(w.chain, DAY)
    sent = anyone.flag_overdue_curtailments([vin])
    assert events(w, sent) == [
        ("CurtailmentOverdue", {"vinHash": vin, "lineId": w.line_a, "due": step, "paid": 0})
    ]
    assert w.plan.vehicle(vin).curtailments_flagged == 1
    with reverts("FloorPlanNoOverdueCurtailment", vinHash=vin):
        anyone.flag_overdue_curtailments([vin])

    paid = lender.record_curtailments([(vin, step)])
    paid_at = mined_at(w.chain, paid)
    assert events(w, paid) == [
        (
            "CurtailmentPaid",
            {"vinHash": vin, "lineId": w.line_a, "amount": step, "principal": ADVANCE - step},
        )
    ]
    assert w.plan.line(w.line_a).outstanding == ADVANCE - step
    travel(w.chain, 30 * DAY)
    sent = anyone.flag_overdue_curtailments([vin])
    assert events(w, sent, "CurtailmentOverdue") == [
        {"vinHash": vin, "lineId": w.line_a, "due": 2 * step, "paid": step}
    ]
    status = w.plan.curtailments(vin)
    assert (status.due, status.steps_due, status.paid, status.overdue) == (2 * step, 2, step, step)
    at = now(w.chain) + 7 * DAY
    assert w.plan.payoff(vin, at) == payoff(
        advance=ADVANCE,
        interest_rate_bps=650,
        fee=5_000,
        disbursed_at=disbursed,
        at=at,
        payments=[Payment(at=paid_at, amount=step)],
    )
    with reverts("FloorPlanTimeBeforeAccrual", vinHash=vin, at=paid_at - 1, **{"from": paid_at}):
        w.plan.payoff(vin, paid_at - 1)
    # Paid ahead of the schedule: nothing to flag even as step 3 falls due.
    lender.record_curtailments([(vin, 2 * step)])
    travel(w.chain, 30 * DAY)
    with reverts("FloorPlanNoOverdueCurtailment", vinHash=vin):
        anyone.flag_overdue_curtailments([vin])
    w.client(DEALER).report_sale([vin])
    with reverts("FloorPlanInvalidStatus", vinHash=vin, status=VehicleStatus.SOLD):
        anyone.flag_overdue_curtailments([vin])


def test_curtailment_payments_are_checked(w):
    lender = w.client(LENDER_A)
    lender.advance(w.line_a, [car(1)])
    vin = car(1).vin_hash
    for amount in (0, ADVANCE + 1):
        with reverts("FloorPlanInvalidPayment", vinHash=vin, amount=amount, principal=ADVANCE):
            lender.record_curtailments([(vin, amount)])
    with reverts("FloorPlanLengthMismatch", vehicles=1, amounts=2):
        lender.sender.transact(lender.contract.functions.recordCurtailments([vin], [1, 2]))
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        w.client(LENDER_B).record_curtailments([(vin, 1)])
    lender.record_curtailments([(vin, ADVANCE)])  # all of it: the lien stays until released
    assert w.plan.vehicle(vin).principal == 0
    assert w.plan.line(w.line_a).outstanding == 0
    released = lender.release([vin])
    assert events(w, released, "LienReleased")[0]["principal"] == 0


# -- refinancing ------------------------------------------------------------------------------


def test_refinancing_moves_the_lien_with_both_lenders_consent(w):
    lender_a, lender_b = w.client(LENDER_A), w.client(LENDER_B)
    cars = [car(1), car(2)]
    advanced = lender_a.advance(w.line_a, cars, registration="A-REG-1")
    confirm(w, w.line_a, cars)
    with reverts("FloorPlanNoTransferOffer", vinHash=cars[0].vin_hash, toLineId=w.line_b):
        lender_b.accept_transfer(w.line_b, vins(*cars))
    offered = lender_a.offer_transfer(vins(*cars), w.line_b)
    assert events(w, offered, "TransferOffered") == [
        {"vinHash": c.vin_hash, "fromLineId": w.line_a, "toLineId": w.line_b} for c in cars
    ]
    assert w.plan.vehicle(cars[0].vin_hash).transfer_offer_line_id == w.line_b
    travel(w.chain, 20 * DAY)
    accepted = lender_b.accept_transfer(w.line_b, vins(*cars))
    moved_at = mined_at(w.chain, accepted)
    old = payoff(
        advance=ADVANCE,
        interest_rate_bps=650,
        fee=5_000,
        disbursed_at=mined_at(w.chain, advanced),
        at=moved_at,
    )
    assert events(w, accepted, "LienTransferred") == [
        {
            "vinHash": c.vin_hash,
            "fromLineId": w.line_a,
            "toLineId": w.line_b,
            "principal": old.principal,
            "interest": old.interest,
            "fee": old.fee,
        }
        for c in cars
    ]
    assert (w.plan.line(w.line_a).outstanding, w.plan.line(w.line_a).active_liens) == (0, 0)
    line_b = w.plan.line(w.line_b)
    assert (line_b.outstanding, line_b.active_liens) == (2 * old.total, 2)
    vehicle = w.plan.vehicle(cars[0].vin_hash)
    assert (vehicle.line_id, vehicle.advance, vehicle.disbursed_at) == (
        w.line_b,
        old.total,
        moved_at,
    )
    assert (vehicle.confirmed, vehicle.registration, vehicle.transfer_offer_line_id) == (
        False,
        None,
        None,
    )
    # The keys stay held: nobody else can pledge the vehicle.
    with reverts("FloorPlanAlreadyPledged", key=cars[0].vin_hash, kind=KeyKind.VIN):
        lender_a.advance(w.line_a, [cars[0]])
    with reverts("FloorPlanNotLineLender", lineId=w.line_b, account=w.address(LENDER_A)):
        lender_a.release([cars[0].vin_hash])
    lender_b.release([cars[0].vin_hash])


def test_transfer_offers_and_acceptances_are_checked(w):
    lender_a, lender_b = w.client(LENDER_A), w.client(LENDER_B)
    vin = car(1).vin_hash
    lender_a.advance(w.line_a, [car(1)])
    with reverts("FloorPlanInvalidTransferLine", fromLineId=w.line_a, toLineId=w.line_a):
        lender_a.offer_transfer([vin], w.line_a)
    with reverts("FloorPlanInvalidTransferLine", fromLineId=w.line_a, toLineId=w.line_a2):
        lender_a.offer_transfer([vin], w.line_a2)  # another dealer's line
    with reverts("FloorPlanUnknownLine", lineId=77):
        lender_a.offer_transfer([vin], 77)
    with reverts("FloorPlanNotLineLender", lineId=w.line_a, account=w.address(LENDER_B)):
        lender_b.offer_transfer([vin], w.line_b)
    lender_a.offer_transfer([vin], w.line_b)
    with reverts("FloorPlanNotLineLender", lineId=w.line_b, account=w.address(LENDER_A)):
        lender_a.accept_transfer(w.line_b, [vin])
    lender_b.freeze_line(w.line_b)
    with reverts("FloorPlanInvalidLineStatus", lineId=w.line_b, status=LineStatus.FROZEN):
        lender_b.accept_transfer(w.line_b, [vin])
    lender_b.unfreeze_line(w.line_b)
    lender_b.change_line(w.line_b, limit=ADVANCE)
    with pytest.raises(TransactionReverted) as caught:
        lender_b.accept_transfer(w.line_b, [vin])  # the old payoff: advance, interest and fee
    assert caught.value.error == "FloorPlanLimitExceeded"
    assert caught.value.arguments["requested"] >= ADVANCE + 5_000
    assert {k: caught.value.arguments[k] for k in ("lineId", "limit", "outstanding")} == {
        "lineId": w.line_b,
        "limit": ADVANCE,
        "outstanding": 0,
    }
    lender_a.withdraw_transfer([vin])
    assert w.plan.vehicle(vin).transfer_offer_line_id is None
    with reverts("FloorPlanNoTransferOffer", vinHash=vin, toLineId=w.line_b):
        lender_b.accept_transfer(w.line_b, [vin])
    lender_a.offer_transfer([vin], w.line_b)
    w.client(DEALER).report_sale([vin])  # sold before the new lender accepted
    with reverts("FloorPlanInvalidStatus", vinHash=vin, status=VehicleStatus.SOLD):
        lender_b.accept_transfer(w.line_b, [vin])
    with reverts("FloorPlanInvalidStatus", vinHash=vin, status=VehicleStatus.SOLD):
        lender_a.offer_transfer([vin], w.line_b)
    lender_a.release([vin])  # the release also drops the stale offer
    assert w.plan.contract.functions.vehicle(vin).call()[-1] == 0


# -- batches and gas --------------------------------------------------------------------------


def test_batches_of_100_vehicles_meet_the_gas_goals(w):
    lender, cars = w.client(LENDER_A), [car(n) for n in range(100)]
    advanced = lender.advance(w.line_a, cars)
    per_new = advanced.receipt["gasUsed"] / 100
    assert per_new <= GAS_PER_NEW_VEHICLE, per_new
    assert w.plan.line(w.line_a).active_liens == 100
    confirmed = confirm(w, w.line_a, cars)
    assert len(events(w, confirmed, "VehicleConfirmed")) == 100
    w.client(DEALER).report_sale(vins(*cars[:50]))
    lender.release(vins(*cars))
    again = lender.advance(w.line_a, cars)
    per_known = again.receipt["gasUsed"] / 100
    assert per_known <= GAS_PER_KNOWN_VEHICLE, per_known
    lender.offer_transfer(vins(*cars), w.line_b)
    accepted = w.client(LENDER_B).accept_transfer(w.line_b, vins(*cars))
    per_transfer = accepted.receipt["gasUsed"] / 100
    assert per_transfer <= GAS_PER_KNOWN_VEHICLE, per_transfer
    assert w.plan.line(w.line_b).active_liens == 100


# -- figures equal to ledger.financing, over random terms --------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(0, MAX_AMOUNT),
    rate=st.integers(0, 2**16 - 1),
    seconds=st.integers(0, 2**40 - 1),
)
def test_the_interest_formula_is_the_contracts(world, principal, rate, seconds):
    assert world.plan.interest(principal, rate, seconds) == interest(principal, rate, seconds)


_serials = itertools.count(10_000)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.integers(1, 10**13),
    advance_rate=st.integers(1, BPS),
    rate=st.integers(0, 2**16 - 1),
    fee=st.integers(0, 10**7),
    days=st.lists(st.integers(1, 400), min_size=0, max_size=3, unique=True),
    share=st.integers(1, 3_000),
    paid_after=st.one_of(st.none(), st.integers(1, 200 * DAY)),
    paid_share=st.integers(1, BPS),
    offsets=st.lists(st.integers(0, 3 * YEAR), min_size=1, max_size=4),
)
def test_payoffs_and_curtailments_equal_the_contracts_over_random_terms(
    w, value, advance_rate, rate, fee, days, share, paid_after, paid_share, offsets
):
    advance = advance_for(value, advance_rate)
    assume(advance > 0)
    schedule = tuple(CurtailmentStep(day=d, bps=share) for d in sorted(days))
    terms = LineTerms(
        advance_rate_bps=advance_rate,
        interest_rate_bps=rate,
        payoff_window=DAY,
        confirm_window=DAY,
        fee_per_vehicle=fee,
        curtailments=schedule,
    )
    lender = w.client(LENDER_C)
    line_id = lender.open_line(w.address(DEALER), 2**96 - 1, terms)
    vehicle = car(next(_serials), value=value)
    disbursed = mined_at(w.chain, lender.advance(line_id, [vehicle]))
    payments: list[Payment] = []
    if paid_after is not None:
        travel(w.chain, paid_after)
        amount = max(advance * paid_share // BPS, 1)
        paid = lender.record_curtailments([(vehicle.vin_hash, amount)])
        payments.append(Payment(at=mined_at(w.chain, paid), amount=amount))
    start = payments[-1].at if payments else disbursed
    paid_total = sum(p.amount for p in payments)
    for offset in offsets:
        at = start + offset
        assert w.plan.payoff(vehicle.vin_hash, at) == payoff(
            advance=advance,
            interest_rate_bps=rate,
            fee=fee,
            disbursed_at=disbursed,
            at=at,
            payments=payments,
        )
        assert w.plan.curtailments(vehicle.vin_hash, at) == curtailments(
            advance=advance, schedule=schedule, disbursed_at=disbursed, at=at, paid=paid_total
        )
