"""Fault trial: a stream of evidence submissions, advances and a clearing cycle through the
HTTP API of real `autoledger serve` processes, while the service and its embedded node are
killed with SIGKILL at random moments (both together, and each alone); then everything is
started again, left to settle, and what was acknowledged is counted against the chain.

With `--replicas 2` (PostgreSQL only) two services share one database and one node; a kill
of "the service" takes one replica (the one running the node takes the node with it, and the
other starts it again), requests go to whichever replica answers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.node import StateFile, free_port  # noqa: E402
from ledger.vin import check_digit  # noqa: E402

DAY = 86_400
TERMS = {
    "advance_rate_bps": 9_000,
    "interest_rate_bps": 650,
    "payoff_window_seconds": 5 * DAY,
    "confirm_window_seconds": 3 * DAY,
    "fee_per_vehicle": 5_000,
    "curtailments": [{"day": 60, "bps": 1_000}, {"day": 90, "bps": 1_000}],
}
START_TIMEOUT = 180.0
"""Seconds a service gets to answer /v1/health: the first start compiles and deploys."""


def make_vin(n: int) -> str:
    body = f"LFV2A21K0N3{n:06d}"
    return body[:8] + check_digit(body) + body[9:]


@dataclass
class Service:
    """One `autoledger serve` process."""

    index: int
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "autoledger"), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + "/v1/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if not self.alive():
                raise SystemExit(f"service {self.index} exited; see {self.log}")
            time.sleep(0.2)
        raise SystemExit(f"service {self.index} did not answer in {timeout}s; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.alive():
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Acknowledged:
    """What the API acknowledged (a 2xx answer) during the stream."""

    items: list[str] = field(default_factory=list)
    vehicles: list[str] = field(default_factory=list)
    cycles: list[dict[str, Any]] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    unanswered: Counter[str] = field(default_factory=Counter)


class Trial:
    def __init__(self, args: argparse.Namespace, var: Path) -> None:
        self.args = args
        self.var = var
        self.random = random.Random(args.seed)
        env = {
            **os.environ,
            "AUTOLEDGER_VAR_DIR": str(var),
            "AUTOLEDGER_BUILD_DIR": str(args.build_dir),
            "AUTOLEDGER_BATCH_INTERVAL": "0.5",
            "AUTOLEDGER_BATCH_SIZE": "200",
            "AUTOLEDGER_CLEARING_INTERVAL": "3600",
            "AUTOLEDGER_BLOCK_TIME": str(args.block_time),
            "AUTOLEDGER_LOG_LEVEL": "warning",
        }
        if args.database_url:
            env["AUTOLEDGER_DATABASE_URL"] = args.database_url
        self.services = [
            Service(index=i, port=free_port(), env=env, log=var / f"service-{i}.log")
            for i in range(args.replicas)
        ]
        self.keys: dict[str, str] = {}
        self.members: dict[str, int] = {}
        self.ack = Acknowledged()
        self.kills: Counter[str] = Counter()
        self.line_id = 0
        self._lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------------------

    def node(self) -> dict[str, Any]:
        return dict(json.loads((self.var / "anvil" / "node.json").read_text()))

    def node_rpc(self, method: str, params: list[Any]) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return requests.post(self.node()["url"], json=body, timeout=10).json().get("result")

    def call(
        self, method: str, path: str, who: str, body: Any = None, *, timeout: float = 60
    ) -> requests.Response | None:
        """The request at a live replica (the next one if one does not answer); None when
        none answered."""
        services = [s for s in self.services if s.alive()] or self.services
        self.random.shuffle(services)
        for service in services:
            try:
                return requests.request(
                    method,
                    service.url + path,
                    json=body,
                    headers={"Authorization": f"Bearer {self.keys[who]}"},
                    timeout=timeout,
                )
            except requests.RequestException:
                continue
        return None

    def must(self, method: str, path: str, who: str, body: Any = None) -> Any:
        for _ in range(30):
            response = self.call(method, path, who, body)
            if response is not None and response.status_code < 300:
                return response.json()
            if response is not None and response.status_code < 500:
                raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
            time.sleep(1)
        raise SystemExit(f"{method} {path}: no answer")

    # -- phases -------------------------------------------------------------------------------

    def start(self) -> None:
        first, *others = self.services
        first.start()
        first.wait_healthy()
        for service in others:
            service.start()
        for service in others:
            service.wait_healthy()
        lines = (self.var / "demo-keys.txt").read_text().splitlines()[1:]
        for line in lines:
            member_id, _name, roles, _address, key = line.split("\t")
            for role in roles.lower().split(", "):
                name = role if role not in self.keys else role + "2"
                if name not in self.keys:
                    self.keys[name] = key
                    self.members[name] = int(member_id)

    def prepare(self) -> None:
        """A credit line, funds, and claims that are final and due (past their dispute
        window, moved on the node's clock), so a cycle can settle during the stream."""
        line = self.must(
            "POST",
            "/v1/lines",
            "lender",
            {"dealer_id": self.members["dealer"], "limit": 10**15, "terms": TERMS},
        )
        self.line_id = int(line["id"])
        self.must(
            "POST",
            "/v1/settlement/mints",
            "settlement_bank",
            {"member_id": self.members["dealer"], "amount": 10**12, "reference": "DEP-TRIAL"},
        )
        self.must("POST", "/v1/settlement/allowances", "dealer", {"amount": 2**256 - 1})
        for n in range(self.args.claims):
            claim = self.must(
                "POST",
                "/v1/claims",
                "lender",
                {
                    "debtor_id": self.members["dealer"],
                    "amount": 1_000 + n,
                    "kind": "fee",
                    "reference": "0x" + f"{n + 1:064x}",
                },
            )
            self.must("POST", f"/v1/claims/{claim['id']}/confirmation", "dealer")
        self.node_rpc("evm_increaseTime", [4 * DAY])
        self.node_rpc("evm_mine", [])
        # the clock moved without a write anyone waited for: make that block durable too
        latest = int(self.node_rpc("eth_blockNumber", []), 16)
        StateFile(self.var / "anvil" / "state.json", self.node()["url"]).through(latest)

    def stream(self) -> None:
        """Submissions and advances for `duration` seconds, one clearing cycle triggered a
        third of the way in, kills at random moments."""
        stop = threading.Event()
        modes: list[str] = list(self.args.modes or [])
        while len(modes) < self.args.kills:  # each mode once in every three kills
            rotation = ["both", "node", "service"]
            self.random.shuffle(rotation)
            modes += rotation
        modes = modes[: self.args.kills]
        start = time.monotonic()
        moments = sorted(
            self.random.uniform(0.1, 0.9) * self.args.duration for _ in range(self.args.kills)
        )
        workers = [
            threading.Thread(target=self._submit_evidence, args=(stop,), daemon=True),
            threading.Thread(target=self._advance, args=(stop,), daemon=True),
            threading.Thread(target=self._clear, args=(stop, start), daemon=True),
        ]
        for worker in workers:
            worker.start()
        for moment, mode in zip(moments, modes, strict=True):
            time.sleep(max(0.0, start + moment - time.monotonic()))
            self.kill(mode)
        time.sleep(max(0.0, start + self.args.duration - time.monotonic()))
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
        self.ensure_up()

    def kill(self, mode: str) -> None:
        self.ensure_up()
        victim = self.random.choice(self.services)
        node_pid = int(self.node()["pid"])
        if mode in ("both", "service"):
            victim.kill()
        if mode in ("both", "node"):
            try:
                os.kill(node_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.kills[mode] += 1
        print(f"  kill {sum(self.kills.values())}: {mode} (service {victim.index})", flush=True)
        time.sleep(0.5)
        began = time.monotonic()
        self.ensure_up()
        print(f"  up again after {time.monotonic() - began:.1f}s", flush=True)

    def ensure_up(self) -> None:
        for service in self.services:
            if not service.alive():
                service.start()
        for service in self.services:
            service.wait_healthy()

    def _submit_evidence(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            digest = os.urandom(32).hex()
            body = {
                "document_digest": digest,
                "evidence_type": "message_log",
                "case_reference": f"TRIAL-{n % 7}",
            }
            response = self.call("POST", "/v1/evidence/digests", "collector", body, timeout=30)
            with self._lock:
                if response is None or response.status_code >= 500:
                    self.ack.unanswered["evidence"] += 1
                    stop.wait(0.5)  # the service is restarting
                elif response.status_code == 201:
                    self.ack.items.append(response.json()["id"])
                else:
                    self.ack.refused[f"evidence {response.status_code}"] += 1
            time.sleep(self.args.pause)

    def _advance(self, stop: threading.Event) -> None:
        n = self.random.randrange(100_000, 900_000)
        while not stop.is_set():
            n += 1
            car = {
                "vin": make_vin(n),
                "certificate": f"WDK{n:012d}",
                "engine": f"EA{n:08d}",
                "value": 25_000_000,
            }
            response = self.call(
                "POST", f"/v1/lines/{self.line_id}/advances", "lender", {"vehicles": [car]}
            )
            with self._lock:
                if response is None or response.status_code >= 500:
                    self.ack.unanswered["advance"] += 1
                    stop.wait(0.5)
                elif response.status_code == 201:
                    self.ack.vehicles.extend(v["vin_hash"] for v in response.json()["vehicles"])
                else:
                    self.ack.refused[f"advance {response.status_code}"] += 1
            time.sleep(self.args.pause * 4)

    def _clear(self, stop: threading.Event, start: float) -> None:
        stop.wait(max(0.0, start + self.args.duration / 3 - time.monotonic()))
        while not stop.is_set():
            response = self.call("POST", "/v1/cycles", "lender", timeout=120)
            if response is not None and response.status_code == 201:
                with self._lock:
                    self.ack.cycles.append(response.json()["cycle"])
                return
            with self._lock:
                if response is None or response.status_code >= 500:
                    self.ack.unanswered["cycle"] += 1
                else:  # 409: nothing to settle (an earlier, unanswered attempt settled it?)
                    self.ack.refused[f"cycle {response.status_code}"] += 1
            stop.wait(2.0)

    def settle(self) -> float:
        """Wait until every acknowledged item has a final receipt (or the timeout)."""
        began = time.monotonic()
        waiting = list(self.ack.items)
        while waiting and time.monotonic() - began < self.args.settle_timeout:
            still = []
            for public_id in waiting:
                response = self.call("GET", f"/v1/evidence/{public_id}/receipt", "collector")
                if response is None or response.status_code != 200 or not response.json()["final"]:
                    still.append(public_id)
            waiting = still
            if waiting:
                time.sleep(1)
        return time.monotonic() - began

    def count(self) -> dict[str, int]:
        """The table: what was acknowledged, against what the chain holds."""
        from sqlmodel import Session, func, select

        from api.runtime import Runtime
        from api.settings import Settings
        from clearing.models import ClearingCycle
        from notary.models import AnchorBatch, BatchStatus, EvidenceItem
        from notary.receipts import verify_receipt

        settings = Settings(
            var_dir=self.var,
            build_dir=self.args.build_dir,
            database_url=self.args.database_url,
            block_time=self.args.block_time,
        )
        runtime = Runtime.start(settings)
        try:
            trust = runtime.trust_root()
            rpc_url = self.node()["url"]
            final_ok = false_final = lost = 0
            for public_id in self.ack.items:
                response = self.call("GET", f"/v1/evidence/{public_id}/receipt", "collector")
                if response is None or response.status_code != 200:
                    lost += 1
                    continue
                body = response.json()
                if not body["final"]:
                    lost += 1
                    continue
                if not verify_receipt(body["receipt"], rpc_url=rpc_url, trust=trust).verified:
                    false_final += 1
                else:
                    final_ok += 1
            deadline = time.monotonic() + 30
            while runtime.journal.open_entries() and time.monotonic() < deadline:
                time.sleep(0.5)  # the keepers finish what the last kill left in flight
            with Session(runtime.engine) as session:
                anchored = session.exec(
                    select(func.count(), func.count(func.distinct(EvidenceItem.record_json)))
                    .select_from(EvidenceItem)
                    .join(AnchorBatch, AnchorBatch.id == EvidenceItem.batch_id)  # type: ignore[arg-type]
                    .where(AnchorBatch.status == BatchStatus.FINAL)
                ).one()
                cycles = session.exec(
                    select(ClearingCycle).where(ClearingCycle.status == "settled")
                ).all()
            member_id = runtime.registry.member_id(runtime.operator.address)
            log_size = runtime.registry.log_of(member_id).size
            twice = max(0, log_size - int(anchored[1])) + (int(anchored[0]) - int(anchored[1]))
            missing = 0
            for vin_hash in self.ack.vehicles:
                vehicle = runtime.floorplan.vehicle(bytes.fromhex(vin_hash.removeprefix("0x")))
                if vehicle is None or int(vehicle.line_id) != self.line_id:
                    missing += 1
            settled_logs = runtime.clearing_client.contract.events.CycleSettled().get_logs(
                from_block=0
            )
            plans = Counter(bytes(e["args"]["planHash"]).hex() for e in settled_logs)
            claims: Counter[int] = Counter()
            for cycle in cycles:
                claims.update(cycle.claim_id_list())
            settled_twice = sum(1 for n in plans.values() if n > 1) + sum(
                1 for n in claims.values() if n > 1
            )
            acknowledged_cycles_missing = sum(
                1
                for c in self.ack.cycles
                if c["chain_cycle_id"] is None
                or runtime.clearing_client.cycle(c["chain_cycle_id"]) is None
            )
            journal = runtime.journal.counts()
            repairs = runtime.journal.repairs()
        finally:
            runtime.close()
        return {
            "kills (both / node alone / service alone)": sum(self.kills.values()),
            "  both": self.kills["both"],
            "  node alone": self.kills["node"],
            "  service alone": self.kills["service"],
            "evidence items acknowledged": len(self.ack.items),
            "  with a final receipt that verifies on chain": final_ok,
            "  lost (no final receipt)": lost,
            "  anchored twice": twice,
            '  receipts "final" that fail on chain': false_final,
            "advances acknowledged": len(self.ack.vehicles),
            "  advances missing on chain": missing,
            "cycles acknowledged": len(self.ack.cycles),
            "  cycles missing on chain": acknowledged_cycles_missing,
            "cycles settled (on chain)": len(plans),
            "  settled twice": settled_twice,
            "rollbacks seen by the journal": len(repairs),
            "  journaled transactions reopened": sum(r.rollback.reopened for r in repairs),
            "  lost in them": sum(len(r.lost) for r in repairs),
            "journal entries still open": sum(
                journal.get(s, 0) for s in ("signed", "sent", "mined")
            ),
            "requests unanswered (not acknowledged)": sum(self.ack.unanswered.values()),
            "requests refused (4xx)": sum(self.ack.refused.values()),
        }

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def run(args: argparse.Namespace) -> dict[str, int]:
    """Run the trial; returns the table (also printed)."""
    with tempfile.TemporaryDirectory(prefix="trial-crash-") as tmp:
        var = Path(args.var) if args.var else Path(tmp) / "var"
        var.mkdir(parents=True, exist_ok=True)
        trial = Trial(args, var)
        began = time.monotonic()

        def say(text: str) -> None:
            print(f"[{time.monotonic() - began:6.1f}s] {text}", flush=True)

        try:
            say(f"starting {args.replicas} service(s) in {var}")
            trial.start()
            say("preparing a credit line and claims")
            trial.prepare()
            say(f"stream of {args.duration}s with {args.kills} kills")
            trial.stream()
            say("settling")
            waited = trial.settle()
            say(f"settled in {waited:.1f}s; counting")
            table = trial.count()
        finally:
            trial.stop()
    width = max(len(k) for k in table)
    print()
    for key, value in table.items():
        print(f"{key:<{width}}  {value:>6}")
    return table


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--duration", type=float, default=150.0, help="seconds of stream")
    p.add_argument(
        "--modes",
        type=lambda text: text.split(","),
        default=None,
        help="the first kills' modes, e.g. node,both (then each of both, node, service in turn)",
    )
    p.add_argument("--replicas", type=int, default=1, help="services on one database (PG)")
    p.add_argument("--database-url", default=None, help="default: SQLite in the trial's var/")
    p.add_argument("--claims", type=int, default=3, help="claims the clearing cycle settles")
    p.add_argument("--pause", type=float, default=0.05, help="seconds between submissions")
    p.add_argument("--block-time", type=int, default=1)
    p.add_argument("--settle-timeout", type=float, default=120.0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--var", default=None, help="keep the trial's state here")
    p.add_argument("--build-dir", type=Path, default=ROOT / "var" / "build")
    return p


def main() -> None:
    args = parser().parse_args()
    if args.replicas > 1 and not (args.database_url or "").startswith("postgresql"):
        raise SystemExit("--replicas needs --database-url postgresql+psycopg://...")
    table = run(args)
    bad = [
        "  lost (no final receipt)",
        "  anchored twice",
        '  receipts "final" that fail on chain',
        "  advances missing on chain",
        "  cycles missing on chain",
        "  settled twice",
    ]
    sys.exit(1 if any(table[k] for k in bad) else 0)


if __name__ == "__main__":
    main()
