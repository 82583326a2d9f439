"""The hub's MQTT bridge: node messages in, through a channel -> handler table, to the
services the web API uses; replies, errors, display snapshots, announcements and
node configuration out.

The hub keeps a persistent session (clean_session=False, a fixed client id), so a
broker that holds messages for it (Mosquitto) hands over what nodes sent while the
hub was away; nodes also resend unanswered requests, and a request id seen before
is answered again (hub/mqtt/replies.py), never acted on twice.

Every message the hub makes carries the hub's clock (`hub.clock`) in `at`: the nodes'
time for everything the hub decides (firmware/common/hub_clock.py). A reply given again
keeps the `at` it was made with. So that a node that sends nothing (a display) still
hears the hub's time, each online node's retained configuration is published again
every `HUB_TIME_SECONDS` by the same thread that refreshes the display snapshots.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from contract.broker import broker_address, no_delay
from contract.mqtt import (
    HUB_TIME_SECONDS,
    QOS,
    REQUEST_CHANNELS,
    RETAINED,
    AnyRequest,
    ButtonPress,
    ContractError,
    Direction,
    DownChannel,
    ErrorMessage,
    Message,
    NodeRole,
    NodeStatus,
    Presence,
    PrintJob,
    Problem,
    Reply,
    Telemetry,
    Text,
    TicketRequest,
    Topics,
    UpChannel,
    decode,
    decode_request_on,
    encode,
    valid_id,
)
from hub.domain.node_identity import MISMATCH_TEXT, IdentityMismatch
from hub.domain.rate_limits import RateLimiter, policies
from hub.mqtt.broker_log import LOG_TOPICS, ClientConnected, is_log_topic, parse_log_line
from hub.mqtt.desk_states import desk_state, transfer_announcement
from hub.mqtt.outgoing import announcement, display_snapshot, followed_zones, node_config
from hub.mqtt.replies import RecentReplies, ReplyLog
from hub.mqtt.requests import (
    given_again,
    handle_button,
    node_actor,
    refused,
    remembered,
    reply_json,
    submit_ticket,
    ticket_reply,
)
from hub.mqtt.terminal_requests import terminal_reply
from hub.mqtt.workers import KeyedWorkers
from hub.services.desk_work import situation
from hub.services.events import QueueEvent
from hub.services.nodes import AlreadyHandled, Approval, NodeInfo
from hub.services.views import IssuedTicket as IssuedTicketView
from hub.wiring import Hub

log = logging.getLogger("kezek.mqtt.bridge")


def with_record_of(newer: NodeInfo, stored: NodeInfo) -> NodeInfo:
    """`newer` (a status handled after `stored` was read) with `stored`'s record and
    approval: what the node says is the status's, what it is the registry's."""
    if not stored.recorded:
        return replace(newer, approval=stored.approval)
    return replace(newer, role=stored.role, desk=stored.desk, zones=stored.zones,
                   recorded=True, approval=stored.approval)

# Display snapshots are rebuilt at least this often: opening hours change with the clock.
SNAPSHOT_REFRESH_SECONDS = 30.0
# ...and at most this often: under a burst of tickets the boards still change within
# a fraction of a second, and the queue is read a few times a second, not per ticket.
SNAPSHOT_MIN_SECONDS = 0.2
WORKER_THREADS = 4
# Request ids charged against the limits, remembered across all nodes: far more than
# the requests a center's nodes have in flight at once.
CHARGED_REMEMBERED = 20_000


class MqttBridge:
    def __init__(self, hub: Hub, url: str, *, username: str | None = None,
                 password: str | None = None, ca_file: str | None = None,
                 client_id: str | None = None,
                 hub_time_seconds: float = HUB_TIME_SECONDS) -> None:
        self.hub = hub
        self.hub_time_seconds = hub_time_seconds
        self.topics = Topics(hub.settings.center_id)
        self.connected = threading.Event()
        self._address = broker_address(url)
        self._own_ids = {client_id or f"kezek-hub-{self.topics.center}", username}
        client = mqtt.Client(CallbackAPIVersion.VERSION2,
                             client_id=client_id or f"kezek-hub-{self.topics.center}",
                             clean_session=False, protocol=mqtt.MQTTv311)
        if username is not None:
            client.username_pw_set(username, password)
        if self._address.tls:
            client.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.reconnect_delay_set(1, 30)
        client.on_socket_open = no_delay
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._routes: dict[str, Callable[[str, bytes], None]] = {
            UpChannel.STATUS: self._on_status,
            UpChannel.TELEMETRY: self._on_telemetry,
            # Each request kind on its own channel; a kind on another's is refused.
            **{channel: partial(self._on_request, channel)
               for channel in REQUEST_CHANNELS.values()},
        }
        self._workers: KeyedWorkers | None = None
        # Every node the hub knows, kept current by their statuses: asked on every
        # request (role, desk) and every call (which displays announce it).
        self._nodes: dict[str, NodeInfo] = {}
        self._nodes_lock = threading.Lock()
        # How many statuses of each node were put into `_nodes`: a reload of the
        # registry keeps what a status handled during its read brought (`_reload_nodes`).
        self._statuses: dict[str, int] = {}
        self._recent = RecentReplies()
        # Request limits per node, by the hub's clock (hub.domain.rate_limits); the ids
        # already charged, so that a request resent before its answer costs nothing.
        settings = hub.settings
        self._limits = RateLimiter(hub.clock.now, policies(
            ticket_burst=settings.terminal_ticket_burst,
            tickets_per_minute=settings.terminal_tickets_per_minute,
            press_burst=settings.panel_press_burst,
            presses_per_minute=settings.panel_presses_per_minute))
        self._charged: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._charged_lock = threading.Lock()
        self._reply_log: ReplyLog | None = None
        self._published: dict[str, str] = {}  # display -> content of its last snapshot
        self._published_desks: dict[str, str] = {}  # call-button node -> its last DeskState
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._snapshots: threading.Thread | None = None
        self._configs_due = 0.0  # monotonic time of the next republishing of configs
        self._unsubscribe: Callable[[], None] | None = None

    # Life ----------------------------------------------------------------------

    def start(self) -> None:
        self._workers = KeyedWorkers(WORKER_THREADS, "kezek-mqtt")
        self._reply_log = ReplyLog(self.hub.nodes)
        forgotten = self.hub.nodes.forget_old_requests()
        if forgotten:
            log.info("forgot %d node requests older than a week", forgotten)
        with self._nodes_lock:
            self._nodes = {node.node_id: node for node in self.hub.nodes.all()}
        self._unsubscribe = self.hub.bus.subscribe(self._on_queue_event)
        self.hub.leases.load_replacements()
        self.hub.printing.attach(self._send_print)
        self._snapshots = threading.Thread(target=self._snapshot_loop,
                                           name="kezek-mqtt-snapshots", daemon=True)
        self._snapshots.start()
        self._client.connect_async(self._address.host, self._address.port, keepalive=30)
        self._client.loop_start()
        log.info("MQTT bridge connecting to %s:%d as center %s", self._address.host,
                 self._address.port, self.topics.center)

    def stop(self) -> None:
        self.hub.printing.attach(None)
        self._stopping.set()
        self._dirty.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._workers is not None:
            self._workers.stop()
        if self._reply_log is not None:
            self._reply_log.close()
        if self._snapshots is not None:
            self._snapshots.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    # Incoming ------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any,
                    reason_code: Any, _properties: Any) -> None:
        if reason_code.is_failure:
            log.error("broker refused the hub: %s", reason_code)
            return
        client.subscribe(self.topics.hub_subscription(), qos=1)
        # Mosquitto's log (provisioning: `log_dest topic`): MQTT versions and takeovers.
        client.subscribe([(topic, 0) for topic in LOG_TOPICS])
        self.connected.set()
        self._published.clear()  # the broker may have lost retained snapshots: send again
        self._published_desks.clear()
        self._dirty.set()
        log.info("MQTT bridge connected")

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any,
                       reason_code: Any, _properties: Any) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("MQTT bridge lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, _client: mqtt.Client, _userdata: Any,
                    message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        if is_log_topic(topic):
            self._on_broker_log(bytes(message.payload))
            return
        route = self.topics.parse(topic)
        if route is None or route.direction is not Direction.UP or not valid_id(route.node):
            log.warning("ignored a message on a topic outside the contract: %.200s", topic)
            return
        payload = bytes(message.payload)
        self._submit(route.node, lambda: self._handle(topic, route.node, route.channel,
                                                      payload))

    def _handle(self, topic: str, node: str, channel: str, payload: bytes) -> None:
        handler = self._routes.get(channel)
        try:
            if handler is None:
                raise ContractError(
                    "unknown_channel", f"nobody handles channel {channel!r}",
                    Text(kk="Бұл арнаға хабарлама жіберуге болмайды",
                         ru="Этот канал не обрабатывается"), field="topic")
            handler(node, payload)
        except ContractError as error:
            log.warning("refused a message from %s on %s: %s (%s)", node, channel, error.code,
                        error.detail)
            self._send_error(node, topic, error.problem(), error.message_id)
        except Exception:
            log.exception("failed to handle a message from %s on %s", node, channel)
            self._send_error(node, topic, Problem(
                code="internal", detail="the hub failed to handle the message",
                text=Text(kk="Орталық сервер қатесі", ru="Ошибка центрального сервера")),
                None)

    @staticmethod
    def _same_node(node: str, message: NodeStatus | Telemetry | Any) -> None:
        if message.node != node:
            raise ContractError(
                "wrong_node", f"payload names node {message.node!r} on the topic of {node!r}",
                Text(kk="Хабарламадағы құрылғы атауы сәйкес келмейді",
                     ru="Имя устройства в сообщении не совпадает"),
                message_id=message.id, field="node")

    def _on_status(self, node: str, payload: bytes) -> None:
        if not payload:
            return  # someone cleared the retained status; nothing to learn
        status = decode(NodeStatus, payload)
        self._same_node(node, status)
        info, changed = self.hub.nodes.record_status(status)
        if not changed:
            return
        with self._nodes_lock:
            self._nodes[info.node_id] = info
            self._statuses[info.node_id] = self._statuses.get(info.node_id, 0) + 1
        log.info("node %s (%s) is %s", node, info.role, info.presence)
        if status.state is Presence.ONLINE and info.mismatches:
            # Told at once, not only at its next request: the node's own display and log
            # say why nothing it asks will be served.
            declared, record = info.declaration, info.record
            log.warning("node %s declares %s but is recorded as %s", node,
                        declared.as_dict(), record.as_dict() if record else None)
            self._send_error(node, self.topics.up(node, UpChannel.STATUS), Problem(
                code=IdentityMismatch.code,
                detail=f"node {node} declares {declared.as_dict()}; the hub's record is "
                       f"{record.as_dict() if record else None}"[:500],
                text=Text(kk=MISMATCH_TEXT.kk, ru=MISMATCH_TEXT.ru),
                field=info.mismatches[0].value), status.id)
        if status.state is Presence.ONLINE and info.approval == Approval.APPROVED:
            self._send_config(info)
            if info.role == NodeRole.DISPLAY:
                self._published.pop(node, None)
                self._dirty.set()
            if info.role == NodeRole.CALL_BUTTON:
                self._published_desks.pop(node, None)
                self._dirty.set()

    def _on_telemetry(self, node: str, payload: bytes) -> None:
        telemetry = decode(Telemetry, payload)
        self._same_node(node, telemetry)
        if self.hub.nodes.record_telemetry(telemetry) is None:
            log.info("telemetry from %s, which has not reported its status", node)

    def _on_request(self, channel: str, node: str, payload: bytes) -> None:
        request = decode_request_on(channel, payload)
        self._same_node(node, request)
        earlier = self._recent.get(node, request.id)
        if earlier is not None:
            # The very bytes given before, but for a ticket, said to be given again.
            first = decode(Reply, earlier)
            again = given_again(first)
            self._publish(node, DownChannel.REPLY, earlier if again is first else encode(again))
            return
        if not self._approved(node, request):
            return
        refusal = self.hub.connection_faults.refuses(node)
        if refusal is not None:  # not remembered: reconnected with 3.1.1, it is served
            self._publish(node, DownChannel.REPLY, encode(refused(self.hub, request.id, refusal)))
            return
        if not self._within_limit(node, request):
            return
        with self._nodes_lock:
            known = self._nodes.get(node)
        if isinstance(request, ButtonPress):
            self._answer(node, request, handle_button(self.hub, known, node, request))
            return
        if not isinstance(request, TicketRequest):
            # Leases, offline tickets, booking scans and print reports (issue 4).
            reply = terminal_reply(self.hub, known, node, request)
            self._charge(node, request, reply)
            self._answer(node, request, reply)
            return
        outcome = submit_ticket(self.hub, known, node, request)
        if outcome.done():  # refused before reaching the queue
            self._answer_ticket(node, request, outcome)
            return
        # Answered on this node's worker, not on the issuing thread that settles it.
        outcome.add_done_callback(lambda _: self._submit(node, lambda: self._answer_ticket(
            node, request, outcome)))

    def _answer_ticket(self, node: str, request: TicketRequest,
                       outcome: Future[IssuedTicketView]) -> None:
        reply = ticket_reply(self.hub, request, outcome)
        # An offline ticket may have replaced this request while it was being issued.
        if reply.ticket is not None and self.hub.leases.cancel_if_replaced(
                outcome.result().ticket, actor=node_actor(node), request_id=request.id):
            log.info("ticket %s of %s was replaced by an offline ticket; cancelled",
                     reply.ticket.number, node)
        self._answer(node, request, reply)

    def _approved(self, node: str, request: AnyRequest) -> bool:
        """A node pending approval, rejected or revoked is refused (not remembered: once
        approved, the same request resent is served)."""
        approval = self.hub.nodes.approval(node)
        if approval is None or approval is Approval.APPROVED:
            return True
        waiting = approval is Approval.PENDING
        problem = Problem(
            code=f"node_{approval.value}", detail=f"node {node} is {approval.value}",
            text=Text(kk="Құрылғыны әкімші әлі растамаған" if waiting
                      else "Құрылғыға қосылуға тыйым салынған",
                      ru="Устройство ещё не подтверждено администратором" if waiting
                      else "Устройству запрещено подключение"),
            field="node")
        log.warning("refused a request of node %s: it is %s", node, approval.value)
        self._publish(node, DownChannel.REPLY,
                      encode(Reply(request_id=request.id, ok=False, problem=problem,
                                   at=self.hub.clock.now())))
        return False

    def _on_broker_log(self, payload: bytes) -> None:
        event = parse_log_line(payload)
        if event is None:
            return
        node = event.identity if isinstance(event, ClientConnected) else event.client_id
        if node in self._own_ids or not valid_id(node):
            return
        faults = self.hub.connection_faults
        if isinstance(event, ClientConnected):
            self._submit(node, lambda: faults.connected(node, event.protocol))
        else:
            log.warning("a second connection as %s closed the first", node)
            self._submit(node, lambda: faults.taken_over(node))

    def _within_limit(self, node: str, request: AnyRequest) -> bool:
        """Spend one of the node's tokens for this kind of request, or refuse it with
        `rate_limited` (not remembered: resent later, it is judged again). A request
        already charged or already handled (a resend) costs nothing: it is answered as
        before, and never issues anything twice."""
        bucket = self._limits.bucket_of(request.kind)
        if bucket is None:
            return True
        key = (node, request.id)
        with self._charged_lock:
            if key in self._charged:
                return True
        decision = self._limits.take(node, bucket)
        if not decision.allowed:
            try:
                self.hub.nodes.raise_if_handled(node, request.id)
            except AlreadyHandled:
                return True  # a resend after a restart of the hub: answered as before
            error = decision.error(node, bucket)
            if decision.alert:
                log.warning("node %s is over its %s limit: refusing until it slows down",
                            node, bucket)
                self.hub.nodes.rate_limited(node, bucket,
                                            retry_after_s=decision.retry_after_s)
            self._publish(node, DownChannel.REPLY, encode(refused(self.hub, request.id, error)))
            return False
        with self._charged_lock:
            self._charged[key] = None
            while len(self._charged) > CHARGED_REMEMBERED:
                self._charged.popitem(last=False)
        return True

    def _charge(self, node: str, request: AnyRequest, reply: Reply) -> None:
        """Charge a newly accepted offline ticket to the node's `leased` bucket, never
        refusing it (hub.domain.rate_limits: a printed ticket is never lost, but a
        terminal reporting blocks it never printed leases no faster than it may ask
        for tickets). A refused report, or one given again, costs nothing."""
        bucket = self._limits.charged_bucket_of(request.kind)
        if bucket is None or not reply.ok or reply.ticket is None or reply.ticket.replayed:
            return
        left = self._limits.charge(node, bucket)
        if left < 0:
            log.info("node %s reported offline tickets beyond its %s limit (%.1f)", node,
                     bucket, left)

    def _submit(self, node: str, job: Callable[[], None]) -> None:
        assert self._workers is not None
        self._workers.submit(node, job)

    def _answer(self, node: str, request: AnyRequest, reply: Reply) -> None:
        encoded = encode(reply)
        if remembered(reply):
            self._recent.put(node, request.id, encoded)
            assert self._reply_log is not None
            self._reply_log.add(node, request.id, request.kind, reply_json(reply))
        self._publish(node, DownChannel.REPLY, encoded)

    # Outgoing ------------------------------------------------------------------

    def _send(self, node: str, channel: DownChannel, message: Message) -> None:
        """Publish a message made now, stamped with the hub's clock as it goes."""
        self._publish(node, channel,
                      encode(message.model_copy(update={"at": self.hub.clock.now()})))

    def _publish(self, node: str, channel: DownChannel, payload: bytes) -> None:
        self._client.publish(self.topics.down(node, channel), payload,
                             qos=QOS[channel], retain=channel in RETAINED)

    def _send_error(self, node: str, topic: str, problem: Problem,
                    request_id: str | None) -> None:
        self._send(node, DownChannel.ERROR,
                   ErrorMessage(request_id=request_id, topic=topic[:300], problem=problem))

    def _send_print(self, node: str, job: PrintJob) -> None:
        self._send(node, DownChannel.PRINT, job)

    def _send_config(self, node: NodeInfo) -> None:
        self._send(node.node_id, DownChannel.CONFIG,
                   node_config(node, self.hub.centers.snapshot().config))

    def _republish_configs(self) -> None:
        """Every online, approved node's configuration again, with the hub's time of
        now. Presence as the statuses kept here say; approval as the registry says now
        (an administrator's decision changes it at once)."""
        if not self.connected.is_set():
            return
        self._reload_nodes()
        with self._nodes_lock:
            nodes = [node for node in self._nodes.values()
                     if node.presence == Presence.ONLINE]
        sent = 0
        for node in nodes:
            if self.hub.nodes.approval(node.node_id) is Approval.APPROVED:
                self._send_config(node)
                sent += 1
        log.debug("configs republished to %d nodes", sent)

    def _reload_nodes(self) -> None:
        """The nodes as the registry holds them now: a record or approval changed by an
        administrator in the console (its `config` event reloads at once) is what the
        node's next request is judged by; one changed by another process (`kezek-hub
        nodes import`) within `hub_time_seconds`, at the next republishing of configs.

        The registry is read without holding the cache's lock, so a status may be
        handled meanwhile: merged per node, not replaced wholesale. A node whose
        status came during the read keeps what that status brought (presence,
        declaration) with the record and approval just read; a node first heard of
        during the read is kept."""
        with self._nodes_lock:
            before = dict(self._statuses)
        read = {node.node_id: node for node in self.hub.nodes.all()}
        with self._nodes_lock:
            merged = dict(self._nodes)
            for node_id, stored in read.items():
                cached = self._nodes.get(node_id)
                if cached is not None and self._statuses.get(node_id) != before.get(node_id):
                    merged[node_id] = with_record_of(cached, stored)
                else:
                    merged[node_id] = stored
            self._nodes = merged

    def _on_queue_event(self, event: QueueEvent) -> None:
        self._dirty.set()
        if event.kind == "config":
            self._reload_nodes()
            for node in self.hub.nodes.all():
                if node.presence == Presence.ONLINE and node.approval == Approval.APPROVED:
                    self._send_config(node)
            return
        config = self.hub.centers.snapshot().config
        spoken = announcement(event, config)
        if spoken is None and event.kind == "transferred":
            spoken = transfer_announcement(self.hub, event, config)
        if spoken is None:
            return
        for display in self._displays():
            if spoken.zone in followed_zones(display, config):
                self._send(display.node_id, DownChannel.ANNOUNCE, spoken)

    def _snapshot_loop(self) -> None:
        # One rebuild serves every change that arrived meanwhile: a burst of tickets
        # costs one queue read per display round, not one per ticket. The same loop
        # republishes the configs: one timer for every node, no thread per node.
        self._configs_due = time.monotonic() + self.hub_time_seconds
        while not self._stopping.is_set():
            self._dirty.wait(max(0.0, min(SNAPSHOT_REFRESH_SECONDS,
                                          self._configs_due - time.monotonic())))
            if self._stopping.is_set():
                return
            if time.monotonic() >= self._configs_due:
                self._configs_due = time.monotonic() + self.hub_time_seconds
                try:
                    self._republish_configs()
                except Exception:
                    log.exception("node configs could not be republished")
            self._dirty.clear()
            try:
                self._publish_snapshots()
            except Exception:
                log.exception("display snapshots could not be published")
            try:
                self._publish_desk_states()
            except Exception:
                log.exception("desk states could not be published")
            self._stopping.wait(SNAPSHOT_MIN_SECONDS)

    def _displays(self) -> list[NodeInfo]:
        with self._nodes_lock:
            return [node for node in self._nodes.values() if node.role == NodeRole.DISPLAY
                    and self.hub.nodes.trusted(node.node_id)]

    def _publish_snapshots(self) -> None:
        displays = self._displays()
        if not displays or not self.connected.is_set():
            return
        state = self.hub.queue.state()
        config = self.hub.centers.snapshot().config
        for display in displays:
            snapshot = display_snapshot(state, followed_zones(display, config))
            content = snapshot.model_dump_json(exclude={"id", "at"})
            if self._published.get(display.node_id) == content:
                continue
            self._send(display.node_id, DownChannel.DISPLAY, snapshot)
            self._published[display.node_id] = content



    # Desk states (call buttons) ------------------------------------------------

    def _publish_desk_states(self) -> None:
        """Each call-button node's desk as it is now, when it differs from what the node
        was last sent: lamps follow the console's actions as well as their own."""
        with self._nodes_lock:
            buttons = [node for node in self._nodes.values()
                       if node.role == NodeRole.CALL_BUTTON and node.desk is not None
                       and self.hub.nodes.trusted(node.node_id)]
        if not buttons or not self.connected.is_set():
            return
        state = self.hub.queue.state()
        breaks = self.hub.breaks.on_break()
        known = {desk.code for desk in state.desks}
        for node in buttons:
            if node.desk not in known:
                continue  # bound to a desk the center does not have: its presses are refused
            message = desk_state(situation(state, node.desk or "", breaks))
            content = message.model_dump_json(exclude={"id", "at"})
            if self._published_desks.get(node.node_id) == content:
                continue
            self._send(node.node_id, DownChannel.DESK, message)
            self._published_desks[node.node_id] = content
