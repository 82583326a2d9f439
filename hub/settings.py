"""The hub's one settings model, from a TOML file and KEZEK_HUB_* environment variables."""

from __future__ import annotations

import ipaddress
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from contract.broker import broker_address
from contract.mqtt import ID_PATTERN
from hub.domain.rate_limits import POLICIES, PRESSES, TICKETS
from hub.domain.reception.profiles import DEFAULT_PROFILE
from hub.letters.mail import MailSettings
from hub.storage.db import sqlite_url

DEFAULT_CENTER_FILE = Path(__file__).parent / "centers" / "borodulikha.toml"
MULTIPART_ALLOWANCE = 64 * 1024  # boundaries, part headers and the form's few fields


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class CheckInWindows(BaseModel):
    """When a booked applicant may check in for a personal reception, around the
    booked time; after the late window with no check-in the booking is absent."""

    model_config = ConfigDict(extra="forbid")

    early_minutes: int = Field(60, ge=0, le=24 * 60,
                               description="check-in opens this long before the slot")
    late_minutes: int = Field(30, ge=0, le=24 * 60,
                              description="check-in closes this long after the slot starts")


class AppealSettings(BaseModel):
    """The appeals register (issue 8): control deadlines, the survey's sample and
    attachments."""

    model_config = ConfigDict(extra="forbid")

    answer_working_days: int = Field(15, ge=1, le=60, description=(
        "default deadline of an appeal given for consideration, in working days"))
    remind_working_days: int = Field(2, ge=0, le=20, description=(
        "reminders show this many working days before a deadline"))
    survey_rate: float = Field(0.3, ge=0.0, le=1.0, description=(
        "share of eligible consultations put on the satisfaction call list (002 §36)"))
    survey_seed: str = Field("kezek", max_length=64,
                             description="makes the survey sample this center's own")
    max_attachment_mb: float = Field(10.0, gt=0, le=100,
                                     description="largest scan an appeal may carry")


