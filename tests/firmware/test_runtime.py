"""The node runtime against a real Mosquitto and a fake hub: presence, the outbox replayed
in order after outages, resending with the same id, telemetry, bad down messages, commands
and systemd notifications."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contract.mqtt import (
    Command,
    CommandName,
    DisplaySnapshot,
    DownChannel,
    Driver,
    DriverState,
    ErrorMessage,
    NodeConfig,
    NodeRole,
    NodeStatus,
    Presence,
    Problem,
    Reply,
    Text,
    TicketRequest,
    UpChannel,
    decode,
)
from firmware.common.hub_clock import DRIFT
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettings
from tests.brokers import PrivateMosquitto, wait_until
from tests.firmware.conftest import NODE, FakeHub


class Recorder:
    """What the node application was told, in order."""

    def __init__(self) -> None:
        self.replies: list[tuple[OutboxRequest, Reply]] = []
        self.errors: list[tuple[OutboxRequest | None, ErrorMessage]] = []
        self.configs: list[NodeConfig] = []
        self.displays: list[DisplaySnapshot] = []
        self.commands: list[Command] = []
        self.restarts = threading.Event()

    def reply_ids(self) -> list[str]:
        return [request.id for request, _ in self.replies]

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_reply": lambda request, reply: self.replies.append((request, reply)),
            "on_error": lambda request, error: self.errors.append((request, error)),
            "on_config": self.configs.append,
            "on_display": self.displays.append,
            "on_command": self.commands.append,
            "on_restart": self.restarts.set,
        }


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_runtime(node_settings: Callable[..., NodeSettings],
                 recorder: Recorder) -> Iterator[Callable[..., NodeRuntime]]:
    """Build (not start) runtimes; every one is stopped at the end of the test."""
    made: list[NodeRuntime] = []

    def make(settings: NodeSettings | None = None, **options: Any) -> NodeRuntime:
        runtime = NodeRuntime(settings or node_settings(),
                              **(recorder.callbacks() | {"environ": {}} | options))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.stop()


def ticket(language: str = "kk") -> TicketRequest:
    return TicketRequest.model_validate({"node": NODE, "language": language})


class StatusWatcher:
    """A second broker connection that watches one node's retained status."""

    def __init__(self, broker: PrivateMosquitto, hub: FakeHub) -> None:
        self.seen: list[tuple[Presence, bool]] = []  # (state, retained flag)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"watcher-{uuid.uuid4().hex[:8]}")
        topic = hub.topics.up(NODE, UpChannel.STATUS)
        self.client.on_connect = lambda client, *args: client.subscribe(topic, qos=1)
        self.client.on_message = lambda client, userdata, message: self.seen.append(
            (decode(NodeStatus, bytes(message.payload)).state, bool(message.retain)))
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_online_retained_offline_will_on_a_lost_connection_then_online_again(
        broker: PrivateMosquitto, fake_hub: FakeHub,
        make_runtime: Callable[..., NodeRuntime]) -> None:
    runtime = make_runtime(drivers=lambda: {"printer": Driver(state=DriverState.OK)})
    runtime.start()
    wait_until(runtime.connected.is_set, what="the node to connect")
    wait_until(lambda: fake_hub.statuses, what="the online status")
    assert fake_hub.statuses[0].state is Presence.ONLINE
    assert fake_hub.statuses[0].role is NodeRole.TICKET_TERMINAL
    # The runtime adds its own `clock`: nothing came from the hub yet, so its time is unknown.
    assert fake_hub.statuses[0].drivers == {
        "printer": Driver(state=DriverState.OK),
        "clock": Driver(state=DriverState.WARNING, detail="clock_unknown")}

    watcher = StatusWatcher(broker, fake_hub)
    try:
        wait_until(lambda: watcher.seen, what="the retained status")
        assert watcher.seen == [(Presence.ONLINE, True)]  # a late subscriber learns it

        # The connection dies without a DISCONNECT packet: the broker publishes the will.
        runtime.link.client.socket().shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
        wait_until(lambda: len(watcher.seen) >= 2, what="the will")
        assert watcher.seen[1] == (Presence.OFFLINE, False)
        wait_until(lambda: len(watcher.seen) >= 3, what="online again after reconnecting")
        assert watcher.seen[2] == (Presence.ONLINE, False)

        runtime.stop()  # a clean stop says offline itself (no will on a clean disconnect)
        wait_until(lambda: len(watcher.seen) >= 4, what="the offline status on stop")
        assert watcher.seen[3][0] is Presence.OFFLINE
    finally:
        watcher.close()


