"""Broker URLs, as the hub and the nodes both take them: mqtt://host:port (plain) and
mqtts://host:port (TLS). Credentials are settings of their own, never part of the URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool


def broker_address(url: str) -> BrokerAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"broker URL must start with mqtt:// or mqtts://, not {url!r}")
    if not parts.hostname:
        raise ValueError(f"broker URL {url!r} has no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"broker URL {url!r} has an invalid port") from None
    if parts.username or parts.password:
        raise ValueError("put the broker user and password in their own settings, not in the URL")
    tls = parts.scheme == "mqtts"
    return BrokerAddress(host=parts.hostname, port=port or (8883 if tls else 1883), tls=tls)
