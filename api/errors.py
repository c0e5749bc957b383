"""Exceptions raised by `api` itself (the HTTP layer maps them to problem+json).

ApiError (= `ledger.errors.Refused`, the refusals every service layer raises)
├── NotAuthenticated     no valid credentials (401)
├── Forbidden            authenticated, but the role or operation is not allowed (403)
├── NotFound             no such object, or not one the caller may see (404)
├── Conflict             the request clashes with the current state (409)
└── Unprocessable        well-formed, but names something that cannot be used (422)

The last four are the service layers' own (`ledger.errors`), re-exported here so that routes,
pages and the command line catch one tree whichever package refused.
"""

from __future__ import annotations

from ledger.errors import Conflict, Forbidden, NotFound, Unprocessable
from ledger.errors import Refused as ApiError

__all__ = ["ApiError", "Conflict", "Forbidden", "NotAuthenticated", "NotFound", "Unprocessable"]


class NotAuthenticated(ApiError):
    """Missing, unknown, revoked, expired or replayed credentials."""

    status = 401
