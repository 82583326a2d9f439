"""Thin simulated nodes: each is a real NodeRuntime (outbox, link, heartbeat) whose
"hardware" is a few lines of Python. They keep what they were told so tests and the
demonstration can look."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from contract.mqtt import (
    Announcement,
    ButtonAction,
    ButtonPress,
    DisplaySnapshot,
    Driver,
    DriverState,
    ErrorMessage,
    Language,
    NodeConfig,
    NodeRole,
    Reply,
    TicketRequest,
)
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettings
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks

log = logging.getLogger("kezek.virtual")

Answer = Reply | ErrorMessage
# Told of every answer the application hears, with the id of the request it answers:
# a day run counts them per press (one is right).
AnswerListener = Callable[[str, Answer], None]


class Pressed(Future[Answer]):
    """The hub's answer to one press, and the id of the request the press sent (None
    when the application sent none, or has not said yet)."""

    def __init__(self, request_id: str | None = None) -> None:
        super().__init__()
        self.request_id = request_id
        self.offline = False  # a terminal printed from its lease instead of asking


class SimulatedNode:
    def __init__(self, settings: NodeSettings, *, drivers: dict[str, Driver],
                 clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        self.settings = settings
        self.node_id = settings.node_id
        self._drivers = drivers
        self._waiting: dict[str, Future[Answer]] = {}
        self._lock = threading.Lock()
        self.answer_listeners: list[AnswerListener] = []
        self.config: NodeConfig | None = None
        self.runtime = NodeRuntime(settings, drivers=lambda: dict(self._drivers),
                                   on_reply=self._replied, on_error=self._refused,
                                   on_config=self._configured, on_display=self._show,
                                   on_announce=self._say, wall_clock=clocks.wall,
                                   monotonic=clocks.monotonic)

    def start(self) -> None:
        self.runtime.start()

    def stop(self) -> None:
        self.runtime.stop()

    def send(self, request: OutboxRequest) -> Pressed:
        """Queue a request in the outbox; the future completes with the hub's answer,
        however long the hub or the broker are away."""
        answer = Pressed(request.id)
        with self._lock:
            self._waiting[request.id] = answer
        self.runtime.submit(request)
        return answer

    def _replied(self, request: OutboxRequest, reply: Reply) -> None:
        self._settle(request.id, reply)

    def _refused(self, request: OutboxRequest | None, error: ErrorMessage) -> None:
        log.warning("hub refused a message of %s: %s", self.node_id, error.problem.code)
        if request is not None:
            self._settle(request.id, error)

    def _settle(self, request_id: str, answer: Answer) -> None:
        for listener in list(self.answer_listeners):
            listener(request_id, answer)
        with self._lock:
            waiting = self._waiting.pop(request_id, None)
        if waiting is not None:
            waiting.set_result(answer)

    def _configured(self, config: NodeConfig) -> None:
        self.config = config

    def _show(self, snapshot: DisplaySnapshot) -> None:
        """Only displays are sent snapshots."""

    def _say(self, announcement: Announcement) -> None:
        """Only displays are sent announcements."""


class SimulatedTerminal(SimulatedNode):
    """A ticket terminal whose printer is a list of printed ticket numbers."""

    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        super().__init__(settings, drivers={"printer": Driver(state=DriverState.OK),
                                            "buttons": Driver(state=DriverState.OK)},
                         clocks=clocks)
        self.printed: list[int] = []

    def press(self, language: Language, purpose: str, *, out_of_turn: str | None = None,
              needs_escort: bool = False) -> Pressed:
        request = TicketRequest(node=self.node_id, language=language, purpose=purpose,
                                out_of_turn=out_of_turn, needs_escort=needs_escort)
        return self.send(request)

    def _replied(self, request: OutboxRequest, reply: Reply) -> None:
        if reply.ticket is not None and not reply.ticket.replayed:
            self.printed.append(reply.ticket.number)
        super()._replied(request, reply)


class SimulatedDisplay(SimulatedNode):
    """A board and a speaker that remember the last snapshot and what was said."""

    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        self.snapshot: DisplaySnapshot | None = None
        self.said: deque[Announcement] = deque(maxlen=200)
        super().__init__(settings, drivers={"tv": Driver(state=DriverState.OK),
                                            "speaker": Driver(state=DriverState.OK)},
                         clocks=clocks)

    def _show(self, snapshot: DisplaySnapshot) -> None:
        self.snapshot = snapshot

    def _say(self, announcement: Announcement) -> None:
        self.said.append(announcement)


class SimulatedButtons(SimulatedNode):
    """The call buttons of one desk."""

    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        if settings.desk is None:
            raise ValueError(f"call-button node {settings.node_id} needs a desk")
        self.desk: str = settings.desk
        super().__init__(settings, drivers={"buttons": Driver(state=DriverState.OK)},
                         clocks=clocks)

    def press(self, action: ButtonAction) -> Pressed:
        return self.send(ButtonPress(node=self.node_id, desk=self.desk, action=action))


def node_settings(*, node_id: str, role: NodeRole, center: str, broker_url: str,
                  data_dir: Path, password: str | None = None, desk: str | None = None,
                  zones: list[str] | None = None, request_retry_seconds: float = 2.0,
                  heartbeat_seconds: float = 30.0) -> NodeSettings:
    return NodeSettings(node_id=node_id, role=role, center=center, broker_url=broker_url,
                        password=password, data_dir=data_dir / node_id, desk=desk,
                        zones=zones or [], request_retry_seconds=request_retry_seconds,
                        heartbeat_seconds=heartbeat_seconds)
