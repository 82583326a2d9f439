"""One answer to "is this a Raspberry Pi, and which?" for the pin factory check, the
display node's voice policy and the node doctor: the device tree's model string, NUL
stripped, naming a Raspberry Pi from its start."""

from __future__ import annotations

from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

import firmware.common.raspberry_pi as device_tree
from firmware.common.gpio_factory import open_pin_factory
from firmware.common.raspberry_pi import on_raspberry_pi, raspberry_pi_model
from firmware.display_node.voice_policy import too_slow
from provisioning.doctor.gpio import check_gpio

MODELS = {  # as /proc/device-tree/model shows them
    b"Raspberry Pi 5 Model B Rev 1.0\x00": "Raspberry Pi 5 Model B Rev 1.0",
    b"Raspberry Pi 4 Model B Rev 1.5\x00": "Raspberry Pi 4 Model B Rev 1.5",
    b"Raspberry Pi Zero 2 W Rev 1.0\x00": "Raspberry Pi Zero 2 W Rev 1.0",
    b"Raspberry Pi Compute Module 4 Rev 1.1\x00": "Raspberry Pi Compute Module 4 Rev 1.1",
    b"Raspberry Pi 400 Rev 1.0": "Raspberry Pi 400 Rev 1.0",  # without its NUL
}
NOT_A_PI = [b"Radxa ROCK 5B\x00", b"Generic x86 board\x00",
            b"Banana Pi BPI-M5, a Raspberry Pi lookalike\x00", b"", b"\x00"]


def model_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "model"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("content", "model"), MODELS.items())
def test_a_pi_is_named_by_its_device_tree(tmp_path: Path, content: bytes,
                                          model: str) -> None:
    path = model_file(tmp_path, content)
    assert raspberry_pi_model(path) == model
    assert on_raspberry_pi(path)


@pytest.mark.parametrize("content", NOT_A_PI)
def test_another_board_is_not_a_pi_for_any_caller(tmp_path: Path, content: bytes) -> None:
    path = model_file(tmp_path, content)
    assert raspberry_pi_model(path) is None and not on_raspberry_pi(path)
    # The pin factory check and the doctor agree with the voice policy.
    assert open_pin_factory(MockFactory(), model_file=path).fault is None
    assert "not a Raspberry Pi" in check_gpio("mock", model_file=path).detail
    assert not too_slow("high", raspberry_pi_model(path), allowed=False)


def test_no_device_tree_is_not_a_pi(tmp_path: Path) -> None:
    assert raspberry_pi_model(tmp_path / "nowhere") is None
    assert not on_raspberry_pi(tmp_path / "nowhere")


def test_the_default_file_is_read_at_each_call(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device_tree, "DEVICE_TREE_MODEL",
                        model_file(tmp_path, b"Raspberry Pi 5 Model B Rev 1.0\x00"))
    assert raspberry_pi_model() == "Raspberry Pi 5 Model B Rev 1.0" and on_raspberry_pi()
    assert open_pin_factory(MockFactory()).fault == "pin_factory_mock"
