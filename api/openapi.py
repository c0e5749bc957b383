"""The OpenAPI document: every error answer of every `/v1` operation, as problem+json.

FastAPI documents the 422 only, as ``application/json`` with its own schema; the API answers
every error as RFC 9457 ``application/problem+json`` (`api.problems`). What each operation can
answer follows from what it is: an authenticated route can answer 401 and 403, a route with
an id in its path 404, a write 409 (the chain or the stored state refused it) and 504, a route
with a body 400 (a body that does not parse), an upload 413; every route 422
(`api.inputs.check_request` reads even undeclared query parameters), 500, 502 and 503 (the
chain node or the database is away). A route adds others it can answer with
``responses=problems(410)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, params
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.auth import Policy
from api.problems import PROBLEM_JSON

ERRORS: dict[int, str] = {
    400: "The body is not well-formed (e.g. a broken multipart body)",
    401: "No valid credentials: a missing, unknown, revoked or expired API key or signature",
    403: "Authenticated, but the caller's roles or status do not allow this",
    404: "No such object, or one the caller may not see",
    409: "The request clashes with the current state (or the chain reverted it)",
    410: "The content was destroyed on purpose; its proof remains",
    413: "The upload is larger than AUTOLEDGER_MAX_UPLOAD_BYTES",
    422: "The request is not valid: the detail and `errors` name each field and its problem",
    500: "An internal error; the server log has the details",
    502: "The chain node answered with an error",
    503: "The chain node or the database is not reachable",
    504: "The transaction was sent but not mined in time",
}
"""Every error status the API answers, and what it means."""


class FieldError(BaseModel):
    """One field of a 422 and its problem."""

    location: str
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem: the error answer of every route."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    error_count: int | None = None
    allowed: list[str] | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` for error `statuses` it answers beyond those derived for it."""
    return {status: {"description": ERRORS[status]} for status in statuses}


def error_statuses(route: APIRoute, method: str, policy: Policy | None) -> set[int]:
    """The error statuses `method` on `route` can answer (see the module's docstring)."""
    found = {422, 500, 502, 503}
    if policy is None or not policy.public:
        found |= {401, 403}
    if "{" in route.path:
        found.add(404)
    if method not in ("GET", "HEAD"):
        found |= {409, 504}
    if route.dependant.body_params:
        found.add(400)
    if any(_is_form(f) for f in route.dependant.body_params):
        found.add(413)
    return found


def install_openapi(
    app: FastAPI,
    routers: Iterable[APIRouter],
    policy_of: Callable[[str, str], Policy | None],
) -> None:
    """Make `app`'s OpenAPI document list every error answer of the routes of `routers`
    (`policy_of(method, path)` gives each route's access policy) as problem+json."""
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components |= problem_schema.pop("$defs", {})
        components["Problem"] = problem_schema
        reference = {"$ref": "#/components/schemas/Problem"}
        for route in routes:
            operations = schema["paths"].get(route.path_format, {})
            for method in route.methods or ():
                operation = operations.get(method.lower())
                if operation is None:
                    continue
                answers: dict[str, Any] = operation.setdefault("responses", {})
                for status in error_statuses(route, method, policy_of(method, route.path)):
                    answers.setdefault(str(status), {})
                for code, answer in answers.items():
                    if code[:1] in ("4", "5"):
                        answer["description"] = ERRORS.get(int(code), answer.get("description"))
                        answer["content"] = {PROBLEM_JSON: {"schema": reference}}
                operation["responses"] = dict(sorted(answers.items()))
        _drop_unused(components, ("HTTPValidationError", "ValidationError"), schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_form(field: Any) -> bool:
    return isinstance(getattr(field, "field_info", None), params.Form)


def _drop_unused(components: dict[str, Any], names: tuple[str, ...], schema: Any) -> None:
    """Remove FastAPI's own 422 schemas once nothing refers to them."""
    for name in names:
        reference = f"#/components/schemas/{name}"
        others = {k: v for k, v in components.items() if k not in names}
        if not _refers(schema["paths"], reference) and not _refers(others, reference):
            components.pop(name, None)


def _refers(value: Any, reference: str) -> bool:
    if isinstance(value, Mapping):
        return value.get("$ref") == reference or any(_refers(v, reference) for v in value.values())
    if isinstance(value, list):
        return any(_refers(v, reference) for v in value)
    return False