def test_requests_made_while_the_broker_is_down_are_replayed_in_order(
        broker: PrivateMosquitto, fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime],
        recorder: Recorder) -> None:
    runtime = make_runtime()
    runtime.start()
    wait_until(runtime.connected.is_set, what="the node to connect")
    before = ticket()
    runtime.submit(before)
    wait_until(lambda: recorder.replies, what="the first reply")

    broker.stop()
    wait_until(lambda: not runtime.connected.is_set(), what="the node to notice")
    during = [ticket(), ticket("ru"), ticket()]
    for request in during:
        assert runtime.submit(request) == request.id
    assert len(runtime.outbox) == 3

    broker.start()  # the same port; the broker remembers nothing
    wait_until(lambda: len(recorder.replies) == 4, timeout=15, what="the replayed replies")

    expected = [before.id] + [request.id for request in during]
    assert recorder.reply_ids() == expected
    # A copy sent while the fake hub was still resubscribing may come again: same id.
    assert list(dict.fromkeys(fake_hub.request_ids())) == expected
    assert len(runtime.outbox) == 0
    assert [request for request, _ in recorder.replies][1:] == during  # back out equal


def test_requests_made_before_the_broker_ever_came_up_are_sent(
        broker_process: PrivateMosquitto, make_runtime: Callable[..., NodeRuntime],
        recorder: Recorder) -> None:
    runtime = make_runtime()
    runtime.start()
    requests = [ticket(), ticket("ru")]
    for request in requests:
        runtime.submit(request)
    assert not runtime.connected.is_set()

    broker_process.start()
    fake_hub = FakeHub(broker_process.port)
    try:
        wait_until(lambda: len(recorder.replies) == 2, timeout=15, what="replies")
        assert recorder.reply_ids() == [request.id for request in requests]
    finally:
        fake_hub.close()


def test_an_unanswered_request_is_resent_with_the_same_id_and_answered_once(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], node_settings: Any,
        recorder: Recorder) -> None:
    fake_hub.ignore_first_copy = True  # the hub "lost" the first copy
    fake_hub.reply_copies = 2  # and then answers twice, as QoS 1 may deliver
    runtime = make_runtime(node_settings(request_retry_seconds=0.2))
    runtime.start()
    request, following = ticket(), ticket("ru")
    runtime.submit(request)
    runtime.submit(following)

    wait_until(lambda: len(recorder.replies) == 2, what="both replies")
    ids = fake_hub.request_ids()
    assert ids[:2] == [request.id, request.id]  # the next waits until the first is answered
    assert ids.count(request.id) == 2
    assert recorder.reply_ids() == [request.id, following.id]
    assert recorder.replies[0][1].request_id == request.id
    runtime.stop()
    assert recorder.reply_ids() == [request.id, following.id]  # no second on_reply


def test_the_outbox_survives_a_restart_of_the_runtime(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], node_settings: Any,
        recorder: Recorder) -> None:
    fake_hub.answering = False  # the hub is away
    settings = node_settings(request_retry_seconds=0.2)
    first = make_runtime(settings)
    first.start()
    requests = [ticket(), ticket("ru"), ticket()]
    for request in requests:
        first.submit(request)
    wait_until(lambda: fake_hub.requests, what="the first request to be sent")
    first.stop()
    assert recorder.replies == []

    fake_hub.answering = True
    second = make_runtime(settings)
    assert len(second.outbox) == 3
    second.start()
    wait_until(lambda: len(recorder.replies) == 3, what="the kept requests to be answered")
    assert [request for request, _ in recorder.replies] == requests