class HubSettings(BaseSettings):
    """Settings of the hub process. Unknown keys are refused so typos do not pass silently."""

    model_config = SettingsConfigDict(env_prefix="KEZEK_HUB_", extra="forbid",
                                      env_nested_delimiter="__")

    environment: Environment = Field(Environment.DEVELOPMENT,
                                     description="production refuses generated secrets")
    data_dir: Path = Field(Path("data"), description="where the SQLite file and secrets live")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; empty means SQLite in data_dir (e.g. "
                          "postgresql://user@127.0.0.1:5432/kezek)")
    secret_key: SecretStr | None = Field(
        None, description="signs session cookies; generated into data_dir in development")
    center_file: Path = Field(DEFAULT_CENTER_FILE,
                              description="center configuration loaded into an empty database")
    host: str = Field("127.0.0.1", description="address the web server listens on")
    port: int = Field(8000, ge=1, le=65535)
    session_hours: float = Field(12.0, gt=0, description="console session lifetime")
    login_attempts: int = Field(5, ge=1, description=(
        "failed logins allowed per user name from one address in the window (a stranger "
        "elsewhere cannot lock the user out)"))
    login_attempts_per_address: int = Field(20, ge=1, description=(
        "failed logins allowed from one address in the window, whatever the names"))
    login_window_seconds: int = Field(300, ge=1)
    trusted_proxies: list[str] = Field(default_factory=list, description=(
        "addresses (or networks) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none is, the client is the TCP peer"))
    max_body_kib: int = Field(1024, ge=1, le=64 * 1024, description=(
        "largest request body in KiB, refused with 413 before it is read; uploads of "
        "scans have their own limit (appeals.max_attachment_mb)"))
    terminal_ticket_burst: int = Field(
        POLICIES[TICKETS].burst, ge=1, description=(
            "ticket requests (and scanned booking codes) one terminal may send at once "
            "before the limit applies; its leases and offline tickets have a bucket of "
            "the same size and pace (hub/domain/rate_limits.py)"))
    terminal_tickets_per_minute: float = Field(
        POLICIES[TICKETS].per_minute, gt=0,
        description="after the burst, ticket requests one terminal may send a minute")
    panel_press_burst: int = Field(POLICIES[PRESSES].burst, ge=1, description=(
        "button presses one call-button panel may send at once"))
    panel_presses_per_minute: float = Field(
        POLICIES[PRESSES].per_minute, gt=0,
        description="after the burst, presses one panel may send a minute")
    secure_cookies: bool = Field(False, description="mark cookies Secure (behind HTTPS)")
    center_id: str = Field("center", pattern=ID_PATTERN,
                           description="this center's MQTT topic root: kezek/<center_id>/…")
    mqtt_enabled: bool = Field(True, description="run the MQTT bridge to the nodes")
    mqtt_url: str | None = Field(
        None, description="broker as mqtt://host:port or mqtts://host:port; empty starts "
                          "the embedded broker (one-box center)")
    mqtt_username: str | None = Field(None, description="the hub's broker user")
    mqtt_password: SecretStr | None = Field(None, description="the hub's broker password")
    mqtt_ca_file: Path | None = Field(None, description="CA certificate for mqtts://")
    embedded_mqtt_host: str = Field("127.0.0.1", description="where the embedded broker listens")
    embedded_mqtt_port: int = Field(1883, ge=1, le=65535)
    clock_start: AwareDatetime | None = Field(
        None, description="demonstrations and tests only: the hub's clock starts at this "
                          "moment (e.g. 2026-11-23T10:00:00+05:00) and runs on")
    timeline: str | None = Field(
        None, description="demonstrations and tests only: the day runner's simulated time "
                          "(simulation/timeline.py, the KEZEK_TIMELINE string) as the hub's "
                          "clock, shared with the virtual center's nodes")
    reception_profile: str = Field(
        DEFAULT_PROFILE.name, description="regulation profile of personal reception: "
        "model_2023 (default), almaty_2025 or karaganda_2021")
    check_in: CheckInWindows = Field(default_factory=CheckInWindows,
                                     description="personal reception check-in windows")
    mail: MailSettings | None = Field(
        None, description="the SMTP relay for letters to applicants; empty: no e-mail")
    sms_channel: Literal["none", "record"] = Field(
        "none", description="SMS to applicants: none, or record (a fake that keeps the "
                            "messages; no real gateway is wired yet)")
    appeals: AppealSettings = Field(default_factory=AppealSettings,
                                    description="appeals register, control and survey")
    demo_clock: bool = Field(
        False, description="demonstrations only: when the center is closed at start, the "
                           "hub's clock jumps to its next opening and runs on from there")
    node_approval: Literal["automatic", "administrator"] | None = Field(
        None, description="claiming: a node first heard from is trusted at once "
                          "(automatic) or waits for an administrator in the console; empty "
                          "means administrator in production, automatic otherwise")
    broker_password_file: Path | None = Field(
        None, description="the Mosquitto password file the hub edits to cut off a rejected "
                          "or revoked node (kezek-provision writes it)")
    broker_pid_file: Path | None = Field(
        None, description="Mosquitto's pid file: the hub sends SIGHUP to reload the "
                          "password file")
    # Ticket terminals (issue 4).
    public_url: str | None = Field(
        # A ticket's status URL (this + "/t/<id>-<token>", ~40 characters) travels in
        # the MQTT reply, which carries at most 300 (contract/mqtt.py IssuedTicket).
        None, max_length=200, description="the hub's address as visitors' phones reach it, e.g. "
                          "http://hub.local:8000; printed in each ticket's QR code. Empty: "
                          "http://<host>:<port>")
    lease_numbers: int = Field(20, ge=1, le=500,
                               description="numbers per zone a ticket terminal reserves for "
                                           "printing while the hub is unreachable")

    @property
    def nodes_need_approval(self) -> bool:
        if self.node_approval is None:
            return self.environment is Environment.PRODUCTION
        return self.node_approval == "administrator"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgres")):
            raise ValueError("database_url must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("timeline")
    @classmethod
    def _a_timeline(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        from simulation.timeline import Timeline

        Timeline.from_env(value)  # raises ValueError naming what is wrong
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {entry!r} is not an IP address or network (a '*' "
                    "would let any client claim any address)") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")) or len(value) > 200:
            raise ValueError("public_url must be an http:// or https:// address")
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        broker_address(value)  # raises ValueError naming what is wrong
        return value

    @model_validator(mode="after")
    def _production_needs_real_secret(self) -> HubSettings:
        if self.environment is Environment.PRODUCTION and (
                self.clock_start is not None or self.demo_clock or self.timeline is not None):
            raise ValueError("clock_start, demo_clock and timeline are for demonstrations and "
                             "tests, not production")
        if self.timeline is not None and (self.clock_start is not None or self.demo_clock):
            raise ValueError("timeline is a clock of its own: not with clock_start or "
                             "demo_clock")
        if self.environment is Environment.PRODUCTION and self.secret_key is None:
            raise ValueError("secret_key must be set in production (KEZEK_HUB_SECRET_KEY)")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("secret_key must be at least 32 characters")
        return self

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_kib * 1024

    @property
    def max_upload_body_bytes(self) -> int:
        """A scan of the largest size allowed, plus the multipart form around it."""
        return int(self.appeals.max_attachment_mb * 1024 * 1024) + MULTIPART_ALLOWANCE

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "kezek.sqlite3")

    def session_secret(self) -> str:
        """The cookie-signing key; in development one is generated once and kept in data_dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        import os

        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("KEZEK_HUB_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


def load_settings(**overrides: Any) -> HubSettings:
    return HubSettings(**overrides)
