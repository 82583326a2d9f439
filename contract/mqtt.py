"""The MQTT contract between the hub and its nodes: topics, payloads and their version.

Every topic string of Kezek is built here and nowhere else. Under a per-center root:

    kezek/<center>/node/<node>/up/<channel>     node -> hub: status, telemetry, and one
                                                channel per request kind
    kezek/<center>/node/<node>/down/<channel>   hub -> node: reply, error, config, command,
                                                display, announce, print, desk

Each request kind has its own up-channel so that the broker ACL, generated per role
(`ROLE_CHANNELS`, `node_acl`), lets a node publish only what its role sends: a
display sends no request at all, a call-button panel cannot ask for a ticket, a
terminal cannot press a desk's button. Nothing personal travels here: tickets are
numbers, desks are codes and labels.

Only MQTT 3.1.1 features are used (QoS 0/1, retained messages, the will,
persistent sessions through clean_session=False), so the embedded broker of a
one-box center (amqtt, 3.1.1 only) and Mosquitto both carry it. QoS 1 delivers
at least once: every handler must treat a repeated message id as the same
message, and a repeated request id gets the same answer.

Payloads are JSON objects with `v` (the schema version), `id` (this message's
id) and `at` (when it was made, with a UTC offset). Unknown fields are refused
so a typo or a newer sender is noticed instead of half understood.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

SCHEMA_VERSION: Literal[1] = 1
# The hub publishes each node's config again this often: a live message with the hub's
# time for nodes that send nothing (a display) and the config for nodes that missed it.
HUB_TIME_SECONDS = 60
# Nothing a node legitimately sends comes near this; a bigger payload is refused unread.
MAX_PAYLOAD_BYTES = 16 * 1024

# Node and center ids are topic levels and broker user names: no '/', '+', '#' or spaces.
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
MessageId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                         pattern=r"^[A-Za-z0-9_.-]+$")]
# The longest name, label or note a message carries; the hub's configuration takes
# no longer text for anything it sends to nodes (hub/center_schema.py).
TEXT_MAX_LENGTH = 200
ShortText = Annotated[str, StringConstraints(max_length=TEXT_MAX_LENGTH)]
Language = Literal["kk", "ru"]


def new_message_id() -> str:
    return secrets.token_hex(12)


def _now() -> datetime:
    return datetime.now(UTC)


# Topics ---------------------------------------------------------------------


class Direction(StrEnum):
    UP = "up"  # node -> hub
    DOWN = "down"  # hub -> node


class UpChannel(StrEnum):
    STATUS = "status"  # retained; the will says offline
    TELEMETRY = "telemetry"
    # One channel per request kind (see REQUEST_CHANNELS): the ACL can then refuse a kind.
    TICKET = "ticket"
    PRESS = "press"
    LEASE = "lease"
    OFFLINE_TICKET = "offline-ticket"
    BOOKING_SCAN = "booking-scan"
    PRINT_REPORT = "print-report"


class DownChannel(StrEnum):
    REPLY = "reply"
    ERROR = "error"
    CONFIG = "config"  # retained
    COMMAND = "command"
    DISPLAY = "display"  # retained snapshot for display nodes
    ANNOUNCE = "announce"
    PRINT = "print"  # a ticket the hub asks a terminal to print (reception issuing, reprint)
    DESK = "desk"  # retained state of the desk a call-button node serves


RETAINED: frozenset[str] = frozenset({UpChannel.STATUS, DownChannel.CONFIG, DownChannel.DISPLAY,
                                      DownChannel.DESK})
# Telemetry is a heartbeat: a lost one is replaced by the next, so QoS 0.
QOS: dict[str, int] = dict.fromkeys((*UpChannel, *DownChannel), 1) | {
    UpChannel.TELEMETRY: 0}


@dataclass(frozen=True, slots=True)
class Route:
    """Where a message came from or goes: parsed back from a topic."""

    node: str
    direction: Direction
    channel: str  # not necessarily a known channel: unknown ones are answered with an error


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic builders for one center."""

    center: str

    def __post_init__(self) -> None:
        _check_id(self.center, "center")

    @property
    def root(self) -> str:
        return f"kezek/{self.center}"

    def up(self, node: str, channel: UpChannel) -> str:
        _check_id(node, "node")
        return f"{self.root}/node/{node}/up/{channel.value}"

    def down(self, node: str, channel: DownChannel) -> str:
        _check_id(node, "node")
        return f"{self.root}/node/{node}/down/{channel.value}"

    def hub_subscription(self) -> str:
        """Everything every node sends."""
        return f"{self.root}/node/+/up/#"

    def node_subscription(self, node: str) -> str:
        """Everything the hub sends to one node."""
        _check_id(node, "node")
        return f"{self.root}/node/{node}/down/#"

    def node_acl(self, node: str, role: NodeRole) -> list[tuple[str, str]]:
        """The broker ACL of one node (its user name is its id): (access, topic) pairs,
        `write` for each up-channel its role sends, `read` for each down-channel it reads
        (ROLE_CHANNELS). Nothing else of the center, so a stolen node password cannot
        send what that node's role never sends, nor read another node's messages."""
        channels = ROLE_CHANNELS[role]
        return ([("write", self.up(node, channel)) for channel in channels.sends]
                + [("read", self.down(node, channel)) for channel in channels.reads])

    def parse(self, topic: str) -> Route | None:
        """The node, direction and channel of a topic of this center, or None."""
        parts = topic.split("/")
        if (len(parts) != 6 or f"{parts[0]}/{parts[1]}" != self.root or parts[2] != "node"
                or parts[4] not in (Direction.UP, Direction.DOWN) or not valid_id(parts[3])):
            return None
        return Route(node=parts[3], direction=Direction(parts[4]), channel=parts[5])


