"""What the API accepts from outside: the one range of dates and times every route, page and
command takes, the characters text may hold, and the check of query, path and form inputs.

Why a shared module: the same bad value (a day in year 9999, a NUL) must be refused the same
way wherever it arrives, before any work is done with it. Request bodies get the same checks
from `api.schemas.RequestBody`; this module holds the rules.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator, AwareDatetime, Strict
from starlette.datastructures import UploadFile

EARLIEST_DAY = date(1970, 1, 1)
"""First day accepted: the Unix epoch. Chain times are unix seconds, so nothing the ledger
records is older; a year-1 day is a typing error, not a date of evidence."""

LATEST_DAY = date(2999, 12, 31)
"""Last day accepted: far past any credit term or retention period, and far enough from the
end of the calendar (9999-12-31) that a day after it, a week around it or a time zone shift
of it still exists (Python's `date` and `datetime` stop at year 9999 with `OverflowError`)."""

EARLIEST_MOMENT = datetime.combine(EARLIEST_DAY, time(), UTC)
LATEST_MOMENT = datetime.combine(LATEST_DAY, time.max, UTC)

MAX_ID = 2**53 - 1
"""Largest id, count, offset, block number or time a request may give: the largest integer a
JSON client can send exactly, which every 64-bit database column and uint256 holds. Bigger
numbers are refused (422) instead of overflowing the database (500)."""

ECHO_CHARS = 40
"""Characters of an offending value an error message repeats: enough to recognise it, and a
5 MB field does not make a 5 MB error."""

_ALLOWED_CONTROLS = frozenset("\t\n\r")
"""Control characters text may hold (transcripts have lines and tabs); any other C0 or C1
control, DEL, and lone surrogates are refused: NUL cannot be stored in PostgreSQL text, a lone
surrogate cannot be encoded at all, and the others only ever reach a terminal or a page to
mislead it."""


class InputError(ValueError):
    """A value outside what the API accepts; the message names the problem, not the value.

    A `ValueError`, so pydantic validators turn it into a 422 naming the field.
    """


def check_day(value: date) -> date:
    """`value` if it lies in `EARLIEST_DAY` .. `LATEST_DAY`; else raises `InputError`."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise InputError(f"dates must lie between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


def check_moment(value: datetime) -> datetime:
    """`value` if it lies within the accepted days (a time without a zone is taken as UTC);
    else raises `InputError`."""
    if not EARLIEST_DAY < value.date() < LATEST_DAY:
        # days at either edge are compared exactly, once the time is in UTC
        aware = value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
        if not EARLIEST_MOMENT <= aware <= LATEST_MOMENT:
            raise InputError(
                f"times must lie between {EARLIEST_MOMENT:%Y-%m-%dT%H:%M:%SZ} and"
                f" {LATEST_MOMENT:%Y-%m-%dT%H:%M:%SZ}"
            )
    return value


def parse_day(text: str) -> date:
    """The day `text` names (``YYYY-MM-DD``) in the accepted range; raises `InputError`.

    For the pages and the command line, which read days from text themselves.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{shown(text)} is not a day like 2026-11-30") from exc
    return check_day(day)


Day = Annotated[date, Strict(False), AfterValidator(check_day)]
"""A day (``YYYY-MM-DD``) in the accepted range: every date query parameter and body field."""

Moment = Annotated[datetime, Strict(False), AfterValidator(check_moment)]
"""A time (RFC 3339) in the accepted range; without a zone it is UTC."""

AwareMoment = Annotated[AwareDatetime, Strict(False), AfterValidator(check_moment)]
"""A time with its zone (RFC 3339, ``Z`` or an offset) in the accepted range."""


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""One search for every character `_ALLOWED_CONTROLS` leaves out: C0 but tab, newline and
carriage return; DEL and C1; lone surrogates. A regular expression, because a loop over the
characters in Python was most of the time of a bulk request (`scripts/bench-http`)."""


def check_text(value: str) -> str:
    """`value` if it holds no forbidden character (see `_ALLOWED_CONTROLS`); else raises
    `InputError` naming the character and where it is."""
    found = _FORBIDDEN.search(value)
    if found is not None:
        code = ord(found.group())
        kind = "a lone surrogate" if code >= 0xD800 else "a control character"
        raise InputError(f"contains {kind} (U+{code:04X}) at position {found.start()}")
    return value


_DUMPED_FORBIDDEN = re.compile(r"[\x7f-\x9f\ud800-\udfff]|\\u00[01]|\\[bf]")
r"""What a forbidden character looks like in `json.dumps(..., ensure_ascii=False)`: DEL, C1 and
lone surrogates as themselves, other C0 controls as ``\u00XX``, ``\b`` or ``\f`` (an escaped
backslash before such text matches too: the walk then decides)."""


def check_texts(value: Any, where: str = "") -> None:
    """`check_text` on every string in `value`, recursing into lists and into the keys and
    values of dicts; the `InputError` says where (``metadata.key``, ``items.3``).

    A list or dict is first searched whole, as one JSON text: a bulk request of 1,000 items
    is then one search in C, not 10,000 calls here; only where that finds something (or the
    value is no JSON) does the walk run, to name the place."""
    if not where and isinstance(value, Mapping | list | tuple):
        try:
            dumped = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            dumped = None
        if dumped is not None and _DUMPED_FORBIDDEN.search(dumped) is None:
            return
    if isinstance(value, str):
        try:
            check_text(value)
        except InputError as exc:
            raise InputError(f"{where}: {exc}" if where else str(exc)) from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_texts(key, f"{where}.{key!s:.{ECHO_CHARS}} (key)".lstrip("."))
            check_texts(item, f"{where}.{key!s:.{ECHO_CHARS}}".lstrip("."))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_texts(item, f"{where}.{index}".lstrip("."))


def shown(value: object, limit: int = ECHO_CHARS) -> str:
    """`repr(value)` cut to about `limit` characters: how a message quotes a value it got."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def check_request(request: Request) -> None:
    """Refuse a request whose query, path or form inputs the API does not take, with a 422
    (`RequestValidationError`) naming each: forbidden characters anywhere; and in a form
    (multipart or urlencoded), a field the route does not define or one given twice (a
    second ``file`` part is not silently dropped).

    Run by every access policy of `api.auth` once the caller is authenticated, so an
    anonymous caller learns nothing from it.
    """
    errors: list[dict[str, Any]] = []
    for name, value in request.query_params.multi_items():
        _check_field(errors, ("query", name), value)
    for name, value in request.path_params.items():
        _check_field(errors, ("path", name), value)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    route = request.scope.get("route")
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded") and isinstance(
        route, APIRoute
    ):
        form = await request.form()
        fields = {
            f.alias: f for f in route.dependant.body_params if isinstance(f.field_info, params.Form)
        }
        if route.dependant.body_params and not fields:
            raise RequestValidationError(
                [_error(("body", "content-type"), f"this route takes application/json, not {kind}")]
            )
        counts = Counter(name for name, _ in form.multi_items())
        for name, count in counts.items():
            if name not in fields:
                known = ", ".join(sorted(fields)) or "none"
                errors.append(
                    _error(("body", name), f"not a field of this form (the fields: {known})")
                )
            elif count > 1 and not _is_list(fields[name]):
                errors.append(_error(("body", name), f"given {count} times; give it once"))
        for name, part in form.multi_items():
            if not isinstance(part, UploadFile):
                _check_field(errors, ("body", name), part)
    if errors:
        raise RequestValidationError(errors)


def _check_field(errors: list[dict[str, Any]], location: tuple[str, str], value: str) -> None:
    try:
        check_text(location[1])
        check_text(value)
    except InputError as exc:
        errors.append(_error((location[0], location[1][:ECHO_CHARS]), str(exc)))


def _error(location: tuple[str, str], message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": location, "msg": message, "input": None}


def _is_list(field: Any) -> bool:
    annotation = getattr(field.field_info, "annotation", None)
    return getattr(annotation, "__origin__", None) in (list, tuple, set)
