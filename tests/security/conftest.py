"""Fixtures shared by the security tier's files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.hub_process import HubProcess


@pytest.fixture(scope="module")
def hub_without_mqtt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """The hub as its own process (`kezek-hub serve`: uvicorn's own handling of bodies
    and proxy headers), without its MQTT bridge, once per test file."""
    process = HubProcess(tmp_path_factory.mktemp("hub"), center="center")
    process.env["KEZEK_HUB_MQTT_ENABLED"] = "false"
    process.start()
    yield process
    process.stop()
