"""Tables owned by `clearing`: clearing cycles and the settlement transactions that carry them."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, SQLModel

from ledger.models import utcnow

AMOUNT_DIGITS = 40
"""Width of the decimal-string amount columns. A cycle's gross value is at most 2,000 claims of
less than 2**96 units (below 10**33), so 40 digits leave room without a database that can hold
integers past 2**63."""


class CycleStatus(StrEnum):
    """prepared (plan stored) → signed (transaction stored: the outbox) → settled; or failed.

    A failed cycle settled nothing: the contract refused its plan (a claim changed, a payer's
    funds went) or it could not be funded. Its claims are planned again by the next cycle.
    """

    PREPARED = "prepared"
    SIGNED = "signed"
    SETTLED = "settled"
    FAILED = "failed"


class CycleTrigger(StrEnum):
    """Why a cycle ran: the engine's schedule, or a member asking for one (`triggered_by`)."""

    SCHEDULE = "schedule"
    MEMBER = "member"


class ClearingCycle(SQLModel, table=True):
    """One clearing cycle: a net plan over final claims and the `settleCycle` transaction.

    Amounts are decimal strings (they can exceed 2**63). JSON columns hold, in the plan's order:
    `claim_ids` (ascending ids), `claims_json` (per claim: id, creditor, debtor, amount, kind,
    reference, due date, as read from the contract when planning), `members_json` (per member
    of the plan: member id, its address then, position), `transfers_json` (payer and payee
    member ids, amount), `deferred_claim_ids` (claims the gridlock pass held back for a later
    cycle). `plan_json` is the plan's canonical JSON: `plan_hash` is its SHA-256, as recorded
    on chain with the cycle. `cycle_id` is the contract's cycle id once settled.
    """

    __tablename__ = "clearing_cycle"

    id: int | None = Field(default=None, primary_key=True)
    plan_hash: str = Field(max_length=64, unique=True, description="hex SHA-256 of plan_json")
    status: str = Field(default=CycleStatus.PREPARED, max_length=10, index=True)
    trigger: str = Field(default=CycleTrigger.SCHEDULE, max_length=10)
    triggered_by: int | None = Field(default=None, sa_type=BigInteger, index=True)
    chain_id: int = Field(sa_type=BigInteger)
    clearing_address: str = Field(max_length=42)
    sender_address: str = Field(max_length=42)
    plan_json: str = Field(sa_type=Text)
    claim_ids: str = Field(sa_type=Text)
    claims_json: str = Field(sa_type=Text)
    members_json: str = Field(sa_type=Text)
    transfers_json: str = Field(sa_type=Text)
    deferred_claim_ids: str = Field(default="[]", sa_type=Text)
    claim_count: int
    transfer_count: int
    gross: str = Field(max_length=AMOUNT_DIGITS)
    net: str = Field(max_length=AMOUNT_DIGITS)
    attempts: int = Field(default=0, description="transactions signed since it was planned")
    nonce: int | None = Field(default=None, sa_type=BigInteger)
    tx_hash: str | None = Field(default=None, max_length=66, index=True)
    raw_tx: str | None = Field(default=None, sa_type=Text, description="signed bytes, hex")
    cycle_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    block_hash: str | None = Field(default=None, max_length=66)
    block_time: datetime | None = None
    error: str | None = Field(default=None, sa_type=Text, description="why it failed")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    signed_at: datetime | None = None
    settled_at: datetime | None = None
    failed_at: datetime | None = None

    # -- decoded views ------------------------------------------------------------------------

    def claim_id_list(self) -> list[int]:
        """`claim_ids` decoded."""
        return [int(i) for i in json.loads(self.claim_ids)]

    def deferred_claim_id_list(self) -> list[int]:
        """`deferred_claim_ids` decoded."""
        return [int(i) for i in json.loads(self.deferred_claim_ids)]

    def claims(self) -> list[dict[str, Any]]:
        """`claims_json` decoded (amounts as int)."""
        return [{**c, "amount": int(c["amount"])} for c in json.loads(self.claims_json)]

    def members(self) -> list[dict[str, Any]]:
        """`members_json` decoded (positions as int)."""
        return [{**m, "position": int(m["position"])} for m in json.loads(self.members_json)]

    def transfers(self) -> list[dict[str, Any]]:
        """`transfers_json` decoded (amounts as int)."""
        return [{**t, "amount": int(t["amount"])} for t in json.loads(self.transfers_json)]

    @property
    def gross_value(self) -> int:
        """`gross` as an int."""
        return int(self.gross)

    @property
    def net_value(self) -> int:
        """`net` as an int."""
        return int(self.net)
