"""A four-signer geth Clique network on loopback: build, start, stop, inspect (docs/network.md).

geth 1.13.x is the last release line that seals Clique proof-of-authority blocks (1.14 dropped
block production on pre-merge chains). It is built from its Go module with the local Go
toolchain and the linker flag `-checklinkname=0`: geth 1.13 depends on github.com/fjl/memsize,
which reaches into the runtime with `//go:linkname`, and Go >= 1.23 refuses such references at
link time unless told not to check them. The binary is cached under
`~/.cache/autoledger/geth-<version>/`, so only the first `up` builds (minutes); later ones start
in seconds.

Every key here is public on purpose (derived from fixed strings, like anvil's mnemonic): this is
a local test network. The anvil dev accounts are prefunded, so `dev_account(n)` works on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_keys import keys
from eth_utils import keccak

ROOT = Path(__file__).resolve().parents[1]

GETH_VERSION = "v1.13.15"
"""The last geth release; 1.13 is the last line that still seals Clique blocks."""

GETH_MODULE = "github.com/ethereum/go-ethereum/cmd/geth"

GETH_LDFLAGS = "-checklinkname=0"
"""Go >= 1.23 refuses fjl/memsize's //go:linkname into the runtime without this."""

CHAIN_ID = 4242
"""Not anvil's 31337, so deployments recorded per chain id never mix the two."""

SIGNERS = 4
PERIOD = 1
"""Seconds between blocks. Clique seals the in-turn block on time; an out-of-turn signer
waits a random extra delay, so blocks come every 1-2 s."""

BASE_PORT = int(os.environ.get("AUTOLEDGER_NET_PORT", "21545"))
"""HTTP JSON-RPC of node i listens on BASE_PORT + i, p2p on +100 + i, authrpc on +200 + i
(all on 127.0.0.1, below Linux's ephemeral range so no client socket takes them)."""

PASSWORD = "autoledger-consortium-net"
"""Public: unlocks the signers' keystores of this local network."""

FUNDING = 10_000 * 10**18
"""Wei each prefunded account starts with (as on anvil)."""

DEV_ACCOUNTS = 10
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def cache_dir() -> Path:
    """Where the built geth lives (`AUTOLEDGER_CACHE`, default ~/.cache/autoledger)."""
    base = os.environ.get("AUTOLEDGER_CACHE") or str(Path.home() / ".cache" / "autoledger")
    return Path(base) / f"geth-{GETH_VERSION}"


