"""Typed clients of the `FloorPlan` and `LotAudit` contracts: credit lines, liens and lot audits."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NewType

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.crypto import keccak
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import BlockIdentifier, TxParams

from ledger.chain import Address, checksum
from ledger.compiler import Artifacts
from ledger.consortium import MemberId
from ledger.errors import TransactionError
from ledger.financing import Curtailments, CurtailmentStep, LineTerms, Payoff
from ledger.transactions import Sender, Sent
from ledger.vin import VehicleKeys, VinHash

LineId = NewType("LineId", int)
"""Id of a credit line (1, 2, 3, ...)."""

TermsId = NewType("TermsId", int)
"""Id of a set of line terms; a line gets a new one each time its terms change."""

AuditId = NewType("AuditId", int)
"""Id of a lot audit (1, 2, 3, ...)."""

BATCH_SIZE = 100
"""Vehicles per batch transaction the callers should aim for. A batch advance of 100 new
vehicles takes about 7.3 M gas (see scripts/bench_floorplan.py), a quarter of a 30 M block, so
batches of this size are mined whole on every chain we target."""

CHECK_ALL = 10_000
"""`sample_bps` of an audit that checks every financed vehicle (no draw)."""

BLOCKHASH_WINDOW = 256
"""The EVM keeps the hashes of the last 256 blocks: a sampled audit must be revealed within this
many blocks of its draw block, or it reverts ``LotAuditDrawExpired``."""

DOMAIN_NAME = "AutoLedger FloorPlan"
"""EIP-712 domain name of dealer confirmations (with `DOMAIN_VERSION`, chain id, contract)."""

DOMAIN_VERSION = "1"

CONFIRM_RECEIPT_TYPE = [
    {"name": "vinHashes", "type": "bytes32[]"},
    {"name": "lender", "type": "address"},
    {"name": "lineId", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
"""The EIP-712 struct a dealer signs to confirm receipt of financed vehicles."""

_EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class VehicleStatus(IntEnum):
    """Mirror of `IFloorPlan.VehicleStatus`; a lien is active from FINANCED on."""

    NONE = 0
    RELEASED = 1
    FINANCED = 2
    SOLD = 3
    SOLD_OUT_OF_TRUST = 4
    REPOSSESSED = 5

    @property
    def pledged(self) -> bool:
        """Whether a vehicle in this status is under an active lien."""
        return self >= VehicleStatus.FINANCED


class LineStatus(IntEnum):
    """Mirror of `IFloorPlan.LineStatus`."""

    NONE = 0
    OPEN = 1
    FROZEN = 2
    CLOSED = 3


class KeyKind(IntEnum):
    """Mirror of `IFloorPlan.KeyKind`: which key ``FloorPlanAlreadyPledged`` names."""

    VIN = 0
    CERTIFICATE = 1
    ENGINE = 2


class AuditStatus(IntEnum):
    """Mirror of `LotAudit.AuditStatus`."""

    NONE = 0
    COMMITTED = 1
    REVEALED = 2
    CLOSED = 3


class Outcome(IntEnum):
    """Mirror of `LotAudit.Outcome`."""

    NONE = 0
    FOUND = 1
    MISSING = 2
    UNEXPECTED = 3


@dataclass(frozen=True, kw_only=True)
class NewVehicle:
    """A vehicle to advance on: its three keys and its value (the advance is a share of it)."""

    vin_hash: bytes
    certificate_hash: bytes
    engine_hash: bytes
    value: int

    @classmethod
    def of(cls, keys: VehicleKeys, value: int) -> NewVehicle:
        """From the keys of `ledger.vin.VehicleKeys.of(...)` and the vehicle's `value`."""
        return cls(
            vin_hash=keys.vin_hash,
            certificate_hash=keys.certificate_hash,
            engine_hash=keys.engine_hash,
            value=value,
        )

    def as_arg(self) -> tuple[bytes, bytes, bytes, int]:
        """The contract's `NewVehicle` tuple."""
        return (
            _hash32(self.vin_hash, "vin_hash"),
            _hash32(self.certificate_hash, "certificate_hash"),
            _hash32(self.engine_hash, "engine_hash"),
            self.value,
        )