def _check_id(value: str, what: str) -> None:
    if not re.fullmatch(ID_PATTERN, value):
        raise ValueError(f"{what} id {value!r} must be lower-case letters, digits and '-'"
                         " (at most 63)")


def valid_id(value: str) -> bool:
    try:
        _check_id(value, "node")
    except ValueError:
        return False
    return True


# Payloads -------------------------------------------------------------------


class Text(BaseModel):
    """A text in Kazakh and in Russian: what a visitor or installer reads."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    kk: ShortText
    ru: ShortText


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    v: Literal[1] = SCHEMA_VERSION
    id: MessageId = Field(default_factory=new_message_id)
    at: AwareDatetime = Field(default_factory=_now)


class NodeMessage(Message):
    """Sent by a node; `node` must be the node the topic and the credentials name."""

    node: Identifier


class NodeRole(StrEnum):
    TICKET_TERMINAL = "ticket_terminal"
    DISPLAY = "display"
    CALL_BUTTON = "call_button"


class Presence(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class DriverState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # works, needs attention soon (paper low)
    FAULT = "fault"  # does not work (paper out, cover open, device gone)
    OFF = "off"  # not configured on this node


class Driver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    state: DriverState
    detail: ShortText | None = None  # machine word for the console, e.g. "paper_low"


class NodeStatus(NodeMessage):
    """Retained on `up/status`. The will is the same message with state offline."""

    kind: Literal["status"] = "status"
    state: Presence
    role: NodeRole
    software: Annotated[str, StringConstraints(max_length=40)]
    desk: Code | None = None
    zones: list[Code] = Field(default_factory=list, max_length=20)
    drivers: dict[Code, Driver] = Field(default_factory=dict, max_length=20)


class Telemetry(NodeMessage):
    kind: Literal["telemetry"] = "telemetry"
    uptime_s: float = Field(ge=0)
    outbox: int = Field(ge=0, description="requests waiting to be answered")
    drivers: dict[Code, Driver] = Field(default_factory=dict, max_length=20)
    cpu_temp_c: float | None = None
    # The node's own clock minus the hub's, in seconds, as last measured from the hub's
    # messages (None until one came): a Pi has no real-time clock and a closed LAN may
    # have no NTP, so the node never trusts its own time for what the hub decides.
    clock_skew_s: float | None = None
    # A display node: the share (0..1) of the ticket numbers its zones' ranges can
    # produce whose spoken pieces are synthesized and cached; None without a voice.
    voice_warm: float | None = Field(None, ge=0, le=1)


class TicketRequest(NodeMessage):
    """A visitor pressed the terminal (or reception issued on it): give a ticket."""

    kind: Literal["ticket"] = "ticket"
    language: Language
    purpose: Code | None = None
    zone: Code | None = None
    out_of_turn: Code | None = None
    needs_escort: bool = False


class ButtonAction(StrEnum):
    NEXT = "next"  # call the next visitor (finishing the one being served, as configured)
    RECALL = "recall"
    START = "start"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"


class ButtonPress(NodeMessage):
    """An operator pressed a button of the call-button node at `desk`."""

    kind: Literal["button"] = "button"
    desk: Code
    action: ButtonAction
    to_zone: Code | None = None  # transfer only
    to_desk: Code | None = None  # transfer only

    @model_validator(mode="after")
    def _transfer_has_target(self) -> ButtonPress:
        if self.action is ButtonAction.TRANSFER and self.to_zone is None and self.to_desk is None:
            raise ValueError("a transfer needs to_zone or to_desk")
        if self.action is not ButtonAction.TRANSFER and (self.to_zone or self.to_desk):
            raise ValueError("to_zone and to_desk belong to a transfer only")
        return self


# The ticket terminal's other requests (issue 4): number leases for issuing while the hub
# is away, the report of a ticket printed from a lease, a scanned booking code, and the
# outcome of printing a ticket the hub gave.

BookingCode = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                               pattern=r"^[A-Za-z0-9-]+$")]


class LeaseRequest(NodeMessage):
    """Reserve blocks of numbers, one per zone, for printing while the hub is unreachable.
    The reply's `lease` holds the node's blocks of those zones for today: those it holds
    (with their numbers not yet reported), and a new one only when those are nearly used
    (hub.domain.leases, rules L1-L6)."""
    kind: Literal["lease"] = "lease"
    zones: list[Code] = Field(min_length=1, max_length=20)


class OfflineTicket(NodeMessage):
    """A ticket the terminal printed from a leased block while the hub was unreachable.
    Sent when the link is back; it joins the queue at `printed_at` (its arrival time).
    `replaces` names a TicketRequest the terminal gave up waiting for: if the hub did
    issue that request, it cancels that ticket, which no visitor holds."""
    kind: Literal["offline_ticket"] = "offline_ticket"
    lease_id: int = Field(ge=1)
    zone: Code
    number: int = Field(ge=0)
    language: Language
    purpose: Code | None = None
    out_of_turn: Code | None = None
    needs_escort: bool = False
    printed_at: AwareDatetime
    replaces: MessageId | None = None


class BookingScan(NodeMessage):
    """A visitor booked for personal reception scanned the code of their booking."""
    kind: Literal["booking_code"] = "booking_code"
    code: BookingCode
    language: Language


class PrintReport(NodeMessage):
    """How printing a ticket ended: printed, or failed (`detail` says why: paper_out,
    cover_open, offline, error) and kept by the terminal to print when the printer is
    back, so reception can reprint it elsewhere meanwhile."""
    kind: Literal["print_report"] = "print_report"
    ticket_id: int = Field(ge=1)
    printed: bool
    detail: Code | None = None


Request = Annotated[TicketRequest | ButtonPress | LeaseRequest | OfflineTicket | BookingScan
                    | PrintReport, Field(discriminator="kind")]

# The up-channel of each request kind: a request on any other channel is refused.
REQUEST_CHANNELS: dict[str, UpChannel] = {
    "ticket": UpChannel.TICKET,
    "button": UpChannel.PRESS,
    "lease": UpChannel.LEASE,
    "offline_ticket": UpChannel.OFFLINE_TICKET,
    "booking_code": UpChannel.BOOKING_SCAN,
    "print_report": UpChannel.PRINT_REPORT,
}


def request_channel(request: AnyRequest) -> UpChannel:
    """Where a node publishes `request`."""
    return REQUEST_CHANNELS[request.kind]


@dataclass(frozen=True, slots=True)
class RoleChannels:
    sends: tuple[UpChannel, ...]
    reads: tuple[DownChannel, ...]


# What each role publishes and what it is sent, as the firmware does (firmware/*/app.py):
# every node has a status and telemetry and reads its config (the hub's clock), commands
# and errors; a display sends no request, so it gets no reply.
_EVERY_NODE_SENDS = (UpChannel.STATUS, UpChannel.TELEMETRY)
_EVERY_NODE_READS = (DownChannel.ERROR, DownChannel.CONFIG, DownChannel.COMMAND)
ROLE_CHANNELS: dict[NodeRole, RoleChannels] = {
    NodeRole.TICKET_TERMINAL: RoleChannels(
        sends=(*_EVERY_NODE_SENDS, UpChannel.TICKET, UpChannel.LEASE,
               UpChannel.OFFLINE_TICKET, UpChannel.BOOKING_SCAN, UpChannel.PRINT_REPORT),
        reads=(DownChannel.REPLY, *_EVERY_NODE_READS, DownChannel.PRINT)),
    NodeRole.CALL_BUTTON: RoleChannels(
        sends=(*_EVERY_NODE_SENDS, UpChannel.PRESS),
        reads=(DownChannel.REPLY, *_EVERY_NODE_READS, DownChannel.DESK)),
    NodeRole.DISPLAY: RoleChannels(
        sends=_EVERY_NODE_SENDS,
        reads=(*_EVERY_NODE_READS, DownChannel.DISPLAY, DownChannel.ANNOUNCE)),
}


class Problem(BaseModel):
    """Why something was refused: a machine code, an English detail for logs, and
    the text a person reads."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    code: Code
    detail: Annotated[str, StringConstraints(max_length=500)]
    text: Text
    field: Annotated[str, StringConstraints(max_length=80)] | None = None


