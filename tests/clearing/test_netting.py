"""The pure netting core: positions, greedy transfers, canonical plan hash, gridlock pass."""

from __future__ import annotations

import hashlib
import itertools
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearing.errors import DuplicateClaim, InvalidClaim, NettingError
from clearing.netting import (
    MAX_JSON_INTEGER,
    PLAN_VERSION,
    NetPlan,
    NettingClaim,
    Position,
    Transfer,
    minimal_transfers,
    net_plan,
    net_positions,
    resolve_gridlock,
)


def claim(claim_id: int, creditor: int, debtor: int, amount: int) -> NettingClaim:
    return NettingClaim(id=claim_id, creditor=creditor, debtor=debtor, amount=amount)


@st.composite
def claim_sets(draw, max_members: int = 12, max_claims: int = 40, max_amount: int = 2**96 - 1):
    members = draw(st.integers(min_value=2, max_value=max_members))
    count = draw(st.integers(min_value=0, max_value=max_claims))
    ids = draw(st.lists(st.integers(1, 10**9), min_size=count, max_size=count, unique=True))
    found = []
    for claim_id in ids:
        creditor = draw(st.integers(1, members))
        debtor = draw(st.integers(1, members).filter(lambda d, c=creditor: d != c))
        found.append(claim(claim_id, creditor, debtor, draw(st.integers(1, max_amount))))
    return found


# -- a pinned plan ----------------------------------------------------------------------------

PINNED = [
    claim(1, 4, 6, 40_000),
    claim(2, 5, 6, 30_000),
    claim(3, 4, 9, 20_000),
    claim(4, 7, 4, 5_000),
    claim(5, 6, 5, 12_000),
    claim(6, 5, 9, 8_000),
]
PINNED_JSON = (
    b'{"claims":[1,2,3,4,5,6],"gross":"115000","net":"86000",'
    b'"positions":[{"member":4,"position":"55000"},{"member":5,"position":"26000"},'
    b'{"member":6,"position":"-58000"},{"member":7,"position":"5000"},'
    b'{"member":9,"position":"-28000"}],'
    b'"transfers":[{"amount":"55000","from":6,"to":4},{"amount":"26000","from":9,"to":5},'
    b'{"amount":"3000","from":6,"to":7},{"amount":"2000","from":9,"to":7}],"version":1}'
)


def test_a_known_set_of_claims_gives_a_pinned_plan_and_hash():
    plan = net_plan(PINNED)
    assert plan == NetPlan(
        claim_ids=(1, 2, 3, 4, 5, 6),
        positions=(
            Position(member=4, amount=55_000),
            Position(member=5, amount=26_000),
            Position(member=6, amount=-58_000),
            Position(member=7, amount=5_000),
            Position(member=9, amount=-28_000),
        ),
        transfers=(
            Transfer(payer=6, payee=4, amount=55_000),
            Transfer(payer=9, payee=5, amount=26_000),
            Transfer(payer=6, payee=7, amount=3_000),
            Transfer(payer=9, payee=7, amount=2_000),
        ),
        gross=115_000,
    )
    assert (plan.net, plan.members) == (86_000, (4, 5, 6, 7, 9))
    assert plan.member_index() == {4: 0, 5: 1, 6: 2, 7: 3, 9: 4}
    assert plan.canonical_json() == PINNED_JSON
    assert plan.plan_hash == hashlib.sha256(PINNED_JSON).digest()
    assert plan.plan_hash.hex() == (
        "e3346df9a02480744f24f8504842715ae2c6e37f45ee6212beb1cf903427ac24"
    )
    assert json.loads(plan.canonical_json())["version"] == PLAN_VERSION


def test_ties_go_to_the_smaller_member_id():
    plan = net_plan([claim(1, 3, 1, 10), claim(2, 4, 2, 10)])
    assert plan.transfers == (
        Transfer(payer=1, payee=3, amount=10),
        Transfer(payer=2, payee=4, amount=10),
    )


def test_no_claims_give_an_empty_plan():
    plan = net_plan([])
    assert (plan.claim_ids, plan.positions, plan.transfers, plan.gross, plan.net) == (
        (),
        (),
        (),
        0,
        0,
    )


def test_members_that_net_to_zero_are_listed_but_move_nothing():
    plan = net_plan([claim(1, 1, 2, 50), claim(2, 2, 3, 50)])
    assert plan.positions == (
        Position(member=1, amount=50),
        Position(member=2, amount=0),
        Position(member=3, amount=-50),
    )
    assert plan.transfers == (Transfer(payer=3, payee=1, amount=50),)
    assert (plan.gross, plan.net) == (100, 50)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(claim_sets())
