"""Exceptions raised by `clearing`.

ClearingError
├── NettingError            claims cannot be netted
│   ├── InvalidClaim        a claim's id, parties or amount is invalid; `.claim_id` names it
│   └── DuplicateClaim      the same claim id appears twice; `.claim_id` names it
└── InstructionError        a payment instruction cannot be built (bad IBAN, BIC, amount...)
"""

from __future__ import annotations


class ClearingError(Exception):
    """Base of every error raised by `clearing`."""


class NettingError(ClearingError):
    """A set of claims, positions or balances cannot be netted."""


class InvalidClaim(NettingError):
    """Claim `claim_id` has a value netting cannot take (see the message for which)."""

    def __init__(self, claim_id: object, message: str) -> None:
        self.claim_id = claim_id
        super().__init__(f"claim {claim_id!r}: {message}")


class DuplicateClaim(NettingError):
    """Claim id `claim_id` appears more than once."""

    def __init__(self, claim_id: int) -> None:
        self.claim_id = claim_id
        super().__init__(f"claim {claim_id} appears more than once")


class InstructionError(ClearingError):
    """A payment instruction could not be built from the values given."""