class IssuedTicket(BaseModel):
    """What a terminal prints. Numbers and codes only: no name, no IIN, no phone."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    ticket_id: int
    number: int
    zone: Code
    zone_name: Text
    purpose: Code | None
    purpose_name: Text | None
    language: Language
    out_of_turn: Code | None
    needs_escort: bool
    issued_at: AwareDatetime
    service_day: date
    people_ahead: int = Field(ge=0)
    wait_minutes: float | None = Field(None, ge=0)
    note: Text | None = None  # lunch break or closing soon
    status_url: Annotated[str, StringConstraints(max_length=300)] | None = None
    replayed: bool = False


class DeskTicket(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    number: int
    zone: Code
    state: Code
    language: Language
    out_of_turn: Code | None
    needs_escort: bool


class DeskView(BaseModel):
    """What a call-button node shows after a press: the hub's answer, not a guess."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    desk: Code
    current: DeskTicket | None
    waiting: int = Field(ge=0)


class NumberBlock(BaseModel):
    """Numbers of one zone reserved for one terminal on one service day, in the order
    they are to be printed; usable until `valid_until` (the zone's closing that day)."""
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    lease_id: int = Field(ge=1)
    zone: Code
    zone_name: Text
    service_day: date
    valid_until: AwareDatetime
    numbers: list[int] = Field(min_length=1, max_length=500)
