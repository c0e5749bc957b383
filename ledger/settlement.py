"""Typed clients for the `SettlementToken` and `Clearing` contracts: deposits, claims, cycles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NewType

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import BlockIdentifier, TxParams, TxReceipt

from ledger.chain import Address, checksum
from ledger.claims import Claim as Claim
from ledger.claims import ClaimId as ClaimId
from ledger.claims import ClaimKind as ClaimKind
from ledger.claims import ClaimStatus as ClaimStatus
from ledger.compiler import Artifacts
from ledger.consortium import MemberId
from ledger.errors import TransactionError
from ledger.transactions import Sender, Sent

CycleId = NewType("CycleId", int)
"""Id of a settled clearing cycle (1, 2, 3, ...)."""

MAX_AMOUNT = 2**96 - 1
"""Largest claim amount the contract stores (token units): claims pack it into 96 bits."""

MAX_DUE_DATE = 2**40 - 1
"""Latest due date the contract stores (unix seconds, 40 bits: the year 36812)."""

CLEARING_DOMAIN_NAME = "AutoLedger Clearing"
CLEARING_DOMAIN_VERSION = "1"

CONFIRM_CLAIM_TYPE = [
    {"name": "claimId", "type": "uint256"},
    {"name": "creditorId", "type": "uint256"},
    {"name": "debtorId", "type": "uint256"},
    {"name": "amount", "type": "uint256"},
    {"name": "kind", "type": "uint8"},
    {"name": "ref", "type": "bytes32"},
    {"name": "dueDate", "type": "uint64"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
"""The EIP-712 struct a debtor signs to confirm a claim (the contract's `CONFIRM_TYPEHASH`)."""

_END_TO_END_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,32}")
"""ISO 20022 end-to-end ids are at most 35 characters of the SWIFT set; on chain they live in a
bytes32, so at most 32 here."""


@dataclass(frozen=True, kw_only=True)
class CycleMember:
    """One member of a cycle's net plan: its current `address` and net `position` (> 0 receives)."""

    address: Address
    position: int


@dataclass(frozen=True, kw_only=True)
class CycleTransfer:
    """A net transfer of `amount` between members of a plan, by index into its member list."""

    from_index: int
    to_index: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class Cycle:
    """A settled clearing cycle: which plan, when, how many claims and transfers, gross and net."""

    id: CycleId
    plan_hash: bytes
    block_number: int
    timestamp: int
    claim_count: int
    transfer_count: int
    gross: int
    net: int

    @classmethod
    def from_call(cls, cycle_id: int, fields: Sequence[Any]) -> Cycle | None:
        """Build from the `Cycle` struct returned by `cycle`; None for the all-zero one."""
        plan_hash, block_number, timestamp, claims, transfers, gross, net = fields
        if int(block_number) == 0:
            return None
        return cls(
            id=CycleId(cycle_id),
            plan_hash=bytes(plan_hash),
            block_number=int(block_number),
            timestamp=int(timestamp),
            claim_count=int(claims),
            transfer_count=int(transfers),
            gross=int(gross),
            net=int(net),
        )


@dataclass(frozen=True, kw_only=True)
class OffChainSettlement:
    """A payment settlement bank `bank_id` confirmed it made off chain, with its own reference."""

    end_to_end_id: str
    bank_id: MemberId
    debtor_id: MemberId
    creditor_id: MemberId
    recorded_at: int
    amount: int
    bank_reference: bytes


@dataclass(frozen=True, kw_only=True)
class SettledCycle:
    """A cycle settled by `ClearingClient.settle_cycle`: its id and transaction."""

    cycle_id: CycleId
    sent: Sent


