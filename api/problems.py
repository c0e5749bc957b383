"""RFC 9457 problem+json responses for every error the API lets out."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from notary.errors import FormatError, NotaryError, RecordError
from notary.intake import SubmissionError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("autoledger.api")

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
    (SubmissionError, 422),
    (FormatError, 422),
    (RecordError, 422),
    (BlobKeyDestroyed, 410),
    (BlobNotFound, 404),
    (BlobTooLarge, 413),
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
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Make `app` answer every error as problem+json."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail), instance=request.url.path)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        shown = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        return problem(422, f"invalid request: {shown}", instance=request.url.path, errors=errors)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        response = problem(exc.status, exc.detail, instance=request.url.path)
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


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in values.items()}
