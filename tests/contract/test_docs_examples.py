"""docs/mqtt.md cannot rot: every example in it is a valid message of the model its
heading names, exactly as `encode` writes it, on a topic of the right channel; every
payload model has an example; the channel table, the ACL and the error codes
match the contract."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from contract import mqtt
from contract.mqtt import (
    MAX_PAYLOAD_BYTES,
    QOS,
    REQUEST_CHANNELS,
    RETAINED,
    ROLE_CHANNELS,
    DownChannel,
    Message,
    NodeMessage,
    NodeRole,
    Topics,
    UpChannel,
    decode,
    decode_request_on,
    encode,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "mqtt.md"
CENTER = "borodulikha"
# The nodes whose ACL the page shows, one of each role.
EXAMPLE_NODES = {"terminal-1": NodeRole.TICKET_TERMINAL, "buttons-desk-3": NodeRole.CALL_BUTTON,
                 "display-hall": NodeRole.DISPLAY}

# Where each payload model travels.
CHANNEL_OF: dict[str, str] = {
    "NodeStatus": "up/status",
    "Telemetry": "up/telemetry",
    "TicketRequest": "up/ticket",
    "ButtonPress": "up/press",
    "LeaseRequest": "up/lease",
    "OfflineTicket": "up/offline-ticket",
    "BookingScan": "up/booking-scan",
    "PrintReport": "up/print-report",
    "PrintJob": "down/print",
    "Reply": "down/reply",
    "ErrorMessage": "down/error",
    "NodeConfig": "down/config",
    "Command": "down/command",
    "DisplaySnapshot": "down/display",
    "Announcement": "down/announce",
    "DeskState": "down/desk",
}
# Codes the contract raises, and the ones the hub's bridge adds on `down/error`.
ERROR_CODES = ("too_large", "not_json", "schema_version", "invalid",
               "unknown_channel", "wrong_channel", "wrong_node", "internal", "not_allowed",
               "center_closed", "queue_empty", "desk_empty", "not_found", "invalid_value",
               "mqtt_protocol")

_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_EXAMPLE_HEADING = re.compile(r"^### ([A-Za-z]\w*)(?:: (.+))?$")
_TOPIC_LINE = re.compile(r"^Topic: `([^`]+)`$")


@dataclass(frozen=True)
class Example:
    model: str
    variant: str | None
    line: int  # of the heading, 1-based
    raw: str
    topic: str | None

    def __str__(self) -> str:
        return f"{self.model}: {self.variant}" if self.variant else self.model


def _lines() -> list[str]:
    return DOC.read_text(encoding="utf-8").splitlines()


def _examples() -> list[Example]:
    """Every `### Name` (or `### Name: variant`) heading directly followed by a
    ```json block, with the `Topic: `…`` line that follows the block."""
    lines = _lines()
    found: list[Example] = []
    for index, line in enumerate(lines):
        heading = _EXAMPLE_HEADING.match(line)
        if heading is None:
            continue
        after = index + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after >= len(lines) or lines[after].strip() != "```json":
            continue
        end = lines.index("```", after + 1)
        topic = None
        for following in lines[end + 1:]:
            if _HEADING.match(following):
                break
            if (match := _TOPIC_LINE.match(following.strip())) is not None:
                topic = match.group(1)
                break
        found.append(Example(heading.group(1), heading.group(2), index + 1,
                             "\n".join(lines[after + 1:end]), topic))
    return found


def _payload_models() -> dict[str, type[Message]]:
    """The concrete payload models: subclasses of Message in the contract that
    nothing else derives from (NodeMessage is only their common part)."""
    models: dict[str, type[Message]] = {}
    pending: list[type[Message]] = [Message]
    while pending:
        cls = pending.pop()
        children = [c for c in cls.__subclasses__() if c.__module__ == mqtt.__name__]
        if not children and cls is not Message:
            models[cls.__name__] = cls
        pending.extend(children)
    return models


EXAMPLES = _examples()
MODELS = _payload_models()


def test_the_contract_has_the_payload_models_this_test_knows() -> None:
    assert set(MODELS) == set(CHANNEL_OF)


