"""The ticket terminal's printer, opened as the node's service would."""

from __future__ import annotations

import importlib
from typing import Any

from firmware.ticket_terminal.settings import TerminalSettings
from provisioning.doctor.findings import Finding, Options, fault, ok, warning


def check_printer(settings: TerminalSettings, options: Options) -> Finding:
    # Imported here: escpos (and Pillow) are the terminal's; other nodes need not load them.
    from firmware.ticket_terminal.printer import PrinterSettingsError, resolve_text_mode

    # Imported by name: escpos ships no type information.
    escpos_printer = importlib.import_module("escpos.printer")

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
                return ok("printer", "Принтер файлы ашылды (күйі оқылмайды)",
                          "Файл принтера открыт (состояние не читается)", detail)
            online = device.is_online()
            paper = device.paper_status() if online else None
        finally:
            device.close()
    except Exception as error:  # escpos raises its own and the transports' errors
        return fault("printer", "Принтерге қосылу мүмкін емес",
                     "Нет связи с принтером", f"{detail}: {error}")
    if not online:
        return fault("printer", "Принтер желіде емес (қақпағы ашық па?)",
                     "Принтер не в сети (открыта крышка?)", detail)
    if paper == 0:
        return fault("printer", "Принтерде қағаз жоқ", "В принтере нет бумаги", detail)
    if paper == 1:
        return warning("printer", "Принтерде қағаз таусылып барады",
                       "В принтере заканчивается бумага", detail)
    return ok("printer", "Принтер дайын", "Принтер готов", detail)
