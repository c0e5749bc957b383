"""Prometheus metrics: HTTP traffic, chain head and transactions sent."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

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

    @app.middleware("http")
    async def _measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        requests.labels(request.method, template, str(response.status_code)).inc()
        latency.labels(request.method, template).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