def test_telemetry_reports_the_outbox_and_the_cpu_temperature(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], node_settings: Any,
        tmp_path: Path) -> None:
    fake_hub.answering = False
    sensor = tmp_path / "temp"
    sensor.write_text("51234\n")
    runtime = make_runtime(node_settings(heartbeat_seconds=0.1), thermal_path=sensor,
                           drivers=lambda: {"printer": Driver(state=DriverState.WARNING,
                                                              detail="paper_low")})
    runtime.start()
    runtime.submit(ticket())
    runtime.submit(ticket())

    wait_until(lambda: any(t.outbox == 2 for t in fake_hub.telemetry), what="telemetry")
    beat = next(t for t in fake_hub.telemetry if t.outbox == 2)
    assert beat.node == NODE
    assert beat.cpu_temp_c == 51.2
    assert beat.uptime_s >= 0
    assert beat.drivers["printer"].detail == "paper_low"


def test_a_driver_change_republishes_the_status(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], node_settings: Any) -> None:
    printer = {"printer": Driver(state=DriverState.OK)}
    runtime = make_runtime(drivers=lambda: dict(printer))
    runtime.start()
    wait_until(lambda: fake_hub.statuses, what="the online status")
    assert not runtime.refresh_status()  # nothing changed: nothing sent

    printer["printer"] = Driver(state=DriverState.FAULT, detail="paper_out")
    assert runtime.refresh_status()
    wait_until(lambda: len(fake_hub.statuses) == 2, what="the new status")
    assert fake_hub.statuses[1].drivers["printer"].state is DriverState.FAULT


def test_undecodable_down_messages_are_dropped_and_the_link_keeps_working(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], recorder: Recorder) -> None:
    runtime = make_runtime()
    runtime.start()
    wait_until(runtime.connected.is_set, what="the node to connect")

    fake_hub.send(NODE, DownChannel.REPLY, b"not json at all")
    fake_hub.send(NODE, DownChannel.REPLY, b'{"v": 9, "request_id": "x", "ok": true}')
    fake_hub.send(NODE, DownChannel.DISPLAY, b'{"v": 1, "unexpected": 1}')
    fake_hub.send(NODE, DownChannel.COMMAND, b"\xff\xfe")
    request = ticket()
    runtime.submit(request)

    wait_until(lambda: recorder.replies, what="a reply after the garbage")
    assert recorder.reply_ids() == [request.id]
    assert recorder.displays == []
    assert runtime.link.alive()
    assert runtime.healthy()


def test_config_display_and_commands_reach_the_application(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], recorder: Recorder) -> None:
    text = Text(kk="Орталық", ru="Центр")
    config = NodeConfig(center_name=text, role=NodeRole.TICKET_TERMINAL, desk=None,
                        zones=["a"], purposes=[], zone_names=[], desks=[], out_of_turn=[])
    fake_hub.send(NODE, DownChannel.CONFIG, config, retain=True)  # there before the node is
    runtime = make_runtime()
    runtime.start()
    wait_until(lambda: recorder.configs, what="the retained config")
    assert recorder.configs == [config]

    statuses_before = len(fake_hub.statuses)
    telemetry_before = len(fake_hub.telemetry)
    fake_hub.send(NODE, DownChannel.COMMAND, Command(name=CommandName.REPORT))
    wait_until(lambda: len(fake_hub.statuses) > statuses_before
               and len(fake_hub.telemetry) > telemetry_before, what="the report")

    fake_hub.send(NODE, DownChannel.COMMAND, Command(name=CommandName.IDENTIFY))
    wait_until(lambda: recorder.commands, what="identify")
    assert recorder.commands[0].name is CommandName.IDENTIFY

    fake_hub.send(NODE, DownChannel.COMMAND, Command(name=CommandName.RESTART))
    assert recorder.restarts.wait(5)


