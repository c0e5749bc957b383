"""Evidence benchmark: documents/s end to end, gas per document, SHA-256 MB/s, receipts/s."""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sqlmodel import Session, col, select

from api.runtime import Runtime
from api.settings import Settings
from notary.digests import sha256_file
from notary.intake import Submission, Submitter
from notary.models import AnchorBatch, EvidenceItem
from notary.receipts import Receipt, verify_receipt

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--hash-mb", type=int, default=200)
    parser.add_argument("--mode", choices=["file", "digest"], default="file")
    parser.add_argument(
        "--group", type=int, default=500, help="documents per intake transaction (1 = API-like)"
    )
    parser.add_argument(
        "--rpc",
        help="run on this node (e.g. scripts/consortium-net's http://127.0.0.1:21545), signing"
        " with the anvil dev account 0 it prefunds; default: the embedded anvil",
    )
    parser.add_argument(
        "--finality-depth", type=int, default=None, help="default 2 with --rpc, 0 on anvil"
    )
    args = parser.parse_args()
    depth = args.finality_depth if args.finality_depth is not None else (2 if args.rpc else 0)
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        end_to_end(var, args.documents, args.batch_size, args.mode, args.group, args.rpc, depth)
        hashing(Path(tmp) / "big.bin", args.hash_mb)


def end_to_end(
    var: Path, count: int, batch_size: int, mode: str, group: int, rpc: str | None, depth: int
) -> None:
    """Submit `count` documents while the anchoring worker runs beside, as in `serve`, and
    issue each receipt as soon as its item is final: the time from the first submission to
    the last final receipt. Only standard JSON-RPC is used, so `rpc` may be any node."""
    settings = Settings(
        var_dir=var,
        batch_size=batch_size,
        build_dir=ROOT / "var" / "build",
        node_modules=ROOT / "node_modules",
        rpc_url=rpc,
        dev=True,
        finality_depth=depth,
    )
    with Runtime.start(settings) as runtime:
        where = f"{rpc} (finality depth {depth})" if rpc else "the embedded anvil"
        print(f"chain {runtime.chain.chain_id} at {where}")
        member = runtime.consortium.member(runtime.operator.address)
        submitter = Submitter(member_id=member.id, address=member.address)
        documents = [os.urandom(1024) for _ in range(count)]
        stop = threading.Event()
        worker = threading.Thread(
            target=runtime.anchorer.run,
            args=(stop,),
            kwargs={"interval": settings.batch_interval},
            daemon=True,
        )
        started = time.perf_counter()
        worker.start()
        for start in range(0, count, group):
            chunk = [
                (
                    document,
                    Submission(
                        evidence_type="call_recording",
                        case_reference=f"CASE-{(start + i) % 97}",
                        media_type="audio/mpeg",
                    ),
                )
                for i, document in enumerate(documents[start : start + group])
            ]
            if mode == "file":
                runtime.intake.submit_files(submitter, [(io.BytesIO(d), s) for d, s in chunk])
            else:
                runtime.intake.submit_digests(
                    submitter, [(hashlib.sha256(d).hexdigest(), len(d), s) for d, s in chunk]
                )
        submitted = time.perf_counter()
        receipts: list[Receipt] = []
        issuing = 0.0
        last_id = 0
        while len(receipts) < count:
            with Session(runtime.engine) as session:
                final = session.exec(
                    select(EvidenceItem)
                    .where(EvidenceItem.status == "final", col(EvidenceItem.id) > last_id)
                    .order_by(col(EvidenceItem.id))
                ).all()
            if not final:
                time.sleep(0.01)
                continue
            began = time.perf_counter()
            for item in final:
                receipt = runtime.issuer.for_item(item).receipt
                assert receipt is not None
                receipts.append(receipt)
            issuing += time.perf_counter() - began
            last_id = final[-1].id or last_id
        finished = time.perf_counter()
        stop.set()
        worker.join()
        with Session(runtime.engine) as session:
            stored_batches = session.exec(select(AnchorBatch).order_by(col(AnchorBatch.id))).all()
        gas = [
            int(runtime.chain.w3.eth.get_transaction_receipt(b.tx_hash)["gasUsed"])
            for b in stored_batches
        ]
        elapsed = finished - started
        print(
            f"end to end ({mode} mode): {count} documents of 1 KiB, {group} per intake"
            f" transaction, batches of {batch_size}, anchoring worker running beside"
        )
        print(f"  submit:              {count / (submitted - started):8.0f} documents/s")
        print(f"  sign receipts:       {count / issuing:8.0f} receipts/s (while issuing)")
        print(f"  submit → final receipt: {count / elapsed:8.0f} documents/s ({elapsed:.2f} s)")
        print(f"  transactions used:   {len(stored_batches)}")
        full = [g for g, b in zip(gas, stored_batches, strict=True) if b.size == batch_size]
        steady = full[1:] if full and gas[0] == full[0] else full
        print(f"  gas per document:    {sum(gas) / count:8.1f} over all {len(gas)} batches")
        print(
            f"                       {sum(steady) / len(steady) / batch_size:8.1f} in full batches"
            f" after the first (first batch {gas[0]} gas, then {min(steady)}-{max(steady)})"
            if steady
            else "                       (no full batch after the first)"
        )
        sample = receipts[: min(2000, count)]
        started = time.perf_counter()
        for receipt in sample:
            verify_receipt(receipt)
        took = time.perf_counter() - started
        print(f"offline verification:  {len(sample) / took:8.0f} receipts/s")


def hashing(path: Path, megabytes: int) -> None:
    with open(path, "wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(megabytes):
            out.write(block)
    sha256_file(path)  # warm the page cache
    started = time.perf_counter()
    ours = sha256_file(path)
    took = time.perf_counter() - started
    tool = shutil.which("sha256sum")
    print(f"SHA-256 of {megabytes} MB:  {megabytes / took:8.0f} MB/s (notary.sha256_file)")
    if tool:
        started = time.perf_counter()
        out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
        theirs_took = time.perf_counter() - started
        assert out.stdout.split()[0] == ours
        print(f"                       {megabytes / theirs_took:8.0f} MB/s (sha256sum)")
        print(f"  ratio:               {took / theirs_took:8.2f}x sha256sum's time")


if __name__ == "__main__":
    main()
