"""Consortium membership terms: roles and proposal lifetimes.

Kept apart from the contract client (`ledger.consortium`, which re-exports them) so the command
line and settings can name roles without importing web3.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

__all__ = ["DEFAULT_LIFETIME", "MAX_LIFETIME", "Role", "RoleLike"]

DEFAULT_LIFETIME = 7 * 24 * 3600
"""Seconds a proposal stays open by default: a working week for governors in separate
organisations to review and vote, well inside the contract's 30-day maximum."""

MAX_LIFETIME = 30 * 24 * 3600
"""The contract's `MAX_PROPOSAL_LIFETIME`: longer lifetimes revert `ConsortiumInvalidLifetime`."""


MemberId = NewType("MemberId", int)
"""Stable id of a consortium member (1, 2, 3, ...); it survives key rotations."""


class Role(StrEnum):
    """A consortium role, in the contract's `knownRoles()` order."""

    LENDER = "LENDER"
    DEALER = "DEALER"
    COLLECTOR = "COLLECTOR"
    LEGAL = "LEGAL"
    REGULATOR = "REGULATOR"
    NOTARY = "NOTARY"
    AUDITOR = "AUDITOR"
    SETTLEMENT_BANK = "SETTLEMENT_BANK"
    OPERATOR = "OPERATOR"
    GOVERNOR = "GOVERNOR"

    @property
    def id(self) -> bytes:
        """The on-chain role identifier: keccak256 of the name."""
        from eth_utils.crypto import keccak

        return keccak(text=self.value)

    @classmethod
    def from_id(cls, role_id: bytes) -> Role:
        """The role whose identifier is `role_id`; raises `ValueError` for an unknown one."""
        for role in cls:
            if role.id == bytes(role_id):
                return role
        raise ValueError(f"unknown consortium role id 0x{bytes(role_id).hex()}")


RoleLike = Role | bytes
"""A `Role`, or a raw 32-byte role identifier (sent as is, e.g. to probe unknown roles)."""
