"""The embedded chain node: anvil as a child process, for local development and tests.

Production points `AUTOLEDGER_RPC_URL` at a consortium node instead; nothing here is used then.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ledger.errors import NodeError

START_TIMEOUT = 30.0
"""Seconds to wait for anvil to answer; loading a large state file is the slow part."""

STOP_TIMEOUT = 15.0
"""Seconds anvil gets to dump its state after SIGTERM before it is killed."""

BLOCK_TIME = 1
"""Seconds between the embedded node's blocks (`scripts/server`): a steady interval like a
QBFT network's, so a transaction never waits for unrelated traffic to be mined, and a block
in flight costs a writer at most this long. 0 mines each transaction at once (tests)."""

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


def find_anvil(node_modules: Path) -> Path:
    """The anvil binary from `@foundry-rs/anvil` in `node_modules`, else one on PATH.

    The platform package's binary is used directly rather than the npm wrapper script, so that
    signals reach anvil itself. Raises `NodeError` when there is none.
    """
    suffix = _PLATFORMS.get((platform.system(), platform.machine()))
    if suffix:
        binary = node_modules / "@foundry-rs" / f"anvil-{suffix}" / "bin" / "anvil"
        if binary.is_file():
            return binary
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise NodeError(
        f"no anvil binary in {node_modules}/@foundry-rs or on PATH: run scripts/bootstrap"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StateFile:
    """The embedded node's state on disk, written so that a hard kill loses nothing durable.

    anvil's own `--state` dumps on a timer and on exit, into the file in place: a kill loses
    the blocks since the last dump, and a kill during the write leaves a truncated file. Here
    the state is instead taken with `anvil_dumpState` (a local-dev call; this module is only
    used for the embedded node) when a writer needs it, before anything in a block is told
    final (`through`), written to a temporary file, fsynced and renamed over the old one, so
    the file always holds one complete state, at least as new as every acknowledged block.
    A lock file serializes the processes sharing one `var/` (replicas joining one node).
    """

    def __init__(self, path: Path, url: str) -> None:
        self.path = path
        self.url = url
        self.durable_block = -1
        self._durable_hash = ""
        self._lock = threading.Lock()

    def through(self, block_number: int) -> None:
        """Return once the file holds the chain at least up to `block_number`.

        Many writers waiting for the same block share one dump. The last dump counts only
        while the node's chain still extends it (its head then is still there, same hash): a
        node started again from an older state builds new blocks at the same heights, and
        those need a dump of their own. Raises `NodeError` when the node does not answer.
        """
        if self._covered(block_number):
            return
        with self._lock:
            if self._covered(block_number):
                return
            head = _block(self.url, "latest")
            self.dump()
            self.durable_block, self._durable_hash = head

    def _covered(self, block_number: int) -> bool:
        if self.durable_block < block_number:
            return False
        return _block(self.url, hex(self.durable_block))[1] == self._durable_hash

    def dump(self) -> int:
        """Write the node's current state to the file now; returns the block it holds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = gzip.decompress(bytes.fromhex(_rpc(self.url, "anvil_dumpState")[2:]))
                temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
                with open(temporary, "wb") as out:
                    out.write(state)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
                directory = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        match = _STATE_BLOCK.search(state[:300])
        return int(match.group(1), 16) if match else -1

    def __call__(self, block_number: int) -> None:
        """`through`, as the journal's `durable` hook."""
        self.through(block_number)


_STATE_BLOCK = re.compile(rb'"number":"0x([0-9a-fA-F]+)"')
"""The dumped state opens with its block environment, whose number is the state's block."""


