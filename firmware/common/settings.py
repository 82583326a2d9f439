"""A node's settings: a TOML file named by KEZEK_NODE_CONFIG, overridden by KEZEK_NODE_*
environment variables. Node applications subclass `NodeSettings` to add their own sections
(`[printer]` in the file, `KEZEK_NODE_PRINTER__PORT` in the environment)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from contract.broker import BrokerAddress, broker_address
from contract.mqtt import Code, Identifier, NodeRole

ENV_PREFIX = "KEZEK_NODE_"
CONFIG_ENV = "KEZEK_NODE_CONFIG"
DEFAULT_DATA_DIR = Path("/var/lib/kezek-node")

# The file `load_node_settings(path=...)` was given: settings sources are built by a
# classmethod that sees no constructor arguments, so the path travels beside the call.
_config_file: ContextVar[Path | None] = ContextVar("kezek_node_config_file", default=None)


def package_version() -> str:
    try:
        return version("kezek")[:40]
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


class NodeSettings(BaseSettings):
    """What every node needs to find its hub. Unknown keys are refused so typos are noticed."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                      extra="forbid")

    node_id: Identifier = Field(description="this node's id: MQTT client id, topic level "
                                            "and broker user name")
    center: Identifier = Field(description="the center id: the root of every topic")
    role: NodeRole = Field(description="ticket_terminal, display or call_button")
    broker_url: str = Field(description="mqtt://host[:port] or mqtts://host[:port] "
                                        "(default ports 1883 and 8883)")
    username: str | None = Field(None, min_length=1,
                                 description="broker user name; defaults to node_id")
    password: SecretStr | None = Field(None, description="broker password")
    ca_file: Path | None = Field(
        None, description="CA certificate that signed the broker's (mqtts); empty means "
                          "the system's CAs")
    cert_file: Path | None = Field(
        None, description="this node's client certificate (mqtts, when the broker requires "
                          "one); its key in key_file")
    key_file: Path | None = Field(None, description="the client certificate's private key")
    data_dir: Path = Field(DEFAULT_DATA_DIR,
                           description="writable directory for the outbox file")
    keepalive_seconds: int = Field(
        30, ge=5, le=600, description="MQTT keepalive: the broker publishes the offline will "
                                      "about 1.5 keepalives after a node vanishes")
    heartbeat_seconds: float = Field(30.0, gt=0, description="telemetry period")
    request_retry_seconds: float = Field(
        5.0, gt=0, description="an unanswered request is sent again (same id) this often")
    desk: Code | None = Field(None, description="the desk this node serves (call buttons)")
    zones: list[Code] = Field(default_factory=list, max_length=20,
                              description="the zones this node serves (displays, terminals)")
    software: str = Field(default_factory=package_version, min_length=1, max_length=40,
                          description="software version reported in the node status")

    @field_validator("broker_url")
    @classmethod
    def _valid_broker_url(cls, value: str) -> str:
        broker_address(value)
        return value

    @model_validator(mode="after")
    def _username_defaults_to_node_id(self) -> NodeSettings:
        if self.username is None:
            self.username = self.node_id
        return self

    def served_zones(self) -> list[str]:
        """The zones this node serves: what its status declares (NodeStatus.zones) and
        what provisioning records as the hub's record of it, which authorises a ticket
        terminal's requests (hub.domain.node_identity.zone_allowed). Its `zones` here; a
        ticket terminal adds the zones of its purpose buttons (TerminalSettings)."""
        return list(self.zones)

    @property
    def broker(self) -> BrokerAddress:
        return broker_address(self.broker_url)

    @property
    def broker_username(self) -> str:
        return self.username or self.node_id

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: constructor arguments, then the environment, then the file.
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_file_path()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def config_file_path() -> Path | None:
    given = _config_file.get()
    if given is not None:
        return given
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else None


class NodeSettingsError(ValueError):
    """Settings that cannot be used; the message names the file and every field at fault."""


S = TypeVar("S", bound=NodeSettings)


@contextmanager
def _reading(path: Path | None) -> Iterator[None]:
    token = _config_file.set(path)
    try:
        yield
    finally:
        _config_file.reset(token)


def load_node_settings(cls: type[S], path: Path | str | None = None, **overrides: Any) -> S:
    """Settings of class `cls` from `path` (or KEZEK_NODE_CONFIG) and the environment.
    Raises NodeSettingsError with a message meant for the installer reading the journal."""
    file = Path(path) if path is not None else config_file_path()
    where = f"file {file}" if file is not None else "no file"
    if file is not None and not file.is_file():
        raise NodeSettingsError(f"node settings file {file} does not exist")
    try:
        with _reading(file):
            return cls(**overrides)
    except tomllib.TOMLDecodeError as error:
        raise NodeSettingsError(f"node settings file {file} is not valid TOML: {error}") from None
    except ValidationError as error:
        lines = [f"invalid node settings ({where}, environment {ENV_PREFIX}*):"]
        for problem in error.errors(include_input=False, include_url=False):
            lines.append(f"  {_field_name(problem['loc'])}: {problem['msg']}")
        raise NodeSettingsError("\n".join(lines)) from None


def _field_name(location: tuple[int | str, ...]) -> str:
    """`printer.port (KEZEK_NODE_PRINTER__PORT)`: the key in the file and its variable."""
    if not location:
        return "settings"
    dotted = ".".join(str(part) for part in location)
    variable = ENV_PREFIX + "__".join(str(part) for part in location).upper()
    return f"{dotted} ({variable})"
