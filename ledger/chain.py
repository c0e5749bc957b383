"""A connection to one chain over standard JSON-RPC: identity, fees and finality."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NewType, TypeAlias, TypeVar

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from requests.exceptions import RequestException
from web3 import HTTPProvider, Web3
from web3.exceptions import TransactionNotFound, Web3Exception
from web3.types import TxReceipt

from ledger.errors import ChainUnavailable, TransactionDropped, TransactionTimeout

TxHash = NewType("TxHash", str)
"""0x-prefixed hex hash of a transaction."""

Address: TypeAlias = ChecksumAddress
"""EIP-55 checksummed account or contract address."""

T = TypeVar("T")

RECEIPT_TIMEOUT = 120.0
"""Seconds to wait for a transaction to be mined and reach the finality depth by default."""


@dataclass(frozen=True, kw_only=True)
class Fees:
    """Fee fields for a transaction: EIP-1559 when the chain has a base fee, else legacy."""

    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None

    def as_tx_fields(self) -> dict[str, int]:
        """The fields to merge into a transaction dict."""
        if self.gas_price is not None:
            return {"gasPrice": self.gas_price}
        assert self.max_fee_per_gas is not None and self.max_priority_fee_per_gas is not None
        return {
            "maxFeePerGas": self.max_fee_per_gas,
            "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
        }


class Chain:
    """One chain node reached by `url`.

    `finality_depth` is how many blocks must follow a transaction's block before it counts as
    final (0 for QBFT's instant finality). `gas_price`, when set, forces legacy transactions
    at that price (0 on most consortium chains); otherwise the chain's own fee market decides.
    """

    def __init__(
        self,
        url: str,
        *,
        finality_depth: int = 0,
        gas_price: int | None = None,
        poll_interval: float = 0.05,
        request_timeout: float = 30.0,
    ) -> None:
        if finality_depth < 0:
            raise ValueError(f"finality_depth must be >= 0, got {finality_depth}")
        self.url = url
        self.finality_depth = finality_depth
        self.gas_price = gas_price
        self.poll_interval = poll_interval
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": request_timeout}))
        self._chain_id: int | None = None
        self.seen_block = -1
        """The newest block number this process has seen (a head read, a mined receipt): a
        per-block cache is stale once this passes the block it was filled at."""

    @property
    def chain_id(self) -> int:
        """The chain id reported by the node (asked once)."""
        if self._chain_id is None:
            self._chain_id = int(self.rpc(lambda: self.w3.eth.chain_id))
        return self._chain_id

    def latest_block(self) -> int:
        """Number of the newest block."""
        number = int(self.rpc(lambda: self.w3.eth.block_number))
        self.seen_block = max(self.seen_block, number)
        return number

    def final_block(self) -> int:
        """Number of the newest block deep enough to be final under `finality_depth`."""
        return max(self.latest_block() - self.finality_depth, -1)

    def fees(self) -> Fees:
        """Fee fields for a new transaction.

        Legacy at `gas_price` when set; EIP-1559 when the latest block carries a base fee
        (max fee = 2 x base fee + tip, so it survives several full blocks); else the node's
        legacy gas price, which may be 0.
        """
        if self.gas_price is not None:
            return Fees(gas_price=self.gas_price)
        block = self.rpc(lambda: self.w3.eth.get_block("latest"))
        base_fee = block.get("baseFeePerGas")
        if base_fee is None:
            return Fees(gas_price=int(self.rpc(lambda: self.w3.eth.gas_price)))
        try:
            tip = int(self.w3.eth.max_priority_fee)
        except (Web3Exception, ValueError):
            tip = 0
        return Fees(max_fee_per_gas=2 * int(base_fee) + tip, max_priority_fee_per_gas=tip)

    def wait_for_receipt(self, tx_hash: TxHash, *, timeout: float = RECEIPT_TIMEOUT) -> TxReceipt:
        """Wait until `tx_hash` is mined and `finality_depth` blocks deep; return its receipt.

        A transaction whose block is replaced by a reorg is waited for again (it usually comes
        back in another block). Raises `TransactionDropped` if it was mined once and is gone at
        the deadline, `TransactionTimeout` if it never was mined.
        """
        deadline = time.monotonic() + timeout
        seen_mined = False
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                seen_mined = True
                self.seen_block = max(self.seen_block, int(receipt["blockNumber"]))
                if self.finality_depth == 0:
                    return receipt
                if self.latest_block() >= receipt["blockNumber"] + self.finality_depth:
                    block = self.rpc(self.w3.eth.get_block, receipt["blockNumber"])
                    if block["hash"] == receipt["blockHash"]:
                        return receipt
            if time.monotonic() > deadline:
                if seen_mined and receipt is None:
                    raise TransactionDropped(f"transaction {tx_hash} left the chain in a reorg")
                state = "final" if seen_mined else "mined"
                raise TransactionTimeout(f"transaction {tx_hash} not {state} after {timeout}s")
            time.sleep(self.poll_interval)

    def receipt(self, tx_hash: TxHash) -> TxReceipt | None:
        """The receipt of `tx_hash` if it is mined (at any depth), else None."""
        try:
            return self.rpc(self.w3.eth.get_transaction_receipt, HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def rpc(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call `method(*args, **kwargs)` (a web3 request), turning connection failures into
        `ChainUnavailable`."""
        try:
            return method(*args, **kwargs)
        except (RequestException, ConnectionError) as exc:
            raise ChainUnavailable(f"chain node at {self.url} does not answer: {exc}") from exc


def checksum(address: str) -> Address:
    """`address` in EIP-55 checksum form."""
    return Web3.to_checksum_address(address)
