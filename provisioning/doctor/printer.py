"""The ticket terminal's printer, opened as the node's service opens it: run as root, the
doctor opens a USB, serial or device-file printer in a child process that has become the
service user (its unit's User=, with its groups), so a printer only root may open is reported
as such (`printer_permission`: the udev rule is missing or does not name it), not as
ready. A printer that is not there is `printer_missing`. Then its status: online, paper.

The child is forked (`service_user.run_as`), not started anew: the doctor's interpreter
may live where the service user cannot read (a developer's home)."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contract.node_faults import NODE_FAULTS
from firmware.ticket_terminal.settings import PrinterSection, TerminalSettings
from provisioning.doctor.findings import Finding, Options, fault, ok, warning
from provisioning.doctor.service_user import (
    ServiceUser,
    ServiceUserError,
    can_switch_to,
    run_as,
    service_user,
)

# Kinds whose device the service user must be allowed to open.
DEVICE_KINDS = ("usb", "serial", "file")
Probe = dict[str, str]  # outcome, detail


def check_printer(settings: TerminalSettings, options: Options, *,
                  user: Callable[[], ServiceUser | None] = service_user) -> Finding:
    """The printer as `user()` (the node's unit's user; tests give another) opens it."""
    # Imported here: escpos (and Pillow) are the terminal's; other nodes need not load them.
    from firmware.ticket_terminal.printer import PrinterSettingsError, resolve_text_mode

    config = settings.printer
    try:
        text_mode = resolve_text_mode(config)  # what the terminal itself refuses to start on
    except PrinterSettingsError as error:
        return fault("printer", "Принтер баптаулары қате", "Ошибка в настройках принтера",
                     str(error))
    detail = f"{config.kind}, {config.profile}, {text_mode}"
    if config.kind == "dummy":
        return warning("printer", "Принтер жалған (dummy): ештеңе басылмайды",
                       "Принтер фиктивный (dummy): ничего не печатается", detail)
    found = probe_as(user(), config, options.timeout)
    detail = f"{detail}, {found['as']}"
    if found["detail"]:
        detail += f": {found['detail']}"
    return _finding(found["outcome"], detail)


def _finding(outcome: str, detail: str) -> Finding:
    if outcome in ("printer_permission", "printer_missing"):
        text = NODE_FAULTS[outcome]
        return fault("printer", text.kk, text.ru, detail)
    if outcome == "file":
        # A device file is written to only: opening it is all there is to check.
        return ok("printer", "Принтер файлы ашылды (күйі оқылмайды)",
                  "Файл принтера открыт (состояние не читается)", detail)
    if outcome == "offline":
        return fault("printer", "Принтер желіде емес (қақпағы ашық па?)",
                     "Принтер не в сети (открыта крышка?)", detail)
    if outcome == "paper_out":
        return fault("printer", "Принтерде қағаз жоқ", "В принтере нет бумаги", detail)
    if outcome == "paper_low":
        return warning("printer", "Принтерде қағаз таусылып барады",
                       "В принтере заканчивается бумага", detail)
    if outcome == "ready":
        return ok("printer", "Принтер дайын", "Принтер готов", detail)
    return fault("printer", "Принтерге қосылу мүмкін емес", "Нет связи с принтером", detail)


def probe_as(account: ServiceUser | None, config: PrinterSection, timeout: float
             ) -> dict[str, str]:
    """The probe's outcome, as `account` when this process is root and the printer is a
    device; otherwise as this process. Adds `as`: whom it ran as."""
    if config.kind not in DEVICE_KINDS or account is None or not can_switch_to(account):
        whom = "as root: the service user does not exist here" \
            if account is None and os.geteuid() == 0 else f"as uid {os.geteuid()}"
        return probe(config, timeout) | {"as": whom}
    # Loaded before the fork: the child imports nothing (another thread could hold the
    # import lock at that moment).
    importlib.import_module("escpos.printer")
    with contextlib.suppress(ImportError):
        importlib.import_module("usb.backend.libusb1")
    try:
        found = run_as(account, lambda: probe(config, timeout), timeout=4 * timeout + 10)
    except ServiceUserError as error:
        found = {"outcome": "error", "detail": str(error)}
    return found | {"as": f"as {account.name}"}


def probe(config: PrinterSection, timeout: float) -> Probe:
    """Open the printer and read its state: outcome `ready`, `file`, `offline`,
    `paper_out`, `paper_low`, `printer_permission`, `printer_missing` or `error`."""
    escpos_printer = importlib.import_module("escpos.printer")  # no type information
    from firmware.ticket_terminal.printer import open_failure
    if config.kind == "file" and config.file is not None and not Path(config.file).exists():
        return {"outcome": "printer_missing", "detail": f"{config.file} does not exist"}
    try:
        device: Any
        if config.kind == "usb":
            device = escpos_printer.Usb(config.usb_vendor, config.usb_product,
                                        profile=config.profile)
        elif config.kind == "serial":
            device = escpos_printer.Serial(config.serial_device,
                                           baudrate=config.serial_baudrate,
                                           timeout=timeout, profile=config.profile)
        elif config.kind == "network":
            device = escpos_printer.Network(config.host, config.port,
                                            timeout=timeout, profile=config.profile)
        else:
            device = escpos_printer.File(str(config.file), profile=config.profile)
        device.open()
        try:
            if config.kind == "file":
                return {"outcome": "file", "detail": ""}
            online = device.is_online()
            paper = device.paper_status() if online else None
        finally:
            device.close()
    except Exception as error:  # escpos raises its own and the transports' errors
        outcome = "error" if config.kind == "network" else open_failure(error) or "error"
        return {"outcome": outcome, "detail": str(error).replace("\n", " ")}
    if not online:
        return {"outcome": "offline", "detail": ""}
    outcome = "paper_out" if paper == 0 else "paper_low" if paper == 1 else "ready"
    return {"outcome": outcome, "detail": ""}
