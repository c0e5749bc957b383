"""Swagger UI and ReDoc work offline: their assets come from the service, nothing else loads."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect


def test_swagger_ui_and_redoc_render_with_no_request_off_the_service(page: Page, server: str):
    outside: list[str] = []

    def only_the_service(route: Route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:  # what a machine without internet would see
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(f"{server}/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AutoLedger", timeout=60_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    page.goto(f"{server}/v1/redoc")
    expect(page.locator("h1").first).to_contain_text("AutoLedger", timeout=60_000)
    expect(page.get_by_text("/v1/health").first).to_be_attached()
    assert outside == []
    script = page.request.get(f"{server}/v1/docs-assets/swagger-ui-bundle.js")
    assert script.ok and "javascript" in script.headers["content-type"]