def geth_binary(*, build: bool = True) -> Path:
    """The cached geth binary, built from its Go module when missing (and `build`)."""
    binary = cache_dir() / "geth"
    if binary.is_file():
        return binary
    if not build:
        raise SystemExit(f"consortium-net: no geth at {binary}: run scripts/consortium-net build")
    go = shutil.which("go")
    if go is None:
        raise SystemExit("consortium-net: the go command is needed to build geth (install Go)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    print(f"building geth {GETH_VERSION} from its Go module (once; a few minutes)", file=sys.stderr)
    env = {**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-mod=mod"}
    command = [go, "install", f"-ldflags={GETH_LDFLAGS}", f"{GETH_MODULE}@{GETH_VERSION}"]
    result = subprocess.run(command, env=env, cwd=binary.parent)
    if result.returncode != 0 or not binary.is_file():
        raise SystemExit(f"consortium-net: {' '.join(command)} failed ({result.returncode})")
    return binary


def _key(label: str) -> bytes:
    return keccak(text=f"autoledger consortium-net {label}")


@dataclass(frozen=True)
class NodeSpec:
    """One signer node: its index, keys and ports."""

    index: int

    @property
    def signer_key(self) -> bytes:
        return _key(f"signer {self.index}")

    @property
    def signer(self) -> str:
        return str(Account.from_key(self.signer_key).address)

    @property
    def node_key(self) -> bytes:
        return _key(f"node {self.index}")

    @property
    def http_port(self) -> int:
        return BASE_PORT + self.index

    @property
    def p2p_port(self) -> int:
        return BASE_PORT + 100 + self.index

    @property
    def auth_port(self) -> int:
        return BASE_PORT + 200 + self.index

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def enode(self) -> str:
        public = keys.PrivateKey(self.node_key).public_key.to_hex()[2:]
        return f"enode://{public}@127.0.0.1:{self.p2p_port}"


NODES = [NodeSpec(i) for i in range(SIGNERS)]


def genesis() -> dict[str, Any]:
    """Clique genesis: London fees (EIP-1559 base fee), the four signers, funded accounts."""
    from ledger.keys import dev_account

    signers = "".join(n.signer[2:].lower() for n in sorted(NODES, key=lambda n: n.signer.lower()))
    funded = [dev_account(i).address for i in range(DEV_ACCOUNTS)] + [n.signer for n in NODES]
    forks = [
        "homestead",
        "eip150",
        "eip155",
        "eip158",
        "byzantium",
        "constantinople",
        "petersburg",
        "istanbul",
        "berlin",
        "london",
    ]
    return {
        "config": {
            "chainId": CHAIN_ID,
            **{f"{fork}Block": 0 for fork in forks},
            "clique": {"period": PERIOD, "epoch": 30000},
        },
        "difficulty": "0x1",
        "gasLimit": hex(30_000_000),
        "extradata": "0x" + "00" * 32 + signers + "00" * 65,
        "alloc": {a[2:].lower(): {"balance": hex(FUNDING)} for a in funded},
    }


class Network:
    """The network's nodes under `root` (default var/consortium-net)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def datadir(self, node: NodeSpec) -> Path:
        return self.root / f"node{node.index}"

    def pid(self, node: NodeSpec) -> int | None:
        """The pid of the node's running geth, or None."""
        try:
            pid = int((self.datadir(node) / "geth.pid").read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def init(self) -> None:
        """Write genesis, keys and config, and `geth init` every node that has no chain yet."""
        geth = geth_binary()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "genesis.json").write_text(json.dumps(genesis(), indent=2))
        (self.root / "password.txt").write_text(PASSWORD)
        for node in NODES:
            data = self.datadir(node)
            if (data / "geth" / "chaindata").is_dir():
                continue
            (data / "keystore").mkdir(parents=True, exist_ok=True)
            store = Account.encrypt(node.signer_key, PASSWORD, kdf="scrypt", iterations=2**12)
            (data / "keystore" / "signer.json").write_text(json.dumps(store))
            (data / "geth").mkdir(parents=True, exist_ok=True)
            (data / "geth" / "nodekey").write_text(node.node_key.hex())
            peers = ", ".join(f'"{n.enode}"' for n in NODES if n != node)
            (data / "config.toml").write_text(
                f'[Node.P2P]\nListenAddr = "127.0.0.1:{node.p2p_port}"\nStaticNodes = [{peers}]\n'
            )
            subprocess.run(
                [str(geth), "--datadir", str(data), "init", str(self.root / "genesis.json")],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def start(self, node: NodeSpec) -> None:
        """Start one node's geth (no-op when it runs) and wait until its RPC answers."""
        if self.pid(node) is not None:
            return
        data = self.datadir(node)
        for port in (node.http_port, node.p2p_port, node.auth_port):
            if not _port_free(port):
                raise SystemExit(
                    f"consortium-net: port {port} of node {node.index} is taken by another"
                    " program; choose other ports with AUTOLEDGER_NET_PORT (default 21545)"
                )
        command = [
            str(geth_binary()),
            "--config",
            str(data / "config.toml"),
            "--datadir",
            str(data),
            "--networkid",
            str(CHAIN_ID),
            "--nodiscover",
            "--nat",
            "none",
            "--authrpc.port",
            str(node.auth_port),
            "--ipcdisable",
            "--syncmode",
            "full",
            "--gcmode",
            "archive",
            "--http",
            "--http.addr",
            "127.0.0.1",
            "--http.port",
            str(node.http_port),
            "--http.api",
            "eth,net,web3,txpool,clique,admin",
            "--mine",
            "--miner.etherbase",
            node.signer,
            "--miner.gasprice",
            "0",
            "--unlock",
            node.signer,
            "--password",
            str(self.root / "password.txt"),
            "--allow-insecure-unlock",
            "--verbosity",
            "3",
        ]
        log = open(data / "geth.log", "ab")  # noqa: SIM115 (the child keeps it)
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        (data / "geth.pid").write_text(str(process.pid))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"consortium-net: node {node.index} exited; see {data}/geth.log")
            if rpc(node.url, "eth_blockNumber") is not None:
                return
            time.sleep(0.2)
        raise SystemExit(f"consortium-net: node {node.index} did not answer on {node.url}")

    def stop(self, node: NodeSpec, *, kill: bool = False) -> None:
        """Stop one node: SIGTERM (SIGKILL with `kill`, or when it does not stop in time)."""
        pid = self.pid(node)
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                finished, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                finished = 0  # not our child: poll for it to go away
            if finished == pid:
                break
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        (self.datadir(node) / "geth.pid").unlink(missing_ok=True)

    def up(self) -> None:
        """Start every node and wait until each has its three peers and blocks are sealed."""
        self.init()
        for node in NODES:
            self.start(node)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            status = self.status()
            if all(n["peers"] == SIGNERS - 1 for n in status["nodes"]) and status["sealing"]:
                return
            time.sleep(0.5)
        raise SystemExit(f"consortium-net: nodes did not peer or seal: {json.dumps(status)}")

    def down(self) -> None:
        """Stop every node (the chain data stays under `root`)."""
        for node in NODES:
            self.stop(node)

    def status(self) -> dict[str, Any]:
        """Per node: pid, URL, block, peers; and whether blocks are being sealed."""
        nodes = []
        for node in NODES:
            block = rpc(node.url, "eth_blockNumber")
            peers = rpc(node.url, "net_peerCount")
            nodes.append(
                {
                    "index": node.index,
                    "pid": self.pid(node),
                    "url": node.url,
                    "signer": node.signer,
                    "block": int(block, 16) if block else None,
                    "peers": int(peers, 16) if peers else 0,
                }
            )
        blocks = [n["block"] for n in nodes if n["block"] is not None]
        sealing = False
        if blocks:
            first = max(blocks)
            time.sleep(PERIOD * 2.5)
            later = [rpc(n.url, "eth_blockNumber") for n in NODES]
            sealing = any(b is not None and int(b, 16) > first for b in later)
        return {
            "chain_id": CHAIN_ID,
            "urls": [n.url for n in NODES],
            "nodes": nodes,
            "sealing": sealing,
        }


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As geth's own listeners do: connections of a killed node in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    """One JSON-RPC call; None when the node does not answer or answers with an error."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return answer.get("result")


def fund(address: str, ether: int) -> str:
    """Send `ether` to `address` from the last prefunded dev account; return the tx hash."""
    from web3.types import TxParams, Wei

    from ledger.chain import Chain, checksum
    from ledger.keys import dev_account
    from ledger.transactions import Sender

    sender = Sender(Chain(NODES[0].url), dev_account(DEV_ACCOUNTS - 1))
    tx: TxParams = {"to": checksum(address), "value": Wei(ether * 10**18)}
    return str(sender.send(tx).tx_hash)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=["build", "up", "down", "status", "reset", "start", "stop", "kill", "fund"],
    )
    parser.add_argument("node", nargs="?", help="node index (start/stop/kill); fund: ADDRESS")
    parser.add_argument("--ether", type=int, default=1000, help="fund: how much (default 1000)")
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "consortium-net")
    args = parser.parse_args()
    net = Network(args.root)
    if args.command == "build":
        print(geth_binary())
    elif args.command == "up":
        net.up()
        print(json.dumps(net.status(), indent=2))
    elif args.command == "down":
        net.down()
    elif args.command == "status":
        status = net.status()
        print(json.dumps(status, indent=2))
        running = all(n["pid"] for n in status["nodes"])
        sys.exit(0 if running and status["sealing"] else 1)
    elif args.command == "reset":
        net.down()
        shutil.rmtree(args.root, ignore_errors=True)
    elif args.command == "fund":
        if args.node is None:
            parser.error("fund needs an ADDRESS")
        print(fund(args.node, args.ether))
    else:
        if args.node is None or not args.node.isdigit() or not 0 <= int(args.node) < SIGNERS:
            parser.error(f"{args.command} needs a node index 0..{SIGNERS - 1}")
        node = NODES[int(args.node)]
        if args.command == "start":
            net.start(node)
        else:
            net.stop(node, kill=args.command == "kill")


if __name__ == "__main__":
    main()
