"""Index a local chain holding N events from scratch; print events indexed per second."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from api.database import migrate
from ledger.chain import Chain
from ledger.compiler import compile_contracts
from ledger.database import make_engine
from ledger.indexer import Indexer, WatchedContract
from ledger.keys import dev_account
from ledger.models import IndexedEvent
from ledger.node import EmbeddedNode, find_anvil
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender
from oversight.audit import Auditor, AuditReport

ROOT = Path(__file__).resolve().parents[1]


def emitted(start: int, count: int) -> int:
    """Events `Emitter.emitMany(start, count)` emits: a Noted each, a Cleared every tenth."""
    return count + sum(1 for i in range(start, start + count) if i % 10 == 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="events on the chain")
    parser.add_argument("--per-tx", type=int, default=1_000, help="Noted events per transaction")
    parser.add_argument("--spread", type=int, default=20, help="empty blocks between txs")
    parser.add_argument("--chunk", type=int, default=2_000, help="blocks per eth_getLogs")
    parser.add_argument("--database-url", help="index into this database (default: new SQLite)")
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
        address, deployed = sender.deploy(artifacts["Emitter"])
        emitter = sender.contract(address, artifacts["Emitter"].abi)

        started = time.perf_counter()
        total = start = 0
        while total < args.events:
            count = args.per_tx
            while count > 1 and total + emitted(start, count) > args.events:
                count -= 1
            sender.transact(emitter.functions.emitMany(start, count))
            chain.w3.provider.make_request("anvil_mine", [hex(args.spread)])  # type: ignore[arg-type]
            total += emitted(start, count)
            start += count
        blocks = chain.latest_block() - deployed.block_number
        made = time.perf_counter() - started
        print(f"chain:        {total} events in {blocks} blocks ({made:.1f} s to make)")

        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'index.db'}")
        migrate(engine)
        watched = WatchedContract(
            name="Emitter",
            address=address,
            abi=artifacts["Emitter"].abi,
            from_block=deployed.block_number,
        )
        indexer = Indexer(engine=engine, chain=chain, contracts=[watched], chunk=args.chunk)
        indexer.reset()  # a given database may hold an earlier run

        started = time.perf_counter()
        stored = indexer.run_once()
        elapsed = time.perf_counter() - started

        started = time.perf_counter()
        again = Indexer(engine=engine, chain=chain, contracts=[watched], chunk=args.chunk)
        added = again.run_once()
        recheck = time.perf_counter() - started
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(IndexedEvent)).scalar_one()

        # The event part of `autoledger audit verify` over the same index: every stored event
        # re-read from the chain and compared (evidence and batch checks have nothing to do
        # here: this chain holds no evidence).
        auditor = Auditor(
            engine=engine,
            chain=chain,
            contracts=[watched],
            registry=None,
            blobs=None,  # type: ignore[arg-type]
        )
        report = AuditReport(chain_id=chain.chain_id, latest_block=chain.latest_block())
        started = time.perf_counter()
        auditor.check_events(report)
        audit_took = time.perf_counter() - started
        engine.dispose()

    print(f"database:     {engine.url.get_backend_name()}, chunk {args.chunk} blocks")
    print(f"indexed:      {stored} events, {rows} rows, complete: {stored == rows == total}")
    print(f"elapsed:      {elapsed:.2f} s")
    print(f"rate:         {stored / elapsed:.0f} events/s (goal >= 5000)")
    print(
        f"re-index:     {recheck * 1000:.1f} ms for a restarted indexer to confirm it is"
        f" up to date ({added} new events)"
    )
    print(
        f"audit verify: {audit_took:.2f} s to compare {report.events_stored} stored events with"
        f" the chain; discrepancies: {len(report.discrepancies)}"
    )


if __name__ == "__main__":
    main()