class SettlementTokenClient:
    """The `SettlementToken` contract at `address`, acting as the member whose key `sender` holds.

    Amounts are integer token units (10**-decimals of the currency). Mint, burn and off-chain
    records need an active SETTLEMENT_BANK member: otherwise they raise `TransactionReverted`
    with ``ConsortiumMemberNotActive`` or ``ConsortiumMissingRole``. Use `as_sender` to act as
    another member.
    """

    def __init__(self, sender: Sender, *, address: str, abi: list[dict[str, Any]]) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.contract: Contract = sender.contract(self.address, abi)

    def as_sender(self, sender: Sender) -> SettlementTokenClient:
        """A client for the same contract that signs with `sender`'s key."""
        return SettlementTokenClient(sender, address=self.address, abi=self.abi)

    # -- settlement banks ---------------------------------------------------------------------

    def mint(self, to: str, amount: int, deposit_reference: bytes) -> Sent:
        """Mint `amount` to member `to` against a deposit the calling bank received.

        Reverts ``SettlementTokenZeroAmount``, ``SettlementTokenZeroReference`` or
        ``SettlementTokenRecipientNotMember(account)``.
        """
        function = self.contract.functions.mint(
            checksum(to), amount, _hash32(deposit_reference, "deposit_reference")
        )
        return self.sender.transact(function)

    def burn(self, from_: str, amount: int, withdrawal_reference: bytes) -> Sent:
        """Burn `amount` of member `from_`'s tokens against a withdrawal the bank paid out.

        Burning another member's tokens needs its allowance to the bank (its consent); reverts
        ``ERC20InsufficientAllowance``/``ERC20InsufficientBalance``, ``SettlementTokenZeroAmount``
        or ``SettlementTokenZeroReference``.
        """
        function = self.contract.functions.burn(
            checksum(from_), amount, _hash32(withdrawal_reference, "withdrawal_reference")
        )
        return self.sender.transact(function)

    def record_off_chain_settlement(
        self, end_to_end_id: str, debtor: str, creditor: str, amount: int, bank_reference: bytes
    ) -> Sent:
        """Record that the calling bank paid `amount` from `debtor` to `creditor` off chain.

        `end_to_end_id` is the payment instruction's ISO 20022 id (``CLM-<claim id>`` for a
        claim, see `claim_end_to_end_id`). Once per id: reverts
        ``SettlementTokenAlreadyRecorded(endToEndId, bankReference)``; also
        ``SettlementTokenUnknownMember``, ``SettlementTokenSelfPayment``,
        ``SettlementTokenZeroAmount``, ``SettlementTokenZeroReference``.
        """
        function = self.contract.functions.recordOffChainSettlement(
            end_to_end_id_bytes(end_to_end_id),
            checksum(debtor),
            checksum(creditor),
            amount,
            _hash32(bank_reference, "bank_reference"),
        )
        return self.sender.transact(function)

    # -- ERC-20 -------------------------------------------------------------------------------

    def approve(self, spender: str, amount: int) -> Sent:
        """Allow `spender` (e.g. the Clearing) to pull up to `amount` of the caller's tokens."""
        return self.sender.transact(self.contract.functions.approve(checksum(spender), amount))

    def transfer(self, to: str, amount: int) -> Sent:
        """Pay `amount` to member `to`; reverts ``SettlementTokenRecipientNotMember`` otherwise."""
        return self.sender.transact(self.contract.functions.transfer(checksum(to), amount))

    def balance_of(self, address: str, block: BlockIdentifier = "latest") -> int:
        """Token units held by `address`."""
        return int(self._call(self.contract.functions.balanceOf(checksum(address)), block))

    def allowance(self, owner: str, spender: str, block: BlockIdentifier = "latest") -> int:
        """Token units `spender` may still pull from `owner`."""
        function = self.contract.functions.allowance(checksum(owner), checksum(spender))
        return int(self._call(function, block))

    def total_supply(self) -> int:
        """Token units in existence."""
        return int(self._call(self.contract.functions.totalSupply()))

    def decimals(self) -> int:
        """Decimals of the token: one unit is 10**-decimals of `currency`."""
        return int(self._call(self.contract.functions.decimals()))

    def currency(self) -> str:
        """ISO 4217 code of the deposits."""
        return str(self._call(self.contract.functions.currency()))

    def symbol(self) -> str:
        """ERC-20 symbol."""
        return str(self._call(self.contract.functions.symbol()))

    def name(self) -> str:
        """ERC-20 name."""
        return str(self._call(self.contract.functions.name()))

    # -- reads --------------------------------------------------------------------------------

    def off_chain_settlement(self, end_to_end_id: str) -> OffChainSettlement | None:
        """The off-chain payment recorded under `end_to_end_id`, or None."""
        fields = self._call(
            self.contract.functions.offChainSettlement(end_to_end_id_bytes(end_to_end_id))
        )
        bank_id, debtor_id, creditor_id, recorded_at, amount, reference = fields
        if int(bank_id) == 0:
            return None
        return OffChainSettlement(
            end_to_end_id=end_to_end_id,
            bank_id=MemberId(int(bank_id)),
            debtor_id=MemberId(int(debtor_id)),
            creditor_id=MemberId(int(creditor_id)),
            recorded_at=int(recorded_at),
            amount=int(amount),
            bank_reference=bytes(reference),
        )

    def consortium_address(self) -> Address:
        """The consortium member registry the token is bound to."""
        return checksum(self._call(self.contract.functions.consortium()))

    def _call(self, function: ContractFunction, block: BlockIdentifier = "latest") -> Any:
        return _call(self.sender, function, block)


