"""Exceptions raised by `api` itself (the HTTP layer maps them to problem+json).

ApiError
├── NotAuthenticated     no valid credentials (401)
├── Forbidden            authenticated, but the role or operation is not allowed (403)
├── NotFound             no such object, or not one the caller may see (404)
└── Conflict             the request clashes with the current state (409)
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Base of the errors `api` raises; `status` is the HTTP status it maps to."""

    status = 500

    def __init__(self, detail: str, **extra: Any) -> None:
        self.detail = detail
        self.extra = extra  # more members of the problem+json body (RFC 9457 extensions)
        super().__init__(detail)


class NotAuthenticated(ApiError):
    """Missing, unknown, revoked, expired or replayed credentials."""

    status = 401


class Forbidden(ApiError):
    """The caller is known but may not do this."""

    status = 403


class NotFound(ApiError):
    """No such object, or one the caller may not see (never revealed to exist)."""

    status = 404


class Conflict(ApiError):
    """The request cannot be carried out in the current state."""

    status = 409
