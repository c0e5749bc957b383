"""GET /v1/health, GET /metrics, problem+json errors and the OpenAPI document."""

from __future__ import annotations

from api.runtime import Runtime
from api.version import VERSION


def test_health_reports_chain_contracts_database_and_version(client, runtime: Runtime):
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == VERSION
    assert body["chain"]["chain_id"] == 31337
    assert body["chain"]["latest_block"] == runtime.chain.latest_block()
    assert body["chain"]["node"] == "external"
    assert body["chain"]["rpc_url"] == runtime.chain.url_in_use == runtime.chain.urls[0]
    address = body["contracts"]["Consortium"]
    assert len(runtime.chain.w3.eth.get_code(address)) > 0
    assert body["database"] == {"ok": True, "backend": runtime.engine.dialect.name}


def test_health_is_degraded_when_the_chain_is_gone(client, runtime: Runtime):
    runtime.chain.url = "http://127.0.0.1:9"
    runtime.chain.w3.provider.endpoint_uri = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    response = client.get("/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert "does not answer" in body["chain"]["error"]


def test_metrics_in_prometheus_text_format(client, runtime: Runtime):
    client.get("/v1/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert f'autoledger_info{{version="{VERSION}"}} 1.0' in text
    assert (
        'autoledger_http_requests_total{method="GET",route="/v1/health",status="200"} 1.0' in text
    )
    assert f"autoledger_chain_latest_block {float(runtime.chain.latest_block())}" in text
    assert "autoledger_transactions_sent " in text


def test_unknown_route_is_problem_json(client):
    response = client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert body["instance"] == "/v1/no-such-thing"


def test_wrong_method_is_problem_json(client):
    response = client.post("/v1/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_openapi_document_lists_health(client):
    spec = client.get("/v1/openapi.json").json()
    assert "/v1/health" in spec["paths"]
    assert spec["info"]["version"] == VERSION
