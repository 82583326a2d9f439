"""The doctor opens the GPIO pin factory where the node's service opens it: as the unit's
user, in the unit's working directory. Debian's lgpio creates its notification pipe
(`.lgd-nfy*`) in the current directory (gpiozero#1106, joan2937/lg#22); a stand-in for
lgpio's factory does the same here, so a doctor that opened it as root where it stands
would find a factory the service cannot open. `nobody` stands in for kezek-node."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from contract.node_faults import NODE_FAULTS
from provisioning.doctor.findings import Level
from provisioning.doctor.gpio import check_gpio
from provisioning.doctor.service_user import ServiceUser, user_named
from tests.conftest import unavailable

PIPE = ".lgd-nfy0"


@pytest.fixture
def nobody() -> ServiceUser:
    if os.geteuid() != 0:
        unavailable("opening the pin factory as another user needs root")
    user = user_named("nobody")
    assert user is not None
    return user


@pytest.fixture
def state_dir(nobody: ServiceUser) -> Iterator[Path]:
    """The node's state directory: the service user's own, as systemd makes it."""
    folder = Path(tempfile.mkdtemp(prefix="kezek-state-"))
    folder.chmod(0o700)
    os.chown(folder, nobody.uid, nobody.gid)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def lgpio_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """gpiozero's default factory made as lgpio's is: its pipe in the current folder
    first (lgpio fails when it cannot make it), then pins (mock ones here)."""

    def open_like_lgpio() -> MockFactory:
        pipe = Path(PIPE)
        try:
            pipe.write_text(os.environ.get("GPIOZERO_PIN_FACTORY") or "")
        except OSError as error:
            raise RuntimeError(f"Can't set permissions (0664) for {Path.cwd()}/{PIPE}, "
                               f"{error.strerror}") from None
        return MockFactory()

    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(open_like_lgpio))


def test_the_factory_opens_as_the_service_user_in_its_state_directory(
        nobody: ServiceUser, state_dir: Path, lgpio_like: None, laptop: Path) -> None:
    found = check_gpio("default", model_file=laptop, user=lambda: nobody,
                       working_directory=lambda: state_dir)
    assert found.level is Level.WARNING  # mock pins, on a machine that is not a Pi
    pipe = state_dir / PIPE
    assert pipe.exists() and pipe.stat().st_uid == nobody.uid
    assert not (Path.cwd() / PIPE).exists()


def test_a_folder_the_service_user_cannot_write_is_the_services_fault(
        nobody: ServiceUser, lgpio_like: None, laptop: Path) -> None:
    """The node's unit before WorkingDirectory=: `/`, where the service user cannot
    make lgpio's pipe. The doctor says what the service would meet."""
    found = check_gpio("default", model_file=laptop, user=lambda: nobody,
                       working_directory=lambda: Path("/"))
    failed = NODE_FAULTS["pin_factory_failed"]
    assert (found.level, found.ru) == (Level.FAULT, failed.ru)
    assert "Can't set permissions (0664) for //.lgd-nfy0" in found.detail
    assert "as nobody in /" in found.detail
    assert not Path("/", PIPE).exists()


@pytest.fixture
def unit(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The node's unit as `systemctl show` tells it (edit the dict to change it)."""
    shown = {"User": "nobody", "Environment": "KEZEK_NODE_CONFIG=/etc/kezek/node.toml"}
    monkeypatch.setattr("provisioning.doctor.service_user.unit_property",
                        lambda name, unit_name="": shown.get(name, ""))
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    return shown


def test_user_directory_and_factory_come_from_the_unit(
        nobody: ServiceUser, state_dir: Path, lgpio_like: None, laptop: Path,
        unit: dict[str, str]) -> None:
    unit["WorkingDirectory"] = str(state_dir)
    unit["Environment"] += " GPIOZERO_PIN_FACTORY=lgpio"
    assert check_gpio("default", model_file=laptop).level is Level.WARNING
    pipe = state_dir / PIPE
    assert pipe.stat().st_uid == nobody.uid
    assert pipe.read_text() == "lgpio"  # the factory the unit asks for


def test_a_factory_that_does_not_load_says_where_it_was_tried(
        nobody: ServiceUser, state_dir: Path, laptop: Path, unit: dict[str, str]) -> None:
    unit["WorkingDirectory"] = str(state_dir)
    unit["Environment"] += " GPIOZERO_PIN_FACTORY=nowhere"
    found = check_gpio("default", model_file=laptop)
    assert (found.level, found.ru) == (Level.FAULT, NODE_FAULTS["pin_factory_failed"].ru)
    assert found.detail.startswith("nowhere: Unable to find pin factory 'nowhere'")
    assert found.detail.endswith(f"(as nobody in {state_dir})")


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    model.write_bytes(b"Generic x86 laptop\x00")
    return model
