"""Prometheus metrics: HTTP traffic, chain head and transactions sent."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.runtime import Runtime
from api.version import VERSION
from ledger.errors import LedgerError


class _RuntimeCollector(Collector):
    """Reads live figures from the runtime at scrape time."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily | InfoMetricFamily]:
        yield InfoMetricFamily("autoledger", "AutoLedger build", value={"version": VERSION})
        head = GaugeMetricFamily("autoledger_chain_latest_block", "Newest block seen on the chain")
        try:
            head.add_metric([], self.runtime.chain.latest_block())
        except LedgerError:
            pass
        yield head
        sent = GaugeMetricFamily(
            "autoledger_transactions_sent", "Transactions broadcast by the operator key"
        )
        sent.add_metric([], self.runtime.operator.sent_count)
        yield sent
        group = self.runtime.intake.group
        for name, value, text in (
            ("groups", group.groups, "Evidence intake transactions (group commits)"),
            ("submissions", group.payloads, "Evidence submissions committed in those groups"),
        ):
            found = GaugeMetricFamily(f"autoledger_intake_{name}", text)
            found.add_metric([], value)
            yield found


class _Measure:
    """Counts and times every HTTP request by route template and status.

    A plain ASGI middleware, not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
    re-streams every response through a task group, which costs more than a cheap route.
    """

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], template, str(status)).inc()
            self.latency.labels(scope["method"], template).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI, runtime: Runtime) -> None:
    """Count requests per route and serve `GET /metrics` in Prometheus text format."""
    registry = CollectorRegistry()
    requests = Counter(
        "autoledger_http_requests",
        "HTTP requests",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "autoledger_http_request_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
    )
    registry.register(_RuntimeCollector(runtime))

    app.add_middleware(_Measure, requests=requests, latency=latency)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
