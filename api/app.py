"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.apidocs import install_api_docs
from api.auth import Policy, policy_of
from api.freshness import install_block_header
from api.metrics import install_metrics
from api.openapi import install_openapi
from api.pages import install_pages
from api.problems import install_problem_handlers
from api.routes import (
    apikeys,
    audit,
    case_links,
    case_status,
    clearing,
    consortium,
    evidence,
    health,
    inventory,
    repayment,
    trust,
)
from api.runtime import Runtime
from api.version import VERSION


def create_app(runtime: Runtime) -> FastAPI:
    """The HTTP API over a started `runtime` (the caller owns and closes the runtime)."""
    app = FastAPI(
        title="AutoLedger",
        version=VERSION,
        description="Blockchain-backed evidence and dealer-financing ledger for auto finance.",
        openapi_url="/v1/openapi.json",
        docs_url=None,  # served from the package's own assets: api.apidocs
        redoc_url=None,
        # GET /metrics is the service's own; FastAPI's OpenTelemetry hooks would look up the
        # global providers on every request for nothing
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.runtime = runtime
    install_problem_handlers(app, ROUTERS)
    install_api_docs(app, openapi_url="/v1/openapi.json")
    install_metrics(app, runtime)
    install_block_header(app, runtime)
    policies = route_policies(ROUTERS)
    require_policies(ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, ROUTERS, lambda method, path: policies.get((method, path)))
    install_pages(app)  # the web pages and /static (docs/pages.md); not under /v1
    return app


ROUTERS: list[APIRouter] = [
    health.router,
    trust.router,
    consortium.router,
    apikeys.router,
    evidence.router,
    evidence.cases_router,
    inventory.router,
    clearing.router,
    audit.router,
    case_links.router,
    case_status.router,
    repayment.router,
]
"""Every router of the API; each of their routes must declare one access policy."""


def route_policies(routers: Iterable[APIRouter]) -> dict[tuple[str, str], Policy | None]:
    """The declared policy of every route and method (None where not exactly one)."""
    found: dict[tuple[str, str], Policy | None] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            declared = [p for d in _walk(route.dependant) if (p := policy_of(d.call)) is not None]
            for method in route.methods or ():
                found[(method, route.path)] = declared[0] if len(declared) == 1 else None
    return found


def require_policies(routers: Iterable[APIRouter]) -> None:
    """Refuse routers in which a route lacks exactly one declared access policy."""
    missing = [f"{m} {p}" for (m, p), policy in route_policies(routers).items() if policy is None]
    if missing:
        raise RuntimeError(f"routes without exactly one access policy: {', '.join(missing)}")


def _walk(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _walk(sub))]
