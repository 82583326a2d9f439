"""`kezek-node-doctor` on generated nodes: against the generated center's broker, a hub
whose clock is right or minutes off, a network printer that answers ESC/POS status
queries, mock GPIO, voice files and the disk."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from contract.node_faults import NODE_FAULTS
from firmware.voices import VOICES_DIR
from provisioning.broker_control import cut_off
from provisioning.doctor import Level, Options, examine, main, report
from tests.brokers import free_port
from tests.provisioning.conftest import generate_local
from tests.provisioning.running import RunningCenter


class HubClock(BaseHTTPRequestHandler):
    offset_seconds: ClassVar[float] = 0.0

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def date_time_string(self, timestamp: float | None = None) -> str:
        import time

        return formatdate(time.time() + self.offset_seconds, usegmt=True)

    def log_message(self, *_args: Any) -> None:
        pass


class FakePrinter:
    """A network ESC/POS printer: answers every 3-byte status query (DLE EOT n) with
    `status` (0x12: online, paper adequate; 0x72: paper out)."""

    def __init__(self, status: int) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.status = status
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                while len(connection.recv(3)) == 3:
                    connection.sendall(bytes([self.status]))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def hub_url() -> Iterator[str]:
    HubClock.offset_seconds = 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HubClock)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def center(tmp_path: Path, require_mosquitto: str) -> Iterator[RunningCenter]:
    inventory, generated = generate_local(tmp_path)
    running = RunningCenter(require_mosquitto, inventory, generated)
    yield running
    running.stop()


def node_config(center: RunningCenter, node_id: str, tmp_path: Path,
                **sections: str) -> Path:
    """The generated node file with this machine's paths (CA, data) and test sections."""
    text = (center.generated.node_dir(node_id) / "node.toml").read_text()
    text = text.replace('"/etc/kezek/ca.crt"', json.dumps(str(center.ca_file)))
    text = text.replace('data_dir = "/var/lib/kezek-node"',
                        f"data_dir = {json.dumps(str(tmp_path / 'data'))}")
    for name, body in sections.items():
        text = re.sub(rf"\n\[{name}\]\n(?:[^\[\n][^\n]*\n)*", "\n", text)
        text += f"\n[{name}]\n{body}\n"
    path = tmp_path / f"{node_id}.toml"
    path.write_text(text)
    return path


def by_check(findings: list[Any]) -> dict[str, Any]:
    return {finding.check: finding for finding in findings}


