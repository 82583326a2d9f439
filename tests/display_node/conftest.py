"""Fixtures for the display node: a tiny Piper model generated with the onnx package and
loaded with the real Kazakh and Russian voice configs through the real PiperVoice.load,
and snapshots/announcements as the hub sends them."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from contract.mqtt import (
    Announcement,
    AnnouncementKind,
    CallShown,
    DisplaySnapshot,
    Text,
    ZoneCount,
)
from firmware.voices import VOICES_DIR

KK_CONFIG = VOICES_DIR / "kk_KZ-iseke-x_low.onnx.json"
RU_CONFIG = VOICES_DIR / "ru_RU-denis-medium.onnx.json"
SAMPLES_PER_PHONEME = 64
CALLED_AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)

DESKS = {
    "window-1": Text(kk="1-терезе", ru="Окно 1"),
    "window-3": Text(kk="3-терезе", ru="Окно 3"),
    "office-105": Text(kk="105 кабинет", ru="Кабинет 105"),
}


def tiny_piper_model(path: Path) -> Path:
    """A Piper-shaped ONNX model: phoneme ids in, a tone of SAMPLES_PER_PHONEME samples
    per id out ([1, 1, T]), with the inputs piper feeds (input, input_lengths, scales)."""
    nodes = [
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids", "pitch"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Tile", ["wave", "repeats"], ["tiled"]),
        helper.make_node("Reshape", ["tiled", "shape"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny-piper",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, "n"]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "t"])],
        initializer=[
            helper.make_tensor("pitch", TensorProto.FLOAT, [], [0.7]),
            helper.make_tensor("repeats", TensorProto.INT64, [2], [1, SAMPLES_PER_PHONEME]),
            helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, -1]),
        ])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_piper_model(tmp_path_factory.mktemp("voices") / "tiny.onnx")


def call(number: int, desk: str = "window-3", *, zone: str = "consultation",
         minutes: int = 0) -> CallShown:
    return CallShown(number=number, zone=zone, desk=desk, desk_label=DESKS[desk],
                     at=CALLED_AT + timedelta(minutes=minutes), state="called")


def snapshot(*calls: CallShown, waiting: int = 4,
             zones: tuple[str, ...] = ("consultation",)) -> DisplaySnapshot:
    names = {"consultation": Text(kk="Консультация", ru="Консультация"),
             "personal": Text(kk="Жеке қабылдау", ru="Личный прием"),
             "mystery": Text(kk="Белгісіз", ru="Неизвестная")}
    return DisplaySnapshot(service_day=date(2026, 11, 23), opening="open",
                           zones=[ZoneCount(zone=zone, name=names[zone], waiting=waiting)
                                  for zone in zones],
                           calls=list(calls))


def announcement(number: int = 105, desk: str = "window-3", language: str = "kk",
                 kind: AnnouncementKind = AnnouncementKind.CALL) -> Announcement:
    return Announcement(kind=kind, number=number, zone="consultation", desk=desk,
                        desk_label=DESKS[desk], language=language)  # type: ignore[arg-type]


class BoardServer:
    """A TCP server standing in for a serial-over-IP LED board: records every byte."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received = bytearray()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.listener.settimeout(0.1)
        self.connections: list[socket.socket] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        while True:
            try:
                data = connection.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.received += data

    def bytes(self) -> bytes:
        with self.lock:
            return bytes(self.received)

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        self.listener.close()
        for connection in self.connections:
            connection.shutdown(socket.SHUT_RDWR)
            connection.close()