def test_an_error_about_the_head_request_ends_it(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], recorder: Recorder) -> None:
    fake_hub.answering = False
    runtime = make_runtime()
    runtime.start()
    refused, following = ticket(), ticket("ru")
    runtime.submit(refused)
    runtime.submit(following)
    wait_until(lambda: fake_hub.requests, what="the request")

    problem = Problem(code="invalid", detail="purpose: unknown",
                      text=Text(kk="Қате", ru="Ошибка"))
    fake_hub.send(NODE, DownChannel.ERROR, ErrorMessage(request_id=refused.id, topic="t",
                                                   problem=problem))
    fake_hub.answering = True
    wait_until(lambda: recorder.replies, what="the next request to go through")
    assert [(request, error.request_id) for request, error in recorder.errors] == [
        (refused, refused.id)]
    assert recorder.reply_ids() == [following.id]

    fake_hub.send(NODE, DownChannel.ERROR, ErrorMessage(topic="t", problem=problem))
    wait_until(lambda: len(recorder.errors) == 2, what="an error about no request")
    assert recorder.errors[1][0] is None


def test_submit_refuses_a_request_of_another_node(
        make_runtime: Callable[..., NodeRuntime]) -> None:
    runtime = make_runtime()
    with pytest.raises(ValueError, match="this node is"):
        runtime.submit(TicketRequest(node="terminal-2", language="kk"))


def test_systemd_hears_ready_watchdog_and_stopping(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime]) -> None:
    name = f"kezek-notify-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind("\0" + name)
        receiver.settimeout(5)
        runtime = make_runtime(environ={"NOTIFY_SOCKET": "@" + name,
                                        "WATCHDOG_USEC": "100000"})
        runtime.start()
        heard: list[str] = []
        while sum(line == "WATCHDOG=1" for line in heard) < 2:
            heard.extend(receiver.recv(4096).decode().splitlines())
        assert "READY=1" in heard
        runtime.stop()
        while "STOPPING=1" not in heard:
            heard.extend(receiver.recv(4096).decode().splitlines())


def test_a_request_leaves_the_outbox_only_after_the_application_handled_the_reply(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime]) -> None:
    still_kept: list[bool] = []
    runtime: NodeRuntime | None = None

    def on_reply(request: OutboxRequest, reply: Reply) -> None:
        assert runtime is not None
        still_kept.append(request.id in runtime.outbox.ids())
        if len(still_kept) == 1:
            raise RuntimeError("the printer jammed")  # an application bug stops nothing

    runtime = make_runtime(on_reply=on_reply)
    runtime.start()
    runtime.submit(ticket())
    runtime.submit(ticket())

    wait_until(lambda: len(still_kept) == 2, what="both replies")
    assert still_kept == [True, True]
    wait_until(lambda: len(runtime.outbox) == 0, what="the outbox to empty")


# The hub's time ---------------------------------------------------------------------

HOUR = 3600.0


def config_message(name: str = "Орталық") -> NodeConfig:
    return NodeConfig(center_name=Text(kk=name, ru=name), role=NodeRole.TICKET_TERMINAL,
                      desk=None, zones=["a"], purposes=[], zone_names=[], desks=[],
                      out_of_turn=[])