def test_positions_sum_to_zero_and_equal_each_members_claims(claims):
    positions = net_positions(claims)
    assert sum(positions.values()) == 0
    assert list(positions) == sorted(positions)
    for member, position in positions.items():
        owed = sum(c.amount for c in claims if c.creditor == member)
        owing = sum(c.amount for c in claims if c.debtor == member)
        assert position == owed - owing


@settings(max_examples=200, deadline=None)
@given(claim_sets())
def test_transfers_move_each_members_net_position_exactly(claims):
    plan = net_plan(claims)
    moved = {p.member: 0 for p in plan.positions}
    for t in plan.transfers:
        assert t.amount > 0 and t.payer != t.payee
        moved[t.payer] -= t.amount
        moved[t.payee] += t.amount
    positions = {p.member: p.amount for p in plan.positions}
    assert moved == positions
    # Every transfer goes from a net payer to a net receiver: nobody both pays and receives.
    assert all(positions[t.payer] < 0 < positions[t.payee] for t in plan.transfers)
    assert plan.net == sum(p for p in positions.values() if p > 0) <= plan.gross


@settings(max_examples=200, deadline=None)
@given(claim_sets())
def test_at_most_one_transfer_fewer_than_members_with_a_position(claims):
    plan = net_plan(claims)
    nonzero = sum(1 for p in plan.positions if p.amount)
    assert len(plan.transfers) <= max(nonzero - 1, 0)


@settings(max_examples=100, deadline=None)
@given(claim_sets(), st.randoms(use_true_random=False))
def test_the_same_claims_in_any_order_give_a_byte_identical_plan(claims, rng):
    shuffled = list(claims)
    rng.shuffle(shuffled)
    first, second = net_plan(claims), net_plan(iter(shuffled))
    assert first == second
    assert first.canonical_json() == second.canonical_json()
    assert first.plan_hash == second.plan_hash
    document = json.loads(first.canonical_json())
    assert [int(p["position"]) for p in document["positions"]] == [
        p.amount for p in first.positions
    ]
    assert json.dumps(document, sort_keys=True, separators=(",", ":")).encode() == (
        first.canonical_json()
    )


@settings(max_examples=100, deadline=None)
@given(claim_sets(max_claims=10))
def test_different_claims_give_a_different_hash(claims):
    if not claims:
        return
    changed = [
        *claims[:-1],
        claim(claims[-1].id, claims[-1].creditor, claims[-1].debtor, claims[-1].amount + 1),
    ]
    assert net_plan(claims).plan_hash != net_plan(changed).plan_hash


def test_a_thousand_claims_among_twenty_members_need_at_most_nineteen_transfers():
    rng = random.Random(6)
    claims = [
        claim(i + 1, *rng.sample(range(1, 21), 2), rng.randrange(1, 10**8)) for i in range(1_000)
    ]
    plan = net_plan(claims)
    assert len(plan.transfers) <= 19 and plan.net < plan.gross


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (claim(1, 2, 2, 5), "creditor and debtor are both member 2"),
        (claim(1, 2, 3, 0), "amount must be > 0, got 0"),
        (claim(1, 2, 3, -5), "amount must be > 0, got -5"),
        (claim(1, 2, 3, 5.0), "amount must be an int, got float 5.0"),  # type: ignore[arg-type]
        (claim(1, 2, 3, True), "amount must be an int, got bool True"),  # type: ignore[arg-type]
        (claim(1, 0, 3, 5), "creditor must be 1.."),
        (claim(-1, 2, 3, 5), "id must be 0.."),
        (claim(MAX_JSON_INTEGER + 1, 2, 3, 5), "id must be 0.."),
        (claim(1, 2, "3", 5), "debtor must be an int"),  # type: ignore[arg-type]
    ],
)
def test_claims_netting_cannot_take_are_refused(bad, message):
    with pytest.raises(InvalidClaim, match=message) as caught:
        net_plan([claim(9, 1, 2, 1), bad])
    assert caught.value.claim_id == bad.id


def test_a_claim_listed_twice_is_refused():
    with pytest.raises(DuplicateClaim, match="claim 3 appears more than once"):
        net_plan([claim(3, 1, 2, 1), claim(3, 1, 2, 1)])
    with pytest.raises(InvalidClaim, match="expected a NettingClaim, got tuple"):
        net_plan([(1, 2, 3, 4)])  # type: ignore[list-item]


def test_unbalanced_positions_are_refused():
    with pytest.raises(NettingError, match="positions must sum to zero, they sum to 5"):
        minimal_transfers({1: 10, 2: -5})
    with pytest.raises(NettingError, match="position of member 1 must be an int"):
        minimal_transfers({1: 1.5, 2: -1.5})  # type: ignore[dict-item]
    assert minimal_transfers({}) == ()


