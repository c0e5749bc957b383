"""Proof-of-authority headers, fee lookups, retries and fail-over, over real HTTP.

A small JSON-RPC server in a thread answers what a Clique/QBFT node would (a block with 97
bytes of extraData, -32603, no eth_maxPriorityFeePerGas) so each case is exact and fast; the
same paths run against real geth nodes in tests/network.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ledger.chain import Chain
from ledger.errors import ChainUnavailable
from ledger.node import free_port
from ledger.provider import FailoverProvider, split_urls

VANITY = bytes.fromhex("d883010d0f846765746888676f312e32362e38856c696e7578").ljust(32, b"\0")
CLIQUE_EXTRA_DATA = "0x" + VANITY.hex() + "ab" * 65
"""32 bytes of vanity (geth's version string, padded) and a 65-byte seal: 97 bytes."""

Handler = Callable[[str, list[Any]], dict[str, Any]]


def _block(number: int = 7, base_fee: int | None = 7) -> dict[str, Any]:
    block = {
        "number": hex(number),
        "hash": "0x" + "11" * 32,
        "parentHash": "0x" + "22" * 32,
        "nonce": "0x0000000000000000",
        "sha3Uncles": "0x" + "33" * 32,
        "logsBloom": "0x" + "00" * 256,
        "transactionsRoot": "0x" + "44" * 32,
        "stateRoot": "0x" + "55" * 32,
        "receiptsRoot": "0x" + "66" * 32,
        "miner": "0x" + "00" * 20,
        "difficulty": "0x2",
        "totalDifficulty": "0xf",
        "extraData": CLIQUE_EXTRA_DATA,
        "size": "0x25c",
        "gasLimit": hex(30_000_000),
        "gasUsed": "0x0",
        "timestamp": hex(1_700_000_000),
        "transactions": [],
        "uncles": [],
        "mixHash": "0x" + "00" * 32,
    }
    if base_fee is not None:
        block["baseFeePerGas"] = hex(base_fee)
    return block


class _Node:
    """A JSON-RPC server on loopback answering with `handler(method, params)`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.calls: list[str] = []
        node = self

        class _Request(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                node.calls.append(request["method"])
                body = node.handler(request["method"], request.get("params", []))
                payload = json.dumps({"jsonrpc": "2.0", "id": request["id"], **body}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Request)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], _Node]]:
    nodes: list[_Node] = []

    def start(handler: Handler) -> _Node:
        nodes.append(_Node(handler))
        return nodes[-1]

    yield start
    for node in nodes:
        node.close()


def _clique(method: str, params: list[Any]) -> dict[str, Any]:
    if method == "eth_getBlockByNumber":
        return {"result": _block()}
    if method == "eth_blockNumber":
        return {"result": "0x7"}
    if method == "eth_maxPriorityFeePerGas":
        return {"error": {"code": -32601, "message": f"the method {method} does not exist"}}
    if method == "eth_feeHistory":
        return {
            "result": {
                "oldestBlock": "0x3",
                "baseFeePerGas": ["0x7"] * 6,
                "gasUsedRatio": [0.0] * 5,
                "reward": [["0x1"], ["0x3"], ["0x2"], ["0x5"], ["0x4"]],
            }
        }
    return {"error": {"code": -32601, "message": f"the method {method} does not exist"}}


def test_a_block_with_97_bytes_of_extra_data_is_read(serve: Callable[[Handler], _Node]) -> None:
    node = serve(_clique)
    block = Chain(node.url).w3.eth.get_block("latest")
    assert len(bytes.fromhex(CLIQUE_EXTRA_DATA[2:])) == 97
    assert bytes(block["proofOfAuthorityData"]) == bytes.fromhex(CLIQUE_EXTRA_DATA[2:])
    assert block["number"] == 7


def test_eip1559_fees_without_max_priority_fee_use_fee_history_and_do_not_warn(
    serve: Callable[[Handler], _Node],
) -> None:
    node = serve(_clique)
    fees = Chain(node.url).fees()  # warnings are errors in this suite
    # The median of the tips 1..5 is 3; max fee = 2 x base fee 7 + tip.
    assert (fees.max_fee_per_gas, fees.max_priority_fee_per_gas) == (17, 3)
    assert fees.charges_gas
    assert "eth_feeHistory" in node.calls


def test_legacy_and_gas_price_zero_chains(serve: Callable[[Handler], _Node]) -> None:
    def legacy(method: str, params: list[Any]) -> dict[str, Any]:
        if method == "eth_getBlockByNumber":
            return {"result": _block(base_fee=None)}
        if method == "eth_gasPrice":
            return {"result": "0x0"}
        return _clique(method, params)

    node = serve(legacy)
    fees = Chain(node.url).fees()
    assert fees.as_tx_fields() == {"gasPrice": 0}
    assert not fees.charges_gas
    assert Chain(node.url, gas_price=5).fees().as_tx_fields() == {"gasPrice": 5}


def test_an_internal_error_is_asked_again(serve: Callable[[Handler], _Node]) -> None:
    answers = iter(
        [{"error": {"code": -32603, "message": "internal error"}}] * 2 + [{"result": "0x2a"}]
    )
    node = serve(lambda method, params: next(answers))
    chain = Chain(node.url)
    chain.provider.backoff = 0.01
    assert chain.latest_block() == 42
    assert node.calls == ["eth_blockNumber"] * 3


def test_a_revert_reported_as_internal_error_is_not_repeated(
    serve: Callable[[Handler], _Node],
) -> None:
    revert = {"error": {"code": -32603, "message": "execution reverted", "data": "0x08c379a0"}}
    node = serve(lambda method, params: revert)
    provider = FailoverProvider([node.url], backoff=0.01)
    assert provider.make_request("eth_call", [])["error"] == revert["error"]  # type: ignore[arg-type]
    assert node.calls == ["eth_call"]


def test_a_dead_node_fails_over_to_the_next_url(serve: Callable[[Handler], _Node]) -> None:
    node = serve(_clique)
    dead = f"http://127.0.0.1:{free_port()}"
    chain = Chain(f"{dead}, {node.url}")
    chain.provider.backoff = 0.01
    assert chain.urls == [dead, node.url]
    assert chain.latest_block() == 7
    assert chain.url_in_use == node.url
    assert chain.latest_block() == 7  # stays on the node that answers
    assert node.calls == ["eth_blockNumber", "eth_blockNumber"]


def test_no_node_answering_is_chain_unavailable() -> None:
    chain = Chain(f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}")
    chain.provider.backoff = 0.01
    with pytest.raises(ChainUnavailable, match="does not answer"):
        chain.latest_block()


def test_urls_are_split_on_commas() -> None:
    assert split_urls(" http://a:1 ,http://b:2,") == ["http://a:1", "http://b:2"]
    with pytest.raises(ValueError, match="no JSON-RPC URL"):
        split_urls(" , ")
