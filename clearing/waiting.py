"""Why a claim is not settling: the reason the next clearing cycle leaves each open claim out.

A user who triggers a cycle and hears "nothing to settle" needs to know what to do next: wait
for the debtor's confirmation, for the dispute window or the due date (both in chain time,
seconds since the epoch, as the contract compares them), for a governance decision, or fund
the payer (balance or allowance to the Clearing). `waiting_claims` derives that from what the
chain says about the claims and what the planner found; it reads nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ledger.settlement import Claim, ClaimStatus


class WaitReason(StrEnum):
    """Why a claim is left out of the next cycle (the API's ``reason`` values)."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """Filed; the debtor has not confirmed (or disputed) it."""
    DISPUTE_WINDOW = "dispute_window"
    """Confirmed; the debtor may still dispute it until `until`, then it is final."""
    DISPUTED = "disputed"
    """Disputed; it waits for a governance decision (upheld: final; else rejected)."""
    NOT_DUE = "not_due"
    """Final, but its due date `until` has not come."""
    PAYER_SHORT = "payer_short"
    """Final and due, but the payer's balance or its allowance to the Clearing falls short."""
    CYCLE_FULL = "cycle_full"
    """Final and due, but the cycle is full (claims or members cap): it goes in the next."""


@dataclass(frozen=True, kw_only=True)
class Funds:
    """What a payer holds in settlement tokens and lets the Clearing pull (token units)."""

    balance: int
    allowance: int


@dataclass(frozen=True, kw_only=True)
class WaitingClaim:
    """A claim not in the next cycle and why. `until` is the chain time (seconds) its reason
    ends, for the dispute window and the due date; for a payer short of funds `payer_id` is
    the member that must pay, `short_by` what it lacks for its net position and `funds` what
    it has."""

    claim: Claim
    reason: WaitReason
    until: int | None = None
    payer_id: int | None = None
    short_by: int | None = None
    funds: Funds | None = None

    def describe(self) -> str:
        """One line for people, e.g. ``dispute window ends at 2026-12-05 10:00:00 UTC``."""
        match self.reason:
            case WaitReason.AWAITING_CONFIRMATION:
                return f"awaiting the confirmation of its debtor (member {self.claim.debtor_id})"
            case WaitReason.DISPUTE_WINDOW:
                return f"dispute window ends at {_when(self.until)}"
            case WaitReason.DISPUTED:
                return "disputed: waits for a governance decision (upheld or rejected)"
            case WaitReason.NOT_DUE:
                return f"not due until {_when(self.until)}"
            case WaitReason.CYCLE_FULL:
                return "the next cycle is full (claims or members cap): it settles in a later one"
        funds = self.funds or Funds(balance=0, allowance=0)
        what = (
            "allowance to the Clearing missing"
            if funds.balance > funds.allowance
            else "balance too low"
        )
        return (
            f"payer member {self.payer_id} short by {self.short_by} ({what}: balance"
            f" {funds.balance}, allowance to the Clearing {funds.allowance})"
        )


def waiting_claims(
    claims: Sequence[Claim],
    *,
    now: int,
    settling: Sequence[int],
    deferred: Sequence[int],
    shortfalls: Mapping[int, int],
    funds: Mapping[int, Funds],
) -> list[WaitingClaim]:
    """Every open claim of `claims` that is not in `settling` (the next plan's claim ids),
    with its reason, ascending id.

    `now` is the latest block's time; `deferred` the claims the gridlock pass held back and
    `shortfalls` the short payers (member id -> amount lacking), both from the planner;
    `funds` what each short payer (and each debtor of a deferred claim) holds. A final, due
    claim neither settling nor deferred whose debtor is short waits for funds too (the pass is
    off); any other waits for a later cycle.
    """
    going, held = set(settling), set(deferred)
    found: list[WaitingClaim] = []
    for claim in claims:
        if claim.id in going or claim.status in _CLOSED:
            continue
        if claim.status is ClaimStatus.FILED:
            found.append(WaitingClaim(claim=claim, reason=WaitReason.AWAITING_CONFIRMATION))
        elif claim.status is ClaimStatus.CONFIRMED:
            until = claim.dispute_ends_at
            found.append(WaitingClaim(claim=claim, reason=WaitReason.DISPUTE_WINDOW, until=until))
        elif claim.status is ClaimStatus.DISPUTED:
            found.append(WaitingClaim(claim=claim, reason=WaitReason.DISPUTED))
        elif claim.due_date > now:
            found.append(WaitingClaim(claim=claim, reason=WaitReason.NOT_DUE, until=claim.due_date))
        elif claim.id in held or claim.debtor_id in shortfalls:
            payer = claim.debtor_id if claim.debtor_id in shortfalls else min(shortfalls, default=0)
            found.append(
                WaitingClaim(
                    claim=claim,
                    reason=WaitReason.PAYER_SHORT,
                    payer_id=payer,
                    short_by=shortfalls.get(payer, 0),
                    funds=funds.get(payer),
                )
            )
        else:
            found.append(WaitingClaim(claim=claim, reason=WaitReason.CYCLE_FULL))
    return found


_CLOSED = {ClaimStatus.SETTLED, ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED}


def _when(moment: int | None) -> str:
    """A chain time in UTC; one past what a calendar shows (a due date may be up to 2**40 - 1
    seconds) as its seconds."""
    if moment is None:
        return "an unknown time"
    try:
        return f"{datetime.fromtimestamp(moment, UTC):%Y-%m-%d %H:%M:%S} UTC"
    except (ValueError, OverflowError, OSError):
        return f"chain time {moment} (seconds)"