# -- gridlock ---------------------------------------------------------------------------------


def settles(claims, available) -> bool:
    positions = net_positions(claims)
    return all(-p <= available.get(m, 0) for m, p in positions.items())


def fewest_deferrals(claims, available) -> int:
    for k in range(len(claims) + 1):
        for removed in itertools.combinations(claims, k):
            if settles([c for c in claims if c not in removed], available):
                return k
    raise AssertionError("deferring every claim always settles")


def test_gridlock_defers_the_smallest_claim_that_covers_a_shortfall():
    claims = [claim(1, 4, 6, 400), claim(2, 5, 6, 300), claim(3, 4, 9, 200), claim(4, 7, 4, 50)]
    result = resolve_gridlock(claims, {6: 350, 9: 10**9, 4: 10**9})
    assert [c.id for c in result.deferred] == [1]
    assert [c.id for c in result.settle] == [2, 3, 4]
    assert result.optimal and settles(result.settle, {6: 350, 9: 10**9, 4: 10**9})


def test_gridlock_with_enough_funds_defers_nothing():
    claims = [claim(1, 1, 2, 10), claim(2, 2, 3, 4)]
    result = resolve_gridlock(claims, {2: 6, 3: 4})
    assert (result.deferred, result.optimal) == ((), True)
    assert result.settle == tuple(claims)


def test_gridlock_cascades_when_a_deferral_leaves_a_creditor_short():
    # Member 2 pays 3 only thanks to what 1 pays it; if 1 cannot pay, 2 falls short too.
    claims = [claim(1, 2, 1, 100), claim(2, 3, 2, 100)]
    result = resolve_gridlock(claims, {})
    assert [c.id for c in result.deferred] == [1, 2] and result.settle == ()
    partial = resolve_gridlock(claims, {2: 100})
    assert [c.id for c in partial.deferred] == [1]


def test_gridlock_search_beats_greedy_when_it_can():
    # Member 1 is 5 short. Greedy defers its smallest covering claim (1, owed to member 2), which
    # leaves member 2 unable to pay claim 3: two deferrals. Deferring claim 2 alone is enough.
    claims = [claim(1, 2, 1, 5), claim(2, 3, 1, 8), claim(3, 4, 2, 5)]
    greedy = resolve_gridlock(claims, {1: 8}, budget=0)
    assert ([c.id for c in greedy.deferred], greedy.optimal) == ([1, 3], False)
    result = resolve_gridlock(claims, {1: 8})
    assert ([c.id for c in result.deferred], result.optimal) == ([2], True)
    assert fewest_deferrals(claims, {1: 8}) == 1


@settings(max_examples=150, deadline=None)
@given(claim_sets(max_members=5, max_claims=8, max_amount=100), st.data())
def test_gridlock_defers_the_fewest_claims(claims, data):
    members = sorted({m for c in claims for m in (c.creditor, c.debtor)})
    available = {m: data.draw(st.integers(0, 150)) for m in members}
    result = resolve_gridlock(claims, available)
    assert settles(result.settle, available)
    assert sorted(result.settle + result.deferred, key=lambda c: c.id) == sorted(
        claims, key=lambda c: c.id
    )
    assert result.optimal
    assert len(result.deferred) == fewest_deferrals(claims, available)
    assert resolve_gridlock(list(reversed(claims)), available) == result


@settings(max_examples=50, deadline=None)
@given(claim_sets(max_members=8, max_claims=30, max_amount=1_000), st.data())
def test_an_exhausted_search_still_returns_a_set_that_settles(claims, data):
    members = sorted({m for c in claims for m in (c.creditor, c.debtor)})
    available = {m: data.draw(st.integers(0, 500)) for m in members}
    result = resolve_gridlock(claims, available, budget=0)
    assert settles(result.settle, available)
    if result.deferred:
        assert not result.optimal


def test_gridlock_checks_available_amounts():
    with pytest.raises(NettingError, match="available amount of member 2 must be >= 0, got -1"):
        resolve_gridlock([claim(1, 1, 2, 5)], {2: -1})
    with pytest.raises(NettingError, match="available amount of member 2 must be an int"):
        resolve_gridlock([claim(1, 1, 2, 5)], {2: 5.0})  # type: ignore[dict-item]


def test_netting_imports_neither_web3_nor_the_database():
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "clearing" / "netting.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "hashlib",
        "heapq",
        "json",
        "collections",
        "dataclasses",
        "typing",
        "clearing",
    }
