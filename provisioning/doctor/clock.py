"""The node's clock against the hub's."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from provisioning.doctor.findings import CLOCK_WARNING_SECONDS, Finding, Options, fault, ok, warning

HUB_URL_ENV = "KEZEK_DOCTOR_HUB_URL"


def check_clock(options: Options, now: Callable[[], float] = time.time) -> Finding:
    if not options.hub_url:
        return warning("clock", "Орталық сервердің адресі берілмеген: сағат тексерілмеді",
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
        return fault("clock", "Орталық сервер уақытын алу мүмкін болмады",
                     "Не удалось получить время центрального сервера", str(error))
    # The Date header has whole seconds and was made somewhere during the round trip.
    skew = (started + finished) / 2 - hub_time - 0.5
    shown = f"{abs(skew):.0f}"
    direction_kk, direction_ru = ("алда", "спешат") if skew > 0 else ("артта", "отстают")
    detail = f"node - hub = {skew:+.1f} s"
    if abs(skew) >= options.clock_fault_seconds:
        return fault("clock", f"Сағат орталық серверден {shown} с {direction_kk}: NTP "
                              "тексеріңіз", f"Часы {direction_ru} от центрального сервера "
                                           f"на {shown} с: проверьте NTP", detail)
    if abs(skew) >= CLOCK_WARNING_SECONDS:
        return warning("clock", f"Сағат орталық серверден {shown} с {direction_kk}",
                       f"Часы {direction_ru} от центрального сервера на {shown} с", detail)
    return ok("clock", "Сағат орталық сервермен сәйкес",
              "Часы совпадают с центральным сервером", detail)
