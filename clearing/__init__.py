"""Claims, netting and settlement: the pure netting core and payment instructions.

`clearing.netting` nets final claims into a deterministic plan (positions, at most N - 1
transfers, a SHA-256 plan hash) and runs the gridlock pass; `clearing.instructions` writes
ISO 20022 pacs.008 messages for members that settle off chain. Both are pure: no web3, no
database. The chain side is `ledger.settlement`.
"""

from clearing.errors import (
    ClearingError,
    DuplicateClaim,
    InstructionError,
    InvalidClaim,
    NettingError,
)
from clearing.instructions import Party, PaymentInstruction, format_amount, iban_is_valid, pacs008
from clearing.netting import (
    PLAN_VERSION,
    GridlockResolution,
    NetPlan,
    NettingClaim,
    Position,
    Transfer,
    minimal_transfers,
    net_plan,
    net_positions,
    resolve_gridlock,
)

__all__ = [
    "PLAN_VERSION",
    "ClearingError",
    "DuplicateClaim",
    "GridlockResolution",
    "InstructionError",
    "InvalidClaim",
    "NetPlan",
    "NettingClaim",
    "NettingError",
    "Party",
    "PaymentInstruction",
    "Position",
    "Transfer",
    "format_amount",
    "iban_is_valid",
    "minimal_transfers",
    "net_plan",
    "net_positions",
    "pacs008",
    "resolve_gridlock",
]
