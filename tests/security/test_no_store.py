"""Answers that may carry personal data are never kept by a browser or a proxy
(issue 17): `Cache-Control: no-store` on every answer under /api and /console and on
every answer to a request with credentials; static assets stay cacheable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.settings import HubSettings
from hub.wiring import Hub


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", mqtt_enabled=False)


@pytest.fixture
def anonymous(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub)) as client:
        yield client


@pytest.mark.parametrize("path", [
    "/api/v1/health", "/api/v1/queue", "/api/v1/appeals", "/api/openapi.json", "/api/docs",
    "/console/login", "/console/", "/console/officials", "/console/no-such-page",
])
def test_api_and_console_answers_are_not_stored(anonymous: TestClient, path: str) -> None:
    answer = anonymous.get(path, follow_redirects=False)
    assert answer.headers["cache-control"] == "no-store", (path, answer.status_code)


def test_authenticated_answers_are_not_stored_anywhere(anonymous: TestClient,
                                                       admin_token: str) -> None:
    # Outside /api and /console too (the ticket page a visitor's phone opens).
    answer = anonymous.get("/t/no-such-ticket",
                           headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.headers["cache-control"] == "no-store"
    # A route that set its own policy is overridden.
    listed = anonymous.get("/api/v1/appeals", headers={"Authorization": f"Bearer {admin_token}"})
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"


def test_static_assets_stay_cacheable(anonymous: TestClient) -> None:
    for path in ("/console/static/console.css", "/api/docs/assets/swagger-ui.css"):
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        assert answer.headers.get("cache-control") != "no-store", path
