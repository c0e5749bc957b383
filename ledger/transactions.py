"""Send transactions signed locally with eth-account; nodes never hold our keys."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import TxParams, TxReceipt, Wei

from ledger.chain import RECEIPT_TIMEOUT, Address, Chain, TxHash, checksum
from ledger.compiler import ContractArtifact
from ledger.errors import NonceConsumed, TransactionError
from ledger.journal import Journal, NonceTaken
from ledger.nonces import NonceManager, nonce_manager_for
from ledger.reverts import ErrorDecoder

GAS_MARGIN = 1.25
"""Estimated gas is multiplied by this: estimates can fall short when state moves in between."""

_SEND_ATTEMPTS = 3
"""Nonce clashes (another process used the key) are retried after a resync this many times."""


@dataclass(frozen=True, kw_only=True)
class Sent:
    """A transaction that was mined (and reached the finality depth)."""

    tx_hash: TxHash
    receipt: TxReceipt

    @property
    def block_number(self) -> int:
        """The block the transaction is in."""
        return int(self.receipt["blockNumber"])


@dataclass(frozen=True, kw_only=True)
class SignedTx:
    """A signed transaction that was not necessarily sent."""

    raw: bytes
    tx_hash: TxHash
    nonce: int


class Sender:
    """Signs and sends transactions from one account.

    All senders of the same account on the same node share one `NonceManager`, so any number
    of threads may call `transact` at once. Reverts raise `TransactionReverted` with the
    custom error's name and arguments, decoded with `errors`.

    With a `journal` (the service's senders all have one), every signed transaction is stored
    there before it is broadcast, with the nonce the journal says is free (so replicas sharing
    the database never clash), and is recorded final only once the chain holds it at the
    finality depth (`ledger.journal`). Without one (tools, contract tests) nothing is stored.
    """

    def __init__(
        self,
        chain: Chain,
        account: LocalAccount,
        *,
        errors: ErrorDecoder | None = None,
        gas_margin: float = GAS_MARGIN,
        journal: Journal | None = None,
    ) -> None:
        self.chain = chain
        self.journal = journal
        self.account = account
        self.address = checksum(account.address)
        self.errors = errors or ErrorDecoder()
        self.gas_margin = gas_margin
        self.nonces: NonceManager = nonce_manager_for(
            chain.url,
            self.address,
            lambda: int(chain.w3.eth.get_transaction_count(self.address, "pending")),
        )
        self.sent_count = 0
        self._count_lock = threading.Lock()

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Contract:
        """A web3 contract object at `address` (for calls and building transactions)."""
        contract: Contract = self.chain.w3.eth.contract(address=checksum(address), abi=abi)
        return contract

    def transact(
        self, function: ContractFunction, *, value: int = 0, timeout: float = RECEIPT_TIMEOUT
    ) -> Sent:
        """Call a contract `function` in a transaction and wait until it is final."""
        tx: TxParams = {"to": function.address, "data": function._encode_transaction_data()}
        if value:
            tx["value"] = Wei(value)
        return self.send(tx, timeout=timeout, purpose=function.fn_name)

    def deploy(
        self,
        artifact: ContractArtifact,
        args: Sequence[Any] = (),
        *,
        timeout: float = RECEIPT_TIMEOUT,
    ) -> tuple[Address, Sent]:
        """Deploy `artifact` with constructor `args`; return its address and the transaction."""
        return self.send_init_code(self.init_code(artifact, args), timeout=timeout)

    def send_init_code(
        self, init_code: str, *, timeout: float = RECEIPT_TIMEOUT
    ) -> tuple[Address, Sent]:
        """Deploy a contract from its `init_code` (bytecode + encoded constructor arguments)."""
        sent = self.send(
            {"data": init_code},  # type: ignore[typeddict-item]
            timeout=timeout,
            purpose="deploy",
        )
        address = sent.receipt.get("contractAddress")
        if not address:
            raise TransactionError(f"deployment {sent.tx_hash}: receipt has no contract address")
        return checksum(address), sent

    def init_code(self, artifact: ContractArtifact, args: Sequence[Any] = ()) -> str:
        """Creation bytecode of `artifact` with its ABI-encoded constructor `args`."""
        factory = self.chain.w3.eth.contract(abi=artifact.abi, bytecode="0x" + artifact.bytecode)
        data: str = factory.constructor(*args).data_in_transaction
        return data

    def send(
        self, tx: TxParams, *, timeout: float = RECEIPT_TIMEOUT, purpose: str = "call"
    ) -> Sent:
        """Estimate gas, sign with the next nonce, send raw, and wait for finality.

        Returns only once the chain holds the transaction at the finality depth (and, with a
        journal on the embedded node, its block is on disk). Raises `TransactionReverted` (at
        estimation, or after mining with status 0), `TransactionTimeout` /
        `TransactionDropped` from waiting (a journaled transaction is still carried on by the
        journal keeper then), `ChainUnavailable`.
        """
        tx_hash = self.submit(tx, purpose=purpose)
        receipt = self.chain.wait_for_receipt(tx_hash, timeout=timeout)
        if self.journal is not None:
            self.journal.final(tx_hash, receipt)
        if receipt["status"] != 1:
            raise self.explain_failure(tx_hash, receipt)
        return Sent(tx_hash=tx_hash, receipt=receipt)

    def submit(self, tx: TxParams, *, purpose: str = "call") -> TxHash:
        """Estimate, sign and broadcast `tx` without waiting; return its hash.

        A nonce clash (the key was used elsewhere) re-reads the nonce and signs again.
        """
        last_error: Exception | None = None
        for _ in range(_SEND_ATTEMPTS):
            signed = self.sign(tx, purpose=purpose)
            try:
                return self.broadcast(signed)
            except NonceConsumed as exc:
                if self.journal is not None:
                    self.journal.replaced(signed.tx_hash, str(exc))
                last_error = exc
        raise TransactionError(f"nonce kept clashing for {self.address}: {last_error}")

    def sign(self, tx: TxParams, *, purpose: str = "call") -> SignedTx:
        """Estimate, take the next nonce and sign `tx` without sending it.

        For outboxes: store the result durably, then `broadcast` it; after a crash the same
        bytes can be broadcast again and are mined at most once. The nonce counts as used
        from here on; if the transaction is never broadcast, call `nonces.resync()`. With a
        journal, the transaction is stored there (as `purpose`) before this returns.
        """
        fields: dict[str, Any] = {**tx, "from": self.address, "chainId": self.chain.chain_id}
        if "gas" not in fields:
            fields["gas"] = self._estimate(cast(TxParams, fields))
        fields.update(self.chain.fees().as_tx_fields())
        with self.nonces.reserve() as nonce:
            if self.journal is None:
                return self._signed(fields, nonce)
            nonce = max(nonce, self.journal.floor(self.address))
            while True:
                signed = self._signed(fields, nonce)
                try:
                    self.journal.record(
                        sender=self.address,
                        nonce=nonce,
                        tx_hash=signed.tx_hash,
                        raw=signed.raw,
                        purpose=purpose,
                        to=fields.get("to"),
                        data=str(fields.get("data") or "0x"),
                        value=int(fields.get("value") or 0),
                    )
                except NonceTaken:  # another replica signed this nonce: take the next free
                    nonce = max(nonce + 1, self.journal.floor(self.address))
                    continue
                self.nonces.claim(nonce)
                return signed

    def _signed(self, fields: dict[str, Any], nonce: int) -> SignedTx:
        signed = self.account.sign_transaction({**fields, "nonce": nonce})
        return SignedTx(
            raw=bytes(signed.raw_transaction),
            tx_hash=TxHash("0x" + bytes(signed.hash).hex()),
            nonce=nonce,
        )

    def make_durable(self, block_number: int) -> None:
        """Make sure a crash of the node cannot lose block `block_number` (a no-op unless the
        journal has a `durable` hook, as on the embedded node). Outboxes call it before they
        record something final."""
        if self.journal is not None and self.journal.durable is not None:
            self.journal.durable(block_number)

    def broadcast(self, signed: SignedTx) -> TxHash:
        """Send signed bytes; a node that already has them is not an error.

        Raises `NonceConsumed` when the node refuses the nonce as used (another transaction
        took it; these bytes can never be mined), `TransactionError` for other refusals.
        """
        try:
            self.chain.rpc(self.chain.w3.eth.send_raw_transaction, signed.raw)
        except Web3RPCError as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text:
                return signed.tx_hash
            # A node with the key's other transaction still pending says "replacement
            # transaction underpriced" (geth) rather than naming the nonce: the same clash.
            if "nonce" in text or "replacement transaction underpriced" in text:
                self.nonces.resync()
                raise NonceConsumed(f"nonce {signed.nonce} of {self.address}: {exc}") from exc
            self.nonces.resync()  # this nonce stays unused: let the next one take it
            if self.journal is not None:
                self.journal.forget_unsent(signed.tx_hash)
            raise TransactionError(f"node refused transaction {signed.tx_hash}: {exc}") from exc
        if self.journal is not None:
            self.journal.sent(signed.tx_hash)
        with self._count_lock:
            self.sent_count += 1
        return signed.tx_hash

    def _estimate(self, tx: TxParams) -> int:
        try:
            estimate = int(self.chain.rpc(self.chain.w3.eth.estimate_gas, tx))
        except ContractLogicError as exc:
            raise self.errors.reverted(exc.data if isinstance(exc.data, str) else None) from exc
        return int(estimate * self.gas_margin)

    def explain_failure(self, tx_hash: TxHash, receipt: TxReceipt) -> TransactionError:
        """Why mined transaction `tx_hash` failed: its custom error, read by replaying it as a
        call on the state before its block, or out-of-gas."""
        tx = self.chain.rpc(self.chain.w3.eth.get_transaction, tx_hash)
        call: TxParams = {"from": tx["from"], "to": tx["to"], "data": tx["input"]}
        if tx.get("value"):
            call["value"] = tx["value"]
        block = receipt["blockNumber"]
        try:
            self.chain.w3.eth.call(call, block_identifier=max(block - 1, 0))
        except ContractLogicError as exc:
            return self.errors.reverted(
                exc.data if isinstance(exc.data, str) else None, tx_hash=tx_hash
            )
        except Web3RPCError as exc:  # the node no longer has that state (pruned, reloaded)
            return TransactionError(
                f"transaction {tx_hash} reverted in block {block}; the state before that block"
                f" is not available to replay it: {exc}"
            )
        gas_limit = int(tx["gas"])
        if receipt["gasUsed"] >= gas_limit:
            return TransactionError(f"transaction {tx_hash} ran out of gas ({gas_limit})")
        # The replay ran on the state before the block; the revert depended on the block itself.
        return TransactionError(
            f"transaction {tx_hash} reverted in block {block}; replaying it before that block"
            " succeeds, so the cause depended on the block (its number, time or hash, or a"
            " transaction before it in the block)"
        )
