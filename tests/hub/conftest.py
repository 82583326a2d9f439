from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.wiring import Hub


@pytest.fixture
def client(hub: Hub, admin_token: str) -> Iterator[TestClient]:
    app = create_app(hub.settings, hub)
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as test_client:
        yield test_client


@pytest.fixture
def anonymous(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub)) as test_client:
        yield test_client
