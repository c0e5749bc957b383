"""Web pages for consortium members, served by the API's app: sign-in with an API key into a
session cookie, zh-CN and English, evidence search and verification, oversight.

`install_pages(app)` adds them; see docs/pages.md.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.pages import account, audit_trail, borrower, evidence, financing, oversight
from api.pages.sessions import SessionSigner
from api.pages.site import STATIC, PageError, error_response, require_page_policies
from api.runtime import Runtime

__all__ = ["PAGE_ROUTERS", "install_pages"]

PAGE_ROUTERS: list[APIRouter] = [
    account.router,
    evidence.router,
    financing.router,
    oversight.router,
    audit_trail.router,
    borrower.router,
]
"""Every router of the web pages; each of their routes must declare one page policy."""


def install_pages(app: FastAPI) -> None:
    """Serve the pages and their static files from `app` (whose `state.runtime` is set)."""
    runtime: Runtime = app.state.runtime
    require_page_policies(PAGE_ROUTERS)
    app.state.page_sessions = SessionSigner(runtime.settings.master_key_bytes())
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return error_response(request, exc)
