"""Faults on the four-signer Clique network while evidence streams in; prints what was lost.

The service runs as in `serve` (anchoring batcher, indexer and clearing engine as threads)
on `AUTOLEDGER_RPC_URL`-style URLs of node 0 then node 1, at finality depth 2; a verifier
checks every receipt on node 3, a node the service never talks to. While documents are
submitted at a steady rate:

1. a signer the service does not use (node 2) is killed, then restarted: it must rejoin;
2. the node the service talks to (node 0) is killed: a service configured with node 0 alone
   reports the chain down in `/v1/health` (503), the service itself fails over to node 1;
   node 0 is restarted and reports healthy again;
3. the service's node (node 1 by now) is cut off from its peers for a few seconds, sealing
   alone, then reconnected: its lone block is replaced (a Clique reorg) and the indexer
   rolls back.

Then it waits for every item to be final and counts: items lost, items anchored twice, and
receipts issued as final that fail on chain. Each must be 0 (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.app import create_app
from api.runtime import Runtime
from api.settings import Settings
from ledger.chain import Chain
from ledger.logs import iter_events
from notary.intake import Submission, Submitter
from notary.models import EvidenceItem
from notary.receipts import verify_receipt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consortium_net import NODES, SIGNERS, Network, NodeSpec, rpc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    """What the trial saw."""

    submitted: int = 0
    reorgs: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def step(self, text: str) -> None:
        self.steps.append(text)
        print(f"  {text}", flush=True)


class _ReorgLog(logging.Handler):
    def __init__(self, tally: Tally) -> None:
        super().__init__()
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("reorg on chain"):
            self.tally.reorgs.append(record.getMessage())


def stream(runtime: Runtime, tally: Tally, stop: threading.Event, rate: float) -> None:
    """Submit `rate` documents per second (in groups of 5) until `stop`."""
    member = runtime.consortium.member(runtime.operator.address)
    submitter = Submitter(member_id=member.id, address=member.address)
    group = 5
    while not stop.is_set():
        files = [
            (
                io.BytesIO(os.urandom(512)),
                Submission(evidence_type="visit_photo", case_reference=f"TRIAL-{tally.submitted}"),
            )
            for _ in range(group)
        ]
        runtime.intake.submit_files(submitter, files)
        tally.submitted += group
        stop.wait(group / rate)


def wait_for(what: str, check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise SystemExit(f"trial-network: {what} did not happen within {timeout:.0f}s")


def block_of(url: str) -> int | None:
    answer = rpc(url, "eth_blockNumber")
    return int(answer, 16) if answer else None


def final_items(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(
            session.exec(
                select(func.count()).select_from(EvidenceItem).where(EvidenceItem.status == "final")
            ).one()
        )


def health(runtime: Runtime) -> tuple[int, dict[str, Any]]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        response = client.get("/v1/health")
    return response.status_code, response.json()


def kill_and_restart_a_signer(net: Network, tally: Tally, runtime: Runtime) -> None:
    node = NODES[2]
    before = final_items(runtime)
    net.stop(node, kill=True)
    tally.step(f"killed signer node {node.index} (SIGKILL)")
    wait_for("anchoring with 3 of 4 signers", lambda: final_items(runtime) > before + 10, 60)
    tally.step(f"service kept anchoring: {final_items(runtime) - before} items final meanwhile")
    net.start(node)
    others = NODES[0].url

    def rejoined() -> bool:
        mine, theirs = block_of(node.url), block_of(others)
        peers = rpc(node.url, "net_peerCount")
        return bool(mine and theirs and peers and int(peers, 16) >= 2 and theirs - mine <= 2)

    wait_for(f"node {node.index} rejoining", rejoined, 60)
    tally.step(f"restarted node {node.index}: peered and at block {block_of(node.url)}")


def kill_the_service_node(net: Network, tally: Tally, runtime: Runtime) -> None:
    node = NODES[0]
    alone = replace(runtime, chain=Chain(node.url))  # a service configured with node 0 only
    net.stop(node, kill=True)
    tally.step(f"killed node {node.index}, the node the service talks to")
    status, body = health(alone)
    if status != 503 or body.get("status") != "degraded":
        raise SystemExit(f"trial-network: health with node 0 down said {status} {body}")
    tally.step(f"/v1/health of a service on node 0 alone: {status} {body['status']}")
    before = final_items(runtime)
    wait_for("anchoring through node 1", lambda: final_items(runtime) > before + 10, 60)
    status, body = health(runtime)
    if status != 200 or body["chain"].get("rpc_url") != NODES[1].url:
        raise SystemExit(f"trial-network: health after fail-over said {status} {body}")
    tally.step(f"the service failed over to {body['chain']['rpc_url']}; health {status}")
    net.start(node)
    wait_for("node 0 back", lambda: health(alone)[0] == 200, 60)
    tally.step(f"restarted node {node.index}: /v1/health on it is 200 again")


def reorg_the_service_node(net: Network, tally: Tally, runtime: Runtime) -> None:
    node = next(n for n in NODES if n.url == runtime.chain.url_in_use)
    others = [n for n in NODES if n != node]
    reorgs_before = len(tally.reorgs)
    for attempt in range(1, 6):
        # Cut it off when it signed neither of the last two blocks: only then may it seal
        # alone (a Clique signer seals at most one of any N/2 + 1 consecutive blocks).
        wait_for("a moment the node may seal", lambda: may_seal(node), 30)
        start = block_of(node.url) or 0
        wait_for("isolation", lambda: isolated(node, others), 30)
        time.sleep(5)  # the isolated signer seals at most one block alone; the others go on
        lone = block_of(node.url) or 0
        lone_hash = rpc(node.url, "eth_getBlockByNumber", [hex(lone), False])["hash"]
        for other in others:
            rpc(node.url, "admin_addPeer", [other.enode])
            rpc(other.url, "admin_addPeer", [node.enode])

        def caught_up(lone: int = lone) -> bool:
            mine, theirs = block_of(node.url), block_of(others[0].url)
            return bool(mine and theirs and mine >= lone and abs(theirs - mine) <= 1)

        wait_for("reconnection", caught_up, 60)
        now = rpc(node.url, "eth_getBlockByNumber", [hex(lone), False])["hash"]
        if lone > start and now != lone_hash:
            tally.step(
                f"isolated node {node.index} sealed block {lone} alone; after reconnecting it"
                f" was replaced (attempt {attempt})"
            )
            break
        tally.step(f"isolation {attempt}: node {node.index} sealed nothing alone; again")
    else:
        raise SystemExit("trial-network: no reorg could be provoked in 5 isolations")
    # The indexer rolls back once it reads the replaced range; give it a few rounds.
    wait_for("the indexer's rollback", lambda: len(tally.reorgs) > reorgs_before, 30)
    tally.step(f"indexer: {tally.reorgs[-1]}")


def isolated(node: NodeSpec, others: list[NodeSpec]) -> bool:
    """Drop every peering of `node`, and say whether none is left.

    Asked again on each check: a dial that was in flight when the peers were dropped (a node
    just restarted is still dialing its static peers) can complete afterwards.
    """
    for other in others:
        rpc(node.url, "admin_removePeer", [other.enode])
        rpc(other.url, "admin_removePeer", [node.enode])
    return bool(rpc(node.url, "net_peerCount") == "0x0")


def may_seal(node: NodeSpec) -> bool:
    """Whether `node` signed neither of the two newest blocks it has."""
    head = block_of(node.url)
    if head is None or head < 2:
        return False
    signers = {rpc(node.url, "clique_getSigner", [hex(n)]) for n in (head, head - 1)}
    return None not in signers and node.signer.lower() not in {str(s).lower() for s in signers}


def count(runtime: Runtime, tally: Tally, verifier: str) -> dict[str, int]:
    """Wait for every submitted item to be final, then count what went wrong."""
    wait_for("every item final", lambda: final_items(runtime) >= tally.submitted, 180)
    with Session(runtime.engine) as session:
        items = session.exec(select(EvidenceItem).order_by(col(EvidenceItem.id))).all()
    receipts = [runtime.issuer.for_item(item).receipt for item in items if item.status == "final"]
    false_final = sum(
        1
        for receipt in receipts
        if receipt is None or verify_receipt(receipt, rpc_url=verifier).failed
    )
    # On the verifier's node: the canonical BatchAnchored events of this registry.
    verifying = Chain(verifier)
    registry = verifying.w3.eth.contract(
        address=runtime.registry.address, abi=runtime.artifacts["EvidenceRegistry"].abi
    )
    anchored = list(
        iter_events(
            verifying,
            registry.events.BatchAnchored(),
            from_block=runtime.contracts["EvidenceRegistry"].block_number,
        )
    )
    sequences = [int(e["args"]["sequence"]) for e in anchored]
    log_size = max((int(e["args"]["size"]) for e in anchored), default=0)
    leaves = len(items)
    return {
        "submitted": tally.submitted,
        "final receipts": len(receipts),
        "lost": tally.submitted - len(receipts),
        "anchored twice": (log_size - leaves) + (len(sequences) - len(set(sequences))),
        "false final": false_final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="documents submitted per second")
    parser.add_argument("--finality-depth", type=int, default=2)
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "consortium-net")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tally = Tally()
    logging.getLogger().addHandler(_ReorgLog(tally))
    net = Network(args.root)
    print(f"trial-network: {SIGNERS} Clique signers, finality depth {args.finality_depth}")
    net.up()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            rpc_url=f"{NODES[0].url},{NODES[1].url}",
            dev=True,  # the network prefunds the anvil dev accounts; account 0 is the operator
            finality_depth=args.finality_depth,
            var_dir=Path(tmp),
            batch_size=100,
            batch_interval=1.0,
            build_dir=ROOT / "var" / "build",
            node_modules=ROOT / "node_modules",
        )
        with Runtime.start(settings) as runtime:
            runtime.start_workers()
            stop = threading.Event()
            streamer = threading.Thread(target=stream, args=(runtime, tally, stop, args.rate))
            streamer.start()
            try:
                kill_and_restart_a_signer(net, tally, runtime)
                kill_the_service_node(net, tally, runtime)
                reorg_the_service_node(net, tally, runtime)
            finally:
                stop.set()
                streamer.join()
                for node in NODES:
                    net.start(node)
            counts = count(runtime, tally, NODES[3].url)
    print(f"trial-network: done in {time.monotonic() - started:.0f}s")
    for name, value in counts.items():
        print(f"  {name + ':':16} {value}")
    bad = counts["lost"] + counts["anchored twice"] + counts["false final"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