@dataclass(frozen=True, kw_only=True)
class Line:
    """A credit line of lender `lender_id` for dealer `dealer_id` (member ids)."""

    id: LineId
    lender_id: MemberId
    dealer_id: MemberId
    terms_id: TermsId
    status: LineStatus
    limit: int
    outstanding: int
    active_liens: int

    @classmethod
    def from_call(cls, line_id: int, fields: Sequence[Any]) -> Line:
        """Build from the `Line` struct returned by `line(lineId)`."""
        lender, dealer, terms_id, status, limit, outstanding, active = fields
        return cls(
            id=LineId(line_id),
            lender_id=MemberId(int(lender)),
            dealer_id=MemberId(int(dealer)),
            terms_id=TermsId(int(terms_id)),
            status=LineStatus(status),
            limit=int(limit),
            outstanding=int(outstanding),
            active_liens=int(active),
        )

    @property
    def available(self) -> int:
        """Principal that can still be advanced before the limit (0 when over it)."""
        return max(self.limit - self.outstanding, 0)


@dataclass(frozen=True, kw_only=True)
class Vehicle:
    """A vehicle and its current lien (its last one, once released).

    `status` is effective: a sold vehicle past its payoff deadline reads SOLD_OUT_OF_TRUST even
    before anyone records it. Times are block timestamps; None where the event did not happen.
    `registration` is the movable-property registration (see `registration_text`).
    """

    vin_hash: VinHash
    status: VehicleStatus
    line_id: LineId
    terms_id: TermsId
    advance: int
    principal: int
    disbursed_at: int
    confirm_by: int
    sold_at: int | None
    payoff_due_at: int | None
    confirmed: bool
    flagged_unconfirmed: bool
    missing: bool
    curtailments_flagged: int
    registration: bytes | None
    transfer_offer_line_id: LineId | None

    @classmethod
    def from_call(cls, vin_hash: bytes, fields: Sequence[Any]) -> Vehicle | None:
        """Build from the `Vehicle` struct of `vehicle(vinHash)`; None for a vehicle never seen."""
        (
            status, line_id, terms_id, advance, principal, disbursed_at, confirm_by, sold_at,
            payoff_due_at, confirmed, flagged, missing, curtailments_flagged, registration, offer,
        ) = fields  # fmt: skip
        if int(status) == VehicleStatus.NONE:
            return None
        return cls(
            vin_hash=VinHash(bytes(vin_hash)),
            status=VehicleStatus(status),
            line_id=LineId(int(line_id)),
            terms_id=TermsId(int(terms_id)),
            advance=int(advance),
            principal=int(principal),
            disbursed_at=int(disbursed_at),
            confirm_by=int(confirm_by),
            sold_at=int(sold_at) or None,
            payoff_due_at=int(payoff_due_at) or None,
            confirmed=bool(confirmed),
            flagged_unconfirmed=bool(flagged),
            missing=bool(missing),
            curtailments_flagged=int(curtailments_flagged),
            registration=bytes(registration) if any(bytes(registration)) else None,
            transfer_offer_line_id=LineId(int(offer)) if int(offer) else None,
        )


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    """A dealer's receipt confirmation of `vin_hashes` financed on `line_id`, before signing.

    `lender` and `dealer` are the current addresses of the line's parties; `nonce` is the
    dealer's next confirmation nonce; `deadline` the last block timestamp at which it can be
    recorded. `typed_data` is what the dealer signs (EIP-712, JSON-ready).
    """

    line_id: LineId
    vin_hashes: tuple[bytes, ...]
    lender: Address
    dealer: Address
    nonce: int
    deadline: int
    chain_id: int
    contract: Address

    def typed_data(self) -> dict[str, Any]:
        """The EIP-712 message for `eth_signTypedData_v4` (hashes as 0x-hex, so it is JSON)."""
        return {
            "types": {"EIP712Domain": _EIP712_DOMAIN_TYPE, "ConfirmReceipt": CONFIRM_RECEIPT_TYPE},
            "primaryType": "ConfirmReceipt",
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": self.chain_id,
                "verifyingContract": self.contract,
            },
            "message": {
                "vinHashes": ["0x" + h.hex() for h in self.vin_hashes],
                "lender": self.lender,
                "lineId": self.line_id,
                "nonce": self.nonce,
                "deadline": self.deadline,
            },
        }

    def sign(self, account: LocalAccount) -> bytes:
        """The dealer's 65-byte signature of `typed_data` with `account` (the dealer's key)."""
        return sign_typed_data(self.typed_data(), account)


@dataclass(frozen=True, kw_only=True)
class Event:
    """A decoded event of the floor plan or its lot audit: `name` and its arguments."""

    name: str
    args: dict[str, Any]
    address: Address


@dataclass(frozen=True, kw_only=True)
class Finding:
    """An audit result: `outcome` of vehicle `vin_hash`, with the digest of its `evidence`."""

    vin_hash: bytes
    outcome: Outcome
    evidence: bytes

    def as_arg(self) -> tuple[bytes, int, bytes]:
        """The contract's `Finding` tuple."""
        return (
            _hash32(self.vin_hash, "vin_hash"),
            int(self.outcome),
            _hash32(self.evidence, "evidence"),
        )


