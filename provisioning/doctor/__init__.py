"""`kezek-node-doctor`: check a node where it stands and say what is wrong, in Kazakh and
Russian: its settings, the broker (reachable, its TLS certificate trusted; with
`--login` also the credentials), the clock against the hub's, the printer, the GPIO pin
factory, a display's system (64-bit), audio device and voice files, and the disk. Exits
1 when anything is a fault, so an installer's script can stop on it.

Checks that touch the node's devices run as the node's service user, with the unit's
environment (`service_user.py`). Most can run beside the running node; these give a
true answer only with the service stopped (`systemctl stop kezek-node`):
- `--login`: the broker knows a node by its user name, and a second connection under it
  takes the running node's session over (so the login is optional);
- the printer check of a USB printer: the node holds the USB device open;
- the audio tone on an ALSA device without mixing (a Pi's HDMI, a USB speaker by `hw:`
  or `plughw:`): the node keeps one output stream open on it. The doctor sees that the
  stream holding the device is the node's own and says so as a warning, not as busy.
The GPIO check only opens the pin factory, claims no pin, and runs beside the node.

Checks whose modules need a role's extra are imported only for that role: the GPIO
check needs gpiozero (button and terminal extras), the printer check python-escpos;
a display node has neither."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import CONFIG_ENV
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.settings import TerminalSettings
from provisioning.doctor.architecture import check_architecture
from provisioning.doctor.broker import check_broker
from provisioning.doctor.clock import HUB_URL_ENV, check_clock
from provisioning.doctor.disk import check_disk
from provisioning.doctor.findings import Finding, Level, Options, warning
from provisioning.doctor.settings import load_settings, read_default

__all__ = ["Finding", "Level", "Options", "examine", "main", "report"]

DEFAULT_CONFIG = Path("/etc/kezek/node.toml")


def examine(config: Path, options: Options) -> list[Finding]:
    settings, loaded = load_settings(config)
    findings = [loaded]
    if settings is None:
        return findings
    findings += [check_broker(settings, options), check_clock(options)]
    # Imported per role (see the module's docstring): gpiozero, escpos, the voice.
    if isinstance(settings, TerminalSettings):
        from provisioning.doctor.gpio import check_gpio
        from provisioning.doctor.printer import check_printer

        # The terminal has no [gpio] section: gpiozero's default (GPIOZERO_PIN_FACTORY).
        findings += [check_printer(settings, options), check_gpio("default")]
    if isinstance(settings, CallButtonSettings):
        from provisioning.doctor.gpio import check_gpio

        findings.append(check_gpio(settings.gpio.pin_factory))
    if isinstance(settings, DisplayNodeSettings):
        findings.append(check_architecture())  # the display extra installs on 64-bit only
        voice = settings.voice
        if voice is None or not voice.enabled:
            findings.append(warning("audio", "Дауыспен хабарлау өшірулі ([voice] жоқ)",
                                    "Голосовые объявления отключены (нет [voice])"))
        else:
            from provisioning.doctor.audio import check_audio
            from provisioning.doctor.voices import check_voices

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
    findings = examine(args.config, Options(hub_url=args.hub_url or read_default(HUB_URL_ENV),
                                            login=args.login))
    print(report(findings))
    return 1 if any(f.level is Level.FAULT for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
