"""The configuration never holds a text longer than the MQTT contract carries.

A zone name of 250 characters used to be accepted by the configuration though the
contract's texts stop at 200: every display snapshot holding it failed validation and
no board got one. The configuration's limits now derive from the contract's constant;
this walks both schemas so that a future field cannot exceed it either."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from contract.mqtt import (
    TEXT_MAX_LENGTH,
    Announcement,
    DisplaySnapshot,
    DownChannel,
    IssuedTicket,
    NodeConfig,
    NodeRole,
    NumberBlock,
    TicketRequest,
)
from hub.center_schema import CenterDocument
from hub.mqtt.bridge import MqttBridge
from tests.hub.conftest import client  # noqa: F401 (a fixture)
from tests.mqtt.conftest import NodeFactory, bridged_hub, mosquitto, node, topics  # noqa: F401

# The messages that carry what the configuration names (centre, zones, desks,
# purposes, out-of-turn categories) to the nodes.
CARRIERS: tuple[type[BaseModel], ...] = (NodeConfig, DisplaySnapshot, Announcement, IssuedTicket,
                                         NumberBlock)
# Configuration strings that never travel to a node (checked against their own lists).
NOT_SENT = {("CenterDocument", "timezone"), ("HoursDoc", "weekdays")}


def strings(schema: dict[str, Any], defs: dict[str, Any], where: str,
            seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string schema reachable from ``schema``, with the model and field it is in."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from strings(defs[name], defs, name, seen | {name})
        return
    if schema.get("type") == "string":
        yield where, schema
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        for part in schema.get(key, []):
            yield from strings(part, defs, where, seen)
    for part in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(part, dict):
            yield from strings(part, defs, where, seen)
    for field, part in schema.get("properties", {}).items():
        model = where.split(".", 1)[0]
        yield from strings(part, defs, f"{model}.{field}", seen)


def model_strings(model: type[BaseModel]) -> list[tuple[str, dict[str, Any]]]:
    schema = model.model_json_schema()
    return list(strings(schema, schema.get("$defs", {}), model.__name__))


def contract_limits() -> tuple[int, int]:
    """The shortest free text and the shortest code any carrier takes."""
    texts = [s["maxLength"] for model in CARRIERS for where, s in model_strings(model)
             if where.startswith("Text.")]
    codes = [s["maxLength"] for model in CARRIERS for _, s in model_strings(model)
             if "pattern" in s and "maxLength" in s]
    assert texts and codes
    return min(texts), min(codes)


def test_every_text_of_the_contract_has_the_one_limit() -> None:
    text_limit, _ = contract_limits()
    assert text_limit == TEXT_MAX_LENGTH


def test_no_configuration_string_exceeds_what_the_contract_carries() -> None:
    text_limit, code_limit = contract_limits()
    checked = []
    for where, schema in model_strings(CenterDocument):
        model, _, field = where.partition(".")
        if (model, field) in NOT_SENT or "format" in schema or "enum" in schema:
            continue
        limit = code_limit if "pattern" in schema else text_limit
        assert "maxLength" in schema, f"{where} has no length limit"
        assert schema["maxLength"] <= limit, f"{where} may be longer than the contract carries"
        checked.append(where)
    # The names and labels (one BilingualText) and the codes were among those checked.
    assert {"BilingualText.kk", "BilingualText.ru", "ZoneDoc.code", "DeskDoc.zones"} <= set(
        checked)


def consultation(client: TestClient) -> dict[str, Any]:  # noqa: F811
    zones = client.get("/api/v1/center").json()["zones"]
    return next(z for z in zones if z["code"] == "consultation")


def test_a_zone_name_too_long_for_the_boards_is_refused_and_the_longest_one_is_shown(
        client: TestClient, bridged_hub: MqttBridge, node: NodeFactory) -> None:  # noqa: F811
    zone = consultation(client)
    too_long = zone | {"name": {"kk": "Қ" * (TEXT_MAX_LENGTH + 50), "ru": "Консультация"}}
    refused = client.put("/api/v1/center/zones/consultation", json=too_long)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "name.kk"
    assert str(TEXT_MAX_LENGTH) in problem["text"]["kk"]
    assert problem["text"]["ru"] == f"Текст не длиннее {TEXT_MAX_LENGTH} символов."
    assert consultation(client) == zone  # nothing changed

    longest = "Қ" * TEXT_MAX_LENGTH
    changed = client.put("/api/v1/center/zones/consultation",
                         json=zone | {"name": {"kk": longest, "ru": "К" * TEXT_MAX_LENGTH}})
    assert changed.status_code == 200, changed.text
    hall = node("display-hall", NodeRole.DISPLAY)
    terminal = node("terminal-1")
    ticket = terminal.ask(TicketRequest(node="terminal-1", language="kk",
                                        purpose="appeal_paper")).ticket
    assert ticket is not None and ticket.zone_name.kk == longest
    shown = hall.wait_for(
        DownChannel.DISPLAY, DisplaySnapshot,
        lambda s: any(z.zone == "consultation" and z.waiting == 1 for z in s.zones))
    assert next(z for z in shown.zones if z.zone == "consultation").name.kk == longest
