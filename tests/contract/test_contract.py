"""The MQTT contract on its own: topics built and parsed back, payloads round-tripped,
and decoding that refuses bad input with a ContractError naming the problem."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract.mqtt import (
    MAX_PAYLOAD_BYTES,
    QOS,
    REQUEST_CHANNELS,
    RETAINED,
    ROLE_CHANNELS,
    Announcement,
    BookingScan,
    ButtonPress,
    CallShown,
    Command,
    ContractError,
    DeskState,
    DeskTicket,
    DeskView,
    Direction,
    DisplaySnapshot,
    DownChannel,
    Driver,
    ErrorMessage,
    IssuedTicket,
    LeaseRequest,
    Message,
    Named,
    NodeConfig,
    NodeMessage,
    NodeRole,
    NodeStatus,
    NumberBlock,
    OfflineTicket,
    Presence,
    PrintJob,
    PrintReport,
    Problem,
    Reply,
    Telemetry,
    Text,
    TicketRequest,
    Topics,
    UpChannel,
    ZoneCount,
    decode,
    decode_request,
    decode_request_on,
    encode,
    offline_status,
    valid_id,
)

ALMATY = timezone(timedelta(hours=5))
AT = datetime(2026, 11, 23, 10, 2, 40, tzinfo=ALMATY)
TOPICS = Topics("borodulikha")
ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,62}\Z")
fast = settings(max_examples=60, deadline=None)


def _raw(**fields: Any) -> bytes:
    return json.dumps(fields).encode()  # ASCII: a lone surrogate travels as \ud800


def _ticket(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"v": 1, "id": "9c41e2b07d5a4f18b3e6a2c9",
                              "at": "2026-11-23T10:02:40+05:00", "node": "terminal-1",
                              "kind": "ticket", "language": "kk", "purpose": "complaint"}
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not ...}


def _refusal(raw: bytes) -> ContractError:
    with pytest.raises(ContractError) as caught:
        decode_request(raw)
    problem = caught.value.problem()  # what the hub puts on `down/error`
    assert problem.code == caught.value.code
    return caught.value


# Topics ---------------------------------------------------------------------


@given(center=ids, node=ids, channel=st.sampled_from(list(UpChannel)))
@fast
def test_an_up_topic_parses_back(center: str, node: str, channel: UpChannel) -> None:
    topics = Topics(center)
    route = topics.parse(topics.up(node, channel))
    assert route is not None
    assert (route.node, route.direction, route.channel) == (node, Direction.UP, channel)


@given(center=ids, node=ids, channel=st.sampled_from(list(DownChannel)))
@fast
def test_a_down_topic_parses_back(center: str, node: str, channel: DownChannel) -> None:
    topics = Topics(center)
    route = topics.parse(topics.down(node, channel))
    assert route is not None
    assert (route.node, route.direction, route.channel) == (node, Direction.DOWN, channel)


def test_topics_have_the_documented_layout() -> None:
    assert TOPICS.up("terminal-1", UpChannel.TICKET) == (
        "kezek/borodulikha/node/terminal-1/up/ticket")
    assert TOPICS.up("terminal-1", UpChannel.OFFLINE_TICKET) == (
        "kezek/borodulikha/node/terminal-1/up/offline-ticket")
    assert TOPICS.down("display-hall", DownChannel.DISPLAY) == (
        "kezek/borodulikha/node/display-hall/down/display")
    assert TOPICS.hub_subscription() == "kezek/borodulikha/node/+/up/#"
    assert TOPICS.node_subscription("buttons-desk-3") == (
        "kezek/borodulikha/node/buttons-desk-3/down/#")
    assert TOPICS.node_acl("buttons-desk-3", NodeRole.CALL_BUTTON) == [
        ("write", "kezek/borodulikha/node/buttons-desk-3/up/status"),
        ("write", "kezek/borodulikha/node/buttons-desk-3/up/telemetry"),
        ("write", "kezek/borodulikha/node/buttons-desk-3/up/press"),
        ("read", "kezek/borodulikha/node/buttons-desk-3/down/reply"),
        ("read", "kezek/borodulikha/node/buttons-desk-3/down/error"),
        ("read", "kezek/borodulikha/node/buttons-desk-3/down/config"),
        ("read", "kezek/borodulikha/node/buttons-desk-3/down/command"),
        ("read", "kezek/borodulikha/node/buttons-desk-3/down/desk")]


def test_every_request_kind_has_its_own_channel() -> None:
    kinds = {model.model_fields["kind"].default for model in
             (TicketRequest, ButtonPress, LeaseRequest, OfflineTicket, BookingScan, PrintReport)}
    assert set(REQUEST_CHANNELS) == kinds
    assert len(set(REQUEST_CHANNELS.values())) == len(kinds)
    assert set(UpChannel) == {UpChannel.STATUS, UpChannel.TELEMETRY, *REQUEST_CHANNELS.values()}


def test_roles_send_only_their_kinds_and_every_request_kind_has_a_sender() -> None:
    sent = [channel for channels in ROLE_CHANNELS.values() for channel in channels.sends]
    assert set(sent) == set(UpChannel)
    assert ROLE_CHANNELS[NodeRole.DISPLAY].sends == (UpChannel.STATUS, UpChannel.TELEMETRY)
    assert UpChannel.PRESS not in ROLE_CHANNELS[NodeRole.TICKET_TERMINAL].sends
    assert UpChannel.TICKET not in ROLE_CHANNELS[NodeRole.CALL_BUTTON].sends
    read = {channel for channels in ROLE_CHANNELS.values() for channel in channels.reads}
    assert read == set(DownChannel)


def test_a_request_on_another_kinds_channel_is_refused() -> None:
    raw = _raw(**_ticket())
    assert decode_request_on(UpChannel.TICKET, raw).kind == "ticket"
    for channel in (UpChannel.PRESS, UpChannel.LEASE, "request", "ticket/x"):
        with pytest.raises(ContractError) as caught:
            decode_request_on(channel, raw)
        assert caught.value.code == "wrong_channel"
        assert caught.value.field == "kind"
        assert caught.value.message_id == json.loads(raw)["id"]
        assert "up/ticket" in caught.value.text.kk and "up/ticket" in caught.value.text.ru


def test_qos_and_retention_per_channel() -> None:
    assert set(QOS) == {*UpChannel, *DownChannel}
    assert QOS[UpChannel.TELEMETRY] == 0
    assert all(qos == 1 for channel, qos in QOS.items() if channel != UpChannel.TELEMETRY)
    assert set(RETAINED) == {UpChannel.STATUS, DownChannel.CONFIG, DownChannel.DISPLAY,
                             DownChannel.DESK}


def test_an_unknown_channel_still_parses_so_it_can_be_answered() -> None:
    route = TOPICS.parse("kezek/borodulikha/node/terminal-1/up/tickets")
    assert route is not None
    assert route.channel == "tickets"


@pytest.mark.parametrize("topic", [
    "kezek/almaty/node/terminal-1/up/ticket",  # another center
    "other/borodulikha/node/terminal-1/up/ticket",  # a foreign root
    "kezek/borodulikha/nodes/terminal-1/up/ticket",
    "kezek/borodulikha/node/terminal-1/sideways/request",
    "kezek/borodulikha/node/terminal-1/up",  # too short
    "kezek/borodulikha/node/terminal-1/up/ticket/extra",  # too long
    "kezek/borodulikha",
    "/kezek/borodulikha/node/terminal-1/up/ticket",
    "",
])
def test_parse_refuses_a_topic_of_another_shape(topic: str) -> None:
    assert TOPICS.parse(topic) is None


@pytest.mark.parametrize("bad", ["a/b", "a+", "#", "terminal 1", "Terminal-1", "", "-a",
                                 "a" * 64, "терминал"])
def test_ids_that_cannot_be_a_topic_level_are_refused(bad: str) -> None:
    assert not valid_id(bad)
    with pytest.raises(ValueError, match="id"):
        Topics(bad)
    with pytest.raises(ValueError, match="node id"):
        TOPICS.up(bad, UpChannel.STATUS)
    with pytest.raises(ValueError, match="node id"):
        TOPICS.down(bad, DownChannel.REPLY)
    with pytest.raises(ValueError, match="node id"):
        TOPICS.node_subscription(bad)


@pytest.mark.parametrize("node", ["Terminal-1", "terminal 1", ""])
def test_parse_refuses_a_node_level_that_is_not_an_id(node: str) -> None:
    assert TOPICS.parse(f"kezek/borodulikha/node/{node}/up/ticket") is None


# Payloads round-trip ------------------------------------------------------------

TEXT = Text(kk="3-терезе", ru="Окно 3")
PROBLEM = Problem(code="queue_empty", detail="nobody is waiting for desk window-3",
                  text=Text(kk="Кезекте ешкім жоқ", ru="В очереди никого нет"), field="desk")
TICKET = IssuedTicket(
    ticket_id=2315, number=117, zone="consultation",
    zone_name=Text(kk="Консультация", ru="Консультация"), purpose="complaint",
    purpose_name=Text(kk="Шағым беру", ru="Подать жалобу"), language="kk",
    out_of_turn="labour_veteran", needs_escort=True, issued_at=AT,
    service_day=date(2026, 11, 23), people_ahead=3, wait_minutes=11.5,
    note=Text(kk="Түскі үзіліс. Қабылдаудың жалғасу уақыты: 14:30.",
              ru="Обеденный перерыв. Приём продолжится в 14:30."))
STATUS = NodeStatus(node="buttons-desk-3", state=Presence.ONLINE, role="call_button",
                    software="kezek-node 0.1.0", desk="window-3", zones=["consultation"],
                    drivers={"buttons": Driver(state="ok"),
                             "lamp": Driver(state="fault", detail="gone")})
MESSAGES: list[Message] = [
    STATUS,
    offline_status(STATUS),
    Telemetry(node="terminal-1", uptime_s=4728.4, outbox=2, cpu_temp_c=51.2,
              drivers={"printer": Driver(state="warning", detail="paper_low")}),
    TicketRequest(node="terminal-1", language="ru", zone="personal",
                  out_of_turn="disability", needs_escort=True, at=AT),
    ButtonPress(node="buttons-desk-3", desk="window-3", action="next"),
    ButtonPress(node="buttons-desk-3", desk="window-3", action="transfer",
                to_desk="office-105"),
    Reply(request_id="9c41e2b07d5a4f18b3e6a2c9", ok=True, ticket=TICKET),
    Reply(request_id="71d3a5c9e0b24f68a1c7e3b5", ok=True, desk=DeskView(
        desk="window-3", waiting=5, current=DeskTicket(
            number=118, zone="consultation", state="called", language="ru",
            out_of_turn=None, needs_escort=False))),
    Reply(request_id="71d3a5c9e0b24f68a1c7e3b5", ok=False, problem=PROBLEM),
    ErrorMessage(request_id=None, topic="kezek/borodulikha/node/terminal-1/up/x",
                 problem=PROBLEM),
    DisplaySnapshot(service_day=date(2026, 11, 23), opening="lunch",
                    zones=[ZoneCount(zone="consultation", name=TEXT, waiting=4)],
                    calls=[CallShown(number=118, zone="consultation", desk="window-3",
                                     desk_label=TEXT, at=AT, state="called")]),
    Announcement(kind="recall", number=118, zone="consultation", desk="window-3",
                 desk_label=TEXT, language="kk"),
    NodeConfig(center_name=Text(kk="Азаматтарды қабылдау орталығы",
                                ru="Центр приёма граждан"),
               role="call_button", desk="window-3", zones=["consultation"],
               purposes=[Named(code="complaint", name=Text(kk="Шағым беру",
                                                           ru="Подать жалобу"))],
               zone_names=[Named(code="consultation", name=TEXT)],
               desks=[Named(code="window-3", name=TEXT)], out_of_turn=[]),
    Command(name="identify", args={"seconds": "30"}),
    LeaseRequest(node="terminal-1", zones=["consultation", "self-service"]),
    OfflineTicket(node="terminal-1", lease_id=42, zone="consultation", number=131,
                  language="kk", purpose="complaint", printed_at=AT,
                  replaces="a7d3f1b9c5e24a08d6b2f4e1"),
    BookingScan(node="terminal-1", code="R-2026-0117", language="ru"),
    PrintReport(node="terminal-2", ticket_id=1768, printed=False, detail="paper_out"),
    Reply(request_id="5b2e9d4a7c1f40e8b3a6d2c9", ok=True, lease=[NumberBlock(
        lease_id=42, zone="consultation", zone_name=TEXT, service_day=date(2026, 11, 23),
        valid_until=AT, numbers=[131, 132, 133])]),
    PrintJob(ticket=TICKET, reprint=True),
    DeskState(desk="window-3", waiting=0, staffed=True, paused=True, current=None),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_model_round_trips(message: Message) -> None:
    assert decode(type(message), encode(message)) == message


@pytest.mark.parametrize("message", [m for m in MESSAGES
                                     if isinstance(m, NodeMessage)
                                     and not isinstance(m, NodeStatus | Telemetry)],
                         ids=lambda m: type(m).__name__)
def test_a_request_decodes_to_its_own_model(message: Message) -> None:
    assert decode_request(encode(message)) == message


def test_every_concrete_model_is_round_tripped_here() -> None:
    leaves = {cls.__name__ for cls in _leaves(Message)}
    assert leaves == {type(m).__name__ for m in MESSAGES}


def _leaves(cls: type[Message]) -> set[type[Message]]:
    children = [c for c in cls.__subclasses__() if c.__module__ == "contract.mqtt"]
    return set().union(*map(_leaves, children)) if children else {cls}


def test_a_message_gets_an_id_and_an_aware_time() -> None:
    first, second = Command(name="report"), Command(name="report")
    assert first.id != second.id
    assert first.at.tzinfo is not None
    assert first.v == 1


def test_the_will_is_the_status_offline_with_a_new_id() -> None:
    will = offline_status(STATUS)
    assert will.state is Presence.OFFLINE
    assert will.id != STATUS.id
    assert will.model_dump(exclude={"state", "id", "at"}) == STATUS.model_dump(
        exclude={"state", "id", "at"})


# Refusals ---------------------------------------------------------------------


def test_too_large() -> None:
    raw = _raw(**_ticket(pad=""))
    raw = raw.replace(b'"pad": ""', b'"pad": "' + b"x" * (MAX_PAYLOAD_BYTES + 1 - len(raw))
                      + b'"')
    assert len(raw) == MAX_PAYLOAD_BYTES + 1
    assert _refusal(raw).code == "too_large"
    assert _refusal(b" " * (MAX_PAYLOAD_BYTES + 1)).code == "too_large"


@pytest.mark.parametrize("raw", [b"", b"{", b"ticket please", b'{"v": 1,}', b"\xff\xfe\xfa",
                                 b"\x80{}"])
def test_not_json(raw: bytes) -> None:
    error = _refusal(raw)
    assert error.code == "not_json"
    assert error.message_id is None


@pytest.mark.parametrize("raw", [b"[]", b"1", b'"ticket"', b"null", b"true"])
def test_json_that_is_not_an_object(raw: bytes) -> None:
    error = _refusal(raw)
    assert error.code == "not_json"
    assert "object" in error.detail


@pytest.mark.parametrize("version", [..., 2, 0, "1", None])
def test_missing_or_other_version_keeps_the_message_id(version: Any) -> None:
    error = _refusal(_raw(**_ticket(v=version)))
    assert error.code == "schema_version"
    assert error.field == "v"
    assert error.message_id == "9c41e2b07d5a4f18b3e6a2c9"
    assert error.problem().text.kk and error.problem().text.ru


def test_other_version_without_a_readable_id() -> None:
    error = _refusal(_raw(**_ticket(v=2, id="not an id!")))
    assert error.code == "schema_version"
    assert error.message_id is None


def test_the_version_is_checked_before_the_fields() -> None:
    assert _refusal(_raw(v=2)).code == "schema_version"


@pytest.mark.parametrize("missing", ["language", "node"])
def test_missing_field_is_named_without_the_kind(missing: str) -> None:
    error = _refusal(_raw(**_ticket(**{missing: ...})))
    assert error.code == "invalid"
    assert error.field == missing
    assert error.message_id == "9c41e2b07d5a4f18b3e6a2c9"
    assert missing in error.text.kk
    assert missing in error.text.ru


def test_missing_field_of_a_model_decoded_directly() -> None:
    raw = encode(MESSAGES[2]).replace(b'"outbox":2,', b"")
    with pytest.raises(ContractError) as caught:
        decode(Telemetry, raw)
    error = caught.value
    assert (error.code, error.field) == ("invalid", "outbox")


@pytest.mark.parametrize("kind", ["coffee", ..., 7, None])
def test_unknown_or_missing_kind(kind: Any) -> None:
    error = _refusal(_raw(**_ticket(kind=kind)))
    assert (error.code, error.field) == ("invalid", "kind")


@pytest.mark.parametrize(("field", "value"), [
    ("language", "en"), ("node", "Terminal-1"), ("node", "terminal/1"),
    ("purpose", "a b"), ("at", "2026-11-23T10:02:40"),  # no UTC offset
    ("id", "x" * 65), ("needs_escort", "maybe"),
])
def test_a_wrong_value_names_its_field(field: str, value: Any) -> None:
    error = _refusal(_raw(**_ticket(**{field: value})))
    assert (error.code, error.field) == ("invalid", field)


def test_an_unknown_extra_field_is_refused() -> None:
    error = _refusal(_raw(**_ticket(phone="+7 701 000 00 00")))
    assert (error.code, error.field) == ("invalid", "phone")


def _button(**changes: Any) -> bytes:
    fields = {"v": 1, "id": "71d3a5c9e0b24f68a1c7e3b5", "node": "buttons-desk-3",
              "kind": "button", "desk": "window-3", "action": "transfer"}
    return _raw(**(fields | changes))


def test_a_transfer_needs_a_target() -> None:
    error = _refusal(_button())
    assert error.code == "invalid"
    assert "to_zone or to_desk" in error.detail
    to_zone = decode_request(_button(to_zone="personal"))
    to_desk = decode_request(_button(to_desk="office-105"))
    assert isinstance(to_zone, ButtonPress)
    assert isinstance(to_desk, ButtonPress)
    assert (to_zone.to_zone, to_desk.to_desk) == ("personal", "office-105")


@pytest.mark.parametrize("target", [{"to_zone": "personal"}, {"to_desk": "office-105"}])
def test_only_a_transfer_has_a_target(target: dict[str, str]) -> None:
    error = _refusal(_button(action="next", **target))
    assert error.code == "invalid"
    assert "transfer only" in error.detail


def test_a_button_of_unknown_action() -> None:
    error = _refusal(_button(action="coffee"))
    assert (error.code, error.field) == ("invalid", "action")


def test_a_reply_has_a_problem_exactly_when_refused() -> None:
    with pytest.raises(ValueError, match="problem"):
        Reply(request_id="r1", ok=True, ticket=TICKET, problem=PROBLEM)
    with pytest.raises(ValueError, match="problem"):
        Reply(request_id="r1", ok=False)
    raw = encode(Reply(request_id="r1", ok=False, problem=PROBLEM)).replace(
        b'"ok":false', b'"ok":true')
    with pytest.raises(ContractError) as caught:
        decode(Reply, raw)
    error = caught.value
    assert error.code == "invalid"
    assert "problem" in error.detail


def test_an_error_turns_into_the_problem_the_hub_sends() -> None:
    error = _refusal(_raw(**_ticket(language=...)))
    message = ErrorMessage(request_id=error.message_id, problem=error.problem(),
                           topic=TOPICS.up("terminal-1", UpChannel.TICKET))
    assert decode(ErrorMessage, encode(message)).problem.field == "language"


def test_times_keep_their_offset() -> None:
    request = decode_request(_raw(**_ticket()))
    assert request.at == AT
    assert request.at.astimezone(UTC).hour == 5


# Fuzz -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12)
plausible = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 1, 1, 2, "1", None]),
     "kind": st.sampled_from(["ticket", "button", "status", ""])},
    optional={"id": st.text(max_size=20), "node": st.sampled_from(["terminal-1", "T 1", ""]),
              "language": st.sampled_from(["kk", "ru", "en"]),
              "desk": st.text(max_size=12), "action": st.sampled_from(["next", "transfer", 1]),
              "to_zone": json_values, "at": st.sampled_from(["2026-11-23T10:00:00Z", "now"]),
              "needs_escort": json_values},
).flatmap(lambda base: st.dictionaries(st.text(max_size=12), json_values, max_size=3)
          .map(lambda extra: extra | base))


def _only_contract_errors(raw: bytes) -> None:
    try:
        decode_request(raw)
    except ContractError as error:
        error.problem()


@given(st.binary(max_size=512))
@settings(max_examples=150, deadline=None)
def test_fuzz_arbitrary_bytes(raw: bytes) -> None:
    _only_contract_errors(raw)


@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
@settings(max_examples=150, deadline=None)
def test_fuzz_arbitrary_json_objects(data: dict[str, Any]) -> None:
    _only_contract_errors(json.dumps(data).encode())


@given(plausible)
@settings(max_examples=150, deadline=None)
def test_fuzz_nearly_right_requests(data: dict[str, Any]) -> None:
    _only_contract_errors(json.dumps(data).encode())


# Once contract bugs: each must be a ContractError the hub can send back.

def test_deeply_nested_json_is_a_contract_error() -> None:
    _only_contract_errors(b"[" * 5000)


@pytest.mark.parametrize("version", ["9" * 190, "\ud800"])
def test_any_version_value_is_a_contract_error(version: str) -> None:
    _only_contract_errors(_raw(**_ticket(v=version)))


@pytest.mark.parametrize("length", [100, 300])
def test_a_long_unknown_field_name_is_a_contract_error(length: int) -> None:
    _only_contract_errors(_raw(**_ticket(**{"x" * length: 1})))


def test_telemetry_with_infinity_round_trips_or_is_refused() -> None:
    raw = b'{"v":1,"id":"t1","at":"2026-11-23T10:00:00Z","node":"terminal-1",' \
          b'"kind":"telemetry","uptime_s":Infinity,"outbox":0}'
    try:
        message = decode(Telemetry, raw)
    except ContractError:
        return
    assert decode(Telemetry, encode(message)) == message
