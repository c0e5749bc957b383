"""Where the command line finds its ledger: the var folder, the running node and server.

The embedded service keeps everything in one var folder (default: the checkout's `var/`,
whatever the current folder; `AUTOLEDGER_VAR_DIR` names another): the SQLite database, the
anvil chain's state, and while it runs `anvil/node.json` (the node's RPC URL and pid) and
`server.json` (the server's URL). A command that needs a ledger joins the running node and
database from there; where there is no ledger it refuses instead of starting an empty one
(`serve`, `deploy` and `--init` start one).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from api.settings import Settings

DATABASE_FILE = "autoledger.db"
"""The embedded SQLite database, in the var folder."""


def node_file(settings: Settings) -> Path:
    """Where a process running the embedded anvil writes its RPC URL and pid."""
    return settings.var_dir / "anvil" / "node.json"


def chain_state_file(settings: Settings) -> Path:
    """The embedded anvil's saved chain."""
    return settings.var_dir / "anvil" / "state.json"


def server_file(settings: Settings) -> Path:
    """Where `autoledger serve` writes its URL while it runs."""
    return settings.var_dir / "server.json"


def demo_keys_file(settings: Settings) -> Path:
    """The demo API keys printed on the first start (one member a line, tab-separated)."""
    return settings.var_dir / "demo-keys.txt"


@dataclass(frozen=True, kw_only=True)
class RunningServer:
    """A running `autoledger serve` on this var folder: its URL, pid and chain node."""

    url: str
    pid: int
    rpc_url: str


def running_server(settings: Settings) -> RunningServer | None:
    """The server recorded in `server.json` if its process still runs, else None."""
    try:
        known = json.loads(server_file(settings).read_text())
        server = RunningServer(
            url=str(known["url"]), pid=int(known["pid"]), rpc_url=str(known["rpc_url"])
        )
        os.kill(server.pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return server


def record_server(settings: Settings, *, url: str, rpc_url: str) -> None:
    """Write `server.json` for this process (removed again by `forget_server`)."""
    path = server_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "pid": os.getpid(), "rpc_url": rpc_url}) + "\n")


def forget_server(settings: Settings) -> None:
    """Remove `server.json` if this process wrote it."""
    path = server_file(settings)
    try:
        if int(json.loads(path.read_text())["pid"]) == os.getpid():
            path.unlink()
    except (OSError, ValueError, KeyError, TypeError):
        pass


def missing_ledger(settings: Settings) -> str | None:
    """Why there is no ledger for a command to use, or None when there is one.

    With the embedded node (no `AUTOLEDGER_RPC_URL`) a ledger is a var folder holding the
    chain (its saved state, or a running node) and, unless `AUTOLEDGER_DATABASE_URL` names
    another, the SQLite database. With an external node the settings name the ledger.
    """
    if not settings.embedded_node:
        return None
    var = settings.var_dir.resolve()
    wanted = []
    if not (chain_state_file(settings).is_file() or node_file(settings).is_file()):
        wanted.append(f"{chain_state_file(settings).resolve()} (or a running node's node.json)")
    if settings.database_url is None and not (var / DATABASE_FILE).is_file():
        wanted.append(str(var / DATABASE_FILE))
    if not wanted:
        return None
    return (
        f"no ledger in {var}: looked for {' and '.join(wanted)}. Start the service with"
        " `autoledger serve` (or scripts/server), point AUTOLEDGER_VAR_DIR at the var folder of"
        " an existing one, or pass --init to start a new, empty ledger there"
    )