class DeskState(Message):
    """Retained on a call-button node's `down/desk`: its desk as the hub has it now,
    published again whenever the desk changes by any means (its buttons, the operator's
    console page, the API), so lamps and the page always agree. A newer `at` wins."""

    desk: Code
    current: DeskTicket | None
    waiting: int = Field(ge=0)
    staffed: bool  # an operator is signed in to the desk
    paused: bool = False  # the operator is on a break: no calls


class Reply(Message):
    """The hub's answer to a request, on the requesting node's `down/reply`."""

    request_id: MessageId
    ok: bool
    ticket: IssuedTicket | None = None
    desk: DeskView | None = None
    problem: Problem | None = None
    lease: list[NumberBlock] | None = None  # answer to a LeaseRequest

    @model_validator(mode="after")
    def _problem_iff_refused(self) -> Reply:
        if self.ok == (self.problem is not None):
            raise ValueError("a reply carries a problem exactly when it is not ok")
        return self


class ErrorMessage(Message):
    """On `down/error`: a message the hub could not take (bad JSON, wrong version,
    wrong node, unknown channel, too large). Nothing was stored or changed."""

    request_id: MessageId | None = None
    topic: Annotated[str, StringConstraints(max_length=300)]
    problem: Problem


class ZoneCount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    zone: Code
    name: Text
    waiting: int = Field(ge=0)


