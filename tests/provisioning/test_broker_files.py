"""The generated ACL names, for every node of the inventory, exactly its role's topics
(Topics.node_acl) and nothing by pattern; the hub's user reads the broker's log, which
the generated configuration publishes."""

from __future__ import annotations

from contract.mqtt import Topics
from provisioning.broker import render_acl, render_mosquitto_conf
from provisioning.inventory import parse_inventory
from tests.provisioning.conftest import EXAMPLE, example_data


def test_every_node_gets_its_roles_topics_and_nothing_more() -> None:
    inventory = parse_inventory(example_data(), EXAMPLE)
    topics = Topics(inventory.center.id)
    blocks = render_acl(inventory).split("\n\n")
    by_user = {lines[0].removeprefix("user "): lines[1:] for block in blocks
               if (lines := [line for line in block.splitlines()
                             if not line.startswith("#")]) and lines[0].startswith("user ")}
    assert by_user[inventory.hub.user] == [f"topic readwrite {topics.root}/#",
                                           "topic read $SYS/broker/log/#"]
    for node in inventory.nodes:
        assert by_user.pop(node.node_id) == [
            f"topic {access} {topic}" for access, topic in topics.node_acl(node.node_id,
                                                                          node.role)]
    assert list(by_user) == [inventory.hub.user]
    assert "pattern" not in render_acl(inventory)


def test_the_broker_publishes_its_connection_log() -> None:
    conf = render_mosquitto_conf(parse_inventory(example_data(), EXAMPLE)).splitlines()
    assert {"log_dest topic", "connection_messages true", "log_type notice",
            "log_type error", "use_username_as_clientid true"} <= set(conf)
