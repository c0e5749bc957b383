"""The API's documentation pages, Swagger UI (`/v1/docs`) and ReDoc (`/v1/redoc`), with their
scripts and styles served from the installed package, not a CDN: on a machine without internet
they work the same.

The assets are those of the `fastapi-offline` package (MIT; it bundles swagger-ui-dist,
Apache-2.0, and ReDoc's standalone build, MIT); only its static folder is used.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/v1/docs-assets"

DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""Nothing but this service: ReDoc's footer links its logo from a CDN, which stays unloaded.
The pages' own inline start-up script needs 'unsafe-inline'; they show public documents only."""


def install_api_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Serve Swagger UI at `/v1/docs`, ReDoc at `/v1/redoc` and their assets (public, like the
    OpenAPI document they show)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="api-docs-assets")
    title = f"{app.title} API"

    @app.get("/v1/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            )
        )

    @app.get("/v1/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page
