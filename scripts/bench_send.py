"""Send N transactions from T threads with one key on a fresh anvil; print rate and latency."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ledger.chain import Chain
from ledger.compiler import compile_contracts
from ledger.keys import dev_account
from ledger.node import EmbeddedNode, find_anvil
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    artifacts = compile_contracts(
        ROOT / "contracts",
        node_modules=ROOT / "node_modules",
        cache_dir=ROOT / "var" / "test-build",
        extra_sources=[ROOT / "tests" / "contracts"],
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedNode(
            anvil=find_anvil(ROOT / "node_modules"), log_file=Path(tmp) / "anvil.log"
        ) as node,
    ):
        chain = Chain(node.url)
        sender = Sender(chain, dev_account(0), errors=ErrorDecoder(artifacts.all_abis()))
        address, _ = sender.deploy(artifacts["Probe"], [10**9])
        probe = sender.contract(address, artifacts["Probe"].abi)
        per_thread = args.transactions // args.threads

        def worker(_: int) -> list[float]:
            latencies = []
            for _ in range(per_thread):
                started = time.perf_counter()
                sender.transact(probe.functions.bump(1))
                latencies.append(time.perf_counter() - started)
            return latencies

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            latencies = [x for chunk in pool.map(worker, range(args.threads)) for x in chunk]
        elapsed = time.perf_counter() - started
        total = probe.functions.total().call()
    latencies.sort()
    print(f"transactions: {len(latencies)} from {args.threads} threads, one key")
    print(f"all mined:    {total == len(latencies)} (counter {total})")
    print(f"elapsed:      {elapsed:.2f} s")
    print(f"rate:         {len(latencies) / elapsed:.0f} tx/s")
    print(
        f"latency:      median {statistics.median(latencies) * 1000:.1f} ms,"
        f" p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