def test_a_retained_config_tells_no_time_a_live_one_does_and_the_same_config_once(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime],
        recorder: Recorder) -> None:
    """The broker's retained copy was made long ago: it configures the node but says
    nothing of the hub's time. The hub's next publication is live: it does. The same
    configuration again (every HUB_TIME_SECONDS) does not reach the application."""
    stale = config_message().model_copy(update={"at": datetime.now(UTC) - timedelta(hours=5)})
    fake_hub.send(NODE, DownChannel.CONFIG, stale, retain=True)
    runtime = make_runtime(wall_clock=lambda: time.time() - 2 * HOUR)  # two hours behind
    runtime.start()
    wait_until(lambda: recorder.configs, what="the retained config")
    assert runtime.hub_clock.observed == 0
    assert runtime.hub_clock.skew() is None
    assert runtime.telemetry().clock_skew_s is None
    assert runtime.driver_states()["clock"] == Driver(state=DriverState.WARNING,
                                                      detail="clock_unknown")

    made = time.monotonic()
    fake_hub.send(NODE, DownChannel.CONFIG, config_message(), retain=True)  # live
    wait_until(lambda: runtime.hub_clock.known, what="the hub's time")
    skew = runtime.telemetry().clock_skew_s
    # Made before it arrived, after `made`: late by at most the time since (1 ms: the
    # microseconds of `at`, the milliseconds of telemetry).
    assert skew is not None
    assert -2 * HOUR - 0.001 <= skew <= -2 * HOUR + (time.monotonic() - made) + 0.001
    assert runtime.driver_states()["clock"] == Driver(state=DriverState.FAULT,
                                                      detail="clock_skew")
    # The status says so at once, not at the next heartbeat.
    wait_until(lambda: fake_hub.statuses[-1].drivers.get("clock") == Driver(
        state=DriverState.FAULT, detail="clock_skew"), what="the status with the clock")
    assert recorder.configs == [stale]  # the same content again: not handed on

    changed = config_message("Жаңа орталық")
    fake_hub.send(NODE, DownChannel.CONFIG, changed, retain=True)
    wait_until(lambda: len(recorder.configs) == 2, what="the changed config")
    assert recorder.configs[1] == changed


def test_a_reply_times_the_round_trip(fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime],
                                      recorder: Recorder, node_settings: Any) -> None:
    """Bounds that hold by construction, whatever the machine's load: the reply was made
    after the request left and before it arrived, both within [asked, answered]; so the
    estimate's error is at most that interval, and the estimate (the lower bound) is
    never ahead of the hub's time nor behind it by more than the error."""
    fake_hub.clock = lambda: datetime.now(UTC) + timedelta(seconds=90)  # the hub is ahead
    runtime = make_runtime(node_settings(heartbeat_seconds=0.2))
    runtime.start()
    asked = time.monotonic()
    runtime.submit(ticket())
    wait_until(lambda: runtime.hub_clock.error() is not None, what="the round trip")
    answered = time.monotonic()
    wall_before = time.time()
    hub_time = runtime.hub_clock.hub_time()
    error = runtime.hub_clock.error()
    skew = runtime.hub_clock.skew()
    read = time.monotonic()
    wall_after = time.time()
    assert hub_time is not None and error is not None and skew is not None
    # `at` travels as microseconds, the clocks are read one after the other: a margin.
    margin = 0.001
    assert 0 <= error <= answered - asked + 2 * DRIFT * (read - asked) + margin
    assert wall_before + 90 - error - margin <= hub_time <= wall_after + 90 + margin
    assert -90 - margin <= skew <= -90 + error + margin
    width = answered - asked
    wait_until(lambda: any(t.clock_skew_s is not None
                           and -90 - margin <= t.clock_skew_s <= -90 + width + margin
                           for t in fake_hub.telemetry), what="telemetry with the skew")


def test_a_request_kept_from_before_a_restart_is_not_timed(
        fake_hub: FakeHub, make_runtime: Callable[..., NodeRuntime], node_settings: Any,
        recorder: Recorder) -> None:
    """The hub may have answered it before this process sent it, and replays that answer
    with its old `at`: it bounds the hub's time from one side only."""
    fake_hub.answering = False
    settings = node_settings(request_retry_seconds=0.2)
    first = make_runtime(settings)
    first.start()
    first.submit(ticket())
    wait_until(lambda: fake_hub.requests, what="the request")
    first.stop()

    fake_hub.answering = True
    fake_hub.clock = lambda: datetime.now(UTC) - timedelta(minutes=10)  # made long ago
    second = make_runtime(settings)
    second.start()
    wait_until(lambda: recorder.replies, what="the answer")
    assert second.hub_clock.known
    assert second.hub_clock.error() is None  # one-sided
    skew = second.hub_clock.skew()
    assert skew is not None and skew > 599  # loose, as a one-sided bound is, never tight
