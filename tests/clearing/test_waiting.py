"""Why a claim waits: each reason from the claim's state, chain time and the planner's view."""

from __future__ import annotations

from clearing.waiting import Funds, WaitReason, waiting_claims
from ledger.settlement import Claim, ClaimId, ClaimKind, ClaimStatus, MemberId

NOW = 1_800_000_000


def _claim(
    claim_id: int,
    status: ClaimStatus,
    *,
    debtor: int = 4,
    due: int = 0,
    dispute_ends_at: int | None = None,
) -> Claim:
    return Claim(
        id=ClaimId(claim_id),
        creditor_id=MemberId(2),
        debtor_id=MemberId(debtor),
        amount=1_000,
        kind=ClaimKind.PAYOFF,
        status=status,
        due_date=due,
        dispute_ends_at=dispute_ends_at,
        reference=bytes(32),
        dispute_evidence=None,
    )


def test_each_open_claim_not_settling_gets_its_reason():
    claims = [
        _claim(1, ClaimStatus.FILED),
        _claim(2, ClaimStatus.CONFIRMED, dispute_ends_at=NOW + 3_600),
        _claim(3, ClaimStatus.DISPUTED),
        _claim(4, ClaimStatus.FINAL, due=NOW + 86_400),
        _claim(5, ClaimStatus.FINAL, debtor=6),
        _claim(6, ClaimStatus.FINAL),
        _claim(7, ClaimStatus.SETTLED),
        _claim(8, ClaimStatus.FINAL, debtor=9),
    ]
    found = waiting_claims(
        claims,
        now=NOW,
        settling=[6],
        deferred=[5],
        shortfalls={6: 700},
        funds={6: Funds(balance=500, allowance=300)},
    )
    reasons = {w.claim.id: w.reason for w in found}
    assert reasons == {
        1: WaitReason.AWAITING_CONFIRMATION,
        2: WaitReason.DISPUTE_WINDOW,
        3: WaitReason.DISPUTED,
        4: WaitReason.NOT_DUE,
        5: WaitReason.PAYER_SHORT,
        8: WaitReason.CYCLE_FULL,
    }
    by_id = {w.claim.id: w for w in found}
    assert by_id[2].until == NOW + 3_600
    assert by_id[4].until == NOW + 86_400
    short = by_id[5]
    assert (short.payer_id, short.short_by, short.funds) == (
        6,
        700,
        Funds(balance=500, allowance=300),
    )


def test_descriptions_name_the_time_and_what_is_missing():
    window = waiting_claims(
        [_claim(1, ClaimStatus.CONFIRMED, dispute_ends_at=1_764_979_200)],
        now=NOW,
        settling=[],
        deferred=[],
        shortfalls={},
        funds={},
    )
    assert window[0].describe() == "dispute window ends at 2025-12-06 00:00:00 UTC"
    allowance = waiting_claims(
        [_claim(1, ClaimStatus.FINAL)],
        now=NOW,
        settling=[],
        deferred=[1],
        shortfalls={4: 1_000},
        funds={4: Funds(balance=5_000, allowance=0)},
    )
    assert allowance[0].describe() == (
        "payer member 4 short by 1000 (allowance to the Clearing missing: balance 5000,"
        " allowance to the Clearing 0)"
    )
    balance = waiting_claims(
        [_claim(1, ClaimStatus.FINAL)],
        now=NOW,
        settling=[],
        deferred=[],
        shortfalls={4: 1_000},  # the gridlock pass off: the short payer's claim waits too
        funds={4: Funds(balance=0, allowance=0)},
    )
    assert balance[0].reason is WaitReason.PAYER_SHORT
    assert "balance too low: balance 0" in balance[0].describe()
    not_due = waiting_claims(
        [_claim(1, ClaimStatus.FINAL, due=1_764_979_200 + 90)],
        now=1_764_979_200,
        settling=[],
        deferred=[],
        shortfalls={},
        funds={},
    )
    assert not_due[0].describe() == "not due until 2025-12-06 00:01:30 UTC"
