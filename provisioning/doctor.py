"""`kezek-node-doctor`: check a node where it stands and say what is wrong, in Kazakh and
Russian: its settings, the broker (reachable, its TLS certificate trusted; with
`--login` also the credentials), the clock against the hub's, the printer, the GPIO pin
factory, the audio device, the voice files and the disk. Exits 1 when anything is a
fault, so an installer's script can stop on it.

The broker login is optional because the broker knows a node by its user name: a second
connection under it takes the running node's session over. Stop the node's service
before `--login` (and before the printer check of a USB printer it holds)."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from contract.mqtt import NodeRole
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import (
    CONFIG_ENV,
    NodeSettings,
    NodeSettingsError,
    load_node_settings,
)
from firmware.display_node.settings import DisplayNodeSettings, VoiceSettings
from firmware.ticket_terminal.settings import TerminalSettings
from firmware.voices import MANIFEST
from provisioning.roles import ROLE_SETTINGS
from provisioning.voices import manifest, voice_ok

DEFAULT_CONFIG = Path("/etc/kezek/node.toml")
DEFAULTS_FILE = Path("/etc/default/kezek-doctor")
HUB_URL_ENV = "KEZEK_DOCTOR_HUB_URL"
CLOCK_WARNING_SECONDS = 5.0
CLOCK_FAULT_SECONDS = 60.0  # TLS, schedules and audit times go wrong well before this
DISK_FAULT_BYTES = 100 * 1024 * 1024
DISK_WARNING_BYTES = 500 * 1024 * 1024
TIMEOUT_SECONDS = 5.0


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAULT = "fault"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    level: Level
    kk: str
    ru: str
    detail: str = ""  # technical, for the installer's log


@dataclass(frozen=True, slots=True)
class Options:
    hub_url: str | None = None
    login: bool = False
    manifest_path: Path = MANIFEST
    clock_fault_seconds: float = CLOCK_FAULT_SECONDS
    disk_fault_bytes: int = DISK_FAULT_BYTES
    disk_warning_bytes: int = DISK_WARNING_BYTES
    timeout: float = TIMEOUT_SECONDS


def _ok(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.OK, kk, ru, detail)


def _fault(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.FAULT, kk, ru, detail)


def _warning(check: str, kk: str, ru: str, detail: str = "") -> Finding:
    return Finding(check, Level.WARNING, kk, ru, detail)


# Settings -------------------------------------------------------------------


def load_settings(path: Path) -> tuple[NodeSettings | None, Finding]:
    try:
        role = tomllib.loads(path.read_text()).get("role")
        settings_class = ROLE_SETTINGS[NodeRole(str(role))]
        settings = load_node_settings(settings_class, path)
    except OSError as error:
        return None, _fault("config", f"Баптаулар файлы оқылмады: {path}",
                            f"Не удалось прочитать файл настроек: {path}", str(error))
    except (tomllib.TOMLDecodeError, NodeSettingsError) as error:
        return None, _fault("config", "Баптаулар қате", "Ошибка в настройках", str(error))
    except (KeyError, ValueError):
        return None, _fault("config", "Баптауларда құрылғы рөлі белгісіз",
                            "В настройках неизвестна роль устройства", f"role = {role!r}")
    return settings, _ok("config", "Баптаулар дұрыс", "Настройки в порядке",
                         f"{settings.node_id} ({settings.role.value}), center "
                         f"{settings.center}")


# Broker ---------------------------------------------------------------------


def check_broker(settings: NodeSettings, options: Options) -> Finding:
    address = settings.broker
    try:
        raw = socket.create_connection((address.host, address.port), timeout=options.timeout)
    except OSError as error:
        return _fault("broker", f"Брокерге қосылу мүмкін емес ({address.host}:{address.port})",
                      f"Брокер недоступен ({address.host}:{address.port})", str(error))
    try:
        if address.tls:
            context = ssl.create_default_context(
                cafile=str(settings.ca_file) if settings.ca_file else None)
            try:
                with context.wrap_socket(raw, server_hostname=address.host) as tls:
                    version = tls.version()
            except ssl.SSLCertVerificationError as error:
                return _fault("broker", "Брокердің TLS сертификатына сенім жоқ",
                              "Сертификат TLS брокера не доверенный", error.verify_message)
            except (ssl.SSLError, OSError) as error:
                return _fault("broker", "Брокермен TLS байланысы орнамады",
                              "Не удалось установить TLS-соединение с брокером", str(error))
        else:
            version = "без TLS"
    finally:
        raw.close()
    if options.login:
        refused = _login(settings, options.timeout)
        if refused is not None:
            return _fault("broker", "Брокер құрылғыны қабылдамады (құпиясөз қате немесе "
                                    "құрылғы бұғатталған)",
                          "Брокер не принял устройство (неверный пароль или устройство "
                          "отозвано)", refused)
    tls_note = str(version) if address.tls else "plain MQTT (no TLS)"
    if not address.tls:
        return _warning("broker", "Брокер қолжетімді, бірақ TLS жоқ",
                        "Брокер доступен, но без TLS", tls_note)
    return _ok("broker", "Брокер қолжетімді, TLS сенімді",
               "Брокер доступен, TLS доверенный", str(tls_note))


def _login(settings: NodeSettings, timeout: float) -> str | None:
    """None when the broker accepts the node's credentials, else its answer."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    answer: dict[str, Any] = {}
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=settings.node_id,
                         clean_session=False, protocol=mqtt.MQTTv311)
    password = settings.password
    client.username_pw_set(settings.broker_username,
                           password.get_secret_value() if password else None)
    if settings.broker.tls:
        client.tls_set(ca_certs=str(settings.ca_file) if settings.ca_file else None,
                       certfile=str(settings.cert_file) if settings.cert_file else None,
                       keyfile=str(settings.key_file) if settings.key_file else None)

    def connected(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        answer["reason"] = reason
        done.set()

    client.on_connect = connected
    client.on_connect_fail = lambda _c, _u: done.set()
    client.on_disconnect = lambda *_args: done.set()
    try:
        client.connect(settings.broker.host, settings.broker.port, keepalive=10)
        client.loop_start()
        done.wait(timeout)
    except OSError as error:
        return str(error)
    finally:
        client.disconnect()
        client.loop_stop()
    reason = answer.get("reason")
    if reason is None:
        return "no answer from the broker"
    return None if not reason.is_failure else str(reason)


# Clock ----------------------------------------------------------------------


def check_clock(options: Options, now: Callable[[], float] = time.time) -> Finding:
    if not options.hub_url:
        return _warning("clock", "Орталық сервердің адресі берілмеген: сағат тексерілмеді",
                        "Адрес центрального сервера не задан: часы не проверены",
                        f"--hub-url or {HUB_URL_ENV}")
    try:
        # Only the Date header is read and nothing is sent: the hub's web certificate
        # need not be from the center's CA for this.
        started = now()
        response = httpx.head(options.hub_url, timeout=options.timeout,
                              verify=False)
        finished = now()
        hub_time = parsedate_to_datetime(response.headers["date"]).timestamp()
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
        return _fault("clock", "Орталық сервер уақытын алу мүмкін болмады",
                      "Не удалось получить время центрального сервера", str(error))
    # The Date header has whole seconds and was made somewhere during the round trip.
    skew = (started + finished) / 2 - hub_time - 0.5
    shown = f"{abs(skew):.0f}"
    direction_kk, direction_ru = ("алда", "спешат") if skew > 0 else ("артта", "отстают")
    detail = f"node - hub = {skew:+.1f} s"
    if abs(skew) >= options.clock_fault_seconds:
        return _fault("clock", f"Сағат орталық серверден {shown} с {direction_kk}: NTP "
                               "тексеріңіз", f"Часы {direction_ru} от центрального сервера "
                                            f"на {shown} с: проверьте NTP", detail)
    if abs(skew) >= CLOCK_WARNING_SECONDS:
        return _warning("clock", f"Сағат орталық серверден {shown} с {direction_kk}",
                        f"Часы {direction_ru} от центрального сервера на {shown} с", detail)
    return _ok("clock", "Сағат орталық сервермен сәйкес",
               "Часы совпадают с центральным сервером", detail)


# Devices --------------------------------------------------------------------


def check_printer(settings: TerminalSettings, options: Options) -> Finding:
    # Imported here: escpos (and Pillow) are the terminal's; other nodes need not load them.
    from firmware.ticket_terminal.printer import PrinterSettingsError, resolve_text_mode

    # Imported by name: escpos ships no type information.
    escpos_printer = importlib.import_module("escpos.printer")

    config = settings.printer
    try:
        text_mode = resolve_text_mode(config)  # what the terminal itself refuses to start on
    except PrinterSettingsError as error:
        return _fault("printer", "Принтер баптаулары қате", "Ошибка в настройках принтера",
                      str(error))
    detail = f"{config.kind}, {config.profile}, {text_mode}"
    if config.kind == "dummy":
        return _warning("printer", "Принтер жалған (dummy): ештеңе басылмайды",
                        "Принтер фиктивный (dummy): ничего не печатается", detail)
    try:
        device: Any
        if config.kind == "usb":
            device = escpos_printer.Usb(config.usb_vendor, config.usb_product,
                                        profile=config.profile)
        elif config.kind == "serial":
            device = escpos_printer.Serial(config.serial_device,
                                           baudrate=config.serial_baudrate,
                                           timeout=options.timeout, profile=config.profile)
        elif config.kind == "network":
            device = escpos_printer.Network(config.host, config.port,
                                            timeout=options.timeout, profile=config.profile)
        else:
            device = escpos_printer.File(str(config.file), profile=config.profile)
        device.open()
        try:
            if config.kind == "file":
                # A device file is written to only: opening it is all there is to check.
                return _ok("printer", "Принтер файлы ашылды (күйі оқылмайды)",
                           "Файл принтера открыт (состояние не читается)", detail)
            online = device.is_online()
            paper = device.paper_status() if online else None
        finally:
            device.close()
    except Exception as error:  # escpos raises its own and the transports' errors
        return _fault("printer", "Принтерге қосылу мүмкін емес",
                      "Нет связи с принтером", f"{detail}: {error}")
    if not online:
        return _fault("printer", "Принтер желіде емес (қақпағы ашық па?)",
                      "Принтер не в сети (открыта крышка?)", detail)
    if paper == 0:
        return _fault("printer", "Принтерде қағаз жоқ", "В принтере нет бумаги", detail)
    if paper == 1:
        return _warning("printer", "Принтерде қағаз таусылып барады",
                        "В принтере заканчивается бумага", detail)
    return _ok("printer", "Принтер дайын", "Принтер готов", detail)


def check_gpio(pin_factory: str) -> Finding:
    """`pin_factory` as the node's settings name it; `default` is gpiozero's own choice,
    which honours GPIOZERO_PIN_FACTORY as the node's service would."""
    gpiozero = importlib.import_module("gpiozero")
    bad_pin_factory = importlib.import_module("gpiozero.exc").BadPinFactory

    previous = os.environ.get("GPIOZERO_PIN_FACTORY")
    if pin_factory != "default":
        os.environ["GPIOZERO_PIN_FACTORY"] = pin_factory
    try:
        factory = gpiozero.Device._default_pin_factory()
        name = type(factory).__name__
        factory.close()
    except (bad_pin_factory, ImportError, OSError, RuntimeError) as error:
        return _fault("gpio", "GPIO драйвері жүктелмеді", "Не загрузился драйвер GPIO",
                      f"{pin_factory}: {error}")
    finally:
        if previous is None:
            os.environ.pop("GPIOZERO_PIN_FACTORY", None)
        else:
            os.environ["GPIOZERO_PIN_FACTORY"] = previous
    if name == "MockFactory":
        return _warning("gpio", "GPIO жалған (mock): түймелер жұмыс істемейді",
                        "GPIO фиктивный (mock): кнопки не работают", name)
    return _ok("gpio", "GPIO дайын", "GPIO готов", name)


def check_audio(voice: VoiceSettings, data_dir: Path) -> Finding:
    if voice.sink == "null":
        return _warning("audio", "Дыбыс өшірулі: хабарландырулар естілмейді",
                        "Звук отключён: объявления не слышны")
    if voice.sink == "wav":
        directory = voice.wav_dir or data_dir / "speaker"  # as the display node does
        parent = directory if directory.is_dir() else directory.parent
        if parent.is_dir() and os.access(parent, os.W_OK):
            return _warning("audio", "Дыбыс файлға жазылады (wav)",
                            "Звук пишется в файлы (wav)", str(directory))
        return _fault("audio", "Дыбыс файлдарына бума жазылмайды",
                      "Папка для звуковых файлов недоступна для записи", str(directory))
    cards = Path("/proc/asound/cards")
    listed = cards.read_text() if cards.is_file() else ""
    if "no soundcards" in listed or not listed.strip():
        return _fault("audio", "Дыбыс картасы табылмады", "Звуковая карта не найдена",
                      "no ALSA card in /proc/asound/cards")
    aplay = shutil.which("aplay")
    if aplay is None:  # the display node plays through aplay
        return _fault("audio", "aplay жоқ (alsa-utils орнатыңыз)",
                      "Нет aplay (установите alsa-utils)")
    if voice.alsa_device != "default":
        devices = subprocess.run([aplay, "-L"], capture_output=True, text=True,
                                 timeout=10).stdout.split()
        if voice.alsa_device not in devices:
            return _fault("audio", f"Дыбыс құрылғысы табылмады: {voice.alsa_device}",
                          f"Звуковое устройство не найдено: {voice.alsa_device}")
    return _ok("audio", "Дыбыс құрылғысы бар", "Звуковое устройство есть", voice.alsa_device)


def check_voices(voice: VoiceSettings, options: Options) -> Finding:
    entries = manifest(options.manifest_path)
    bad, unchecked, missing_languages = [], [], []
    for language in ("kk", "ru"):
        model: Path | None = getattr(voice, f"{language}_model")
        config: Path | None = getattr(voice, f"{language}_config")
        if model is None:
            missing_languages.append(language)
            continue
        config = config or model.with_name(model.name + ".json")  # Piper's default
        entry = entries.get(model.name.removesuffix(".onnx"))
        if not config.is_file() or not model.is_file():
            bad.append(str(model))
        elif entry is None:
            unchecked.append(str(model))  # the installer's own model: no checksum known
        elif not voice_ok(entry, model):
            bad.append(str(model))
    if bad:
        downloads = " ".join(Path(path).name.removesuffix(".onnx") for path in bad)
        return _fault("voices", "Дауыс файлдары жоқ немесе бүлінген: " + ", ".join(bad),
                      "Файлы голосов отсутствуют или повреждены: " + ", ".join(bad),
                      f"kezek-provision voices --dest <folder> {downloads}")
    if missing_languages:
        languages = ", ".join(missing_languages)
        return _warning("voices", f"Дауыс берілмеген тіл: {languages}",
                        f"Не задан голос для языка: {languages}",
                        "voice.kk_model / voice.ru_model")
    if unchecked:
        return _warning("voices", "Дауыс файлдары тізімде жоқ, тексерілмеді",
                        "Файлы голосов не из списка, не проверены", ", ".join(unchecked))
    return _ok("voices", "Дауыс файлдары тексерілді", "Файлы голосов проверены",
               f"{voice.kk_model}, {voice.ru_model}")


def check_disk(path: Path, options: Options) -> Finding:
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    shown = f"{free / 1024 / 1024:.0f}"
    if free < options.disk_fault_bytes:
        return _fault("disk", f"Дискіде орын жоқ: {shown} МБ қалды",
                      f"На диске нет места: осталось {shown} МБ", str(path))
    if free < options.disk_warning_bytes:
        return _warning("disk", f"Дискіде орын аз: {shown} МБ",
                        f"На диске мало места: {shown} МБ", str(path))
    return _ok("disk", f"Дискіде {shown} МБ бос", f"На диске свободно {shown} МБ", str(path))


# The report -----------------------------------------------------------------


def examine(config: Path, options: Options) -> list[Finding]:
    settings, loaded = load_settings(config)
    findings = [loaded]
    if settings is None:
        return findings
    findings += [check_broker(settings, options), check_clock(options)]
    if isinstance(settings, TerminalSettings):
        # The terminal has no [gpio] section: gpiozero's default (GPIOZERO_PIN_FACTORY).
        findings += [check_printer(settings, options), check_gpio("default")]
    if isinstance(settings, CallButtonSettings):
        findings.append(check_gpio(settings.gpio.pin_factory))
    if isinstance(settings, DisplayNodeSettings):
        voice = settings.voice
        if voice is None or not voice.enabled:
            findings.append(_warning("audio", "Дауыспен хабарлау өшірулі ([voice] жоқ)",
                                     "Голосовые объявления отключены (нет [voice])"))
        else:
            findings += [check_audio(voice, settings.data_dir),
                         check_voices(voice, options)]
    findings.append(check_disk(settings.data_dir, options))
    return findings


LABELS = {Level.OK: "OK", Level.WARNING: "НАЗАР / ВНИМАНИЕ", Level.FAULT: "АҚАУ / ОШИБКА"}


def report(findings: list[Finding]) -> str:
    lines = ["Kezek: құрылғы тексерісі / проверка устройства",
             f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", ""]
    for finding in findings:
        lines.append(f"[{LABELS[finding.level]}] {finding.check}: {finding.kk} / {finding.ru}")
        if finding.detail:
            lines.append(f"    {finding.detail}")
    faults = sum(1 for f in findings if f.level is Level.FAULT)
    lines += ["", f"Ақаулар: {faults} / Неисправностей: {faults}"]
    return "\n".join(lines)


def _default_hub_url() -> str | None:
    if os.environ.get(HUB_URL_ENV):
        return os.environ[HUB_URL_ENV]
    if DEFAULTS_FILE.is_file():
        for line in DEFAULTS_FILE.read_text().splitlines():
            if line.startswith(f"{HUB_URL_ENV}="):
                return line.split("=", 1)[1].strip() or None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-node-doctor",
                                     description="Check this Kezek node; exit 1 on a fault.")
    parser.add_argument("--config", type=Path,
                        default=Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG)))
    parser.add_argument("--hub-url", default=None,
                        help=f"the hub's web address (default: {HUB_URL_ENV})")
    parser.add_argument("--login", action="store_true",
                        help="also log in to the broker (stop the node's service first)")
    args = parser.parse_args(argv)
    findings = examine(args.config, Options(hub_url=args.hub_url or _default_hub_url(),
                                            login=args.login))
    print(report(findings))
    return 1 if any(f.level is Level.FAULT for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