def test_every_json_block_is_an_example_under_a_model_heading() -> None:
    blocks = [number for number, line in enumerate(_lines(), 1) if line.strip() == "```json"]
    assert len(blocks) == len(EXAMPLES), (
        "a ```json block must come directly under a '### ModelName' heading")
    unknown = [f"line {e.line}: {e}" for e in EXAMPLES if e.model not in MODELS]
    assert not unknown, f"example headings naming no payload model: {unknown}"


def test_every_heading_in_the_examples_section_has_an_example() -> None:
    lines = _lines()
    start = lines.index("## Examples")
    example_lines = {e.line for e in EXAMPLES}
    empty = [f"line {n}: {line}" for n, line in enumerate(lines[start + 1:], start + 2)
             if line.startswith("### ") and n not in example_lines]
    assert not empty


def test_every_payload_model_has_an_example() -> None:
    missing = set(MODELS) - {e.model for e in EXAMPLES}
    assert not missing, f"docs/mqtt.md has no example of {sorted(missing)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_is_a_valid_message_as_encode_writes_it(example: Example) -> None:
    raw = example.raw.encode()
    model = MODELS[example.model]
    message: BaseModel
    channel = CHANNEL_OF[example.model]
    if channel.removeprefix("up/") in REQUEST_CHANNELS.values():
        # What the hub's bridge does with a request on its channel.
        message = decode_request_on(channel.removeprefix("up/"), raw)
        assert type(message) is model
    else:
        message = decode(model, raw)
    shown: dict[str, Any] = json.loads(raw)
    assert json.loads(encode(message)) == shown, "the example is not in its wire form"
    assert len(encode(message)) <= MAX_PAYLOAD_BYTES


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_names_a_topic_of_its_channel(example: Example) -> None:
    assert example.topic is not None, "an example is followed by a 'Topic: `…`' line"
    route = Topics(CENTER).parse(example.topic)
    assert route is not None
    assert f"{route.direction}/{route.channel}" == CHANNEL_OF[example.model]
    message = MODELS[example.model].model_validate_json(example.raw)
    if isinstance(message, NodeMessage):
        assert message.node == route.node
    if example.model == "ErrorMessage":
        assert Topics(CENTER).parse(json.loads(example.raw)["topic"]) is not None


def _channel_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in _lines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"`(up|down)/[\w-]+`", cells[0]):
            rows[cells[0].strip("`")] = cells
    return rows


def test_the_channel_table_lists_every_channel_with_its_qos_and_retention() -> None:
    rows = _channel_rows()
    channels = [f"up/{c}" for c in UpChannel] + [f"down/{c}" for c in DownChannel]
    assert sorted(rows) == sorted(channels)
    for name, channel in zip(channels, (*UpChannel, *DownChannel), strict=True):
        _, direction, qos, retained, _, payload = rows[name]
        assert direction == ("node → hub" if name.startswith("up/") else "hub → node")
        assert qos == str(QOS[channel]), name
        assert retained == ("yes" if channel in RETAINED else "no"), name
        shown = set(re.findall(r"`(\w+)`", payload))
        assert shown == {model for model, where in CHANNEL_OF.items() if where == name}


def test_the_doc_gives_the_acl_and_the_hub_subscription() -> None:
    text = DOC.read_text(encoding="utf-8")
    topics = Topics(CENTER)
    for node, role in EXAMPLE_NODES.items():
        block = "\n".join([f"user {node}", *(f"topic {access} {topic}"
                                            for access, topic in topics.node_acl(node, role))])
        assert block in text, role
    assert topics.hub_subscription() in text


def _role_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in _lines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].strip("`") in set(NodeRole):
            rows[cells[0].strip("`")] = cells
    return rows


def test_the_role_table_says_what_each_role_sends_and_reads() -> None:
    rows = _role_rows()
    assert sorted(rows) == sorted(NodeRole)
    for role, channels in ROLE_CHANNELS.items():
        _, sends, reads = rows[role]
        assert re.findall(r"`up/([\w-]+)`", sends) == [c.value for c in channels.sends], role
        assert re.findall(r"`down/([\w-]+)`", reads) == [c.value for c in channels.reads], role


def test_the_doc_names_every_error_code_and_the_size_limit() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in ERROR_CODES:
        assert f"| `{code}` |" in text, code
    assert str(MAX_PAYLOAD_BYTES) in text