class EmbeddedNode:
    """An anvil child process bound to 127.0.0.1.

    With `state_file`, the chain is loaded from it at start and dumped to it on stop (and by
    `StateFile.through` whenever a writer needs a block durable), so a restarted node
    continues the same chain. `block_time` mines a block every that many seconds (else each
    transaction at once). The child dies with its parent (PR_SET_PDEATHSIG on Linux) and runs
    in its own session, so Ctrl-C reaches the service, which then stops the node in order.
    """

    def __init__(
        self,
        *,
        anvil: Path,
        state_file: Path | None = None,
        log_file: Path | None = None,
        chain_id: int = 31337,
        port: int | None = None,
        block_time: int = 0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.anvil = anvil
        self.block_time = block_time
        self.state_file = state_file
        self.log_file = log_file
        self.chain_id = chain_id
        self.port = port
        self.extra_args = list(extra_args)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The node's JSON-RPC URL; only meaningful once started."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The anvil process id while it runs."""
        return self._process.pid if self._process else None

    def start(self) -> str:
        """Start anvil and wait until it answers `eth_chainId`; returns the RPC URL.

        Raises `NodeError` naming anvil's last output when it exits or does not answer.
        """
        if self._process is not None:
            return self.url
        self.port = self.port or free_port()
        command = [
            str(self.anvil),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            *self.extra_args,
        ]
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            if self.state_file.is_file():
                command += ["--load-state", str(self.state_file)]
        log_path = self.log_file or Path(os.devnull)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_detach_but_die_with_parent,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise NodeError(f"anvil exited with code {code} at start: {self._tail()}")
            if _answers(self.url):
                self._start_clock()
                return self.url
            time.sleep(0.05)
        self.stop()
        raise NodeError(
            f"anvil did not answer on {self.url} within {START_TIMEOUT}s: {self._tail()}"
        )

    def _start_clock(self) -> None:
        """Keep block time monotonic, make a fresh block, then start interval mining.

        A node loaded from a state stamps its next blocks with the wall clock, even when the
        loaded chain's time had been moved ahead (`evm_increaseTime`, tests and the fault
        trial): time would run backwards, and claims final by the old clock would not be.
        So the clock is moved to one second past the last block first; and interval mining
        starts only then, so no block is made with the old clock.
        """
        block = _rpc(self.url, "eth_getBlockByNumber", ["latest", False])
        ahead = int(block["timestamp"], 16) - int(time.time()) + 1
        if ahead > 0:
            _rpc(self.url, "evm_increaseTime", [ahead])
        if int(block["number"], 16) > 0:
            # A loaded block's hash is not visible to BLOCKHASH in the reloaded EVM, so a
            # transaction citing the newest block (the anchoring's recent block) would revert
            # until some other transaction made a block: make one now.
            _rpc(self.url, "evm_mine", [])
        if self.block_time:
            _rpc(self.url, "evm_setIntervalMining", [self.block_time])

    @property
    def state(self) -> StateFile | None:
        """The node's state file (None without one)."""
        if self.state_file is None:
            return None
        return StateFile(self.state_file, self.url)

    def alive(self) -> bool:
        """Whether the anvil process still runs."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop anvil, its state dumped first; kill it if it does not stop in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if self.state_file is not None:
            with contextlib.suppress(NodeError):
                StateFile(self.state_file, self.url).dump()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedNode:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _tail(self) -> str:
        if self.log_file is None or not self.log_file.is_file():
            return "(no log)"
        lines = self.log_file.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-5:]) or "(empty log)"


def _block(url: str, which: str) -> tuple[int, str]:
    """The number and hash of block `which` (a hex number or ``latest``); (-1, "") if none."""
    block = _rpc(url, "eth_getBlockByNumber", [which, False])
    if not block:
        return -1, ""
    return int(block["number"], 16), str(block["hash"])


def _rpc(url: str, method: str, params: list[object] | None = None) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=STOP_TIMEOUT) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NodeError(f"{method} at {url} failed: {exc}") from exc
    if "result" not in answer:
        raise NodeError(f"{method} at {url} failed: {answer.get('error')}")
    return answer["result"]


def _answers(url: str) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return b"result" in response.read()
    except (urllib.error.URLError, OSError):
        return False


def _detach_but_die_with_parent() -> None:
    os.setsid()
    if platform.system() == "Linux":
        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