class ClearingClient:
    """The `Clearing` contract at `address`, acting as the member whose key `sender` holds.

    Parties are consortium member ids in what the contract returns, addresses in what it takes
    (a member's current address). Every transaction raises `TransactionReverted` naming the
    contract's custom error (``ClearingUnexpectedStatus``, ``ClearingNotDebtor``...) with its
    arguments, or the consortium's (``ConsortiumMemberNotActive``, ``ConsortiumMissingRole``).
    Hashes (references, evidence, decisions, plan hashes) are 32 raw bytes; other lengths raise
    `ValueError` before anything is sent, as do amounts and due dates out of the contract's range.
    """

    def __init__(self, sender: Sender, *, address: str, abi: list[dict[str, Any]]) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.contract: Contract = sender.contract(self.address, abi)

    def as_sender(self, sender: Sender) -> ClearingClient:
        """A client for the same contract that signs with `sender`'s key."""
        return ClearingClient(sender, address=self.address, abi=self.abi)

    # -- filing and confirming ----------------------------------------------------------------

    def file_claim(
        self, debtor: str, amount: int, kind: ClaimKind, reference: bytes, *, due_date: int = 0
    ) -> ClaimId:
        """File a claim of the caller on member `debtor`; it waits for the debtor's confirmation.

        Payoff, curtailment, interest and fee claims need an active LENDER caller, collection
        fees a COLLECTOR, other claims any active member. Reverts ``ClearingInactiveParty``,
        ``ClearingSelfClaim``, ``ClearingInvalidAmount``, ``ClearingZeroHash``.
        """
        _check_amount(amount)
        _check_due_date(due_date)
        function = self.contract.functions.fileClaim(
            checksum(debtor), amount, int(kind), _hash32(reference, "reference"), due_date
        )
        sent = self.sender.transact(function)
        return self.claims_filed_in(sent.receipt)[0]

    def confirm(self, claim_id: int) -> Sent:
        """The debtor confirms claim `claim_id`; it turns final after the dispute window.

        Reverts ``ClearingNotDebtor``, ``ClearingUnexpectedStatus`` unless FILED.
        """
        return self.sender.transact(self.contract.functions.confirm(claim_id))

    def confirm_with_signature(self, claim_id: int, deadline: int, signature: bytes) -> Sent:
        """Confirm claim `claim_id` with the debtor's EIP-712 `signature` (see `sign_confirmation`).

        Anyone may send it. Reverts ``ClearingUnexpectedStatus`` unless FILED (so a signature
        is used once), ``ClearingSignatureExpired(deadline)``, or
        ``ClearingInvalidSignature(claimId, signer)`` for a signature by anyone but the debtor,
        for another claim, under a revoked nonce, or for another chain or contract.
        """
        function = self.contract.functions.confirmWithSignature(claim_id, deadline, signature)
        return self.sender.transact(function)

    def revoke_signatures(self) -> Sent:
        """Void every confirmation signature the caller's member gave that was not yet used."""
        return self.sender.transact(self.contract.functions.revokeSignatures())

    def sign_confirmation(self, account: LocalAccount, claim: Claim, *, deadline: int) -> bytes:
        """`account`'s signature confirming `claim` in this contract, under the debtor's current
        nonce, valid until `deadline` (unix seconds)."""
        return sign_confirmation(
            account,
            chain_id=self.sender.chain.chain_id,
            clearing=self.address,
            claim=claim,
            nonce=self.nonce_of(claim.debtor_id),
            deadline=deadline,
        )

    # -- disputes and withdrawal --------------------------------------------------------------

    def dispute(self, claim_id: int, evidence: bytes) -> Sent:
        """The debtor disputes claim `claim_id` citing `evidence` (an evidence item's hash).

        A FILED claim can be disputed at any time, a CONFIRMED one until its window closes:
        reverts ``ClearingDisputeWindowClosed(claimId, disputeEndsAt)``,
        ``ClearingUnexpectedStatus``, ``ClearingNotDebtor``, ``ClearingZeroHash``.
        """
        function = self.contract.functions.dispute(claim_id, _hash32(evidence, "evidence"))
        return self.sender.transact(function)

    def withdraw_dispute(self, claim_id: int) -> Sent:
        """The debtor withdraws its dispute: the claim stands and is FINAL at once."""
        return self.sender.transact(self.contract.functions.withdrawDispute(claim_id))

    def resolve_dispute(self, claim_id: int, *, upheld: bool, decision: bytes) -> Sent:
        """Governance (an OPERATOR or GOVERNOR not party to the claim) decides a dispute.

        Upheld: FINAL at once; otherwise REJECTED. Reverts ``ClearingConflictOfInterest``,
        ``ClearingUnexpectedStatus``, ``ClearingZeroHash`` or ``ConsortiumMissingRole`` naming
        GOVERNOR.
        """
        function = self.contract.functions.resolveDispute(
            claim_id, upheld, _hash32(decision, "decision")
        )
        return self.sender.transact(function)

    def withdraw_claim(self, claim_id: int) -> Sent:
        """The creditor withdraws claim `claim_id` (any status before SETTLED)."""
        return self.sender.transact(self.contract.functions.withdrawClaim(claim_id))

    # -- settlement ---------------------------------------------------------------------------

    def settle_cycle_tx(
        self,
        plan_hash: bytes,
        claim_ids: Sequence[int],
        members: Sequence[CycleMember],
        transfers: Sequence[CycleTransfer],
    ) -> TxParams:
        """The unsigned `settleCycle` transaction (``to`` and ``data``), for an outbox that signs
        with `Sender.sign`, stores, then broadcasts."""
        function = self.contract.functions.settleCycle(
            _hash32(plan_hash, "plan_hash"),
            list(claim_ids),
            [(checksum(m.address), m.position) for m in members],
            [(t.from_index, t.to_index, t.amount) for t in transfers],
        )
        return {"to": function.address, "data": function._encode_transaction_data()}

    def settle_cycle(
        self,
        plan_hash: bytes,
        claim_ids: Sequence[int],
        members: Sequence[CycleMember],
        transfers: Sequence[CycleTransfer],
    ) -> SettledCycle:
        """Settle final claims `claim_ids` at once, moving only the plan's net `transfers`.

        The caller must be an active OPERATOR or LENDER. `members` list every member with a
        non-zero position in ascending member id (their current addresses), `transfers` refer
        to them by index. All or nothing: a plan that does not match the claims reverts
        (``ClearingPositionMismatch``, ``ClearingTransfersMismatch``...), as does a payer short
        of balance or allowance (``ERC20InsufficientBalance``/``ERC20InsufficientAllowance``), a
        claim that is not final or already settled, or a plan settled before
        (``ClearingPlanAlreadySettled(planHash, cycleId)``).
        """
        sent = self.sender.send(self.settle_cycle_tx(plan_hash, claim_ids, members, transfers))
        cycle_id = self.cycle_settled_in(sent.receipt)
        if cycle_id is None:
            raise TransactionError(f"settleCycle {sent.tx_hash}: receipt has no CycleSettled event")
        return SettledCycle(cycle_id=cycle_id, sent=sent)

    def settle_off_chain(self, claim_id: int) -> Sent:
        """Settle final claim `claim_id` on the settlement bank's record of its payment.

        The token must hold a record under `claim_end_to_end_id(claim_id)` with the claim's
        payer, payee and amount: else ``ClearingNoOffChainSettlement(claimId, endToEndId)``.
        Any active member may send it.
        """
        return self.sender.transact(self.contract.functions.settleOffChain(claim_id))

    def set_creator(self, creator: str, allowed: bool) -> Sent:
        """Allow or stop contract `creator` filing confirmed claims (active OPERATOR only)."""
        return self.sender.transact(self.contract.functions.setCreator(checksum(creator), allowed))

    # -- reads --------------------------------------------------------------------------------

    def claim(self, claim_id: int, block: BlockIdentifier = "latest") -> Claim:
        """Claim `claim_id` as of `block`; raises ``ClearingUnknownClaim`` for an unknown id."""
        return Claim.from_call(self._call(self.contract.functions.claim(claim_id), block))

    def claims(
        self,
        from_id: int = 1,
        count: int | None = None,
        *,
        page: int = 500,
        block: int | None = None,
    ) -> list[Claim]:
        """Claims from id `from_id` on (`count` of them, or all), read `page` per call, as of
        `block` (the latest when None)."""
        if block is None:
            block = self.sender.chain.latest_block()  # one consistent view across pages
        total = int(self._call(self.contract.functions.claimCount(), block))
        last = total if count is None else min(total, from_id + count - 1)
        found: list[Claim] = []
        next_id = max(from_id, 1)
        while next_id <= last:
            size = min(page, last - next_id + 1)
            fields = self._call(self.contract.functions.claims(next_id, size), block)
            found.extend(Claim.from_call(f) for f in fields)
            next_id += size
        return found

    def status_of(self, claim_id: int) -> ClaimStatus:
        """The status of claim `claim_id` now (NONE if unknown)."""
        return ClaimStatus(self._call(self.contract.functions.statusOf(claim_id)))

    def claim_count(self) -> int:
        """Number of claims filed; ids run 1..count."""
        return int(self._call(self.contract.functions.claimCount()))

    def cycle(self, cycle_id: int) -> Cycle | None:
        """Settled cycle `cycle_id`, or None."""
        return Cycle.from_call(cycle_id, self._call(self.contract.functions.cycle(cycle_id)))

    def cycle_id_of(self, plan_hash: bytes, block: BlockIdentifier = "latest") -> CycleId | None:
        """The cycle that settled the plan with `plan_hash`, or None: how a sender recognizes a
        cycle transaction it lost track of."""
        function = self.contract.functions.cycleIdOf(_hash32(plan_hash, "plan_hash"))
        cycle_id = int(self._call(function, block))
        return CycleId(cycle_id) if cycle_id else None

    def cycle_count(self) -> int:
        """Number of settled cycles."""
        return int(self._call(self.contract.functions.cycleCount()))

    def nonce_of(self, member_id: int) -> int:
        """The nonce member `member_id`'s confirmation signatures must carry to be accepted now
        (it moves on only when the member revokes its signatures)."""
        return int(self._call(self.contract.functions.nonces(member_id)))

    def confirmation_digest(self, claim_id: int, nonce: int, deadline: int) -> bytes:
        """The EIP-712 digest the contract expects signed to confirm `claim_id`."""
        function = self.contract.functions.confirmationDigest(claim_id, nonce, deadline)
        return bytes(self._call(function))

    def end_to_end_id_of(self, claim_id: int) -> str:
        """Claim `claim_id`'s ISO 20022 end-to-end id as the contract computes it."""
        raw = bytes(self._call(self.contract.functions.endToEndIdOf(claim_id)))
        return raw.rstrip(b"\0").decode("ascii")

    def is_creator(self, address: str) -> bool:
        """Whether `address` may file confirmed claims."""
        return bool(self._call(self.contract.functions.isCreator(checksum(address))))

    def dispute_window(self) -> int:
        """Seconds after confirmation during which a claim can be disputed."""
        return int(self._call(self.contract.functions.disputeWindow()))

    def max_claims_per_cycle(self) -> int:
        """The contract's cap on claims per cycle."""
        return int(self._call(self.contract.functions.MAX_CLAIMS_PER_CYCLE()))

    def max_members_per_cycle(self) -> int:
        """The contract's cap on members per cycle plan."""
        return int(self._call(self.contract.functions.MAX_MEMBERS_PER_CYCLE()))

    def consortium_address(self) -> Address:
        """The consortium member registry the contract is bound to."""
        return checksum(self._call(self.contract.functions.consortium()))

    def token_address(self) -> Address:
        """The settlement token."""
        return checksum(self._call(self.contract.functions.token()))

    # -- receipts -----------------------------------------------------------------------------

    def claims_filed_in(self, receipt: TxReceipt) -> list[ClaimId]:
        """Ids of the claims this contract filed in the transaction of `receipt`, in order."""
        events = self.contract.events.ClaimFiled().process_receipt(receipt, errors=DISCARD)
        return [
            ClaimId(int(e["args"]["claimId"]))
            for e in events
            if checksum(e["address"]) == self.address
        ]

    def cycle_settled_in(self, receipt: TxReceipt) -> CycleId | None:
        """Id of the cycle this contract settled in the transaction of `receipt`, or None."""
        events = self.contract.events.CycleSettled().process_receipt(receipt, errors=DISCARD)
        for event in events:
            if checksum(event["address"]) == self.address:
                return CycleId(int(event["args"]["cycleId"]))
        return None

    def _call(self, function: ContractFunction, block: BlockIdentifier = "latest") -> Any:
        return _call(self.sender, function, block)


