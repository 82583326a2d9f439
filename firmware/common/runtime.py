"""The node runtime: settings, MQTT link, durable outbox, heartbeat and systemd, put
together for a node application, which only builds requests and reacts to what comes down.

Requests go out one at a time, oldest first: the outbox head is sent on its kind's
up-channel (`request_channel`: the broker lets a node publish only its role's kinds), and
sent again with the same id every `request_retry_seconds` and at every reconnect until
the hub answers it.
The hub answers a repeated id with the same reply, so every request takes effect exactly
once and in order, however often the broker or the hub went away in between.

The runtime keeps the hub's time (`hub_clock`, see `firmware/common/hub_clock.py`) from
every live message the hub sends, timing the round trip of its requests; reports the
skew of the node's clock in telemetry and as the `clock` driver; and hands the
application a configuration only when it changed (the hub publishes it again every
`HUB_TIME_SECONDS` as a clock signal)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from contract.mqtt import (
    Announcement,
    Command,
    CommandName,
    DeskState,
    DisplaySnapshot,
    DownChannel,
    Driver,
    DriverState,
    ErrorMessage,
    Message,
    NodeConfig,
    NodeStatus,
    Presence,
    PrintJob,
    Reply,
    Telemetry,
    UpChannel,
    request_channel,
)
from contract.node_faults import CLOCK_DRIVER
from firmware.common.callbacks import CallbackThread
from firmware.common.hub_clock import STATE_FILE as HUB_CLOCK_FILE
from firmware.common.hub_clock import HubClock
from firmware.common.link import Handler, MqttLink
from firmware.common.outbox import Outbox, OutboxRequest
from firmware.common.settings import NodeSettings
from firmware.common.systemd import SystemdNotifier
from firmware.common.thermal import CPU_THERMAL_ZONE, cpu_temperature

log = logging.getLogger(__name__)

OUTBOX_FILE = "outbox.sqlite3"
# Exit code of the default restart: non-zero so that Restart=on-failure restarts too.
RESTART_EXIT_CODE = 75
STOP_TIMEOUT_SECONDS = 5.0
# Requests whose first sending is remembered for timing their replies; one that is never
# answered (withdrawn, the hub away) is forgotten when this many came after it.
TIMED_REQUESTS = 256

M = TypeVar("M", bound=Message)
DriverStates = Callable[[], dict[str, Driver]]
ReplyCallback = Callable[[OutboxRequest, Reply], None]
ErrorCallback = Callable[[OutboxRequest | None, ErrorMessage], None]


class NodeRuntime:
    """Everything a node shares. Callbacks run on one callback thread, in arrival order;
    `drivers` is called from several threads and must be a quick, thread-safe read.
    `wall_clock` is the node's own clock (a test sets it hours off), `monotonic` the
    one the hub's time is anchored to: a simulated node (the day runner) passes the
    simulated time's (`simulation/timeline.py`), else the hub's time it learns would run
    `speed` times slower than the hub's."""

    def __init__(self, settings: NodeSettings, *,
                 drivers: DriverStates | None = None,
                 on_reply: ReplyCallback | None = None,
                 on_config: Callable[[NodeConfig], None] | None = None,
                 on_command: Callable[[Command], None] | None = None,
                 on_display: Callable[[DisplaySnapshot], None] | None = None,
                 on_announce: Callable[[Announcement], None] | None = None,
                 on_print: Callable[[PrintJob], None] | None = None,
                 on_error: ErrorCallback | None = None,
                 on_restart: Callable[[], None] | None = None,
                 on_desk: Callable[[DeskState], None] | None = None,
                 environ: Mapping[str, str] | None = None,
                 thermal_path: Path = CPU_THERMAL_ZONE,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 voice_warm: Callable[[], float | None] | None = None) -> None:
        self.settings = settings
        self._drivers = drivers
        self._on_config = on_config
        self._voice_warm = voice_warm  # a display node's voice cache warmth, a quick read
        self._on_reply = on_reply
        self._on_error = on_error
        self._on_command = on_command
        self._on_restart = on_restart
        self._environ = environ
        self._thermal_path = thermal_path
        self.outbox = Outbox(settings.data_dir / OUTBOX_FILE)
        self.hub_clock = HubClock(wall=wall_clock, monotonic=monotonic,
                                  state_file=settings.data_dir / HUB_CLOCK_FILE)
        # Requests made by this process -> monotonic time of their first sending (None:
        # not sent yet). A request kept from before a restart is not timed: the hub may
        # have answered it before this process sent it, and replays that answer.
        self._sent_at: dict[str, float | None] = {}
        self._timing_lock = threading.Lock()
        self._clock_driver: Driver | None = None
        self._config_content: str | None = None  # of the configuration handed on last
        self._callbacks = CallbackThread()
        handlers: dict[DownChannel, Handler[Any]] = {
            DownChannel.REPLY: Handler(Reply, self._reply_arrived),
            DownChannel.ERROR: Handler(ErrorMessage, self._error_arrived),
            DownChannel.COMMAND: Handler(Command, self._command_arrived),
            # Always read: the configuration is the hub's clock signal for every node.
            DownChannel.CONFIG: Handler(NodeConfig, self._config_arrived),
        }
        if on_display is not None:
            handlers[DownChannel.DISPLAY] = Handler(DisplaySnapshot, self._later(on_display))
        if on_announce is not None:
            handlers[DownChannel.ANNOUNCE] = Handler(Announcement, self._later(on_announce))
        if on_print is not None:
            handlers[DownChannel.PRINT] = Handler(PrintJob, self._later(on_print))
        if on_desk is not None:
            handlers[DownChannel.DESK] = Handler(DeskState, self._later(on_desk))
        self.link = MqttLink(settings, status=self._link_status, handlers=handlers,
                             on_connect=self._link_connected,
                             on_disconnect=self._link_disconnected,
                             on_received=self._down_received)
        self.notifier = SystemdNotifier({})
        # The sender's state, guarded by one condition that every event it waits for notifies.
        self._condition = threading.Condition()
        self._stopping = False
        self._connects = 0  # connections made so far: a change means "resend now"
        self._submits = 0  # requests put so far: a change means "look at the outbox"
        self._awaiting: str | None = None  # the request id sent and not yet answered
        self._answer: Reply | ErrorMessage | None = None
        self._stop_event = threading.Event()
        self._published_drivers: dict[str, Driver] | None = None
        self._started_at: float | None = None
        self._sender = threading.Thread(target=self._send_loop, name="kezek-sender",
                                        daemon=True)
        self._ticker = threading.Thread(target=self._tick_loop, name="kezek-ticker",
                                        daemon=True)

    @property
    def connected(self) -> threading.Event:
        return self.link.connected

    # Lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start in the background; returns at once, connected or not."""
        if self._started_at is not None:
            raise RuntimeError("the runtime was started already")
        self.notifier = SystemdNotifier(os.environ if self._environ is None else self._environ)
        self._started_at = time.monotonic()
        self._callbacks.start()
        self.link.start()
        self._sender.start()
        self._ticker.start()
        # Ready once started, not once connected: a node with its broker away still takes
        # presses into the outbox, and waiting for the broker would make systemd kill and
        # restart a working node over and over (TimeoutStartSec) while the hub is down.
        self.notifier.notify("READY=1", "STATUS=started, connecting to the broker")
        log.info("node runtime started", extra={"outbox": len(self.outbox),
                                                "broker": self.settings.broker_url})

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Say offline, stop every thread; what is in the outbox stays there for next time."""
        with self._condition:
            if self._stopping:
                return
            self._stopping = True
            self._condition.notify_all()
        self._stop_event.set()
        self.notifier.notify("STOPPING=1")
        for thread in (self._sender, self._ticker):
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)
        self.link.close(timeout)
        self._callbacks.close(timeout)
        self.hub_clock.save(force=True)  # the latest hub time: a floor after a reboot
        self.outbox.close()
        log.info("node runtime stopped")

    # Requests ----------------------------------------------------------------------

    def submit(self, request: OutboxRequest) -> str:
        """Keep `request` in the outbox for sending; returns its id. Never waits on the
        network: the answer comes to on_reply (or on_error)."""
        if request.node != self.settings.node_id:
            raise ValueError(f"request is from node {request.node!r}, this node is "
                             f"{self.settings.node_id!r}")
        with self._condition:
            if self._stopping:
                raise RuntimeError("the runtime is stopped")
        stored = self.outbox.put(request)
        if stored:
            with self._timing_lock:
                self._sent_at[request.id] = None
                while len(self._sent_at) > TIMED_REQUESTS:
                    del self._sent_at[next(iter(self._sent_at))]
        with self._condition:
            self._submits += 1
            self._condition.notify_all()
        log.info("request queued" if stored else "request queued already",
                 extra={"request_id": request.id, "kind": request.kind})
        return request.id

    def withdraw(self, request_id: str) -> bool:
        """Take back a request not answered yet (a ticket terminal that printed from its
        lease instead); True when it was still in the outbox. An answer to it that comes
        later is dropped, and it is not sent again."""
        removed = self.outbox.remove(request_id)
        with self._condition:
            if removed and self._awaiting == request_id and self._answer is None:
                self._awaiting = None
                self._condition.notify_all()
        if removed:
            log.info("request withdrawn", extra={"request_id": request_id})
        return removed

    def _send_loop(self) -> None:
        try:
            while self._send_next():
                pass
        except Exception:
            # Dead sender, no watchdog pings: systemd restarts the node, the outbox remains.
            log.exception("request sender failed")

    def _send_next(self) -> bool:
        """Take one step with the outbox head; False when stopping."""
        retry = self.settings.request_retry_seconds
        with self._condition:
            submits = self._submits
        head = self.outbox.head()
        if head is None:
            with self._condition:
                self._condition.wait_for(
                    lambda: self._stopping or self._submits != submits, timeout=retry)
                return not self._stopping
        with self._condition:
            if self._stopping:
                return False
            if self._awaiting != head.id:
                self._awaiting, self._answer = head.id, None
            connects = self._connects
            answer = self._answer
        if answer is None:
            self._mark_sent(head.id)
            if self.link.publish(request_channel(head), head):
                log.info("request sent", extra={"request_id": head.id, "kind": head.kind})
            with self._condition:
                self._condition.wait_for(
                    lambda: (self._stopping or self._answer is not None
                             or self._connects != connects or self._awaiting != head.id),
                    timeout=retry)
                if self._stopping:
                    return False
                if self._awaiting != head.id:
                    return True  # withdrawn: go on with the next request
                answer = self._answer
            if answer is None:
                return True  # unanswered: sent again on the next step
        # The request leaves the outbox only after the application has handled the answer:
        # a crash in between sends it again after the restart and the hub answers the same
        # (a ticket then says `replayed`), so the application hears at least once and the
        # hub acts exactly once. Meanwhile the next request waits, keeping the order.
        done = threading.Event()
        self._callbacks.call(self._complete, head, answer, done)
        with self._condition:
            self._condition.wait_for(lambda: self._stopping or done.is_set())
            if not done.is_set():
                return False  # stopping: the callback thread finishes it while closing
            self._awaiting, self._answer = None, None
        return True

    def _mark_sent(self, request_id: str) -> None:
        with self._timing_lock:
            if request_id in self._sent_at and self._sent_at[request_id] is None:
                self._sent_at[request_id] = self.hub_clock.monotonic()

    def _complete(self, request: OutboxRequest, answer: Reply | ErrorMessage,
                  done: threading.Event) -> None:
        """On the callback thread: tell the application, then forget the request."""
        try:
            if isinstance(answer, Reply):
                log.info("request answered", extra={"request_id": request.id, "ok": answer.ok})
                if self._on_reply is not None:
                    self._on_reply(request, answer)
            else:
                log.warning("request refused by the hub", extra={
                    "request_id": request.id, "code": answer.problem.code,
                    "detail": answer.problem.detail})
                if self._on_error is not None:
                    self._on_error(request, answer)
        finally:
            # Even when the application failed: sending it again would fail the same way.
            self.outbox.remove(request.id)
            with self._condition:
                done.set()
                self._condition.notify_all()

    # Down messages (paho's thread) ---------------------------------------------------

    def _down_received(self, channel: DownChannel, message: Message, retained: bool) -> None:
        """Every live message from the hub tells its time; an answer to a request sent by
        this process also bounds it by the round trip."""
        if retained:
            return  # the broker's old copy, replayed at subscription
        received = self.hub_clock.monotonic()
        sent = None
        if isinstance(message, Reply | ErrorMessage) and message.request_id is not None:
            with self._timing_lock:
                sent = self._sent_at.pop(message.request_id, None)
        self.hub_clock.observe(message.at, received=received, sent=sent)
        self._callbacks.call(self._clock_observed)

    def _clock_observed(self) -> None:
        """On the callback thread: keep the hub's time on disk now and then, and tell the
        hub at once when the clock's driver changed (known now, or skewed)."""
        self.hub_clock.save()
        driver = self.hub_clock.driver()
        if driver != self._clock_driver:
            if self._clock_driver is not None or driver.state is not DriverState.OK:
                log.log(logging.WARNING if driver.state is not DriverState.OK else logging.INFO,
                        "node clock against the hub's", extra={
                            "state": driver.state.value, "detail": driver.detail,
                            "skew_s": self.hub_clock.skew()})
            self._clock_driver = driver
            self.refresh_status()

    def _config_arrived(self, config: NodeConfig) -> None:
        # The same configuration comes every HUB_TIME_SECONDS: the application hears
        # of it again only when something in it changed.
        content = config.model_dump_json(exclude={"id", "at"})
        if content == self._config_content:
            return
        self._config_content = content
        if self._on_config is not None:
            self._callbacks.call(self._on_config, config)

    def _reply_arrived(self, reply: Reply) -> None:
        with self._condition:
            if reply.request_id == self._awaiting and self._answer is None:
                self._answer = reply
                self._condition.notify_all()
                return
        # A second copy of an answer already taken (QoS 1 and resending both repeat).
        log.debug("reply to no waiting request", extra={"request_id": reply.request_id})

    def _error_arrived(self, error: ErrorMessage) -> None:
        with self._condition:
            if error.request_id is not None and error.request_id == self._awaiting:
                if self._answer is None:
                    self._answer = error
                    self._condition.notify_all()
                return
        log.warning("hub reported an error", extra={
            "request_id": error.request_id, "code": error.problem.code,
            "detail": error.problem.detail})
        if self._on_error is not None:
            self._callbacks.call(self._on_error, None, error)

    def _command_arrived(self, command: Command) -> None:
        log.info("command received", extra={"command": command.name.value})
        if command.name is CommandName.REPORT:
            self._callbacks.call(self.report)
        elif command.name is CommandName.RESTART:
            threading.Thread(target=self._restart, name="kezek-restart", daemon=True).start()
        elif self._on_command is not None:
            self._callbacks.call(self._on_command, command)

    def _later(self, callback: Callable[[M], None]) -> Callable[[M], None]:
        def queue(message: M) -> None:
            self._callbacks.call(callback, message)
        return queue

    def _restart(self) -> None:
        if self._on_restart is not None:
            self._on_restart()
            return
        log.warning("restarting on the hub's command")
        self.stop()
        logging.shutdown()
        os._exit(RESTART_EXIT_CODE)

    # Connection events (paho's thread) -----------------------------------------------

    def _link_connected(self) -> None:
        with self._condition:
            self._connects += 1
            self._condition.notify_all()
        self.notifier.notify("STATUS=connected to the broker")
        self._callbacks.call(self.publish_telemetry)

    def _link_disconnected(self) -> None:
        self.notifier.notify("STATUS=broker connection lost, reconnecting")

    # Status and telemetry --------------------------------------------------------------

    def driver_states(self) -> dict[str, Driver]:
        """The application's drivers and the runtime's own `clock`."""
        states: dict[str, Driver] = {}
        if self._drivers is not None:
            try:
                states = dict(self._drivers())
            except Exception:
                log.exception("driver states unavailable")
        states[CLOCK_DRIVER] = self.hub_clock.driver()
        return states

    def status(self, state: Presence = Presence.ONLINE,
               drivers: dict[str, Driver] | None = None) -> NodeStatus:
        """This node's status from its settings and its drivers' current states."""
        settings = self.settings
        return NodeStatus(node=settings.node_id, state=state, role=settings.role,
                          software=settings.software, desk=settings.desk,
                          zones=settings.served_zones(),
                          drivers=self.driver_states() if drivers is None else drivers)

    def _link_status(self, state: Presence) -> NodeStatus:
        status = self.status(state)
        if state is Presence.ONLINE:
            self._published_drivers = dict(status.drivers)
        return status

    def refresh_status(self, force: bool = False) -> bool:
        """Publish the status again if the drivers' states changed since it was last
        published (or `force`); True when published."""
        drivers = self.driver_states()
        if not force and drivers == self._published_drivers:
            return False
        if self.link.publish(UpChannel.STATUS, self.status(Presence.ONLINE, drivers)):
            self._published_drivers = drivers
            log.info("status published", extra={
                "drivers": {code: driver.state.value for code, driver in drivers.items()}})
            return True
        return False

    def telemetry(self) -> Telemetry:
        started = self._started_at if self._started_at is not None else time.monotonic()
        skew = self.hub_clock.skew()
        return Telemetry(node=self.settings.node_id, uptime_s=time.monotonic() - started,
                         outbox=len(self.outbox), drivers=self.driver_states(),
                         cpu_temp_c=cpu_temperature(self._thermal_path),
                         clock_skew_s=None if skew is None else round(skew, 3),
                         voice_warm=self._voice_warm() if self._voice_warm else None)

    def publish_telemetry(self) -> bool:
        return self.link.publish(UpChannel.TELEMETRY, self.telemetry())

    def report(self) -> None:
        """Status and telemetry now (the hub's `report` command)."""
        self.refresh_status(force=True)
        self.publish_telemetry()

    # Heartbeat and watchdog ----------------------------------------------------------

    def healthy(self) -> bool:
        """Whether the threads the node cannot work without all run."""
        return self._sender.is_alive() and self.link.alive() and self._callbacks.alive()

    def _tick_loop(self) -> None:
        heartbeat = self.settings.heartbeat_seconds
        watchdog = self.notifier.watchdog_seconds
        ping_every = watchdog / 2 if watchdog is not None else None
        now = time.monotonic()
        next_beat = now + heartbeat
        next_ping = now
        while True:
            wake = min(next_beat, next_ping) if ping_every is not None else next_beat
            if self._stop_event.wait(max(0.0, wake - time.monotonic())):
                return
            now = time.monotonic()
            if ping_every is not None and now >= next_ping:
                if self.healthy():
                    self.notifier.notify("WATCHDOG=1")
                else:
                    log.error("a runtime thread died; withholding the watchdog ping")
                next_ping = now + ping_every
            if now >= next_beat:
                try:
                    self.refresh_status()
                    self.publish_telemetry()
                except Exception:
                    log.exception("heartbeat failed")
                next_beat = now + heartbeat
