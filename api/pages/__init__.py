"""Web pages for consortium members, served by the API's app: sign-in with an API key into a
session cookie, zh-CN and English, evidence search and verification, oversight.

`install_pages(app)` adds them; see docs/pages.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.pages import (
    account,
    audit_trail,
    borrower,
    case_desk,
    collections,
    disputes,
    evidence,
    financing,
    lending,
    lot_audits,
    oversight,
)
from api.pages.inventory_imports import ImportJobs
from api.pages.once import SubmittedForms
from api.pages.sessions import SessionSigner
from api.pages.site import (
    STATIC,
    PageError,
    browser_error,
    error_response,
    require_page_policies,
    wants_html,
)
from api.runtime import Runtime

__all__ = ["PAGE_ROUTERS", "install_pages"]

PAGE_ROUTERS: list[APIRouter] = [
    account.router,
    evidence.router,
    lending.router,  # before financing: /lender/lines/new is not /lender/lines/{line_id}
    lot_audits.router,
    disputes.router,
    financing.router,
    oversight.router,
    audit_trail.router,
    collections.router,
    borrower.router,
    case_desk.router,
]
"""Every router of the web pages; each of their routes must declare one page policy."""


def install_pages(app: FastAPI) -> None:
    """Serve the pages and their static files from `app` (whose `state.runtime` is set)."""
    runtime: Runtime = app.state.runtime
    require_page_policies(PAGE_ROUTERS)
    app.state.page_sessions = SessionSigner(runtime.settings.master_key_bytes())
    app.state.submitted_forms = SubmittedForms()
    app.state.inventory_imports = ImportJobs()
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return error_response(request, exc)

    for kind in (StarletteHTTPException, RequestValidationError, Exception):
        _answer_browsers_in_html(app, kind)


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _answer_browsers_in_html(app: FastAPI, kind: type[Exception]) -> None:
    """Make errors of `kind` render the site's error page for browsers (`wants_html`), and
    keep the problem+json handler already installed for `kind` for everyone else."""
    # install_problem_handlers registers async handlers only
    problem_json = cast(Handler, app.exception_handlers[kind])

    async def answer(request: Request, exc: Exception) -> Response:
        if not wants_html(request):
            return await problem_json(request, exc)
        if isinstance(exc, StarletteHTTPException):
            return browser_error(request, exc.status_code)
        if isinstance(exc, RequestValidationError):
            return browser_error(request, 422)
        await problem_json(request, exc)  # logs the unexpected error
        return browser_error(request, 500)

    app.add_exception_handler(kind, answer)
