"""The routes an app serves, each with its full path and its routers' dependencies.

FastAPI ≥ 0.160 includes routers lazily: `app.routes` then holds included routers,
not their routes. They are walked here the way FastAPI's own OpenAPI generator walks
them; older FastAPI lists the routes themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing


def served_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of `app`; an API route keeps `path_format`, `methods`, `dependant`."""
    walk = getattr(routing, "iter_route_contexts", None)
    yield from (walk(app.routes) if walk is not None else app.routes)


def is_api_route(route: Any) -> bool:
    return isinstance(getattr(route, "original_route", route), routing.APIRoute)


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods of the resource at `path` (for a 405's `Allow`).

    Starlette answers 405 from the first route whose path matches; the resource is that
    route's path template, and each method of it is a route of its own in FastAPI.
    """
    routes = [route for route in served_routes(app)
              if getattr(route, "path_regex", None) is not None and route.methods]
    template = next((route.path_format for route in routes if route.path_regex.match(path)),
                    None)
    return {method for route in routes if route.path_format == template
            for method in route.methods}
