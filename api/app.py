"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from api.metrics import install_metrics
from api.problems import install_problem_handlers
from api.routes import health
from api.runtime import Runtime
from api.version import VERSION


def create_app(runtime: Runtime) -> FastAPI:
    """The HTTP API over a started `runtime` (the caller owns and closes the runtime)."""
    app = FastAPI(
        title="AutoLedger",
        version=VERSION,
        description="Blockchain-backed evidence and dealer-financing ledger for auto finance.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    install_metrics(app, runtime)
    app.include_router(health.router)
    return app