@dataclass(frozen=True, kw_only=True)
class Audit:
    """A lot audit of line `line_id`, opened by member `opener_id`.

    `sample_bps` is the share drawn (`CHECK_ALL` checks all, with no draw); `draw_block` the
    block whose hash seeds the draw (None for check-all); `seed` the draw's seed once revealed.
    """

    id: AuditId
    line_id: LineId
    opener_id: MemberId
    sample_bps: int
    freeze_on_missing: bool
    status: AuditStatus
    draw_block: int | None
    found: int
    missing: int
    unexpected: int
    commitment: bytes | None
    seed: bytes | None

    @classmethod
    def from_call(cls, audit_id: int, fields: Sequence[Any]) -> Audit:
        """Build from the `Audit` struct returned by `audit(auditId)`."""
        (
            line_id, opener_id, sample_bps, freeze, status, draw_block, found, missing,
            unexpected, commitment, seed,
        ) = fields  # fmt: skip
        return cls(
            id=AuditId(audit_id),
            line_id=LineId(int(line_id)),
            opener_id=MemberId(int(opener_id)),
            sample_bps=int(sample_bps),
            freeze_on_missing=bool(freeze),
            status=AuditStatus(status),
            draw_block=int(draw_block) or None,
            found=int(found),
            missing=int(missing),
            unexpected=int(unexpected),
            commitment=bytes(commitment) if any(bytes(commitment)) else None,
            seed=bytes(seed) if any(bytes(seed)) else None,
        )

    @property
    def check_all(self) -> bool:
        """Whether every financed vehicle of the line must be checked."""
        return self.sample_bps == CHECK_ALL


