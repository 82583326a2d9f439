"""The OpenAPI document made true to what the hub answers, in one place rather than
route by route.

FastAPI documents each operation's success and a JSON 422 of its own shape. The hub
answers every error as `application/problem+json` (`hub.api.problems`), may refuse a
caller (401/403), may not find what a request names (404), may refuse a change that
conflicts with the current state (409) and refuses bodies it cannot parse (400) or
will not read (413). A client generated from the document, or schemathesis checking
the answers against it (tests/security/test_schemathesis.py), must see exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from hub.api.deps import SAFE_METHODS, current_principal, optional_principal
from hub.api.problems import PROBLEM_JSON, Problem
from hub.api.served_routes import is_api_route, served_routes

PROBLEM_REF = "#/components/schemas/Problem"
# Pydantic's `time` is the center's wall time, written `09:00` or `09:00:00` with no UTC
# offset, so it is not the RFC 3339 `full-time` that OpenAPI's format "time" promises.
WALL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"

WHY = {
    400: "The body could not be parsed",
    401: "No valid session and no valid bearer token",
    403: "The caller's role may not do this, or a session's change lacks its CSRF token",
    404: "Something the request names does not exist",
    409: "The change conflicts with the current state",
    413: "The body is larger than the hub accepts",
    422: "The request is invalid: a field is missing, malformed or out of range",
}
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "a service token (`kzk_…`) made by an administrator"},
    "session": {"type": "apiKey", "in": "cookie", "name": "kezek_session",
                "description": "the console's session; changes also need `X-CSRF-Token`"},
}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return the generated document, corrected once and cached."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = correct(FastAPI.openapi(app), _routes(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def correct(document: dict[str, Any],
            routes: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """Document problems, authentication and wall times as the hub answers them."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_problem_schemas())
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes.get((path, method.upper()))
            if route is not None:
                _document_operation(operation, method.upper(), route)
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(document["paths"]):
            schemas.pop(unused, None)
    _wall_times(document)
    return document


def problem_statuses(operation: dict[str, Any], method: str, route: Any) -> set[int]:
    """Which problems an operation can answer, from what it takes and who may call it."""
    statuses: set[int] = set()
    calls = set(_dependency_calls(route.dependant))
    if optional_principal in calls:
        statuses |= {401, 403}  # a wrong token; a role, ownership or CSRF refusal
    takes_input = bool(operation.get("parameters")) or "requestBody" in operation
    if takes_input:
        statuses |= {404, 422}  # it names records that may not exist; values may be invalid
    if method not in SAFE_METHODS:
        statuses.add(409)
    if "requestBody" in operation:
        statuses |= {400, 413}  # a body it cannot parse; a body larger than it reads
    return statuses


def _document_operation(operation: dict[str, Any], method: str, route: Any) -> None:
    calls = set(_dependency_calls(route.dependant))
    if current_principal in calls:
        operation["security"] = SIGNED_IN
    elif optional_principal in calls:
        operation["security"] = [{}, *SIGNED_IN]
    responses = operation.setdefault("responses", {})
    for status in sorted(problem_statuses(operation, method, route)):
        responses[str(status)] = {
            "description": WHY[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        }


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {**definitions, "Problem": schema}


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _dependency_calls(dependency)


def _routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    return {(route.path_format, method): route for route in served_routes(app)
            if is_api_route(route) for method in route.methods or ()}


def _wall_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = WALL_TIME_PATTERN
        for value in node.values():
            _wall_times(value)
    elif isinstance(node, list):
        for value in node:
            _wall_times(value)
