"""The API documentation works on a closed LAN (issue 17: /api/docs loaded Swagger UI
from a CDN and stayed blank): the page names no other host, and every file it loads
is served by the hub."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.settings import HubSettings
from hub.wiring import Hub

REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*['"]([^'"]+)['"]""")


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", mqtt_enabled=False)


@pytest.fixture
def anonymous(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub)) as client:
        yield client


def test_the_docs_page_loads_only_what_the_hub_serves(anonymous: TestClient) -> None:
    page = anonymous.get("/api/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert "//" not in re.sub(r"<!--.*?-->", "", page.text).replace("://", "§"), (
        "no protocol-relative reference")
    assert "http://" not in page.text and "https://" not in page.text
    references = {a or b for a, b in REFERENCE.findall(page.text)}
    assert {"/api/openapi.json"} < references
    assets = [r for r in references if r.startswith("/api/docs/assets/")]
    assert len(assets) == 3, references  # the script, the style sheet, the icon
    for reference in references:
        assert reference.startswith("/"), reference
        answer = anonymous.get(reference)
        assert answer.status_code == 200, reference
        assert len(answer.content) > 0


def test_the_bundle_is_swagger_ui_5_which_reads_openapi_3_1(anonymous: TestClient) -> None:
    schema = anonymous.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    script = anonymous.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript",
                                                      "application/javascript"))
    assert b"SwaggerUIBundle" in script.content and b'"5.36.0"' in script.content
    licence = anonymous.get("/api/docs/assets/LICENSE")
    assert "Apache License" in licence.text
