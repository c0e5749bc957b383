"""Claims as the `Clearing` contract holds them: ids, kinds, statuses and the `Claim` record.

Apart from `ledger.settlement` (the contract's client, which needs web3), so that what only
reads claims from the database (`clearing.claim_index`, `autoledger clearing claims`) starts
without it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NewType

from ledger.membership import MemberId

ClaimId = NewType("ClaimId", int)
"""Id of a claim in the `Clearing` contract (1, 2, 3, ...)."""


class ClaimKind(IntEnum):
    """Mirror of `IClearing.ClaimKind`; who may file each is checked by the contract."""

    PAYOFF = 0
    CURTAILMENT = 1
    INTEREST = 2
    FEE = 3
    COLLECTION_FEE = 4
    OTHER = 5


class ClaimStatus(IntEnum):
    """Mirror of `IClearing.ClaimStatus`, as of a block: a confirmed claim reads FINAL once its
    dispute window has passed."""

    NONE = 0
    FILED = 1
    CONFIRMED = 2
    FINAL = 3
    DISPUTED = 4
    SETTLED = 5
    WITHDRAWN = 6
    REJECTED = 7


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A claim of member `creditor_id` on member `debtor_id` for `amount` token units.

    `due_date` is the time from which it may settle (0: at once); `dispute_ends_at` the last
    time the debtor could dispute it (None before confirmation); `reference` the lien, evidence
    item or external reference it is about; `dispute_evidence` what the debtor cited (None if
    never disputed). `status` is as of the block it was read at.
    """

    id: ClaimId
    creditor_id: MemberId
    debtor_id: MemberId
    amount: int
    kind: ClaimKind
    status: ClaimStatus
    due_date: int
    dispute_ends_at: int | None
    reference: bytes
    dispute_evidence: bytes | None

    @classmethod
    def from_call(cls, fields: Sequence[Any]) -> Claim:
        """Build from the `Claim` struct returned by `claim`/`claims`."""
        (
            claim_id, creditor_id, debtor_id, amount, kind, status,
            due_date, dispute_ends_at, reference, evidence,
        ) = fields  # fmt: skip
        return cls(
            id=ClaimId(int(claim_id)),
            creditor_id=MemberId(int(creditor_id)),
            debtor_id=MemberId(int(debtor_id)),
            amount=int(amount),
            kind=ClaimKind(kind),
            status=ClaimStatus(status),
            due_date=int(due_date),
            dispute_ends_at=int(dispute_ends_at) or None,
            reference=bytes(reference),
            dispute_evidence=bytes(evidence) if any(bytes(evidence)) else None,
        )

    @property
    def is_final(self) -> bool:
        """Whether it may settle now (if due): confirmed past its window, or upheld."""
        return self.status is ClaimStatus.FINAL
