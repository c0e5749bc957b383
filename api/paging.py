"""Cursors for paged lists: an opaque token naming where the next page starts.

A page answers `next_cursor` while more items follow; a client passes it back as `cursor` and
gets the next page, however many pages deep. Lists that grow only at one end (chain events in
chain order, evidence newest first by id) page stably: an item that arrives meanwhile is not
shown twice, nor does it push one off a page. Tokens are base64url JSON, bound to the list
they came from (`kind`); a token that does not decode, or comes from another list, is a 422.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response

from api.errors import ApiError

T = TypeVar("T")

MAX_PAGE = 500
"""Largest `limit` of any list route: a page of 500 rows is a few hundred kB of JSON and one
bounded query; a client that wants everything follows `next_cursor`."""

MAX_CURSOR_LENGTH = 200
"""Longest cursor accepted: ours are about 40 characters."""

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")]
PageCursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="`X-Next-Cursor` of the previous page"),
]


class BadCursor(ApiError):
    """A `cursor` that this list did not issue (422)."""

    status = 422


def encode_cursor(kind: str, **position: Any) -> str:
    """The cursor of `position` in the list `kind`."""
    raw = json.dumps({"k": kind, **position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> dict[str, Any]:
    """The position `cursor` names in list `kind`; raises `BadCursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadCursor(f"cursor: {cursor[:40]!r} is not a cursor of this list") from exc
    if not isinstance(found, dict) or found.pop("k", None) != kind:
        raise BadCursor(f"cursor: {cursor[:40]!r} is not a cursor of this list")
    return found


def start_of(cursor: str | None, kind: str, offset: int) -> int:
    """Where a page of a list paged by position starts: at `cursor`, else at `offset`."""
    if cursor is None:
        return offset
    start = decode_cursor(cursor, kind).get("at")
    if not isinstance(start, int) or start < 0:
        raise BadCursor(f"cursor: {cursor[:40]!r} is not a cursor of this list")
    return start


def next_of(kind: str, start: int, shown: int, total: int) -> str | None:
    """The cursor of the page after one that showed `shown` items from `start` of `total`."""
    return encode_cursor(kind, at=start + shown) if start + shown < total else None


NEXT_CURSOR_HEADER = "X-Next-Cursor"
TOTAL_HEADER = "X-Total-Count"


def page_in_headers(
    items: Sequence[T],
    *,
    request: Request,
    response: Response,
    kind: str,
    limit: int,
    cursor: str | None,
) -> list[T]:
    """One page of a list answered as a JSON array (the routes that answered whole lists
    before paging keep their shape): `limit` items from `cursor`; while more follow, the
    response's `Link: <...>; rel="next"` (RFC 8288) and `X-Next-Cursor` headers say where the
    next page starts, and `X-Total-Count` how many the list holds."""
    start = start_of(cursor, kind, 0)
    page = list(items[start : start + limit])
    following = next_of(kind, start, len(page), len(items))
    response.headers[TOTAL_HEADER] = str(len(items))
    if following is not None:
        response.headers[NEXT_CURSOR_HEADER] = following
        url = request.url.include_query_params(cursor=following)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return page
