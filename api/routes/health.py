"""Liveness and wiring: is the chain reachable, are the contracts there, is the database up.

A monitor may poll this hard: the chain's head comes from the runtime's per-block cache
(`ledger.heads.ChainHead`) and the database is probed at most every `DATABASE_PROBE_INTERVAL`
seconds, so a request costs no round trip of its own.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.auth import public
from api.runtime import Runtime
from api.version import VERSION
from ledger.database import backend_name
from ledger.errors import LedgerError

router = APIRouter(prefix="/v1", tags=["health"])

DATABASE_PROBE_INTERVAL = 1.0
"""Seconds a database probe's answer is reused: an outage shows within a second."""

_probes: dict[int, tuple[float, dict[str, Any]]] = {}
_probe_lock = threading.Lock()


@router.get("/health", dependencies=[Depends(public())])
def health(request: Request) -> JSONResponse:
    """Chain id, latest block, contract addresses, database status and version."""
    runtime: Runtime = request.app.state.runtime
    body: dict[str, Any] = {"status": "ok", "version": VERSION}
    try:
        latest = runtime.head.block()
        if runtime.head.failure is not None:
            raise runtime.head.failure
        body["chain"] = {
            "chain_id": runtime.chain.chain_id,
            "latest_block": latest,
            "finality_depth": runtime.chain.finality_depth,
            "node": "embedded" if runtime.node is not None else "external",
            "rpc_url": runtime.chain.url_in_use,
        }
    except LedgerError as exc:
        body["status"] = "degraded"
        body["chain"] = {"error": str(exc)}
    body["contracts"] = {name: d.address for name, d in runtime.contracts.items()}
    body["database"] = _database(runtime)
    if not body["database"]["ok"]:
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


def _database(runtime: Runtime) -> dict[str, Any]:
    """The database's status, probed at most every `DATABASE_PROBE_INTERVAL` seconds."""
    engine = runtime.engine
    known = _probes.get(id(engine))
    if known is not None and time.monotonic() - known[0] <= DATABASE_PROBE_INTERVAL:
        return known[1]
    with _probe_lock:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            status: dict[str, Any] = {"ok": True, "backend": backend_name(engine)}
        except Exception as exc:  # any database failure is reported, not raised
            status = {"ok": False, "backend": backend_name(engine), "error": type(exc).__name__}
        _probes[id(engine)] = (time.monotonic(), status)
    return status