class CallShown(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    number: int
    zone: Code
    desk: Code
    desk_label: Text
    at: AwareDatetime
    state: Code


class DisplaySnapshot(Message):
    """Retained on a display node's `down/display`: its zones' recent calls (newest
    first) and how many wait. Replaces the previous snapshot entirely."""

    service_day: date
    opening: Code  # open, lunch, closed
    zones: list[ZoneCount]
    calls: list[CallShown]


class AnnouncementKind(StrEnum):
    CALL = "call"
    RECALL = "recall"
    TRANSFER = "transfer"


class Announcement(Message):
    """Say it aloud: ticket `number`, please come to `desk`, in the visitor's language."""

    kind: AnnouncementKind
    number: int
    zone: Code
    desk: Code
    desk_label: Text
    language: Language


class Named(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    code: Code
    name: Text


class ZoneNumbers(BaseModel):
    """The ticket numbers a zone hands out, `first`..`last` inclusive, in issuing order
    (000 §9): what a display node pre-synthesizes, first numbers first."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    zone: Code
    first: int = Field(ge=1)
    last: int = Field(ge=1)


class NodeConfig(Message):
    """Retained on `down/config`: what the hub knows the node needs: the center's
    names, its purposes, zones and desks, and this node's place among them.

    Like every message the hub sends, its `at` is the hub's clock when it was made: the
    node's time for everything the hub decides (see `firmware/common/hub_clock.py`). A
    retained copy delivered at subscription is old; the hub publishes the config again
    every `HUB_TIME_SECONDS`, so a live one comes soon."""

    center_name: Text
    role: NodeRole | None
    desk: Code | None
    zones: list[Code]
    purposes: list[Named]
    zone_names: list[Named]
    desks: list[Named]
    out_of_turn: list[Named]
    number_ranges: list[ZoneNumbers] = Field(default_factory=list, max_length=40)


class PrintJob(Message):
    """On a terminal's `down/print`: print this ticket (issued by reception on this
    terminal, or a reprint). The terminal answers with a PrintReport."""
    ticket: IssuedTicket
    reprint: bool = False


class CommandName(StrEnum):
    REPORT = "report"  # publish status and telemetry now
    IDENTIFY = "identify"  # blink lamps / show the node id so an installer finds it
    RESTART = "restart"  # exit; systemd starts the node again


class Command(Message):
    name: CommandName
    args: dict[Code, ShortText] = Field(default_factory=dict, max_length=10)


# Encoding -------------------------------------------------------------------


class ContractError(ValueError):
    """A payload that breaks the contract; `code` says how, `text` says it to a person."""

    def __init__(self, code: str, detail: str, text: Text, message_id: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.text = text
        self.message_id = message_id
        self.field = field

    def problem(self) -> Problem:
        return Problem(code=self.code, detail=self.detail[:500], text=self.text,
                       field=self.field)


M = TypeVar("M", bound=BaseModel)
AnyRequest = (TicketRequest | ButtonPress | LeaseRequest | OfflineTicket | BookingScan
              | PrintReport)
_REQUEST = TypeAdapter[AnyRequest](Request)


def encode(message: BaseModel) -> bytes:
    return message.model_dump_json(exclude_none=False).encode()


def decode(model: type[M], raw: bytes) -> M:
    """Check size, JSON, version and fields of a payload, in that order, so the error
    names the first thing wrong."""
    data = _checked_object(raw)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _invalid(error, data) from None


def decode_request(raw: bytes) -> AnyRequest:
    """A request of any kind, as a node's outbox keeps it."""
    data = _checked_object(raw)
    try:
        return _REQUEST.validate_python(data)
    except ValidationError as error:
        raise _invalid(error, data, tagged=True) from None


def decode_request_on(channel: str, raw: bytes) -> AnyRequest:
    """A request as it came on the up-channel `channel`: valid, and of the kind that
    channel carries. The broker ACL lets a role publish only its kinds' channels; a kind
    accepted on another kind's channel would slip past it."""
    request = decode_request(raw)
    expected = request_channel(request)
    if channel != expected:
        shown = ascii(channel)[1:-1][:40]
        raise ContractError(
            "wrong_channel", f"a {request.kind} request goes on up/{expected.value}, "
                             f"not up/{shown}",
            Text(kk=f"Сұрау басқа арнаға жіберілді: керегі up/{expected.value}",
                 ru=f"Запрос отправлен не в тот канал: нужен up/{expected.value}"),
            message_id=request.id, field="kind")
    return request


def _checked_object(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ContractError("too_large", f"payload of {len(raw)} bytes exceeds "
                            f"{MAX_PAYLOAD_BYTES}",
                            Text(kk="Хабарлама тым үлкен", ru="Сообщение слишком большое"))
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ContractError("not_json", f"payload is not JSON: {error}",
                            Text(kk="Хабарлама JSON емес", ru="Сообщение не в формате JSON")
                            ) from None
    if not isinstance(data, dict):
        raise ContractError("not_json", "payload must be a JSON object",
                            Text(kk="Хабарлама JSON нысаны болуы керек",
                                 ru="Сообщение должно быть объектом JSON"))
    message_id = data.get("id") if _is_message_id(data.get("id")) else None
    version = data.get("v")
    # Exactly the integer: JSON true or 1.0 is not version 1.
    if type(version) is not int or version != SCHEMA_VERSION:
        shown = "—" if version is None else ascii(version)[:20]
        raise ContractError(
            "schema_version",
            f"schema version {shown} is not supported; this side speaks {SCHEMA_VERSION}",
            Text(kk=f"Хабарлама нұсқасы ({shown}) қолдау көрсетілмейді; керегі: "
                    f"{SCHEMA_VERSION}",
                 ru=f"Версия сообщения ({shown}) не поддерживается; нужна {SCHEMA_VERSION}"),
            message_id=message_id, field="v")
    return data


def _invalid(error: ValidationError, data: dict[str, Any], *,
             tagged: bool = False) -> ContractError:
    first = error.errors()[0]
    # A union's errors start with the chosen kind ("ticket.language"): name the field only.
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        location: tuple[int | str, ...] = ("kind",)
    else:
        location = first["loc"][1:] if tagged else first["loc"]
    # Names come from the sender: cut to what a Problem may carry.
    where = ascii(".".join(str(part) for part in location))[1:-1][:80] or None
    message_id = data.get("id")
    return ContractError(
        "invalid", f"{where or 'payload'}: {first['msg']}",
        Text(kk=f"Хабарлама өрісі қате: {where or '—'}",
             ru=f"Неверное поле сообщения: {where or '—'}"),
        message_id=message_id if _is_message_id(message_id) else None, field=where)


def _is_message_id(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value) is not None


def offline_status(status: NodeStatus) -> NodeStatus:
    """The will a node leaves with the broker when it connects."""
    return status.model_copy(update={"state": Presence.OFFLINE, "id": new_message_id(),
                                     "at": _now()})