@pytest.fixture
def mock_gpio(monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal has no [gpio] section: it runs on gpiozero's default, which the
    environment chooses (as it would for the node's service)."""
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")


def network_printer(port: int) -> str:
    return f'kind = "network"\nhost = "127.0.0.1"\nport = {port}\nprofile = "TM-T88V"'


def test_a_healthy_terminal(center: RunningCenter, tmp_path: Path, hub_url: str,
                            mock_gpio: None, capsys: pytest.CaptureFixture[str]) -> None:
    printer = FakePrinter(0x12)
    config = node_config(center, "terminal-1", tmp_path, printer=network_printer(printer.port))
    try:
        assert main(["--config", str(config), "--hub-url", hub_url, "--login"]) == 0
    finally:
        printer.close()
    out = capsys.readouterr().out
    assert "[OK] broker: Брокер қолжетімді, TLS сенімді / Брокер доступен, TLS доверенный" in out
    assert "[OK] printer: Принтер дайын / Принтер готов\n    network, TM-T88V, kz1048" in out
    assert "[OK] clock:" in out
    assert "[НАЗАР / ВНИМАНИЕ] gpio:" in out and "mock (not a Raspberry Pi)" in out
    assert "Ақаулар: 0 / Неисправностей: 0" in out


def test_a_clock_minutes_off_is_a_fault(center: RunningCenter, tmp_path: Path,
                                        hub_url: str) -> None:
    config = node_config(center, "desk-window-1", tmp_path, gpio='pin_factory = "mock"')
    HubClock.offset_seconds = 300.0  # the hub is 5 minutes ahead of this node
    clock = by_check(examine(config, Options(hub_url=hub_url)))["clock"]
    assert clock.level is Level.FAULT
    # The node's own words for a skewed clock (contract/node_faults.py), with the amount.
    assert re.fullmatch(r"Часы устройства расходятся со временем центрального сервера: "
                        r"проверьте NTP \(часы отстают на (299|300|301) с\)", clock.ru)
    assert clock.kk.startswith(NODE_FAULTS["clock_skew"].kk)
    assert re.search(r"\(сағат (299|300|301) с артта\)$", clock.kk)
    HubClock.offset_seconds = -120.0
    clock = by_check(examine(config, Options(hub_url=hub_url)))["clock"]
    assert clock.level is Level.FAULT and "спешат" in clock.ru
    HubClock.offset_seconds = 10.0  # past the warning threshold, short of a fault
    clock = by_check(examine(config, Options(hub_url=hub_url)))["clock"]
    assert clock.level is Level.WARNING and "отстают" in clock.ru
    HubClock.offset_seconds = -300.0
    assert main(["--config", str(config), "--hub-url", hub_url]) == 1


def test_mock_gpio_on_a_raspberry_pi_fails_the_doctor(
        center: RunningCenter, tmp_path: Path, hub_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    monkeypatch.setattr("firmware.common.raspberry_pi.DEVICE_TREE_MODEL", model)
    config = node_config(center, "desk-window-1", tmp_path, gpio='pin_factory = "mock"')
    assert main(["--config", str(config), "--hub-url", hub_url]) == 1
    mock = NODE_FAULTS["pin_factory_mock"]
    out = capsys.readouterr().out
    assert f"[АҚАУ / ОШИБКА] gpio: {mock.kk} / {mock.ru}\n    mock (Raspberry Pi)" in out
    assert "Ақаулар: 1 / Неисправностей: 1" in out


def test_broker_faults(center: RunningCenter, tmp_path: Path, hub_url: str) -> None:
    config = node_config(center, "desk-window-1", tmp_path, gpio='pin_factory = "mock"')
    # A CA that did not sign the broker's certificate.
    from provisioning.ca import CertificateAuthority

    stranger = tmp_path / "stranger.crt"
    stranger.write_bytes(CertificateAuthority.create("x").certificate_pem)
    wrong_ca = tmp_path / "wrong-ca.toml"
    wrong_ca.write_text(config.read_text().replace(str(center.ca_file), str(stranger)))
    broker = by_check(examine(wrong_ca, Options(hub_url=hub_url)))["broker"]
    assert (broker.level, broker.ru) == (Level.FAULT, "Сертификат TLS брокера не доверенный")
    # Nothing listening.
    closed = tmp_path / "closed.toml"
    closed.write_text(config.read_text().replace(f":{center.port}\"", f":{free_port()}\""))
    broker = by_check(examine(closed, Options(hub_url=hub_url)))["broker"]
    assert broker.level is Level.FAULT and broker.ru.startswith("Брокер недоступен")
    # Revoked: the TLS is fine, the login is refused.
    assert cut_off(center.generated.broker_dir / "passwd", "desk-window-1",
                   Path(str(center.inventory.broker.pid_file)))
    broker = by_check(examine(config, Options(hub_url=hub_url, login=True)))["broker"]
    assert broker.level is Level.FAULT and "не принял устройство" in broker.ru


def test_printer_faults(center: RunningCenter, tmp_path: Path, hub_url: str,
                        mock_gpio: None) -> None:
    printer = FakePrinter(0x72)
    try:
        config = node_config(center, "terminal-1", tmp_path,
                             printer=network_printer(printer.port))
        found = by_check(examine(config, Options(hub_url=hub_url, timeout=2)))["printer"]
        assert (found.level, found.ru) == (Level.FAULT, "В принтере нет бумаги")
    finally:
        printer.close()
    config = node_config(center, "terminal-1", tmp_path, printer=network_printer(free_port()))
    found = by_check(examine(config, Options(hub_url=hub_url, timeout=2)))["printer"]
    assert (found.level, found.ru) == (Level.FAULT, "Нет связи с принтером")
    # A text mode the profile cannot print: the terminal would refuse to start.
    config = node_config(center, "terminal-1", tmp_path,
                         printer='kind = "dummy"\nprofile = "POS-5890"\ntext_mode = "kz1048"')
    found = by_check(examine(config, Options(hub_url=hub_url, timeout=2)))["printer"]
    assert (found.level, found.ru) == (Level.FAULT, "Ошибка в настройках принтера")
    assert "printer.text_mode" in found.detail


def test_display_voices_audio_and_disk(center: RunningCenter, tmp_path: Path,
                                       hub_url: str) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    sound = tmp_path / "sound"
    sound.mkdir()
    models = {language: json.dumps(str(voices / f"{name}.onnx")) for language, name in
              (("kk", "kk_KZ-iseke-x_low"), ("ru", "ru_RU-irina-medium"))}
    voice = f'kk_model = {models["kk"]}\nru_model = {models["ru"]}\n'
    config = node_config(center, "board-hall", tmp_path,
                         voice=voice + f'sink = "wav"\nwav_dir = {json.dumps(str(sound))}')
    found = by_check(examine(config, Options(hub_url=hub_url)))
    assert found["voices"].level is Level.FAULT
    assert found["voices"].ru == (f"{NODE_FAULTS['voice_missing'].ru}: "
                                  f"{voices}/kk_KZ-iseke-x_low.onnx, "
                                  f"{voices}/ru_RU-irina-medium.onnx")
    assert found["audio"].level is Level.WARNING
    assert found["disk"].level is Level.OK
    # Voice files matching a manifest (small stand-ins for the real weights).
    entries = []
    for name in ("kk_KZ-iseke-x_low", "ru_RU-irina-medium"):
        weights = name.encode() * 100
        (voices / f"{name}.onnx").write_bytes(weights)
        shutil.copyfile(VOICES_DIR / f"{name}.onnx.json", voices / f"{name}.onnx.json")
        entries.append({"voice": name, "path": f"x/{name}.onnx",
                        "onnx_sha256": hashlib.sha256(weights).hexdigest(),
                        "onnx_bytes": len(weights), "license": "test"})
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(entries))
    found = by_check(examine(config, Options(hub_url=hub_url, manifest_path=manifest,
                                             disk_fault_bytes=1 << 62)))
    assert found["voices"].level is Level.OK
    assert found["disk"].level is Level.FAULT and "На диске нет места" in found["disk"].ru
    # A sound card device that is not there.
    alsa = node_config(center, "board-hall", tmp_path,
                       voice=voice + 'sink = "alsa"\nalsa_device = "hw:CARD=Nowhere,DEV=0"')
    assert by_check(examine(alsa, Options(hub_url=hub_url)))["audio"].level is Level.FAULT


def test_bad_settings_stop_the_examination(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "missing.toml")]) == 1
    assert "Не удалось прочитать файл настроек" in capsys.readouterr().out
    broken = tmp_path / "node.toml"
    broken.write_text('node_id = "x"\nrole = "ticket_terminal"\ncenter = "c"\n'
                      'broker_url = "mqtts://h"\n')
    findings = examine(broken, Options())
    assert [f.check for f in findings] == ["config"]
    assert findings[0].level is Level.FAULT
    assert "buttons" in findings[0].detail
    assert "АҚАУ / ОШИБКА" in report(findings)
