"""A connection to one chain over standard JSON-RPC: identity, fees and finality."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NewType, TypeAlias, TypeVar

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from requests.exceptions import RequestException
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, TxReceipt

from ledger.errors import ChainUnavailable, TransactionDropped, TransactionTimeout
from ledger.provider import FailoverProvider, split_urls

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

    @property
    def charges_gas(self) -> bool:
        """Whether a transaction at these fees costs its sender anything (funding needed)."""
        return bool(self.gas_price or self.max_fee_per_gas)

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
    """One chain reached through the node(s) at `url`.

    `url` is one JSON-RPC URL, or several separated by commas: the first is used until it
    stops answering, then the next (`ledger.provider.FailoverProvider`); `url_in_use` says
    which. Proof-of-authority headers (Clique, IBFT, QBFT carry more than 32 bytes of
    extraData) are accepted through web3's `ExtraDataToPOAMiddleware`.

    `finality_depth` is how many blocks must follow a transaction's block before it counts
    as final (0 for QBFT's instant finality). `gas_price`, when set, forces legacy transactions
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
        self.urls = split_urls(url)
        self.finality_depth = finality_depth
        self.gas_price = gas_price
        self.poll_interval = poll_interval
        self.provider = FailoverProvider(self.urls, request_timeout=request_timeout)
        self.w3 = Web3(self.provider)
        # PoA headers carry signer data in extraData (97 bytes on Clique): without this
        # middleware web3 refuses every block of such a chain (ExtraDataLengthError).
        self.w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        self._chain_id: int | None = None
        self.seen_block = -1
        """The newest block number this process has seen (a head read, a mined receipt): a
        per-block cache is stale once this passes the block it was filled at."""

    @property
    def url_in_use(self) -> str:
        """The node URL requests go to now (the first of `urls` until it failed)."""
        return str(self.provider.endpoint_uri)

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
        tip = self.priority_fee()
        return Fees(max_fee_per_gas=2 * int(base_fee) + tip, max_priority_fee_per_gas=tip)

    def priority_fee(self) -> int:
        """The tip for an EIP-1559 transaction: the node's `eth_maxPriorityFeePerGas`, else
        the median tip of the last blocks (`eth_feeHistory`), else 0.

        Asked directly rather than through `w3.eth.max_priority_fee`, which warns on every
        call to a node without that (non-standard) method; on a consortium chain a missing
        fee market is normal, not something to warn about.
        """
        answer = self.rpc(
            self.w3.provider.make_request, RPCEndpoint("eth_maxPriorityFeePerGas"), []
        )
        result = answer.get("result")
        if isinstance(result, str):
            return int(result, 16)
        try:
            history = self.rpc(self.w3.eth.fee_history, 5, "latest", [50.0])
        except (Web3Exception, ValueError):
            return 0
        tips = sorted(int(reward[0]) for reward in history.get("reward", []) if reward)
        return tips[len(tips) // 2] if tips else 0

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
        `ChainUnavailable` once the provider's retries and fail-overs are used up."""
        try:
            return method(*args, **kwargs)
        except (RequestException, ConnectionError) as exc:
            raise ChainUnavailable(f"chain node at {self.url} does not answer: {exc}") from exc


def checksum(address: str) -> Address:
    """`address` in EIP-55 checksum form."""
    return Web3.to_checksum_address(address)
