"""The API's documentation page, served whole by the hub.

A center's LAN may have no Internet, and FastAPI's default page loads Swagger UI
from a CDN (a blank page there; issue 17). The hub serves Swagger UI 5 itself, from
the files of the npm package swagger-ui-dist kept in `docs_assets/` (Apache-2.0,
LICENSE and NOTICE beside them; Swagger UI 5 because the hub's schema is OpenAPI
3.1, which older bundles cannot render).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

ASSETS = Path(__file__).parent / "docs_assets"
DOCS_URL = "/api/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
SWAGGER_UI_VERSION = "5.36.0"  # of the files in docs_assets/: tells caches apart


def install(app: FastAPI) -> None:
    """The Swagger UI page at /api/docs and its files under /api/docs/assets."""
    assert app.openapi_url is not None
    openapi_url = app.openapi_url
    title = f"{app.title} API"
    version = f"?v={SWAGGER_UI_VERSION}"

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="api-docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url, title=title,
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js{version}",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css{version}",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
            swagger_ui_parameters=app.swagger_ui_parameters)