class FloorPlanClient:
    """The `FloorPlan` contract at `address`, acting as the member whose key `sender` holds.

    Hashes are 32 raw bytes (other lengths raise `ValueError` before anything is sent). Every
    transaction and revert-able read raises `TransactionReverted` with the contract's custom
    error (``FloorPlanAlreadyPledged(key, kind)``...) or the consortium's
    (``ConsortiumMemberNotActive``, ``ConsortiumMissingRole``). Batch methods take up to a few
    hundred vehicles per transaction (see `BATCH_SIZE`); each is all or nothing. Use
    `as_sender` to act as another member, `lot_audit` for the audits.
    """

    def __init__(
        self,
        sender: Sender,
        *,
        address: str,
        abi: list[dict[str, Any]],
        lot_audit_abi: list[dict[str, Any]],
        consortium_abi: list[dict[str, Any]],
    ) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.lot_audit_abi = lot_audit_abi
        self.consortium_abi = consortium_abi
        self.contract: Contract = sender.contract(self.address, abi)
        self._lot_audit_address: Address | None = None

    @classmethod
    def at(cls, sender: Sender, artifacts: Artifacts, address: str) -> FloorPlanClient:
        """A client for the floor plan at `address`, with the ABIs from `artifacts`."""
        return cls(
            sender,
            address=address,
            abi=artifacts["FloorPlan"].abi,
            lot_audit_abi=artifacts["LotAudit"].abi,
            consortium_abi=artifacts["Consortium"].abi,
        )

    def as_sender(self, sender: Sender) -> FloorPlanClient:
        """A client for the same contract that signs with `sender`'s key."""
        return FloorPlanClient(
            sender,
            address=self.address,
            abi=self.abi,
            lot_audit_abi=self.lot_audit_abi,
            consortium_abi=self.consortium_abi,
        )

    def lot_audit(self) -> LotAuditClient:
        """The floor plan's own `LotAudit` contract, acting as the same sender."""
        if self._lot_audit_address is None:
            self._lot_audit_address = checksum(self._call(self.contract.functions.lotAudit()))
        return LotAuditClient(self.sender, address=self._lot_audit_address, abi=self.lot_audit_abi)

    # -- credit lines ---------------------------------------------------------------------------

    def open_line(self, dealer: str, limit: int, terms: LineTerms) -> LineId:
        """Open a line of the caller (an active LENDER) for the DEALER member at `dealer`.

        `terms` are validated first (`InvalidTerms`). Reverts ``ConsortiumMissingRole`` (caller
        not a lender, or `dealer` not a dealer), ``FloorPlanAmountTooLarge`` for a limit of 2^96
        or more, or the terms errors of `change_line`.
        """
        function = self.contract.functions.openLine(
            checksum(dealer), limit, _terms_arg(terms.validate())
        )
        sent = self.sender.transact(function)
        return LineId(int(self._event(sent, "LineOpened")["lineId"]))

    def change_line(
        self, line_id: int, *, limit: int | None = None, terms: LineTerms | None = None
    ) -> TermsId:
        """Set the limit and/or terms of line `line_id` (what is not given stays); returns the
        new terms id. Liens already disbursed keep their terms.

        The caller must be the line's lender (else ``FloorPlanNotLineLender``). Reverts
        ``FloorPlanInvalidLineStatus`` on a closed line, ``FloorPlanInvalidAdvanceRate``,
        ``FloorPlanInvalidWindows``, ``FloorPlanTooManyCurtailmentSteps``,
        ``FloorPlanInvalidCurtailmentStep(index)``.
        """
        if limit is None or terms is None:
            current = self.line(line_id)
            limit = current.limit if limit is None else limit
            terms = self.terms(current.terms_id)[1] if terms is None else terms
        function = self.contract.functions.changeLine(line_id, limit, _terms_arg(terms.validate()))
        sent = self.sender.transact(function)
        return TermsId(int(self._event(sent, "LineChanged")["termsId"]))

    def freeze_line(self, line_id: int) -> Sent:
        """Freeze line `line_id` against new advances (lender only; must be OPEN)."""
        return self.sender.transact(self.contract.functions.freezeLine(line_id))

    def unfreeze_line(self, line_id: int) -> Sent:
        """Reopen the frozen line `line_id` (lender only)."""
        return self.sender.transact(self.contract.functions.unfreezeLine(line_id))

    def close_line(self, line_id: int) -> Sent:
        """Close line `line_id` for good (lender only; ``FloorPlanLineHasLiens`` while any lien
        is active)."""
        return self.sender.transact(self.contract.functions.closeLine(line_id))

    # -- advances -------------------------------------------------------------------------------

    def advance(
        self,
        line_id: int,
        vehicles: Sequence[NewVehicle],
        *,
        registration: bytes | str | None = None,
    ) -> Sent:
        """Advance on `vehicles` on line `line_id`, in one transaction, all or nothing.

        Each advance is `ledger.financing.advance_for(value, advance_rate_bps)` of the line's
        current terms. `registration` (a movable-property registration number of up to 32
        bytes, or its hash) is stored with every lien of the batch. The caller must be the
        line's lender. Reverts ``FloorPlanInvalidLineStatus`` (frozen or closed line),
        ``FloorPlanAlreadyPledged(key, kind)`` naming the first key an active lien already
        holds, ``FloorPlanLimitExceeded(lineId, limit, outstanding, requested)``,
        ``FloorPlanZeroHash``, ``FloorPlanZeroAdvance``, ``FloorPlanAmountTooLarge``,
        ``FloorPlanEmptyBatch``.
        """
        function = self.contract.functions.advance(
            line_id, [v.as_arg() for v in vehicles], registration_bytes(registration)
        )
        return self.sender.transact(function)

    def record_registration(self, vin_hashes: Sequence[bytes], registration: bytes | str) -> Sent:
        """Record the movable-property `registration` of the active liens on `vin_hashes`
        (lender of each line only)."""
        function = self.contract.functions.recordRegistration(
            _hashes(vin_hashes), registration_bytes(registration)
        )
        return self.sender.transact(function)

    # -- dealer confirmation --------------------------------------------------------------------

    def confirmation(
        self, line_id: int, vin_hashes: Sequence[bytes], *, deadline: int
    ) -> Confirmation:
        """The confirmation the dealer of line `line_id` signs for `vin_hashes`, valid up to
        block time `deadline`, with the parties' current addresses and the dealer's next nonce.

        Two confirmations prepared at once get the same nonce: only the first recorded counts.
        """
        line = self.line(line_id)
        consortium = self.sender.contract(self._consortium_address(), self.consortium_abi)
        lender = checksum(self._call(consortium.functions.member(line.lender_id))[1])
        dealer = checksum(self._call(consortium.functions.member(line.dealer_id))[1])
        return Confirmation(
            line_id=LineId(line_id),
            vin_hashes=tuple(_hashes(vin_hashes)),
            lender=lender,
            dealer=dealer,
            nonce=self.confirmation_nonce(dealer),
            deadline=deadline,
            chain_id=self.sender.chain.chain_id,
            contract=self.address,
        )

    def confirm_receipt(self, confirmation: Confirmation, signature: bytes) -> Sent:
        """Record `confirmation` with the dealer's `signature`; anyone may relay it.

        Reverts ``FloorPlanSignatureExpired(deadline)``, ``FloorPlanInvalidNonce(dealer,
        expected, nonce)`` (a replay), ``FloorPlanInvalidSignature(dealer)`` (forged, altered,
        or signed for another chain or contract), ``FloorPlanNotLineLender`` /
        ``FloorPlanNotLineDealer`` (keys rotated since), and per vehicle
        ``FloorPlanNotPledged``, ``FloorPlanNotOnLine``, ``FloorPlanAlreadyConfirmed``.
        """
        function = self.contract.functions.confirmReceipt(
            confirmation.line_id,
            list(confirmation.vin_hashes),
            confirmation.lender,
            confirmation.dealer,
            confirmation.nonce,
            confirmation.deadline,
            bytes(signature),
        )
        return self.sender.transact(function)

    def flag_unconfirmed(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Flag financed vehicles not confirmed by their deadline (anyone).

        Reverts ``FloorPlanAlreadyConfirmed``, ``FloorPlanAlreadyFlagged`` or
        ``FloorPlanConfirmationNotDue(vinHash, confirmBy)``.
        """
        return self.sender.transact(self.contract.functions.flagUnconfirmed(_hashes(vin_hashes)))

    # -- sale, payoff, curtailments, repossession -----------------------------------------------

    def report_sale(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Report `vin_hashes` sold (the dealer of each line); payoffs fall due by the line's
        payoff window. Reverts ``FloorPlanNotLineDealer`` or ``FloorPlanInvalidStatus``."""
        return self.sender.transact(self.contract.functions.reportSale(_hashes(vin_hashes)))

    def mark_sold_out_of_trust(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Record sold vehicles whose payoff deadline passed as sold out of trust (anyone).

        Reverts ``FloorPlanInvalidStatus`` (not SOLD) or ``FloorPlanPayoffNotOverdue``.
        """
        function = self.contract.functions.markSoldOutOfTrust(_hashes(vin_hashes))
        return self.sender.transact(function)

    def release(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Record the payoffs of `vin_hashes` received: their liens are released (lender of
        each line). The figures charged are in the ``LienReleased`` events."""
        return self.sender.transact(self.contract.functions.release(_hashes(vin_hashes)))

    def record_curtailments(self, payments: Sequence[tuple[bytes, int]]) -> Sent:
        """Record curtailment payments, (vin hash, principal paid) pairs (lender of each line).

        Reverts ``FloorPlanInvalidPayment(vinHash, amount, principal)`` unless
        0 < amount <= outstanding principal.
        """
        function = self.contract.functions.recordCurtailments(
            _hashes(h for h, _ in payments), [int(amount) for _, amount in payments]
        )
        return self.sender.transact(function)

    def flag_overdue_curtailments(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Flag unsold vehicles with curtailments due and unpaid, once per newly due step
        (anyone). Reverts ``FloorPlanNoOverdueCurtailment`` or ``FloorPlanInvalidStatus``."""
        function = self.contract.functions.flagOverdueCurtailments(_hashes(vin_hashes))
        return self.sender.transact(function)

    def repossess(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Record `vin_hashes` repossessed by their lender; the liens stay until released."""
        return self.sender.transact(self.contract.functions.repossess(_hashes(vin_hashes)))

    # -- refinancing ----------------------------------------------------------------------------

    def offer_transfer(self, vin_hashes: Sequence[bytes], to_line_id: int) -> Sent:
        """Offer the liens on `vin_hashes` to line `to_line_id` of the same dealer (their
        lender only). Reverts ``FloorPlanInvalidTransferLine`` or ``FloorPlanInvalidStatus``."""
        function = self.contract.functions.offerTransfer(_hashes(vin_hashes), to_line_id)
        return self.sender.transact(function)

    def withdraw_transfer(self, vin_hashes: Sequence[bytes]) -> Sent:
        """Withdraw the transfer offers of `vin_hashes` (their lender only)."""
        return self.offer_transfer(vin_hashes, 0)

    def accept_transfer(self, to_line_id: int, vin_hashes: Sequence[bytes]) -> Sent:
        """Accept the liens offered to line `to_line_id` (its lender only): the caller advances
        each old payoff, which becomes the new lien's principal. Reverts
        ``FloorPlanNoTransferOffer``, ``FloorPlanInvalidLineStatus``, ``FloorPlanLimitExceeded``.
        """
        function = self.contract.functions.acceptTransfer(to_line_id, _hashes(vin_hashes))
        return self.sender.transact(function)

    # -- reads ----------------------------------------------------------------------------------

    def line(self, line_id: int) -> Line:
        """Line `line_id`; reverts ``FloorPlanUnknownLine`` for an unknown id."""
        return Line.from_call(line_id, self._call(self.contract.functions.line(line_id)))

    def lines(self, *, lender_id: int | None = None, dealer_id: int | None = None) -> list[Line]:
        """Every line (of lender `lender_id` / dealer `dealer_id` when given), read at one block."""
        block = self.sender.chain.latest_block()
        count = int(self._call(self.contract.functions.lineCount(), block))
        found = [
            Line.from_call(i, self._call(self.contract.functions.line(i), block))
            for i in range(1, count + 1)
        ]
        return [
            line
            for line in found
            if (lender_id is None or line.lender_id == lender_id)
            and (dealer_id is None or line.dealer_id == dealer_id)
        ]

    def exposure(self, *, dealer_id: int, lender_id: int | None = None) -> int:
        """Principal outstanding to dealer `dealer_id` over its lines (of `lender_id`, if given)."""
        return sum(
            line.outstanding for line in self.lines(lender_id=lender_id, dealer_id=dealer_id)
        )

    def terms(self, terms_id: int) -> tuple[LineId, LineTerms]:
        """Terms `terms_id` and their line."""
        line_id, fields = self._call(self.contract.functions.terms(terms_id))
        rate, interest, payoff_window, confirm_window, fee, steps = fields
        terms = LineTerms(
            advance_rate_bps=int(rate),
            interest_rate_bps=int(interest),
            payoff_window=int(payoff_window),
            confirm_window=int(confirm_window),
            fee_per_vehicle=int(fee),
            curtailments=tuple(CurtailmentStep(day=int(d), bps=int(b)) for d, b in steps),
        )
        return LineId(int(line_id)), terms

    def vehicle(self, vin_hash: bytes) -> Vehicle | None:
        """Vehicle `vin_hash` and its current (or last) lien; None if it was never financed."""
        fields = self._call(self.contract.functions.vehicle(_hash32(vin_hash, "vin_hash")))
        return Vehicle.from_call(vin_hash, fields)

    def is_pledged(self, vin_hash: bytes) -> bool:
        """Whether `vin_hash` is under an active lien, asked as the sender (an active member;
        others revert ``ConsortiumMemberNotActive``)."""
        function = self.contract.functions.isPledged(_hash32(vin_hash, "vin_hash"))
        return bool(self._call(function, sender=self.sender.address))

    def payoff(self, vin_hash: bytes, at: int | None = None) -> Payoff:
        """The payoff of the active lien on `vin_hash` at block time `at` (default: the latest
        block's). Reverts ``FloorPlanNotPledged`` or ``FloorPlanTimeBeforeAccrual``."""
        at = self._now() if at is None else at
        function = self.contract.functions.payoffAmount(_hash32(vin_hash, "vin_hash"), at)
        principal, interest, fee = self._call(function)
        return Payoff(principal=int(principal), interest=int(interest), fee=int(fee))

    def curtailments(self, vin_hash: bytes, at: int | None = None) -> Curtailments:
        """The curtailments of the active lien on `vin_hash` at block time `at` (default now)."""
        at = self._now() if at is None else at
        function = self.contract.functions.curtailmentStatus(_hash32(vin_hash, "vin_hash"), at)
        due, steps_due, paid, next_due_at = self._call(function)
        return Curtailments(
            due=int(due),
            steps_due=int(steps_due),
            paid=int(paid),
            next_due_at=int(next_due_at) or None,
        )

    def interest(self, principal: int, rate_bps: int, seconds: int) -> int:
        """The contract's own interest figure (`ledger.financing.interest` computes the same)."""
        return int(self._call(self.contract.functions.interest(principal, rate_bps, seconds)))

    def confirmation_nonce(self, dealer: str) -> int:
        """The nonce the next confirmation of the dealer at `dealer` must use."""
        return int(self._call(self.contract.functions.confirmationNonce(checksum(dealer))))

    def events(self, sent: Sent) -> list[Event]:
        """The floor plan's and its lot audit's events in `sent`, in log order."""
        audit = self.lot_audit()
        contracts = {self.address: self.contract, audit.address: audit.contract}
        return _decode_events(sent, contracts)

    # -- machinery ------------------------------------------------------------------------------

    def _consortium_address(self) -> Address:
        return checksum(self._call(self.contract.functions.consortium()))

    def _now(self) -> int:
        chain = self.sender.chain
        return int(chain.rpc(chain.w3.eth.get_block, "latest")["timestamp"])

    def _event(self, sent: Sent, name: str) -> dict[str, Any]:
        for event in self.events(sent):
            if event.name == name and event.address == self.address:
                return event.args
        raise TransactionError(f"{sent.tx_hash}: receipt has no {name} event")

    def _call(
        self, function: ContractFunction, block: BlockIdentifier = "latest", sender: str = ""
    ) -> Any:
        return _call(self.sender, function, block, sender)


class LotAuditClient:
    """The `LotAudit` contract of a floor plan, acting as the member whose key `sender` holds.

    A sampled audit goes open (with a commitment to a secret the caller keeps) → reveal (after
    the draw block is mined, within 256 blocks) → record findings → close; a check-all audit
    skips the reveal. Reverts raise `TransactionReverted` with ``LotAudit...`` errors.
    """

    def __init__(self, sender: Sender, *, address: str, abi: list[dict[str, Any]]) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.contract: Contract = sender.contract(self.address, abi)

    def as_sender(self, sender: Sender) -> LotAuditClient:
        """A client for the same contract that signs with `sender`'s key."""
        return LotAuditClient(sender, address=self.address, abi=self.abi)

    def open_audit(
        self,
        line_id: int,
        *,
        sample_bps: int = CHECK_ALL,
        secret: bytes | None = None,
        freeze_on_missing: bool = False,
    ) -> AuditId:
        """Open an audit of line `line_id` drawing `sample_bps` of its financed vehicles.

        A sampled audit (`sample_bps` < `CHECK_ALL`) needs `secret` (32 bytes, e.g.
        `new_secret()`): keep it until `reveal_audit`. The caller must be an AUDITOR or the
        line's lender. Reverts ``LotAuditNotLineLender``, ``LotAuditLineClosed``,
        ``LotAuditInvalidSample``, ``LotAuditMissingCommitment``.
        """
        commitment = audit_commitment(secret) if secret is not None else bytes(32)
        function = self.contract.functions.openAudit(
            line_id, sample_bps, commitment, freeze_on_missing
        )
        sent = self.sender.transact(function)
        for event in _decode_events(sent, {self.address: self.contract}):
            if event.name == "AuditOpened":
                return AuditId(int(event.args["auditId"]))
        raise TransactionError(f"openAudit {sent.tx_hash}: receipt has no AuditOpened event")

    def draw_ready(self, audit_id: int) -> bool:
        """Whether audit `audit_id` can be revealed now: the latest block is past its draw block
        (nodes estimate a transaction on the latest block, so the draw block itself is not
        enough) and the draw block is among the last 256."""
        audit = self.audit(audit_id)
        latest = self.sender.chain.latest_block()
        if audit.status is not AuditStatus.COMMITTED or audit.draw_block is None:
            return False
        return audit.draw_block < latest < audit.draw_block + BLOCKHASH_WINDOW

    def reveal_audit(self, audit_id: int, secret: bytes) -> Sent:
        """Reveal the secret of audit `audit_id`, fixing its draw (opener only).

        Reverts ``LotAuditDrawNotReady`` until `draw_ready`, ``LotAuditDrawExpired`` more than
        `BLOCKHASH_WINDOW` blocks after the draw block (close the audit and open another), and
        ``LotAuditWrongSecret``.
        """
        function = self.contract.functions.revealAudit(audit_id, _hash32(secret, "secret"))
        return self.sender.transact(function)

    def record_findings(self, audit_id: int, findings: Sequence[Finding]) -> Sent:
        """Record `findings` of audit `audit_id` (opener only). A MISSING vehicle raises the
        floor plan's ``SoldOutOfTrustAlert`` and, if the audit says so, freezes the line.

        Reverts ``LotAuditNotFinancedOnLine``, ``LotAuditNotSelected``,
        ``LotAuditVehicleExpected`` (an UNEXPECTED vehicle that is financed on the line),
        ``LotAuditAlreadyRecorded``, ``LotAuditInvalidFinding``.
        """
        function = self.contract.functions.recordFindings(audit_id, [f.as_arg() for f in findings])
        return self.sender.transact(function)

    def close_audit(self, audit_id: int) -> Sent:
        """Close audit `audit_id` (opener only)."""
        return self.sender.transact(self.contract.functions.closeAudit(audit_id))

    def audit(self, audit_id: int) -> Audit:
        """Audit `audit_id`; reverts ``LotAuditUnknownAudit`` for an unknown id."""
        return Audit.from_call(
            audit_id, _call(self.sender, self.contract.functions.audit(audit_id))
        )

    def is_selected(self, audit_id: int, vin_hash: bytes) -> bool:
        """Whether `vin_hash` must be checked in revealed audit `audit_id`, as the contract says."""
        function = self.contract.functions.isSelected(audit_id, _hash32(vin_hash, "vin_hash"))
        return bool(_call(self.sender, function))

    def outcome_of(self, audit_id: int, vin_hash: bytes) -> Outcome:
        """The result recorded for `vin_hash` in audit `audit_id` (NONE if none)."""
        function = self.contract.functions.outcomeOf(audit_id, _hash32(vin_hash, "vin_hash"))
        return Outcome(_call(self.sender, function))


def deploy_floor_plan(
    sender: Sender, artifacts: Artifacts, consortium_address: str
) -> FloorPlanClient:
    """Deploy a `FloorPlan` (and with it its `LotAudit`) bound to the `Consortium` at
    `consortium_address`.

    Reverts ``FloorPlanInvalidConsortium`` if that address has no code. For tests, benchmarks
    and the demo; production deploys through `ledger.deployments`.
    """
    address, _ = sender.deploy(artifacts["FloorPlan"], [checksum(consortium_address)])
    return FloorPlanClient.at(sender, artifacts, address)


def new_secret() -> bytes:
    """A fresh random 32-byte secret for a sampled audit's commitment."""
    return os.urandom(32)


def audit_commitment(secret: bytes) -> bytes:
    """The commitment `openAudit` takes for `secret`: keccak256(abi.encode(secret))."""
    return keccak(_hash32(secret, "secret"))


def drawn(seed: bytes, vin_hash: bytes, sample_bps: int) -> bool:
    """Whether `vin_hash` is drawn with `seed` at `sample_bps` (the contract's `isSelected`).

    Lets anyone recompute, from the revealed seed and the floor plan's events, which vehicles
    an audit had to check.
    """
    if sample_bps >= CHECK_ALL:
        return True
    word = keccak(abi_encode(["bytes32", "bytes32"], [_hash32(seed, "seed"), vin_hash]))
    return int.from_bytes(word, "big") % CHECK_ALL < sample_bps


def sign_typed_data(typed_data: dict[str, Any], account: LocalAccount) -> bytes:
    """`account`'s 65-byte signature (r, s, v) of EIP-712 `typed_data`."""
    signed = Account.sign_message(encode_typed_data(full_message=typed_data), account.key)
    return bytes(signed.signature)


def registration_bytes(registration: bytes | str | None) -> bytes:
    """A registration as the contract's bytes32: a 32-byte hash as is, a text (the
    registration number) as its UTF-8 bytes right-padded with zeros, None as zeros.

    Raises `ValueError` for a text longer than 32 bytes (store its hash instead).
    """
    if registration is None:
        return bytes(32)
    if isinstance(registration, bytes):
        return _hash32(registration, "registration")
    raw = registration.strip().encode("utf-8")
    if not raw or len(raw) > 32:
        raise ValueError(f"registration number must be 1-32 bytes, got {len(raw)}")
    return raw.ljust(32, b"\0")


def registration_text(registration: bytes) -> str | None:
    """The registration number stored by `registration_bytes`, or None when it is a hash."""
    text = bytes(registration).rstrip(b"\0")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if decoded.isprintable() and b"\0" not in text else None


def _terms_arg(terms: LineTerms) -> tuple[Any, ...]:
    return (
        terms.advance_rate_bps,
        terms.interest_rate_bps,
        terms.payoff_window,
        terms.confirm_window,
        terms.fee_per_vehicle,
        [(step.day, step.bps) for step in terms.curtailments],
    )


def _decode_events(sent: Sent, contracts: dict[Address, Contract]) -> list[Event]:
    found = []
    for log in sent.receipt["logs"]:
        contract = contracts.get(checksum(log["address"]))
        if contract is None or not log["topics"]:
            continue
        topic = bytes(log["topics"][0])
        for item in contract.abi:
            if item["type"] == "event" and event_abi_to_log_topic(item) == topic:
                name = item["name"]
                args = dict(getattr(contract.events, name)().process_log(log)["args"])
                found.append(Event(name=name, args=args, address=checksum(log["address"])))
                break
    return found


def _call(
    sender: Sender, function: ContractFunction, block: BlockIdentifier = "latest", caller: str = ""
) -> Any:
    """Run a read-only call (as `caller` when given); a revert raises `TransactionReverted`."""
    params: TxParams = {"from": checksum(caller)} if caller else {}
    try:
        return sender.chain.rpc(function.call, params, block_identifier=block)
    except ContractLogicError as exc:
        data = exc.data if isinstance(exc.data, str) else None
        raise sender.errors.reverted(data) from exc


def _hashes(values: Iterable[bytes]) -> list[bytes]:
    return [_hash32(value, "vin_hash") for value in values]


def _hash32(value: bytes, name: str) -> bytes:
    """`value` as 32 raw bytes; raises `ValueError` naming the argument otherwise."""
    raw = bytes(value)
    if len(raw) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(raw)}")
    return raw
