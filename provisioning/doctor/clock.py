"""The node's clock against the hub's: the hub's web server's `Date` header, read over
one round trip. The same thresholds and words as the node's `clock` driver
(contract/node_faults.py), so the installer and the fleet page say the same thing."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from contract.node_faults import CLOCK_WARNING_SECONDS, NODE_FAULTS
from provisioning.doctor.findings import Finding, Options, fault, ok, warning

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
    detail = f"node - hub = {skew:+.1f} s"
    if abs(skew) < CLOCK_WARNING_SECONDS:
        return ok("clock", "Сағат орталық сервермен сәйкес",
                  "Часы совпадают с центральным сервером", detail)
    words = NODE_FAULTS["clock_skew"]
    shown = f"{abs(skew):.0f}"
    ahead_kk, ahead_ru = ("алда", "спешат") if skew > 0 else ("артта", "отстают")
    kk = f"{words.kk} (сағат {shown} с {ahead_kk})"
    ru = f"{words.ru} (часы {ahead_ru} на {shown} с)"
    if abs(skew) >= options.clock_fault_seconds:
        return fault("clock", kk, ru, detail)
    return warning("clock", kk, ru, detail)
