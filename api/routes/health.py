"""Liveness and wiring: is the chain reachable, are the contracts there, is the database up."""

from __future__ import annotations

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


@router.get("/health", dependencies=[Depends(public())])
def health(request: Request) -> JSONResponse:
    """Chain node (RPC URL, embedded or external), chain id, latest block, contract addresses,
    database status and version."""
    runtime: Runtime = request.app.state.runtime
    body: dict[str, Any] = {"status": "ok", "version": VERSION}
    try:
        body["chain"] = {
            "chain_id": runtime.chain.chain_id,
            "latest_block": runtime.chain.latest_block(),
            "finality_depth": runtime.chain.finality_depth,
            "node": "embedded" if runtime.settings.embedded_node else "external",
            "rpc_url": runtime.chain.url,
        }
    except LedgerError as exc:
        body["status"] = "degraded"
        body["chain"] = {"error": str(exc)}
    body["contracts"] = {name: d.address for name, d in runtime.contracts.items()}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        body["database"] = {"ok": True, "backend": backend_name(runtime.engine)}
    except Exception as exc:  # any database failure is reported, not raised
        body["status"] = "degraded"
        body["database"] = {
            "ok": False,
            "backend": backend_name(runtime.engine),
            "error": type(exc).__name__,
        }
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
