"""The sniffer of a day run: every message the hub's account may read, payload and
all, with memory bounded and what did not fit counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contract.mqtt import DownChannel, NodeRole, Topics, UpChannel
from simulation.day.sniffer import TopicSniffer
from tests.brokers import PrivateMosquitto, mosquitto_binary, wait_until
from tests.conftest import unavailable

TOPICS = Topics("test-center")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    broker = PrivateMosquitto(tmp_path, TOPICS, {"hub": "hub-secret", "display-1": "node"},
                              roles={"display-1": NodeRole.DISPLAY})
    broker.start()
    yield broker
    broker.stop()


def publish(broker: PrivateMosquitto, messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="publisher")
    client.username_pw_set("hub", "hub-secret")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def test_the_sniffer_keeps_every_message_the_hub_may_read(broker: PrivateMosquitto) -> None:
    sniffer = TopicSniffer(broker.url, "hub", "hub-secret", center="test-center")
    sniffer.start()
    try:
        sent = [(TOPICS.up("display-1", channel), f"payload {i}".encode())
                for i, channel in enumerate(UpChannel)]
        publish(broker, sent)
        wait_until(lambda: len(sniffer.messages) == len(sent), what="every message")
        assert sorted(sniffer.messages) == sorted(sent)
        taken, dropped = sniffer.take()
        assert (len(taken), dropped, sniffer.messages) == (len(sent), 0, [])
    finally:
        sniffer.stop()


def test_the_sniffer_counts_what_did_not_fit(broker: PrivateMosquitto) -> None:
    sniffer = TopicSniffer(broker.url, "hub", "hub-secret", max_bytes=250)
    sniffer.start()
    try:
        publish(broker, [(TOPICS.down("display-1", DownChannel.DISPLAY), b"x" * 100)] * 4)
        wait_until(lambda: len(sniffer.messages) + sniffer.dropped == 4, what="four messages")
        assert (len(sniffer.messages), sniffer.dropped) == (2, 2)
    finally:
        sniffer.stop()


def test_a_wrong_password_is_refused_in_time(broker: PrivateMosquitto) -> None:
    sniffer = TopicSniffer(broker.url, "hub", "wrong")
    with pytest.raises(TimeoutError):
        sniffer.start(timeout=1.0)


def test_the_sniffer_misses_nothing_across_a_broker_restart(broker: PrivateMosquitto) -> None:
    sniffer = TopicSniffer(broker.url, "hub", "hub-secret", center="test-center")
    sniffer.start()
    try:
        publish(broker, [(TOPICS.down("display-1", DownChannel.DISPLAY), b"before")])
        wait_until(lambda: len(sniffer.messages) == 1, what="the first message")
        broker.restart()
        # Published at once, maybe before the sniffer is back: its session keeps it.
        publish(broker, [(TOPICS.down("display-1", DownChannel.ANNOUNCE), b"after")])
        wait_until(lambda: len(sniffer.messages) == 2, 15, "the message after the restart")
        assert [payload for _, payload in sniffer.messages] == [b"before", b"after"]
    finally:
        sniffer.stop()