def claim_end_to_end_id(claim_id: int) -> str:
    """The ISO 20022 end-to-end id of claim `claim_id`'s payment: ``CLM-<claim id>``."""
    if claim_id < 1:
        raise ValueError(f"claim ids start at 1, got {claim_id}")
    return f"CLM-{claim_id}"


def end_to_end_id_bytes(end_to_end_id: str) -> bytes:
    """`end_to_end_id` as the contracts store it: ASCII, left-aligned, zero padded to 32 bytes.

    Raises `ValueError` unless it is 1 to 32 characters of the ISO 20022 (SWIFT) character set.
    """
    if not _END_TO_END_ID.fullmatch(end_to_end_id):
        raise ValueError(
            f"end-to-end id must be 1..32 characters of the ISO 20022 set, got {end_to_end_id!r}"
        )
    return end_to_end_id.encode("ascii").ljust(32, b"\0")


def confirmation_typed_data(
    *, chain_id: int, clearing: str, claim: Claim, nonce: int, deadline: int
) -> dict[str, Any]:
    """The EIP-712 typed data a debtor signs to confirm `claim` in the Clearing at `clearing`."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "ConfirmClaim": CONFIRM_CLAIM_TYPE,
        },
        "primaryType": "ConfirmClaim",
        "domain": {
            "name": CLEARING_DOMAIN_NAME,
            "version": CLEARING_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": checksum(clearing),
        },
        "message": {
            "claimId": int(claim.id),
            "creditorId": int(claim.creditor_id),
            "debtorId": int(claim.debtor_id),
            "amount": claim.amount,
            "kind": int(claim.kind),
            "ref": claim.reference,
            "dueDate": claim.due_date,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign_confirmation(
    account: LocalAccount, *, chain_id: int, clearing: str, claim: Claim, nonce: int, deadline: int
) -> bytes:
    """`account`'s 65-byte EIP-712 signature confirming `claim` (see `confirmation_typed_data`).

    The signature is valid only on chain `chain_id`, in the Clearing at `clearing`, under the
    debtor's nonce `nonce`, until `deadline`.
    """
    typed = confirmation_typed_data(
        chain_id=chain_id, clearing=clearing, claim=claim, nonce=nonce, deadline=deadline
    )
    signed = account.sign_message(encode_typed_data(full_message=typed))
    return bytes(signed.signature)


def deploy_settlement_token(
    sender: Sender,
    artifacts: Artifacts,
    consortium_address: str,
    *,
    name: str,
    symbol: str,
    currency: str,
    decimals: int = 2,
) -> SettlementTokenClient:
    """Deploy a `SettlementToken` of `currency` deposits bound to the `Consortium` at
    `consortium_address`. Reverts ``SettlementTokenInvalidConsortium`` or
    ``SettlementTokenInvalidCurrency``. For tests and the demo; production deploys through
    `ledger.deployments`."""
    artifact = artifacts["SettlementToken"]
    args = [checksum(consortium_address), name, symbol, currency, decimals]
    address, _ = sender.deploy(artifact, args)
    return SettlementTokenClient(sender, address=address, abi=artifact.abi)


def deploy_clearing(
    sender: Sender,
    artifacts: Artifacts,
    consortium_address: str,
    token_address: str,
    *,
    dispute_window: int,
) -> ClearingClient:
    """Deploy a `Clearing` bound to the consortium and settlement token, with a dispute window
    of `dispute_window` seconds. Reverts ``ClearingNotAContract`` or
    ``ClearingInvalidDisputeWindow``. For tests and the demo; production deploys through
    `ledger.deployments`."""
    artifact = artifacts["Clearing"]
    args = [checksum(consortium_address), checksum(token_address), dispute_window]
    address, _ = sender.deploy(artifact, args)
    return ClearingClient(sender, address=address, abi=artifact.abi)


def _call(sender: Sender, function: ContractFunction, block: BlockIdentifier) -> Any:
    """Run a read-only call; a revert raises `TransactionReverted` with the custom error."""
    try:
        return sender.chain.rpc(function.call, block_identifier=block)
    except ContractLogicError as exc:
        data = exc.data if isinstance(exc.data, str) else None
        raise sender.errors.reverted(data) from exc


def _check_amount(amount: int) -> None:
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"amount must be 1..{MAX_AMOUNT}, got {amount}")


def _check_due_date(due_date: int) -> None:
    if not 0 <= due_date <= MAX_DUE_DATE:
        raise ValueError(f"due_date must be 0..{MAX_DUE_DATE}, got {due_date}")


def _hash32(value: bytes, name: str) -> bytes:
    """`value` as 32 raw bytes; raises `ValueError` naming the argument otherwise."""
    raw = bytes(value)
    if len(raw) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(raw)}")
    return raw
