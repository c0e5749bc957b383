"""RFC 9457 problem+json responses for every error the API lets out."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.errors import ApiError
from clearing.engine import CycleStateConflict
from clearing.errors import ClearingError, InstructionError
from ledger.errors import (
    ChainUnavailable,
    DeploymentError,
    LedgerError,
    SignatureMalformed,
    TransactionReverted,
    TransactionTimeout,
)
from ledger.financing import InvalidTerms
from ledger.vin import InvalidIdentifier, InvalidVin
from notary.blobs import BlobKeyDestroyed, BlobNotFound, BlobTooLarge
from notary.case_access import LinkInputError, LinkNotFound
from notary.case_status import CaseNotFound, StatusInputError
from notary.errors import CertificateFontMissing, FormatError, NotaryError, RecordError
from notary.intake import SubmissionError
from notary.repayment import PlanConflict, PlanInputError, PlanNotFound

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("autoledger.api")

MAX_DETAIL = 500
"""Characters of a problem's `detail` (and of each other text member): messages quote at most
a short prefix of a value (`api.inputs.shown`), and this bound holds for those that do not,
so an error answer stays small whatever was sent."""

MAX_ERRORS = 20
"""Field errors listed in one 422: enough to fix a form; the count says how many there were."""

# Domain errors and the HTTP status they mean; the first matching class wins.
_STATUS_OF: list[tuple[type[Exception], int]] = [
    (InvalidVin, 422),
    (InvalidIdentifier, 422),
    (InvalidTerms, 422),
    (SignatureMalformed, 422),
    (TransactionReverted, 409),
    (TransactionTimeout, 504),
    (ChainUnavailable, 503),
    (DeploymentError, 503),
    (LedgerError, 502),
]


_CLEARING_STATUS: list[tuple[type[Exception], int]] = [
    (InstructionError, 422),
    (CycleStateConflict, 409),
]
"""Clearing errors the API lets out; any other (a netting error on claims read from the chain)
is a bug: 500, logged."""


_NOTARY_STATUS: list[tuple[type[Exception], int]] = [
    (LinkNotFound, 404),
    (LinkInputError, 422),
    (CaseNotFound, 404),
    (StatusInputError, 422),
    (PlanNotFound, 404),
    (PlanInputError, 422),
    (PlanConflict, 409),
    (SubmissionError, 422),
    (FormatError, 422),
    (RecordError, 422),
    (BlobKeyDestroyed, 410),
    (BlobNotFound, 404),
    (BlobTooLarge, 413),
    (CertificateFontMissing, 503),
]


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": _clip(detail),
        **{name: _bounded(value) for name, value in extra.items()},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _clip(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded(value: Any) -> Any:
    """`value` with every text in it clipped to `MAX_DETAIL` and lists to `MAX_ERRORS`."""
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, list):
        return [_bounded(v) for v in value[:MAX_ERRORS]]
    if isinstance(value, dict):
        return {_clip(str(k), 100): _bounded(v) for k, v in value.items()}
    return value


def install_problem_handlers(app: FastAPI, routers: Iterable[APIRouter] = ()) -> None:
    """Make `app` answer every error as problem+json; a 405 on a path of `routers` names
    every method the path takes."""
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return _not_allowed(request, routes, exc)
        response = problem(exc.status_code, str(exc.detail), instance=request.url.path)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        errors = [
            {
                "location": _clip(".".join(str(p) for p in e["loc"]), 100),
                "message": _clip(e["msg"], 200),
                "type": e["type"],
            }
            for e in found[:MAX_ERRORS]
        ]
        shown = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        more = f" (and {len(found) - MAX_ERRORS} more)" if len(found) > MAX_ERRORS else ""
        return problem(
            422,
            f"invalid request: {shown}{more}",
            instance=request.url.path,
            errors=errors,
            error_count=len(found),
        )

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        response = problem(exc.status, exc.detail, instance=request.url.path, **exc.extra)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="autoledger"'
        return response

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, exc: LedgerError) -> JSONResponse:
        status = next(code for kind, code in _STATUS_OF if isinstance(exc, kind))
        extra: dict[str, Any] = {}
        if isinstance(exc, TransactionReverted):
            extra = {"error": exc.error, "arguments": _jsonable(exc.arguments)}
        elif isinstance(exc, InvalidVin):
            found = {"position": exc.position, "expected": exc.expected}
            extra = {"vin": exc.vin, "problem": exc.problem, "reason": exc.reason}
            extra |= {k: v for k, v in found.items() if v is not None}
        return problem(status, str(exc), instance=request.url.path, **extra)

    @app.exception_handler(NotaryError)
    async def _notary(request: Request, exc: NotaryError) -> JSONResponse:
        status = next((code for kind, code in _NOTARY_STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            log.error("notary error on %s: %s", request.url.path, exc)
        return problem(status, str(exc), instance=request.url.path)

    @app.exception_handler(ClearingError)
    async def _clearing(request: Request, exc: ClearingError) -> JSONResponse:
        status = next((code for kind, code in _CLEARING_STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            log.error("clearing error on %s: %s", request.url.path, exc)
        return problem(status, str(exc), instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(
            500, "internal error; the server log has the details", instance=request.url.path
        )


def _not_allowed(
    request: Request, routes: list[APIRoute], exc: StarletteHTTPException
) -> JSONResponse:
    """405 naming every method the path takes (Starlette names only those of the first
    route that matched the path, and FastAPI makes one route per method)."""
    allowed: set[str] = set()
    for route in routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            allowed |= set(route.methods or ())
    if not allowed:
        allowed = {m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()}
    methods = ", ".join(sorted(allowed))
    response = problem(
        405,
        f"{request.method} is not allowed on {request.url.path}; allowed: {methods}",
        instance=request.url.path,
        allowed=sorted(allowed),
    )
    response.headers["Allow"] = methods
    return response


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in values.items()}
